-- A client order id names one order in the whole ledger, not one per account: resubmitting it in another account
-- is a different order under the same key, which the ledger must refuse (IDEMPOTENCY_CONFLICT) rather than record.
CREATE UNIQUE INDEX IF NOT EXISTS orders_client_order_id_key ON orders (client_order_id);
