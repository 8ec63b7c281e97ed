import { checkPeriod, outFor } from './util.js';

/** TA-Lib's TA_IS_ZERO tolerance: RSI is 0 when average gain + loss is below it (no movement at all). */
const ZERO = 1e-8;

/**
 * Relative strength index, Wilder smoothing with TA-Lib's seed (TA_RSI, unstable period 0).
 * The first value, at index n, uses the plain means of gains and losses over the diffs x[1..n] − x[0..n−1];
 * after that avg = (avg·(n−1) + today) / n. RSI = 100·avgGain/(avgGain + avgLoss), and 0 when both are ~0.
 * Warm-up: out[0..n−1] = NaN. NaN policy: a NaN input gives NaN and restarts the warm-up after it.
 */
export function rsi(x: Float64Array, n = 14, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  let count = 0; // diffs seen since the last restart
  let gain = 0;
  let loss = 0;
  let prevX = NaN;
  for (let i = 0; i < len; i++) {
    const v = x[i];
    if (v !== v || prevX !== prevX) {
      // First value after a start or a NaN: no diff yet.
      count = 0;
      gain = 0;
      loss = 0;
      prevX = v;
      y[i] = NaN;
      continue;
    }
    const d = v - prevX;
    prevX = v;
    count++;
    if (count <= n) {
      if (d > 0) gain += d;
      else loss -= d;
      if (count < n) {
        y[i] = NaN;
        continue;
      }
      gain /= n;
      loss /= n;
    } else {
      gain *= n - 1;
      loss *= n - 1;
      if (d > 0) gain += d;
      else loss -= d;
      gain /= n;
      loss /= n;
    }
    const total = gain + loss;
    y[i] = total > -ZERO && total < ZERO ? 0 : 100 * (gain / total);
  }
  return y;
}

/** Streaming RSI with the same numbers as rsi(). */
export class Rsi {
  readonly warmup: number;
  private count = 0;
  private gain = 0;
  private loss = 0;
  private prevX = NaN;

  constructor(readonly n = 14) {
    checkPeriod('n', n);
    this.warmup = n;
  }

  get ready(): boolean {
    return this.count >= this.n;
  }

  update(v: number): number {
    const n = this.n;
    if (v !== v || this.prevX !== this.prevX) {
      this.count = 0;
      this.gain = 0;
      this.loss = 0;
      this.prevX = v;
      return NaN;
    }
    const d = v - this.prevX;
    this.prevX = v;
    this.count++;
    if (this.count <= n) {
      if (d > 0) this.gain += d;
      else this.loss -= d;
      if (this.count < n) return NaN;
      this.gain /= n;
      this.loss /= n;
    } else {
      this.gain *= n - 1;
      this.loss *= n - 1;
      if (d > 0) this.gain += d;
      else this.loss -= d;
      this.gain /= n;
      this.loss /= n;
    }
    const total = this.gain + this.loss;
    return total > -ZERO && total < ZERO ? 0 : 100 * (this.gain / total);
  }
}
