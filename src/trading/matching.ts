/**
 * The matching core of paper trading: resting orders + a stream of market updates (quotes and trades, in (ts, seq)
 * order) → fills, stop triggers and expiries. Pure: no I/O, no clock, no ledger; the ledger applies its output
 * (src/trading/resting.ts), and tests and the bench drive it with hand-built streams.
 *
 * Rules (issue 12 §2; where it is silent, what a broker's paper engine does):
 * - A buy limit fills when ask ≤ limit, at the ask (the better of limit and ask); a sell limit when bid ≥ limit,
 *   at the bid. A fill never exceeds the size quoted at that price; the rest stays open for later updates. Each
 *   quote update offers its displayed size once, shared by the orders it crosses in price-time priority (better
 *   limit first, then the older order).
 * - A buy stop triggers when a trade prints at or above the stop, or the ask reaches it; a sell stop when a trade
 *   prints at or below the stop, or the bid reaches it. A triggered stop acts as a market order (fills at the
 *   ask/bid of the quote that triggered it, or of the next quote when a trade triggered it); a triggered stop-limit
 *   acts as a limit order at its limit.
 * - An order with an expiry (tif=day) expires at the first update whose ts ≥ its expiry, before that update is
 *   applied; `clockNs` (the market clock after the stream) expires the ones whose close has passed without an update.
 * - Each order sees only updates after its cursor (the last update already applied to it), so re-running a match
 *   over the same history does nothing twice.
 */
import type { Side } from '../store/ledger/types.js';

export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';
export const ORDER_TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit'];
export const TIFS: readonly TimeInForce[] = ['day', 'gtc', 'ioc', 'fok'];

/** Prices and quantities are Dec-scaled bigints (millionths), as in the ledger. */
export interface BookOrder {
  id: string;
  side: Side;
  type: OrderType;
  limit: bigint | undefined;
  stop: bigint | undefined;
  remaining: bigint;
  triggered: boolean;
  expiresNs: bigint | undefined;
  /** The last update (ts, seq) already applied to this order: it sees only later ones. */
  cursorNs: bigint;
  cursorSeq: number;
}

export type MarketUpdate =
  | { kind: 'quote'; ts: bigint; seq: number; bid: bigint; ask: bigint; bidSize: bigint; askSize: bigint }
  | { kind: 'trade'; ts: bigint; seq: number; price: bigint };

export type MatchEvent =
  | { kind: 'fill'; orderId: string; ts: bigint; seq: number; quantity: bigint; price: bigint }
  | { kind: 'trigger'; orderId: string; ts: bigint; seq: number }
  | { kind: 'expire'; orderId: string; ts: bigint; seq: number };

interface Live extends BookOrder {
  done: boolean;
  /** Insertion order, the time priority among equal prices. */
  rank: number;
}

const after = (o: BookOrder, u: { ts: bigint; seq: number }): boolean => u.ts > o.cursorNs || (u.ts === o.cursorNs && u.seq > o.cursorSeq);

/** Inserts keeping `list` sorted by `key` (better first: `better(a, b)` when a has priority), rank breaking ties. */
function insertSorted(list: Live[], o: Live, better: (a: Live, b: Live) => boolean): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (better(list[mid], o) || (!better(o, list[mid]) && list[mid].rank < o.rank)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, o);
}

const higherLimit = (a: Live, b: Live) => a.limit! > b.limit!;
const lowerLimit = (a: Live, b: Live) => a.limit! < b.limit!;
const lowerStop = (a: Live, b: Live) => a.stop! < b.stop!;
const higherStop = (a: Live, b: Live) => a.stop! > b.stop!;

/** Drops finished orders from the head of a list (they are marked done, not spliced out, when they leave elsewhere). */
function head(list: Live[]): Live | undefined {
  while (list.length && list[0].done) list.shift();
  return list[0];
}

export interface MatchOptions {
  /** The market clock after the stream: day orders whose expiry is at or before it expire even without an update. */
  clockNs?: bigint;
}

