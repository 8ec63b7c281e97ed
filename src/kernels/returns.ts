import { checkPeriod, nanWarmup, outFor } from './util.js';

/**
 * Rate of change in percent (TA-Lib ROC): out[i] = (x[i]/x[i−n] − 1)·100. Warm-up: out[0..n−1] = NaN.
 * NaN policy: NaN wherever x[i] or x[i−n] is NaN; a zero x[i−n] gives ±Infinity/NaN as IEEE division does.
 */
export function roc(x: Float64Array, n = 10, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  nanWarmup(y, n);
  rocLoop(x, y, n, len);
  return y;
}

// Each kernel's loop is a function of its own taking everything as arguments: V8 then optimises a body whose
// every operation ran with type feedback (see ema.ts's emaRun), the same in every process.
function rocLoop(x: Float64Array, y: Float64Array, n: number, len: number): void {
  for (let i = n; i < len; i++) y[i] = (x[i] / x[i - n] - 1) * 100;
}

/** Beyond this |u| the series below is not used: its truncation error, < u¹⁰/11, stays under 1e-14 relative. */
const ATANH_SERIES_LIMIT = 0.05;

/**
 * Log returns over n bars: out[i] = ln(x[i]/x[i−n]). Warm-up: out[0..n−1] = NaN. NaN in, NaN out.
 * Computed as 2·atanh(u) with u = (b − a)/(b + a), which needs one division and no Math.log for ordinary
 * moves: the odd series 2u(1 + u²/3 + … + u⁸/9) is within 1e-14 relative for |u| < 0.05 (a move of under
 * about ±10 %); larger moves (and non-positive prices) fall back to Math.log.
 */
export function logReturn(x: Float64Array, n = 1, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  nanWarmup(y, n);
  logReturnLoop(x, y, n, len);
  return y;
}

function logReturnLoop(x: Float64Array, y: Float64Array, n: number, len: number): void {
  for (let i = n; i < len; i++) {
    const a = x[i - n];
    const b = x[i];
    const u = (b - a) / (b + a);
    if (u > -ATANH_SERIES_LIMIT && u < ATANH_SERIES_LIMIT) {
      const u2 = u * u;
      y[i] = 2 * u * (1 + u2 * (1 / 3 + u2 * (1 / 5 + u2 * (1 / 7 + u2 * (1 / 9)))));
    } else {
      y[i] = Math.log(b / a);
    }
  }
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
  nanWarmup(y, k);
  for (let i = k; i < len; i++) y[i] = x[i - k];
  return y;
}

/**
 * Forward log return target over h rows: out[i] = ln(x[i+h]/x[i]). The LAST h values are NaN (the future is
 * unknown; never filled): a label, not a feature.
 */
export function forwardLogReturn(x: Float64Array, h = 1, out?: Float64Array): Float64Array {
  checkPeriod('h', h);
  const len = x.length;
  const y = outFor(len, out);
  for (let i = 0; i + h < len; i++) y[i] = Math.log(x[i + h] / x[i]);
  for (let i = len - h < 0 ? 0 : len - h; i < len; i++) y[i] = NaN;
  return y;
}

/**
 * Forward direction target over h rows, a three-class label: r = x[i+h]/x[i] − 1 (forwardReturn's r), then
 * out[i] = +1 when r > flatEps, −1 when r < −flatEps, 0 otherwise (flat: |r| ≤ flatEps; flatEps = 0 makes only an
 * unchanged price flat). The LAST h values, and any whose r is NaN, are NaN: never filled.
 */
export function forwardDirection(x: Float64Array, h = 1, flatEps = 0, out?: Float64Array): Float64Array {
  checkPeriod('h', h);
  if (!(flatEps >= 0) || !Number.isFinite(flatEps)) throw new RangeError(`flatEps must be a finite number ≥ 0, got ${flatEps}`);
  const len = x.length;
  const y = outFor(len, out);
  for (let i = 0; i + h < len; i++) {
    const r = x[i + h] / x[i] - 1;
    y[i] = r > flatEps ? 1 : r < -flatEps ? -1 : r === r ? 0 : NaN;
  }
  for (let i = len - h < 0 ? 0 : len - h; i < len; i++) y[i] = NaN;
  return y;
}
