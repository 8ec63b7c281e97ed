/**
 * Moves resting orders along the market clock: runs the pure matcher (matching.ts) over a symbol's market updates
 * after its open orders' cursors and applies what it decides to the ledger, one transaction per state change
 * (fill, expiry), then records how far each order has seen. The updates come from the tick store (`cift order
 * match`, ingest: matchResting) or from a replay as it publishes them (`cift serve --replay`: matchUpdates); both
 * go through applyMatch, so the two cannot disagree.
 */
import type { Ledger, Order, OrderChange } from '../store/ledger/types.js';
import type { TickStore } from '../store/ticks/types.js';
import type { Dec } from '../money.js';
import { marketUpdates } from './market-clock.js';
import { matchOrders, type BookOrder, type MarketUpdate } from './matching.js';

/** cancel: a fill the cash could not pay for (a stop buy after a gap), canceled instead. */
export interface MatchChange {
  kind: 'fill' | 'expire' | 'cancel';
  order: Order;
}

export interface MatchReport {
  symbols: string[];
  /** Market updates read (quotes and trades). */
  updates: number;
  /** Orders after each change the matcher made, in the order applied. */
  changes: MatchChange[];
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

const seen = (o: Order, u: { ts: bigint; seq: number }): boolean => u.ts < o.cursorNs || (u.ts === o.cursorNs && u.seq <= o.cursorSeq);

/**
 * The matcher over `updates` ((ts, seq) order) for `orders` (the resting orders of one symbol) applied to the
 * ledger: each fill or expiry one transaction with the account locked. The market clock is the last update: day
 * orders whose close it has passed expire even if no update fell after the close.
 */
export async function applyMatch(ledger: Ledger, orders: readonly Order[], updates: readonly MarketUpdate[]): Promise<MatchChange[]> {
  const changes: MatchChange[] = [];
  if (orders.length === 0 || updates.length === 0) return changes;
  const last = updates[updates.length - 1];
  const events = matchOrders(orders.map(toBook), [...updates], { clockNs: last.ts });
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
    changes.push({ kind: e.kind === 'fill' && after.status === 'canceled' ? 'cancel' : e.kind, order: after });
    if (after.status !== 'open' && after.status !== 'partially_filled') finished.add(o.id);
  }
  // Orders still resting have seen every update up to the last: record it (and a stop's trigger) so the next
  // match starts there. An order placed after the last update (its cursor is later) has nothing to record.
  for (const o of orders) {
    if (finished.has(o.id) || seen(o, last)) continue;
    await ledger.applyOrderChange(o.account, o.id, { kind: 'advance', ts: last.ts, seq: last.seq, triggered: triggered.has(o.id) });
  }
  return changes;
}

/** One symbol's resting orders matched against `updates` it was just handed (a replay's rows, in (ts, seq) order). */
export async function matchUpdates(ledger: Ledger, symbol: string, updates: readonly MarketUpdate[]): Promise<MatchChange[]> {
  if (updates.length === 0) return [];
  return applyMatch(ledger, await ledger.restingOrders(symbol), updates);
}

export interface MatchOptions {
  /** Symbols left alone (a running replay moves their clock; the stored data ahead of it is their future). */
  exclude?: ReadonlySet<string>;
}

/** The resting orders (of `symbol`, or all) matched against the stored quotes and trades after their cursors. */
export async function matchResting(ledger: Ledger, store: Pick<TickStore, 'read'>, symbol?: string, opts: MatchOptions = {}): Promise<MatchReport> {
  const resting = await ledger.restingOrders(symbol);
  const bySymbol = new Map<string, Order[]>();
  for (const o of resting) if (!opts.exclude?.has(o.symbol)) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o]);
  const report: MatchReport = { symbols: [...bySymbol.keys()], updates: 0, changes: [] };
  for (const [sym, orders] of bySymbol) {
    const from = orders.reduce((m, o) => (o.cursorNs < m ? o.cursorNs : m), orders[0].cursorNs);
    const updates = await marketUpdates(store, sym, from);
    report.updates += updates.length;
    for (const change of await applyMatch(ledger, orders, updates)) report.changes.push(change);
  }
  return report;
}
