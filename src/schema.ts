/**
 * Canonical columns. Every stored or computed frame uses these names, in this order. `ts` is UTC epoch
 * nanoseconds (polars Datetime('ns'), BigInt64Array in JS, never a float); `seq` is the row's position in its
 * source so rows with equal `ts` keep their order.
 */
export const TICK_KINDS = ['trades', 'quotes', 'bars'] as const;
export type TickKind = (typeof TICK_KINDS)[number];

/** Value columns of each kind, after the key columns. */
export const VALUE_COLUMNS: Readonly<Record<TickKind, readonly string[]>> = {
  /** side: +1 buyer-initiated, −1 seller-initiated, 0 unknown. */
  trades: ['price', 'size', 'side'],
  quotes: ['bid', 'ask', 'bid_size', 'ask_size'],
  bars: ['open', 'high', 'low', 'close', 'volume'],
};

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
  /** The kind's value columns, named as in VALUE_COLUMNS. */
  values: Record<string, Float64Array>;
}
