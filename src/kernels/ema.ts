import { checkPeriod, outFor } from './util.js';

/** How the first EMA value is formed. */
export type EmaSeed = 'sma' | 'first';

/**
 * Exponential moving average with α = 2/(n+1). TA-Lib updates prev + α·(x − prev); this file computes the same
 * recursion as prev·(1 − α) + x·α, which TA-Lib's reference vectors (test/oracle) match to ~1e-13 and whose loop
 * carries one multiply-add instead of a subtract, multiply and add on its dependency chain.
 * seed 'sma' (default, TA-Lib EMA): the first value, at index n−1, is the mean of x[0..n−1]; out[0..n−2] = NaN.
 * seed 'first' (pandas ewm(span=n, adjust=False).mean()): out[0] = x[0]; no warm-up.
 * NaN policy: a NaN input gives NaN and restarts the EMA, which warms up again from the next value.
 */
export function ema(x: Float64Array, n: number, out?: Float64Array, seed: EmaSeed = 'sma'): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  const need = seed === 'sma' ? n : 1;
  const k = 2 / (n + 1);
  // One run of valid input per turn: the seed (a short loop), then the recursion until a NaN or the end. The
  // recursion is its own function taking everything as arguments, so V8 optimises a body whose every operation
  // ran with type feedback; see emaRun.
  let i = 0;
  while (i < len) {
    i = seedMean(x, y, i, len, need);
    if (i < len) i = emaRun(x, y, i, len, y[i - 1], 1 - k, k);
  }
  return y;
}

/**
 * The warm-up from index `from`: out = NaN until `need` valid values in a row have arrived, then their mean at
 * the last of them. Returns the index after that mean (the EMA continues from out[i − 1]), or `len` if the
 * input ended first. A NaN restarts the count.
 */
function seedMean(x: Float64Array, y: Float64Array, from: number, len: number, need: number): number {
  let count = 0;
  let sum = 0;
  for (let i = from; i < len; i++) {
    const v = x[i];
    if (v !== v) {
      count = 0;
      sum = 0;
      y[i] = NaN;
      continue;
    }
    sum += v;
    if (++count === need) {
      y[i] = sum / need;
      return i + 1;
    }
    y[i] = NaN;
  }
  return len;
}

/**
 * The steady-state recursion out[i] = prev·keep + x[i]·k from `from` until a NaN (written as NaN; the index after
 * it is returned so the caller re-seeds) or `len`. No calls and no property reads before the loop: on a first
 * call V8 collects type feedback only once the loop is under way, and an operation that ran before that point
 * makes the optimised code deoptimise on the next call and stay slow in some processes (issue 14).
 */
function emaRun(x: Float64Array, y: Float64Array, from: number, len: number, prev: number, keep: number, k: number): number {
  for (let i = from; i < len; i++) {
    const v = x[i];
    if (v !== v) {
      y[i] = NaN;
      return i + 1;
    }
    prev = prev * keep + v * k;
    y[i] = prev;
  }
  return len;
}

/** Streaming EMA with the same numbers as ema(). */
export class Ema {
  readonly warmup: number;
  private readonly k: number;
  private readonly keep: number;
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
    this.keep = 1 - this.k;
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
    this.prev = this.prev * this.keep + v * this.k;
    return this.prev;
  }
}
