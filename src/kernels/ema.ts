import { checkPeriod, outFor } from './util.js';

/** How the first EMA value is formed. */
export type EmaSeed = 'sma' | 'first';

/**
 * Exponential moving average with α = 2/(n+1), updated as prev + α·(x − prev) (TA-Lib's form).
 * seed 'sma' (default, TA-Lib EMA): the first value, at index n−1, is the mean of x[0..n−1]; out[0..n−2] = NaN.
 * seed 'first' (pandas ewm(span=n, adjust=False).mean()): out[0] = x[0]; no warm-up.
 * NaN policy: a NaN input gives NaN and restarts the EMA, which warms up again from the next value.
 */
export function ema(x: Float64Array, n: number, out?: Float64Array, seed: EmaSeed = 'sma'): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  const k = 2 / (n + 1);
  const need = seed === 'sma' ? n : 1;
  let count = 0;
  let sum = 0;
  let prev = NaN;
  for (let i = 0; i < len; i++) {
    const v = x[i];
    if (v !== v) {
      count = 0;
      sum = 0;
      y[i] = NaN;
      continue;
    }
    if (count < need) {
      sum += v;
      count++;
      if (count === need) {
        prev = sum / need;
        y[i] = prev;
      } else y[i] = NaN;
      continue;
    }
    prev = (v - prev) * k + prev;
    y[i] = prev;
  }
  return y;
}

/** Streaming EMA with the same numbers as ema(). */
export class Ema {
  readonly warmup: number;
  private readonly k: number;
  private readonly need: number;
  private count = 0;
  private sum = 0;
  private prev = NaN;

  constructor(
    readonly n: number,
    seed: EmaSeed = 'sma',
  ) {
    checkPeriod('n', n);
    this.k = 2 / (n + 1);
    this.need = seed === 'sma' ? n : 1;
    this.warmup = this.need - 1;
  }

  get ready(): boolean {
    return this.count >= this.need;
  }

  update(v: number): number {
    if (v !== v) {
      this.count = 0;
      this.sum = 0;
      return NaN;
    }
    if (this.count < this.need) {
      this.sum += v;
      this.count++;
      if (this.count < this.need) return NaN;
      this.prev = this.sum / this.need;
      return this.prev;
    }
    this.prev = (v - this.prev) * this.k + this.prev;
    return this.prev;
  }
}
