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

/** An event's payload as stored: JSON text, bigints as decimal strings. */
export const payloadText = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

export async function appendOrderEvent(tx: SqlRunner, e: OrderEventRow): Promise<void> {
  await appendOrderEvents(tx, [e]);
}

/**
 * Several events of one change in one statement (a market order's accepted and filled): the embedded database
 * spends most of a small write on each statement. Ids follow the rows' order.
 */
export async function appendOrderEvents(tx: SqlRunner, events: readonly OrderEventRow[]): Promise<void> {
  if (events.length === 0) return;
  const values = events.map((_, k) => `($${5 * k + 1}, $${5 * k + 2}, $${5 * k + 3}, $${5 * k + 4}, $${5 * k + 5})`).join(', ');
  await tx.query(
    `INSERT INTO order_events (account, order_id, kind, payload, created_ns) VALUES ${values}`,
    events.flatMap((e) => [e.account, e.orderId, e.kind, payloadText(e.payload), String(e.createdNs)]),
  );
}