export function matchOrders(orders: readonly BookOrder[], updates: Iterable<MarketUpdate>, opts: MatchOptions = {}): MatchEvent[] {
  const events: MatchEvent[] = [];
  // Orders wait in `pending` (by cursor) until the stream passes their cursor, then join the books.
  const pending: Live[] = orders.map((o, rank) => ({ ...o, done: false, rank })).sort((a, b) => (a.cursorNs < b.cursorNs ? -1 : a.cursorNs > b.cursorNs ? 1 : a.cursorSeq - b.cursorSeq));
  let next = 0;
  const buyLimits: Live[] = [];
  const sellLimits: Live[] = [];
  const buyMarkets: Live[] = [];
  const sellMarkets: Live[] = [];
  const buyStops: Live[] = [];
  const sellStops: Live[] = [];
  const expiring: Live[] = [];
  const byExpiry = (a: Live, b: Live) => a.expiresNs! < b.expiresNs!;

  const activate = (o: Live): void => {
    if (o.remaining <= 0n) return;
    if (o.expiresNs !== undefined) insertSorted(expiring, o, byExpiry);
    const acting = o.type === 'market' || o.type === 'limit' || o.triggered ? (o.type === 'market' || o.type === 'stop' ? 'market' : 'limit') : 'stop';
    if (acting === 'market') (o.side === 'buy' ? buyMarkets : sellMarkets).push(o);
    else if (acting === 'limit') insertSorted(o.side === 'buy' ? buyLimits : sellLimits, o, o.side === 'buy' ? higherLimit : lowerLimit);
    else insertSorted(o.side === 'buy' ? buyStops : sellStops, o, o.side === 'buy' ? lowerStop : higherStop);
  };

  const trigger = (o: Live, u: MarketUpdate): void => {
    o.triggered = true;
    events.push({ kind: 'trigger', orderId: o.id, ts: u.ts, seq: u.seq });
    if (o.type === 'stop') (o.side === 'buy' ? buyMarkets : sellMarkets).push(o);
    else insertSorted(o.side === 'buy' ? buyLimits : sellLimits, o, o.side === 'buy' ? higherLimit : lowerLimit);
  };

  const fill = (o: Live, u: MarketUpdate, available: bigint, price: bigint): bigint => {
    const q = o.remaining < available ? o.remaining : available;
    o.remaining -= q;
    events.push({ kind: 'fill', orderId: o.id, ts: u.ts, seq: u.seq, quantity: q, price });
    if (o.remaining === 0n) o.done = true;
    return available - q;
  };

  const expireUpTo = (ts: bigint, seq: number): void => {
    for (let o = head(expiring); o !== undefined && o.expiresNs! <= ts; o = head(expiring)) {
      expiring.shift();
      o.done = true;
      events.push({ kind: 'expire', orderId: o.id, ts, seq });
    }
  };

  for (const u of updates) {
    while (next < pending.length && after(pending[next], u)) activate(pending[next++]);
    expireUpTo(u.ts, u.seq);
    // Stops first: a quote or trade through the stop turns it into a market (or limit) order for this very update.
    const buyThrough = u.kind === 'quote' ? u.ask : u.price;
    const sellThrough = u.kind === 'quote' ? u.bid : u.price;
    for (let o = head(buyStops); o !== undefined && o.stop! <= buyThrough; o = head(buyStops)) trigger(buyStops.shift()!, u);
    for (let o = head(sellStops); o !== undefined && o.stop! >= sellThrough; o = head(sellStops)) trigger(sellStops.shift()!, u);
    if (u.kind !== 'quote') continue;
    let askLeft = u.askSize;
    for (let o = head(buyMarkets); o !== undefined && askLeft > 0n; o = head(buyMarkets)) askLeft = fill(o, u, askLeft, u.ask);
    for (let o = head(buyLimits); o !== undefined && askLeft > 0n && o.limit! >= u.ask; o = head(buyLimits)) askLeft = fill(o, u, askLeft, u.ask);
    let bidLeft = u.bidSize;
    for (let o = head(sellMarkets); o !== undefined && bidLeft > 0n; o = head(sellMarkets)) bidLeft = fill(o, u, bidLeft, u.bid);
    for (let o = head(sellLimits); o !== undefined && bidLeft > 0n && o.limit! <= u.bid; o = head(sellLimits)) bidLeft = fill(o, u, bidLeft, u.bid);
  }
  if (opts.clockNs !== undefined) {
    while (next < pending.length) activate(pending[next++]);
    expireUpTo(opts.clockNs, Number.MAX_SAFE_INTEGER);
  }
  return events;
}

/** Whether a buy (sell) limit is marketable against this ask (bid). */
export const limitCrosses = (side: Side, limit: bigint, bid: bigint, ask: bigint): boolean => (side === 'buy' ? ask <= limit : bid >= limit);
/** Whether a stop is already through at this price (buy: price ≥ stop; sell: price ≤ stop). */
export const stopThrough = (side: Side, stop: bigint, price: bigint): boolean => (side === 'buy' ? price >= stop : price <= stop);
