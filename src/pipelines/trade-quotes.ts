/**
 * Trades joined as-of to the quote in force, then the trade kernels (src/kernels/trades.ts): one row per trade.
 *
 * The quote in force for a trade is the LAST book row (or quote) strictly before it in source order, that is
 * lexicographically before it on (ts, seq): for LOBSTER, whose book row k is the book after message k, a trade at
 * message k is measured against book row k − 1 and book row k (same seq) is after it. nodejs-polars' joinAsof
 * has no allowExactMatches option, so the order is made a single key: both key sets are stacked, sorted by
 * (ts, seq, tag) with the trade before the book row at equal (ts, seq), numbered, and each trade joined backward
 * on that number to the last book row before it.
 *
 * Horizons of forward-looking features (realized_spread:H): H book rows after the trade (H = 1 is the first book
 * row after it, the book right after the execution), or, written with a time unit, the mid in force at ts + H (the
 * last book row with ts ≤ ts + H). Past the last book row the mid ahead is unknown: NaN in the kernel, null in the
 * frame, never filled.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { timestampsOf } from '../frames.js';
import { kernelInputs } from '../kernels/registry.js';
import type { Polars } from '../polars.js';
import type { FeatureRequest } from './feature-set.js';
import { numericColumn } from './features.js';

/** The columns a trade-feature frame starts with, before the feature columns. */
export const TRADE_FEATURE_COLUMNS = ['ts', 'seq', 'price', 'size', 'side', 'mid'] as const;

/** The best bid and ask columns of a stored book (level 1) or of quotes. */
function topOfBookColumns(frame: pl.DataFrame): [string, string] {
  if (frame.columns.includes('bid_px_1') && frame.columns.includes('ask_px_1')) return ['bid_px_1', 'ask_px_1'];
  if (frame.columns.includes('bid') && frame.columns.includes('ask')) return ['bid', 'ask'];
  throw new CiftError('NO_DATA', 'trade features need a stored book (bid_px_1, ask_px_1) or quotes (bid, ask) to measure trades against', 'ingest quotes or a book for this symbol (e.g. `cift ingest lobster MESSAGE ORDERBOOK`)');
}

/**
 * A frame's rows in (ts, seq) order, the source order the as-of rule is stated in. Stored frames already are, so
 * the order is checked first (one pass) and the sort, costly on a wide book, only runs when needed.
 */
function inSourceOrder(polars: Polars, frame: pl.DataFrame): pl.DataFrame {
  const ts = timestampsOf(polars, frame);
  const seq = numericColumn(polars, frame, 'seq');
  for (let i = 1; i < ts.length; i++) {
    if (ts[i] < ts[i - 1] || (ts[i] === ts[i - 1] && seq[i] < seq[i - 1])) return frame.sort(['ts', 'seq']);
  }
  return frame;
}

/**
 * For each trade (row i of `trades`), the book row in force (its row number in `book`): the last one strictly before
 * the trade on (ts, seq), a book row with the trade's own (ts, seq) counting as after it. NaN when no book row comes
 * before. Either frame may be in any order.
 */
export function bookRowInForce(polars: Polars, trades: pl.DataFrame, book: pl.DataFrame): Float64Array {
  const { col, lit } = polars;
  const keys = (frame: pl.DataFrame, tag: number) =>
    frame.select(col('ts').cast(polars.Datetime('ns')), col('seq').cast(polars.Float64), lit(tag).cast(polars.Int8).alias('tag')).withRowIndex('row');
  // tag 0 (trade) sorts before tag 1 (book row) at equal (ts, seq): the book row with the trade's seq comes after it.
  const ordered = polars
    .concat([keys(trades, 0), keys(book, 1)], { how: 'vertical' })
    .sort(['ts', 'seq', 'tag', 'row'])
    .withRowIndex('order')
    .select(col('order').cast(polars.Int64), 'tag', col('row').cast(polars.Float64));
  const tradeKeys = ordered.filter(col('tag').eq(0)).select('order', col('row').alias('trade_row'));
  const bookKeys = ordered.filter(col('tag').eq(1)).select('order', col('row').alias('book_row'));
  // Orders are distinct, so "backward" (last order ≤ the trade's) is the last book row strictly before the trade.
  const joined = tradeKeys.joinAsof(bookKeys, { on: 'order', strategy: 'backward' });
  return numericColumn(polars, joined.sort('trade_row'), 'book_row');
}

/** Mid of each book row: (best bid + best ask)/2, NaN when a side is empty. */
function bookMids(polars: Polars, book: pl.DataFrame): Float64Array {
  const bid = numericColumn(polars, book, 'bid');
  const ask = numericColumn(polars, book, 'ask');
  const mids = new Float64Array(book.height);
  for (let j = 0; j < mids.length; j++) mids[j] = (bid[j] + ask[j]) / 2;
  return mids;
}

