/**
 * The pipelines suite's work, each case twice: polars (nodejs-polars, multi-threaded native code) and the
 * plain-TypeScript line-by-line way a Node user would otherwise write it (single-threaded). Also the checkers that
 * compare the two before anything is timed: each throws naming the first disagreement.
 *
 * Cases: read the tick CSV; read the same ticks from Parquet; OHLCV per 1-minute bucket (group-by); the quote in
 * force at each trade (as-of join, backward: the last quote with quote.ts ≤ trade.ts); rolling mean(20).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type pl from 'nodejs-polars';
import { sma } from '../src/kernels/sma.js';
import type { Polars } from '../src/polars.js';
import { syntheticQuotes, syntheticTrades, type Quotes, type ReadDigest, type TickDigest, type Trades } from './pipelines-data.js';

export const CASE_IDS = ['csv', 'parquet', 'groupby', 'asof', 'rolling'] as const;
export type CaseId = (typeof CASE_IDS)[number];
export type Side = 'polars' | 'baseline';

/** Mean gap between trades of the group-by input: 1 s, so ~60 trades per 1-minute bucket. */
const GROUPBY_GAP_US = 1_000_000;
/** As-of input: trades 10 ms apart on average, quotes twice as often (two quote rows per trade). */
const ASOF_TRADE_GAP_US = 10_000;
const ASOF_QUOTES_PER_TRADE = 2;

/** The seeded input of an in-memory case (`rows` trades; for the as-of join, twice as many quotes). */
export function inMemoryInputs(id: Exclude<CaseId, 'csv' | 'parquet'>, rows: number, seed: number): { trades: Trades; quotes?: Quotes } {
  if (id === 'groupby') return { trades: syntheticTrades(rows, seed, GROUPBY_GAP_US) };
  if (id === 'asof') return { trades: syntheticTrades(rows, seed, ASOF_TRADE_GAP_US), quotes: syntheticQuotes(ASOF_QUOTES_PER_TRADE * rows, seed + 1, ASOF_TRADE_GAP_US / ASOF_QUOTES_PER_TRADE) };
  return { trades: syntheticTrades(rows, seed, ASOF_TRADE_GAP_US) };
}

/** Parsed tick columns of the baseline reader. */
export interface TickColumns {
  rows: number;
  ts: Float64Array;
  price: Float64Array;
  size: Float64Array;
  /** 1 = B (buyer-initiated), 0 = S. */
  buy: Uint8Array;
}

/** Typed tick columns of capacity `cap`, the first `rows` copied from `from`. */
function ticksOf(cap: number, from?: TickColumns): TickColumns {
  const c: TickColumns = { rows: from?.rows ?? 0, ts: new Float64Array(cap), price: new Float64Array(cap), size: new Float64Array(cap), buy: new Uint8Array(cap) };
  if (from) {
    c.ts.set(from.ts.subarray(0, from.rows));
    c.price.set(from.price.subarray(0, from.rows));
    c.size.set(from.size.subarray(0, from.rows));
    c.buy.set(from.buy.subarray(0, from.rows));
  }
  return c;
}

const TICK_HEADER = 'ts,price,size,side';

/**
 * The baseline CSV reader, as a Node user writes one: node:readline over a file stream, each line split on commas
 * and its fields parsed with Number() into typed arrays (doubled when full: the row count is not known up front).
 * A hand-rolled chunk splitter was tried while writing the suite and was no faster than readline.
 */
export async function readTicksLineByLine(path: string): Promise<TickColumns> {
  let c = ticksOf(1 << 16);
  let header = true;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (header) {
      header = false;
      if (line !== TICK_HEADER) throw new Error(`${path}: header "${line}", expected "${TICK_HEADER}"`);
      continue;
    }
    if (line === '') continue;
    if (c.rows === c.ts.length) c = ticksOf(2 * c.ts.length, c);
    const f = line.split(',');
    const i = c.rows++;
    c.ts[i] = Number(f[0]);
    c.price[i] = Number(f[1]);
    c.size[i] = Number(f[2]);
    c.buy[i] = f[3] === 'B' ? 1 : 0;
  }
  return { rows: c.rows, ts: c.ts.subarray(0, c.rows), price: c.price.subarray(0, c.rows), size: c.size.subarray(0, c.rows), buy: c.buy.subarray(0, c.rows) };
}

