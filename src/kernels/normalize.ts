import { rollingMoments } from './stddev.js';
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
