-- The outbox of order events: each state change of an order (accepted, rejected, filled, partially_filled,
-- canceled, expired) writes one row here in the same transaction as the change itself, so an event exists exactly
-- when the change does. A relay publishes rows in id order to the configured bus and then sets published_ns;
-- the id is the event's identity on every bus, so a publish repeated after a crash is recognised, not doubled.
-- No index on published_ns: DuckDB cannot update an indexed column of a row reliably in one transaction.
CREATE SEQUENCE IF NOT EXISTS cift_event_id START 1;

CREATE TABLE IF NOT EXISTS order_events (
  id BIGINT PRIMARY KEY DEFAULT nextval('cift_event_id'),
  account VARCHAR(64) NOT NULL,
  order_id BIGINT NOT NULL,
  kind VARCHAR(24) NOT NULL CHECK (kind IN ('accepted', 'rejected', 'filled', 'partially_filled', 'canceled', 'expired')),
  -- The order as the API shows it after this change (JSON text).
  payload VARCHAR NOT NULL,
  created_ns BIGINT NOT NULL,
  published_ns BIGINT
);