export function digestOfColumns(c: TickColumns): ReadDigest {
  let priceSum = 0;
  let sizeSum = 0;
  let buys = 0;
  let micros = 0;
  for (let i = 0; i < c.rows; i++) {
    priceSum += c.price[i];
    sizeSum += c.size[i];
    buys += c.buy[i];
    micros += c.ts[i] % 1_000_000;
  }
  return { rows: c.rows, price_sum: priceSum, size_sum: sizeSum, buys, ts_first: c.rows ? c.ts[0] : NaN, ts_last: c.rows ? c.ts[c.rows - 1] : NaN, ts_micros_sum: micros };
}

/** The same sums computed by polars on a frame it read (no copy of the columns into JavaScript). */
export function digestOfFrame(polars: Polars, frame: pl.DataFrame): ReadDigest {
  const c = polars.col;
  const [row] = frame
    .select(
      c('price').sum().alias('price_sum'),
      c('size').cast(polars.Float64).sum().alias('size_sum'),
      c('side').eq(polars.lit('B')).cast(polars.Float64).sum().alias('buys'),
      c('ts').cast(polars.Float64).first().alias('ts_first'),
      c('ts').cast(polars.Float64).last().alias('ts_last'),
      c('ts').modulo(1_000_000).cast(polars.Float64).sum().alias('ts_micros_sum'),
    )
    .toRecords() as Array<Record<string, number>>;
  return { rows: frame.height, price_sum: row.price_sum, size_sum: row.size_sum, buys: row.buys, ts_first: row.ts_first, ts_last: row.ts_last, ts_micros_sum: row.ts_micros_sum };
}

/** Throws unless a reader's digest matches the generator's: every count and sum exact, Σ price within 1e-9 relative. */
export function checkDigest(label: string, got: ReadDigest, want: TickDigest): void {
  const exact: Array<keyof TickDigest & keyof ReadDigest> = ['rows', 'size_sum', 'buys', 'ts_first', 'ts_last', 'ts_micros_sum'];
  for (const k of exact) {
    if (!Object.is(got[k], want[k])) throw new Error(`${label}: ${k} is ${got[k]}, the generator wrote ${want[k]}`);
  }
  const price = want.price_cents_sum / 100;
  if (!(Math.abs(got.price_sum - price) <= 1e-9 * Math.max(1, Math.abs(price)))) throw new Error(`${label}: Σ price is ${got.price_sum}, the generator wrote ${price}`);
}

/**
 * Throws unless `actual` equals `expected` element by element within `tol` (absolute, scaled by max(1, |expected|));
 * NaN must meet NaN (warm-up, no quote yet). Returns the largest difference seen.
 */
