-- A client order id names one order in the whole ledger, not one per account: a submit looks it up in every
-- account (sql-ledger.ts), so reusing it for a different order, in any account, is refused (IDEMPOTENCY_CONFLICT).
-- Not a UNIQUE index: ledgers written before this rule may hold the same id in two accounts, and must still open.
CREATE INDEX IF NOT EXISTS orders_client_order_id ON orders (client_order_id);
