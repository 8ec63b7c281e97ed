/**
 * Paper trading's market clock: orders live on the time of the stored market data, not the wall clock. An order
 * is placed at the symbol's latest stored price time, or at an earlier time (`--at`, a what-if on stored history);
 * it then sees the stored quotes and trades after that time, in (ts, seq) order.
 */
import type pl from 'nodejs-polars';
import { loadPolars } from '../polars.js';
import type { TickStore } from '../store/ticks/types.js';
import { NS_PER_DAY, NS_PER_MS, readWallTime, zoneOffsetMs } from '../time.js';
import type { MarketUpdate } from './matching.js';
import type { MarketPrice } from './prices.js';

/** US equities: the regular session closes at 16:00 New York time. */
export const SESSION_ZONE = 'America/New_York';
const CLOSE_MS_OF_DAY = 16 * 3600 * 1000;

/**
 * The session close a `day` order expires at: 16:00 America/New_York on the New York calendar day it was placed,
 * or, when placed at or after that close (or on a weekend), 16:00 of the next weekday. Exchange holidays are not
 * known; a holiday simply has no data, so the order expires at that day's 16:00 all the same.
 */
export function sessionCloseNs(placedNs: bigint): bigint {
  const utcMs = Number(placedNs / NS_PER_MS);
  const localMs = utcMs + zoneOffsetMs(SESSION_ZONE, utcMs);
  let day = Math.floor(localMs / 86_400_000);
  if (localMs - day * 86_400_000 >= CLOSE_MS_OF_DAY) day += 1;
  // 1970-01-01 was a Thursday: day % 7 → 0 Thu, 1 Fri, 2 Sat, 3 Sun.
  while (((day % 7) + 7) % 7 === 2 || ((day % 7) + 7) % 7 === 3) day += 1;
  const wall = readWallTime(day * 86_400_000 + CLOSE_MS_OF_DAY, SESSION_ZONE);
  // 16:00 is never in a DST gap or overlap in New York (the changes are at 02:00).
  const ms = wall.kind === 'unique' ? wall.utcMs : day * 86_400_000 + CLOSE_MS_OF_DAY - zoneOffsetMs(SESSION_ZONE, day * 86_400_000);
  return BigInt(ms) * NS_PER_MS;
}

/** How far back --at looks for the price in force (a quote, trade or bar older than this is not "the" price). */
const LOOKBACK_NS = 7n * NS_PER_DAY;

/** The last row of a frame at or before `at`, with the seq, or undefined. */
async function lastRow(frame: pl.DataFrame | undefined): Promise<{ ts: bigint; seq: number; row: Record<string, number> } | undefined> {
  if (frame === undefined || frame.height === 0) return undefined;
  const pl = await loadPolars();
  const last = frame.tail(1);
  const ts = (last.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array)[0];
  const row: Record<string, number> = {};
  for (const c of last.columns) if (c !== 'ts') row[c] = (last.getColumn(c).cast(pl.Float64).toTypedArray() as Float64Array)[0];
  return { ts, seq: row.seq ?? 0, row };
}

/** The placement quote's sizes and position in the stream, when the price came from a quote. */
export interface ClockPrice extends MarketPrice {
  seq: number;
  bidSize?: number;
  askSize?: number;
}

/** The price in force at `at`: the last quote at or before it, else the last trade, else the last bar (7 days back). */
export async function priceAt(store: Pick<TickStore, 'read'>, symbol: string, at: bigint): Promise<ClockPrice | undefined> {
  const range = { from: at - LOOKBACK_NS, to: at };
  const q = await lastRow(await store.read('quotes', symbol, range));
  if (q) return { buy: q.row.ask, sell: q.row.bid, mark: (q.row.bid + q.row.ask) / 2, source: 'quote', ts: q.ts, seq: q.seq, bidSize: q.row.bid_size, askSize: q.row.ask_size };
  const t = await lastRow(await store.read('trades', symbol, range));
  if (t) return { buy: t.row.price, sell: t.row.price, mark: t.row.price, source: 'trade', ts: t.ts, seq: t.seq };
  const b = await lastRow(await store.read('bars', symbol, range));
  if (b) return { buy: b.row.close, sell: b.row.close, mark: b.row.close, source: 'bar', ts: b.ts, seq: b.seq };
  return undefined;
}

/** A float price or size from the store as a Dec-scaled bigint (6 places, as the ledger holds it). */
export const scaled = (v: number): bigint => BigInt(Math.round(v * 1e6));

/**
 * The stored quotes and trades of a symbol after `fromNs` (inclusive; the matcher skips what each order has
 * seen), merged in (ts, seq) order; a trade and a quote with the same (ts, seq) (one LOBSTER execution and the
 * book after it) come trade first.
 */
export async function marketUpdates(store: Pick<TickStore, 'read'>, symbol: string, fromNs: bigint): Promise<MarketUpdate[]> {
  const pl = await loadPolars();
  const [quotes, trades] = await Promise.all([store.read('quotes', symbol, { from: fromNs }), store.read('trades', symbol, { from: fromNs })]);
  const col = (f: pl.DataFrame, c: string) => f.getColumn(c).cast(pl.Float64).toTypedArray() as Float64Array;
  const tsOf = (f: pl.DataFrame) => f.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array;
  const out: MarketUpdate[] = [];
  const qn = quotes?.height ?? 0;
  const tn = trades?.height ?? 0;
  const q = quotes && qn ? { ts: tsOf(quotes), seq: col(quotes, 'seq'), bid: col(quotes, 'bid'), ask: col(quotes, 'ask'), bs: col(quotes, 'bid_size'), as: col(quotes, 'ask_size') } : undefined;
  const t = trades && tn ? { ts: tsOf(trades), seq: col(trades, 'seq'), price: col(trades, 'price') } : undefined;
  let i = 0;
  let j = 0;
  while (i < qn || j < tn) {
    const takeTrade = j < tn && (i >= qn || t!.ts[j] < q!.ts[i] || (t!.ts[j] === q!.ts[i] && t!.seq[j] <= q!.seq[i]));
    if (takeTrade) {
      out.push({ kind: 'trade', ts: t!.ts[j], seq: t!.seq[j], price: scaled(t!.price[j]) });
      j++;
    } else {
      out.push({ kind: 'quote', ts: q!.ts[i], seq: q!.seq[i], bid: scaled(q!.bid[i]), ask: scaled(q!.ask[i]), bidSize: scaled(q!.bs[i]), askSize: scaled(q!.as[i]) });
      i++;
    }
  }
  return out;
}

/** One quote or trade row as the matcher takes it (a replayed row: its value columns as numbers), Dec-scaled. */
export function marketUpdateOf(kind: 'quotes' | 'trades', ts: bigint, seq: number, values: Record<string, number>): MarketUpdate {
  return kind === 'trades'
    ? { kind: 'trade', ts, seq, price: scaled(values.price) }
    : { kind: 'quote', ts, seq, bid: scaled(values.bid), ask: scaled(values.ask), bidSize: scaled(values.bid_size), askSize: scaled(values.ask_size) };
}