export function compareColumns(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): number {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} values, the baseline has ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (e !== e || a !== a) {
      if (e === e || a === a) throw new Error(`${label}: index ${i} is ${a}, the baseline has ${e}`);
      continue;
    }
    const d = Math.abs(a - e);
    if (!(d <= tol * Math.max(1, Math.abs(e)))) throw new Error(`${label}: index ${i} is ${a}, the baseline has ${e} (difference ${d})`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/** A Float64 column of a polars frame, nulls as NaN. */
export function floatColumn(polars: Polars, frame: pl.DataFrame, name: string): Float64Array {
  return frame.select(polars.col(name).cast(polars.Float64).fillNull(polars.lit(NaN))).getColumn(name).toTypedArray() as Float64Array;
}

// ---- group-by: OHLCV per 1-minute bucket -------------------------------------------------------------------------

export const MINUTE_US = 60_000_000;

/** One row per 1-minute bucket (bucket start in epoch µs), ascending. */
export interface MinuteBars {
  minute: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  trades: Float64Array;
}

export const BAR_FIELDS = ['minute', 'open', 'high', 'low', 'close', 'volume', 'trades'] as const;

export function tradesFrame(polars: Polars, t: Trades): pl.DataFrame {
  return polars.DataFrame({ ts: BigInt64Array.from(t.ts, (v) => BigInt(v)), price: t.price, size: t.size });
}

export function minuteBarsPolars(polars: Polars, trades: pl.DataFrame): pl.DataFrame {
  const c = polars.col;
  return trades
    .withColumns(c('ts').sub(c('ts').modulo(MINUTE_US)).alias('minute'))
    .groupBy('minute')
    .agg(
      c('price').first().alias('open'),
      c('price').max().alias('high'),
      c('price').min().alias('low'),
      c('price').last().alias('close'),
      c('size').sum().alias('volume'),
      c('price').count().alias('trades'),
    )
    .sort('minute');
}

/** The Map-based loop: one entry per bucket, updated trade by trade; buckets sorted at the end. */
export function minuteBarsLoop(t: Trades): MinuteBars {
  const bars = new Map<number, { open: number; high: number; low: number; close: number; volume: number; trades: number }>();
  for (let i = 0; i < t.ts.length; i++) {
    const minute = t.ts[i] - (t.ts[i] % MINUTE_US);
    const p = t.price[i];
    const bar = bars.get(minute);
    if (bar === undefined) bars.set(minute, { open: p, high: p, low: p, close: p, volume: t.size[i], trades: 1 });
    else {
      if (p > bar.high) bar.high = p;
      if (p < bar.low) bar.low = p;
      bar.close = p;
      bar.volume += t.size[i];
      bar.trades++;
    }
  }
  const keys = [...bars.keys()].sort((a, b) => a - b);
  const out = Object.fromEntries(BAR_FIELDS.map((f) => [f, new Float64Array(keys.length)])) as unknown as MinuteBars;
  keys.forEach((k, j) => {
    const b = bars.get(k)!;
    out.minute[j] = k;
    out.open[j] = b.open;
    out.high[j] = b.high;
    out.low[j] = b.low;
    out.close[j] = b.close;
    out.volume[j] = b.volume;
    out.trades[j] = b.trades;
  });
  return out;
}

/** Every bar field of polars' result against the loop's, exactly (picks, and sums of whole numbers). */
export function checkMinuteBars(got: MinuteBars, want: MinuteBars): number {
  for (const f of BAR_FIELDS) compareColumns(`group-by ${f}`, got[f], want[f], 0);
  return got.minute.length;
}

export function minuteBarsOfFrame(polars: Polars, frame: pl.DataFrame): MinuteBars {
  return Object.fromEntries(BAR_FIELDS.map((f) => [f, floatColumn(polars, frame, f)])) as unknown as MinuteBars;
}

// ---- as-of join: the quote in force at each trade ----------------------------------------------------------------

export function quotesFrame(polars: Polars, q: Quotes): pl.DataFrame {
  return polars.DataFrame({ ts: BigInt64Array.from(q.ts, (v) => BigInt(v)), bid: q.bid, ask: q.ask });
}

export function asofPolars(trades: pl.DataFrame, quotes: pl.DataFrame): pl.DataFrame {
  return trades.joinAsof(quotes, { on: 'ts', strategy: 'backward' });
}

/** Two pointers over the sorted trades and quotes: the last quote with ts ≤ the trade's (NaN before the first). */
export function asofLoop(t: Trades, q: Quotes): { bid: Float64Array; ask: Float64Array } {
  const n = t.ts.length;
  const bid = new Float64Array(n);
  const ask = new Float64Array(n);
  let j = -1;
  for (let i = 0; i < n; i++) {
    while (j + 1 < q.ts.length && q.ts[j + 1] <= t.ts[i]) j++;
    bid[i] = j < 0 ? NaN : q.bid[j];
    ask[i] = j < 0 ? NaN : q.ask[j];
  }
  return { bid, ask };
}

// ---- rolling window ----------------------------------------------------------------------------------------------

export const ROLLING_WINDOW = 20;

export function rollingPolars(polars: Polars, prices: pl.DataFrame): pl.DataFrame {
  return prices.select(polars.col('price').rollingMean(ROLLING_WINDOW));
}

/** cift's own kernel (Kahan-compensated running sum; NaN for the first 19). */
export const rollingKernel = (price: Float64Array): Float64Array => sma(price, ROLLING_WINDOW);
