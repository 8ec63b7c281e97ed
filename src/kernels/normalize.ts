import { rollingMoments } from './stddev.js';
import { donchian } from './donchian.js';
import { outFor } from './util.js';

/**
 * Rolling z-score (standardise): (x − mean) / σ over the last n values, σ the population standard deviation
 * (ddof 0, as rollingStd). A window with σ = 0 gives 0 (x equals its mean). Warm-up: out[0..n−2] = NaN.
 * NaN policy: as rollingStd (a NaN poisons every window that holds it).
 */
export function zscore(x: Float64Array, n = 20, out?: Float64Array): Float64Array {
  const y = outFor(x.length, out);
  rollingMoments(x, n, undefined, undefined, y);
  return y;
}

/**
 * Rolling min-max scaling: (x − min)/(max − min) over the last n values (the window includes x itself), in [0, 1].
 * A window whose max equals its min gives 0 (scikit-learn's MinMaxScaler convention for a zero range: x − min).
 * Warm-up: out[0..n−2] = NaN. NaN policy: a NaN poisons every window that holds it (donchian's max/min carry it).
 * The window extremes come from donchian's one-pass van Herk / Gil-Werman max/min.
 */
export function minmax(x: Float64Array, n = 20, out?: Float64Array): Float64Array {
  const y = outFor(x.length, out);
  const hi = new Float64Array(x.length);
  const mid = new Float64Array(x.length);
  donchian(x, x, n, y, mid, hi);
  for (let i = 0; i < x.length; i++) {
    const lo = y[i];
    const range = hi[i] - lo;
    y[i] = range > 0 ? (x[i] - lo) / range : range === 0 ? 0 : NaN;
  }
  return y;
}
