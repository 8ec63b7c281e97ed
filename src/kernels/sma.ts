import { checkPeriod, firstNaN, outFor } from './util.js';

/**
 * Simple moving average: out[i] = mean(x[i−n+1..i]) (TA-Lib SMA, pandas rolling(n).mean()).
 * Warm-up: out[0..n−2] = NaN; first value at index n−1. A NaN input poisons every window that contains it
 * (NaN for the next n outputs), after which values recover exactly: the window sum is rebuilt after a NaN.
 * The running window sum is Kahan-compensated so 10M-point series stay within 1e-10 relative of a two-pass mean.
 */
export function sma(x: Float64Array, n: number, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  // Per run of valid input: the first window here (short, cold), then the sliding loop in smaRun (see ema.ts's
  // emaRun for why the hot loop is a function of its own) until a NaN or the end.
  let i = 0;
  while (i < len) {
    let sum = 0;
    let comp = 0;
    let valid = 0;
    for (; i < len; i++) {
      const v = x[i];
      if (v !== v) {
        valid = 0;
        sum = 0;
        comp = 0;
        y[i] = NaN;
        continue;
      }
      const t1 = v - comp;
      const t2 = sum + t1;
      comp = t2 - sum - t1;
      sum = t2;
      if (++valid === n) {
        y[i++] = sum / n;
        break;
      }
      y[i] = NaN;
    }
    if (valid < n || i >= len) break;
    // Sliding to the end without a NaN test (a NaN input turns the sum, so every later output, NaN; the last
    // output tells whether one came); if one did, the outputs before it stand, it gets NaN and the run restarts.
    smaRun(x, y, i, len, n, sum, comp);
    if (y[len - 1] === y[len - 1]) break;
    const nan = firstNaN(x, i, len);
    if (nan === len) break; // no NaN input: ±Infinity made the NaN, as IEEE arithmetic does
    y[nan] = NaN;
    i = nan + 1;
  }
  return y;
}

/** The sliding window from `from` (the window ending at from−1 is full) to `len`; nothing runs before its loop (see ema.ts's emaRun). */
function smaRun(x: Float64Array, y: Float64Array, from: number, len: number, n: number, sum: number, comp: number): void {
  for (let i = from; i < len; i++) {
    const t1 = x[i] - x[i - n] - comp;
    const t2 = sum + t1;
    comp = t2 - sum - t1;
    sum = t2;
    y[i] = sum / n;
  }
}

/** Streaming SMA: update(x) returns the same numbers as sma() at each index; NaN until n values have arrived. */
export class Sma {
  readonly warmup: number;
  private readonly window: Float64Array;
  private count = 0;
  private sum = 0;
  private comp = 0;

  constructor(readonly n: number) {
    checkPeriod('n', n);
    this.window = new Float64Array(n);
    this.warmup = n - 1;
  }

  get ready(): boolean {
    return this.count >= this.n;
  }

  update(v: number): number {
    if (v !== v) {
      this.count = 0;
      this.sum = 0;
      this.comp = 0;
      return NaN;
    }
    const slot = this.count % this.n;
    const d = this.count >= this.n ? v - this.window[slot] : v;
    this.window[slot] = v;
    this.count++;
    const t1 = d - this.comp;
    const t2 = this.sum + t1;
    this.comp = t2 - this.sum - t1;
    this.sum = t2;
    return this.count >= this.n ? this.sum / this.n : NaN;
  }
}
