/**
 * Canonical columns. Every stored or computed frame uses these names, in this order. `ts` is UTC epoch
 * nanoseconds (polars Datetime('ns'), BigInt64Array in JS, never a float); `seq` is the row's position in its
 * source so rows with equal `ts` keep their order.
 */
import { CiftError } from './errors.js';

/** A stored symbol: upper case, and a safe alphabet, because symbols name directories. */
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9._^=-]{0,31}$/;

/** `text` as a stored symbol (trimmed, upper case); USAGE when SYMBOL_PATTERN does not allow it. */
export function normalizeSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new CiftError('USAGE', `symbol "${text}" is not valid`, 'use letters, digits and . _ - ^ = (at most 32)');
  }
  return symbol;
}

export const TICK_KINDS = ['trades', 'quotes', 'bars', 'book'] as const;
export type TickKind = (typeof TICK_KINDS)[number];

/**
 * Value columns of each kind, after the key columns. A `book` has as many columns as it has levels (see
 * bookColumns), so its entry here is empty: use valueColumnsOf / frameValueColumns for it.
 */
export const VALUE_COLUMNS: Readonly<Record<TickKind, readonly string[]>> = {
  /** side: +1 buyer-initiated, −1 seller-initiated, 0 unknown. */
  trades: ['price', 'size', 'side'],
  quotes: ['bid', 'ask', 'bid_size', 'ask_size'],
  bars: ['open', 'high', 'low', 'close', 'volume'],
  book: [],
};

/**
 * Columns of an N-level `book` row after ts and seq: bid_px_1…N, bid_sz_1…N, ask_px_1…N, ask_sz_1…N. Level 1 is
 * the best price. An empty level (no order resting there) is null in price and size, never a price.
 */
export function bookColumns(levels: number): string[] {
  const side = (prefix: string) => Array.from({ length: levels }, (_, k) => `${prefix}_${k + 1}`);
  return [...side('bid_px'), ...side('bid_sz'), ...side('ask_px'), ...side('ask_sz')];
}

/** The levels a book's value columns hold (0 when they are not bookColumns(n) for any n). */
export function bookLevels(columns: readonly string[]): number {
  const n = columns.length / 4;
  if (!Number.isInteger(n) || n < 1) return 0;
  const expected = bookColumns(n);
  return expected.every((c, i) => columns[i] === c) ? n : 0;
}

/** A batch's value columns in canonical order (a book's follow its level count). */
export function valueColumnsOf(batch: Pick<TickBatch, 'kind' | 'values'>): readonly string[] {
  if (batch.kind !== 'book') return VALUE_COLUMNS[batch.kind];
  return bookColumns(Object.keys(batch.values).length / 4);
}

/** A stored frame's value columns: the kind's, or for a book every column after ts and seq, in stored order. */
export function frameValueColumns(kind: TickKind, columns: readonly string[]): readonly string[] {
  return kind === 'book' ? columns.filter((c) => c !== 'ts' && c !== 'seq') : VALUE_COLUMNS[kind];
}

/** Columns of bars produced by `cift bars` (the stored bar columns plus what aggregation adds). */
export const BAR_OUTPUT_COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades'] as const;

export const isTickKind = (s: string): s is TickKind => (TICK_KINDS as readonly string[]).includes(s);

/** A source's canonical rows for one symbol and kind, as typed arrays (the core's interchange form). */
export interface TickBatch {
  kind: TickKind;
  symbol: string;
  /** UTC epoch ns. */
  ts: BigInt64Array;
  /** Position of each row in its source (0-based). */
  seq: Float64Array;
  /** The kind's value columns, named as in VALUE_COLUMNS (a book's as in bookColumns; NaN there is an empty level). */
  values: Record<string, Float64Array>;
}
