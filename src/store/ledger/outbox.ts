/**
 * Writing to the order-event outbox (migration 004): called inside the transaction that changes an order, so the
 * event commits or rolls back with the change. Publishing is the relay's job (src/store/bus).
 */
import type { SqlRunner } from './sql.js';

export type OrderEventKind = 'accepted' | 'rejected' | 'filled' | 'partially_filled' | 'canceled' | 'expired';

export interface OrderEventRow {
  account: string;
  orderId: string;
  kind: OrderEventKind;
  /** The order as the API shows it after the change; stored as JSON text. */
  payload: unknown;
  /** UTC epoch ns of the change. */
  createdNs: bigint;
}

export async function appendOrderEvent(tx: SqlRunner, e: OrderEventRow): Promise<void> {
  const payload = JSON.stringify(e.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  await tx.query('INSERT INTO order_events (account, order_id, kind, payload, created_ns) VALUES ($1, $2, $3, $4, $5)', [e.account, e.orderId, e.kind, payload, String(e.createdNs)]);
}

/** Several events of one transaction in one statement (in order: their ids rise in the order given). */
export async function appendOrderEvents(tx: SqlRunner, events: readonly OrderEventRow[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) return appendOrderEvent(tx, events[0]);
  const params: unknown[] = [];
  const rows = events.map((e) => {
    const payload = JSON.stringify(e.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    params.push(e.account, e.orderId, e.kind, payload, String(e.createdNs));
    const k = params.length - 5;
    return `($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5})`;
  });
  await tx.query(`INSERT INTO order_events (account, order_id, kind, payload, created_ns) VALUES ${rows.join(', ')}`, params);
}
