import { checkPeriod, firstNaN, outFor } from './util.js';

/** How the first EMA value is formed. */
export type EmaSeed = 'sma' | 'first';

/**
 * Exponential moving average with α = 2/(n+1). TA-Lib updates prev + α·(x − prev); this file computes the same
 * recursion as prev·c + x·α with c = 1 − α, two steps at a time: out[i] = prev·c + x[i]·α and
 * out[i+1] = prev·c² + (x[i]·c + x[i+1])·α, so the loop's dependency chain carries one multiply-add per two
 * values. TA-Lib's reference vectors (test/oracle) and the double-double reference (test/kernels) agree to 1e-10
 * (measured ~1e-13). The pairs start at the seed; the streaming Ema keeps the same pairs, so both give the same bits.
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
  // One run of valid input per turn: the seed (a short loop), then the recursion to the end without looking for
  // NaN (a branch in that loop cost as much as the recursion). A NaN input makes every later output NaN, so the
  // last output tells whether there was one; if so, the outputs before the first NaN stand, and the run restarts
  // after it.
  let i = 0;
  while (i < len) {
    i = seedMean(x, y, i, len, need);
    if (i >= len) break;
    const keep = 1 - k;
    // Whole pairs in emaRun; an odd last value here (nothing may run after emaRun's loop either: the optimised
    // loop's exit would carry no type feedback).
    const end = i + ((len - i) & ~1);
    emaRun(x, y, i, end, y[i - 1], keep, keep * keep, k);
    if (end < len) y[end] = y[end - 1] * keep + x[end] * k;
    if (y[len - 1] === y[len - 1]) break;
    const nan = firstNaN(x, i, len);
    if (nan === len) break; // no NaN input: ±Infinity made the NaN, as IEEE arithmetic does
    y[nan] = NaN;
    i = nan + 1;
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
 * The recursion from `from` (prev = out[from − 1]) to `end`, in pairs (see ema; end − from is even). A function of its own, with
 * everything passed in and nothing before its loop: on a first call V8 collects type feedback only once the loop
 * is under way, and an operation that ran before that point makes the optimised code deoptimise on the next
 * call and stay slow in some processes (issue 14). Kernels in this folder keep their hot loops this way.
 */
function emaRun(x: Float64Array, y: Float64Array, from: number, end: number, prev: number, keep: number, keep2: number, k: number): void {
  for (let i = from; i < end; i += 2) {
    const v = x[i];
    y[i] = prev * keep + v * k;
    prev = prev * keep2 + (v * keep + x[i + 1]) * k;
    y[i + 1] = prev;
  }
}

/** Streaming EMA with the same numbers as ema(). */
export class Ema {
  readonly warmup: number;
  private readonly k: number;
  private readonly keep: number;
  private readonly need: number;
  private readonly keep2: number;
  private count = 0;
  private sum = 0;
  /** The EMA at the start of the current pair (see ema). */
  private prev = NaN;
  /** Inside a pair: its first value, waiting for the second. */
  private pending = false;
  private first = 0;

  constructor(
    readonly n: number,
    seed: EmaSeed = 'sma',
  ) {
    checkPeriod('n', n);
    this.k = 2 / (n + 1);
    this.keep = 1 - this.k;
    this.keep2 = this.keep * this.keep;
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
      this.pending = false;
      return this.prev;
    }
    if (!this.pending) {
      this.pending = true;
      this.first = v;
      return this.prev * this.keep + v * this.k;
    }
    this.pending = false;
    this.prev = this.prev * this.keep2 + (this.first * this.keep + v) * this.k;
    return this.prev;
  }
}