/** The mid h book rows after each trade: row inForce + h (the first row after a trade is inForce + 1). */
function midAheadByRows(inForce: Float64Array, mids: Float64Array, h: number): Float64Array {
  const out = new Float64Array(inForce.length);
  for (let i = 0; i < out.length; i++) {
    // No book row before the trade: the first row after it is row 0.
    const k = (inForce[i] === inForce[i] ? inForce[i] : -1) + h;
    out[i] = k < mids.length ? mids[k] : NaN;
  }
  return out;
}

/** The mid in force at ts + h for each trade: the last book row with ts ≤ ts + h; NaN past the last book row's ts. */
function midAheadByTime(tradeTs: BigInt64Array, bookTs: BigInt64Array, mids: Float64Array, hNs: bigint): Float64Array {
  const out = new Float64Array(tradeTs.length);
  const last = bookTs.length - 1;
  let j = -1; // the last book row with ts ≤ the current target; targets rise with the trades' ts
  for (let i = 0; i < out.length; i++) {
    const target = tradeTs[i] + hNs;
    if (last < 0 || target > bookTs[last]) {
      out[i] = NaN;
      continue;
    }
    while (j < last && bookTs[j + 1] <= target) j++;
    out[i] = j < 0 ? NaN : mids[j];
  }
  return out;
}

/**
 * One row per trade, in (ts, seq) order: ts, seq, price, size, side, mid (of the quote in force before the trade;
 * null before the first book row, or when the book row in force has an empty best bid or ask), then one column per requested trade feature (NaN as null: a trade with no mid, an
 * unclassified direction, or a horizon past the data's end). `book` is a stored book (mid from bid_px_1/ask_px_1) or
 * quotes (bid/ask), with ts and seq. Give the book whole, not cut at the trades' last time, so horizons after the last
 * trade can be seen; rows before the first trade only serve as the quote in force.
 */
export function tradeFeatures(polars: Polars, trades: pl.DataFrame, book: pl.DataFrame, requests: readonly FeatureRequest[]): pl.DataFrame {
  for (const r of requests) {
    if (r.spec.on !== 'trades') throw new RangeError(`tradeFeatures computes trade features only; ${r.spec.name} is a ${r.spec.on} feature`);
  }
  const tradeRows = inSourceOrder(polars, trades);
  // Only the best bid and ask are read: narrowed before any sort, so a deep book is not reordered whole.
  const [bidCol, askCol] = topOfBookColumns(book);
  const bookRows = inSourceOrder(polars, book.select('ts', 'seq', polars.col(bidCol).alias('bid'), polars.col(askCol).alias('ask')));
  const mids = bookMids(polars, bookRows);
  const inForce = bookRowInForce(polars, tradeRows, bookRows);
  const mid = new Float64Array(tradeRows.height);
  for (let i = 0; i < mid.length; i++) mid[i] = inForce[i] === inForce[i] ? mids[inForce[i]] : NaN;

  const columns = new Map<string, Float64Array>([['mid', mid]]);
  const column = (name: string): Float64Array => {
    let values = columns.get(name);
    if (values === undefined) {
      values = numericColumn(polars, tradeRows, name);
      columns.set(name, values);
    }
    return values;
  };
  let tradeTs: BigInt64Array | undefined;
  let bookTs: BigInt64Array | undefined;
  const midAhead = (r: FeatureRequest): Float64Array => {
    const hNs = r.durationsNs?.[0];
    if (hNs === undefined) return midAheadByRows(inForce, mids, r.params[0]);
    tradeTs ??= timestampsOf(polars, tradeRows);
    bookTs ??= timestampsOf(polars, bookRows);
    return midAheadByTime(tradeTs, bookTs, mids, hNs);
  };

  const added: pl.Series[] = [polars.Series('mid', mid)];
  for (const r of requests) {
    const inputs = kernelInputs(r.spec, r.params).map((name) => (name === 'mid_ahead' ? midAhead(r) : column(name)));
    const outs = r.columns.map(() => new Float64Array(tradeRows.height));
    r.spec.batch(inputs, r.params, outs);
    r.columns.forEach((c, j) => added.push(polars.Series(c, outs[j])));
  }
  // NaN (no mid, unclassified, horizon past the end) is stored as null: missing, which a reader tells from a number.
  return tradeRows
    .select('ts', 'seq', 'price', 'size', 'side')
    .withColumns(...added)
    .withColumns(...added.map((s) => polars.col(s.name).fillNan(null)));
}
