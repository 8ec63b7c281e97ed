/** Small frame helpers shared by the store and the pipelines. */
import type pl from 'nodejs-polars';
import type { Polars } from './polars.js';

/** A frame's `ts` column as UTC ns (BigInt64Array); Series.get on Datetime columns is unreliable, so go through Int64. */
export function timestampsOf(polars: Polars, frame: pl.DataFrame): BigInt64Array {
  return frame.getColumn('ts').cast(polars.Int64).toTypedArray() as BigInt64Array;
}

/** First index whose ts ≥ bound (ts sorted ascending). */
function lowerBound(ts: BigInt64Array, bound: bigint): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows with from ≤ ts ≤ to of a frame sorted by ts. Done by binary search in JS because polars literals of
 * epoch-ns size lose precision on the way in.
 */
export function sliceByTime(polars: Polars, frame: pl.DataFrame, from?: bigint, to?: bigint): pl.DataFrame {
  if (from === undefined && to === undefined) return frame;
  const ts = timestampsOf(polars, frame);
  const start = from === undefined ? 0 : lowerBound(ts, from);
  const end = to === undefined ? ts.length : lowerBound(ts, to + 1n);
  return frame.slice(start, Math.max(0, end - start));
}
