-- The paper-trading ledger. Written in the SQL that DuckDB and PostgreSQL both accept; the few dialect gaps
-- (row locks, advisory locks) live in dialect.ts. Money and quantities are DECIMAL(20,6); times are UTC epoch
-- nanoseconds (BIGINT), like every timestamp in cift. No foreign keys: DuckDB rejects updates to rows that
-- other rows reference, so integrity is kept by the one transactional write path (sql-ledger.ts) instead.
CREATE SEQUENCE IF NOT EXISTS cift_order_id START 1;
CREATE SEQUENCE IF NOT EXISTS cift_fill_id START 1;
CREATE SEQUENCE IF NOT EXISTS cift_cash_id START 1;

CREATE TABLE IF NOT EXISTS accounts (
  name VARCHAR(64) PRIMARY KEY,
  currency VARCHAR(8) NOT NULL,
  cash DECIMAL(20, 6) NOT NULL,
  fee_rate DECIMAL(20, 6) NOT NULL CHECK (fee_rate >= 0),
  max_position_qty DECIMAL(20, 6) NOT NULL CHECK (max_position_qty > 0),
  max_order_notional DECIMAL(20, 6) NOT NULL CHECK (max_order_notional > 0),
  max_leverage DECIMAL(20, 6) NOT NULL CHECK (max_leverage > 0),
  created_ns BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  id BIGINT PRIMARY KEY DEFAULT nextval('cift_order_id'),
  account VARCHAR(64) NOT NULL,
  client_order_id VARCHAR(128) NOT NULL,
  symbol VARCHAR(32) NOT NULL,
  side VARCHAR(4) NOT NULL CHECK (side IN ('buy', 'sell')),
  type VARCHAR(16) NOT NULL,
  quantity DECIMAL(20, 6) NOT NULL CHECK (quantity > 0),
  status VARCHAR(16) NOT NULL CHECK (status IN ('filled', 'rejected', 'canceled', 'accepted')),
  reject_codes VARCHAR(512),
  reject_reason VARCHAR(4000),
  created_ns BIGINT NOT NULL,
  updated_ns BIGINT NOT NULL,
  UNIQUE (account, client_order_id)
);

CREATE TABLE IF NOT EXISTS fills (
  id BIGINT PRIMARY KEY DEFAULT nextval('cift_fill_id'),
  order_id BIGINT NOT NULL,
  account VARCHAR(64) NOT NULL,
  symbol VARCHAR(32) NOT NULL,
  side VARCHAR(4) NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity DECIMAL(20, 6) NOT NULL CHECK (quantity > 0),
  price DECIMAL(20, 6) NOT NULL CHECK (price > 0),
  fee DECIMAL(20, 6) NOT NULL CHECK (fee >= 0),
  price_source VARCHAR(16) NOT NULL,
  filled_ns BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS positions (
  account VARCHAR(64) NOT NULL,
  symbol VARCHAR(32) NOT NULL,
  quantity DECIMAL(20, 6) NOT NULL,
  avg_cost DECIMAL(20, 6) NOT NULL,
  realized_pnl DECIMAL(20, 6) NOT NULL,
  updated_ns BIGINT NOT NULL,
  PRIMARY KEY (account, symbol)
);

CREATE TABLE IF NOT EXISTS cash_movements (
  id BIGINT PRIMARY KEY DEFAULT nextval('cift_cash_id'),
  account VARCHAR(64) NOT NULL,
  amount DECIMAL(20, 6) NOT NULL,
  kind VARCHAR(16) NOT NULL CHECK (kind IN ('deposit', 'trade', 'fee')),
  order_id BIGINT,
  created_ns BIGINT NOT NULL
);
