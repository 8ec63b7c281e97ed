-- API keys for `cift serve`: each belongs to one account. Only the SHA-256 (hex) of a key is stored, never the
-- key; `prefix` (its first characters) lets a person recognise it in `cift serve keys list`. A revoked key keeps
-- its row (revoked_ns set) so the list shows what was revoked and when.
CREATE SEQUENCE IF NOT EXISTS cift_api_key_id START 1;

CREATE TABLE IF NOT EXISTS api_keys (
  id BIGINT PRIMARY KEY DEFAULT nextval('cift_api_key_id'),
  account VARCHAR(64) NOT NULL,
  name VARCHAR(128),
  prefix VARCHAR(32) NOT NULL,
  sha256 VARCHAR(64) NOT NULL UNIQUE,
  created_ns BIGINT NOT NULL,
  revoked_ns BIGINT,
  last_used_ns BIGINT
);
