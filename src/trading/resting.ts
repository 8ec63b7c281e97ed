/**
 * Moves resting orders along the market clock: reads each symbol's stored quotes and trades after its open
 * orders' cursors, runs the pure matcher (matching.ts) over them and applies what it decides to the ledger, one
 * transaction per state change (fill, expiry), then records how far each order has seen.
 */
import type { Ledger, Order, OrderChange } from '../store/ledger/types.js';
import type { TickStore } from '../store/ticks/types.js';
import type { Dec } from '../money.js';
import { marketUpdates } from './market-clock.js';
import { matchOrders, type BookOrder } from './matching.js';

export interface MatchReport {
  symbols: string[];
  /** Market updates read (quotes and trades). */
  updates: number;
  /** Orders after each change the matcher made, in the order applied. */
  /** cancel: a fill the cash could not pay for (a stop buy after a gap), canceled instead. */
  changes: Array<{ kind: 'fill' | 'expire' | 'cancel'; order: Order }>;
}

const toBook = (o: Order): BookOrder => ({
  id: o.id,
  side: o.side,
  type: o.type,
  limit: o.limitPrice,
  stop: o.stopPrice,
  remaining: o.quantity - o.filledQuantity,
  triggered: o.triggered,
  expiresNs: o.expiresNs,
  cursorNs: o.cursorNs,
  cursorSeq: o.cursorSeq,
});

export async function matchResting(ledger: Ledger, store: Pick<TickStore, 'read'>, symbol?: string): Promise<MatchReport> {
  const resting = await ledger.restingOrders(symbol);
  const bySymbol = new Map<string, Order[]>();
  for (const o of resting) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o]);
  const report: MatchReport = { symbols: [...bySymbol.keys()], updates: 0, changes: [] };
  for (const [sym, orders] of bySymbol) {
    const from = orders.reduce((m, o) => (o.cursorNs < m ? o.cursorNs : m), orders[0].cursorNs);
    const updates = await marketUpdates(store, sym, from);
    report.updates += updates.length;
    if (updates.length === 0) continue;
    const last = updates[updates.length - 1];
    // The market clock is the last stored update: day orders whose close it has passed expire even if no update
    // fell after the close.
    const events = matchOrders(orders.map(toBook), updates, { clockNs: last.ts });
    const byId = new Map(orders.map((o) => [o.id, o]));
    const triggered = new Set<string>();
    const finished = new Set<string>();
    for (const e of events) {
      const o = byId.get(e.orderId)!;
      if (e.kind === 'trigger') {
        triggered.add(e.orderId);
        continue;
      }
      const change: OrderChange =
        e.kind === 'fill'
          ? { kind: 'fill', ts: e.ts, seq: e.seq, quantity: e.quantity as Dec, price: e.price as Dec, priceSource: 'quote', triggered: triggered.has(e.orderId) }
          : { kind: 'expire', ts: e.ts, seq: e.seq };
      const after = await ledger.applyOrderChange(o.account, o.id, change);
      if (after === undefined) {
        finished.add(o.id);
        continue;
      }
      report.changes.push({ kind: e.kind === 'fill' && after.status === 'canceled' ? 'cancel' : e.kind, order: after });
      if (after.status !== 'open' && after.status !== 'partially_filled') finished.add(o.id);
    }
    // Orders still resting have seen every update up to the last: record it (and a stop's trigger) so the next
    // match starts there.
    for (const o of orders) {
      if (finished.has(o.id)) continue;
      await ledger.applyOrderChange(o.account, o.id, { kind: 'advance', ts: last.ts, seq: last.seq, triggered: triggered.has(o.id) });
    }
  }
  return report;
}
