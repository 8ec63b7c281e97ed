import { checkPeriod, outFor } from './util.js';

/**
 * Rate of change in percent (TA-Lib ROC): out[i] = (x[i]/x[i−n] − 1)·100. Warm-up: out[0..n−1] = NaN.
 * NaN policy: NaN wherever x[i] or x[i−n] is NaN; a zero x[i−n] gives ±Infinity/NaN as IEEE division does.
 */
export function roc(x: Float64Array, n = 10, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  const warm = n < len ? n : len;
  for (let i = 0; i < warm; i++) y[i] = NaN;
  for (let i = n; i < len; i++) y[i] = (x[i] / x[i - n] - 1) * 100;
  return y;
}

/** Log returns over n bars: out[i] = ln(x[i]/x[i−n]). Warm-up: out[0..n−1] = NaN. NaN in, NaN out. */
export function logReturn(x: Float64Array, n = 1, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  const warm = n < len ? n : len;
  for (let i = 0; i < warm; i++) y[i] = NaN;
  for (let i = n; i < len; i++) y[i] = Math.log(x[i] / x[i - n]);
  return y;
}

/**
 * Forward return target over h bars: out[i] = x[i+h]/x[i] − 1 (the return you would earn holding from i).
 * The LAST h values are NaN (the future is unknown): never use it as a feature, only as a label.
 */
export function forwardReturn(x: Float64Array, h = 1, out?: Float64Array): Float64Array {
  checkPeriod('h', h);
  const len = x.length;
  const y = outFor(len, out);
  for (let i = 0; i + h < len; i++) y[i] = x[i + h] / x[i] - 1;
  for (let i = len - h < 0 ? 0 : len - h; i < len; i++) y[i] = NaN;
  return y;
}

/** Lag by k bars: out[i] = x[i−k]; out[0..k−1] = NaN. */
export function lag(x: Float64Array, k = 1, out?: Float64Array): Float64Array {
  checkPeriod('k', k);
  const len = x.length;
  const y = outFor(len, out);
  const warm = k < len ? k : len;
  for (let i = 0; i < warm; i++) y[i] = NaN;
  for (let i = k; i < len; i++) y[i] = x[i - k];
  return y;
}
