/**
 * Frame + feature requests → the same frame with one column per kernel output. Kernels run on Float64Array
 * columns taken from the frame once each; no per-row work happens outside the kernels.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { timestampsOf } from '../frames.js';
import { kernelInputs } from '../kernels/registry.js';
import type { Polars } from '../polars.js';
import { VALUE_COLUMNS } from '../schema.js';
import { zoneOffsetMs } from '../time.js';
import type { FeatureRequest } from './feature-set.js';

export interface FeatureOptions {
  /** Zone whose calendar days are VWAP sessions (default UTC). */
  sessionTz?: string;
}

/** A numeric column as Float64Array with nulls as NaN. */
export function numericColumn(polars: Polars, frame: pl.DataFrame, name: string): Float64Array {
  const s = frame.getColumn(name).cast(polars.Float64);
  if (s.nullCount() === 0) return s.toTypedArray() as Float64Array;
  return frame.select(polars.col(name).cast(polars.Float64).fillNull(polars.lit(NaN))).getColumn(name).toTypedArray() as Float64Array;
}

/** Per-row session id: the calendar day number of ts in `tz`. */
export function sessionIds(ts: BigInt64Array, tz = 'UTC'): Float64Array {
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const ms = Number(ts[i] / 1_000_000n);
    out[i] = Math.floor((ms + zoneOffsetMs(tz, ms)) / 86_400_000);
  }
  return out;
}

export function computeFeatures(polars: Polars, frame: pl.DataFrame, requests: readonly FeatureRequest[], opts: FeatureOptions = {}): pl.DataFrame {
  const cache = new Map<string, Float64Array>();
  const input = (name: string): Float64Array => {
    let col = cache.get(name);
    if (col === undefined) {
      if (name === 'session') col = sessionIds(timestampsOf(polars, frame), opts.sessionTz);
      else if (!frame.columns.includes(name)) {
        throw new CiftError('NO_DATA', `this data has no ${name} column`, 'bar features need bars; quote features (mid, spread, microprice, ofi) need quotes');
      } else col = numericColumn(polars, frame, name);
      cache.set(name, col);
    }
    return col;
  };
  const added: pl.Series[] = [];
  for (const r of requests) {
    const inputs = kernelInputs(r.spec, r.params).map(input);
    const outs = r.columns.map(() => new Float64Array(frame.height));
    r.spec.batch(inputs, r.params, outs);
    r.columns.forEach((c, j) => added.push(polars.Series(c, outs[j])));
  }
  return added.length ? frame.withColumns(...added) : frame;
}

/**
 * Per-update feature columns (quote, book or trade features) → one row per bar interval, labelled by the bar's
 * start: 'last' features take the bar's last value, 'sum' features (OFI, MLOFI, WOFI) the sum over the bar's
 * updates, ignoring NaN (an update with no previous state), 'mean' features (quoted, effective, realized spreads) the
 * mean over the bar's rows, ignoring NaN and null (null when the bar has none). `keepLast` input columns are kept
 * as the bar's last value.
 */
export function featuresPerBar(polars: Polars, perUpdate: pl.DataFrame, requests: readonly FeatureRequest[], interval: string, keepLast: readonly string[] = []): pl.DataFrame {
  const { col } = polars;
  const aggs = keepLast.map((c) => col(c).last());
  for (const r of requests) {
    for (const c of r.columns) {
      const x = col(c).fillNan(null);
      aggs.push((r.spec.perBar === 'sum' ? x.sum() : r.spec.perBar === 'mean' ? x.mean() : x.last()).alias(c));
    }
  }
  // last() inside a group follows the frame's row order, which is (ts, seq): the bar's last update.
  return perUpdate
    .withColumns(col('ts').date.truncate(interval).alias('bucket'))
    .groupBy('bucket')
    .agg(...aggs)
    .sort('bucket')
    .rename({ bucket: 'ts' });
}

/** Quote features per bar, with the bar's last quote kept beside them. */
export function quoteFeaturesPerBar(polars: Polars, quotes: pl.DataFrame, requests: readonly FeatureRequest[], interval: string): pl.DataFrame {
  return featuresPerBar(polars, quotes, requests, interval, VALUE_COLUMNS.quotes);
}
