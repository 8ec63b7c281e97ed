import { checkPeriod, firstNaN, outFor } from './util.js';

/** TA-Lib's TA_IS_ZERO tolerance: RSI is 0 when average gain + loss is below it (no movement at all). */
const ZERO = 1e-8;

/**
 * Relative strength index, Wilder smoothing with TA-Lib's seed (TA_RSI, unstable period 0).
 * The first value, at index n, uses the plain means of gains and losses over the diffs x[1..n] − x[0..n−1];
 * after that avg = avg·(n−1)/n + today/n (TA-Lib's (avg·(n−1) + today)/n, rearranged so the loop has no division on
 * its dependency chain; the two agree to ~1 ulp per step and the recursion does not amplify it).
 * RSI = 100·avgGain/(avgGain + avgLoss), and 0 when both are ~0.
 * Warm-up: out[0..n−1] = NaN. NaN policy: a NaN input gives NaN and restarts the warm-up after it.
 */
export function rsi(x: Float64Array, n = 14, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = x.length;
  const y = outFor(len, out);
  const half = 0.5 / n;
  const keep = (n - 1) / n;
  // Per run of valid input: the seed here (n diffs, cold), then the smoothing loop in rsiRun (see ema.ts's emaRun
  // for why the hot loop is a function of its own).
  let i = 0;
  while (i < len) {
    let count = 0; // diffs seen since the last restart
    let gain = 0;
    let loss = 0;
    let prevX = NaN;
    for (; i < len; i++) {
      const v = x[i];
      y[i] = NaN;
      if (v !== v || prevX !== prevX) {
        // First value after a start or a NaN: no diff yet.
        count = 0;
        gain = 0;
        loss = 0;
        prevX = v;
        continue;
      }
      const d = v - prevX;
      prevX = v;
      if (d > 0) gain += d;
      else loss -= d;
      if (++count === n) {
        gain /= n;
        loss /= n;
        y[i++] = rsiOf(gain, loss);
        break;
      }
    }
    if (count < n || i >= len) break;
    // The smoothing to the end without a NaN test (a NaN input turns every later output NaN, so the last output
    // tells whether one came); if one did, the outputs before it stand and the warm-up restarts at it.
    rsiRun(x, y, i, len, prevX, gain, loss, keep, half);
    if (y[len - 1] === y[len - 1]) break;
    const nan = firstNaN(x, i, len);
    if (nan === len) break; // no NaN input: ±Infinity made the NaN, as IEEE arithmetic does
    i = nan;
  }
  return y;
}

/** RSI from the smoothed gain and loss: 100·gain/(gain + loss), 0 when both are ~0. */
function rsiOf(gain: number, loss: number): number {
  const total = gain + loss;
  return total > -ZERO && total < ZERO ? 0 : (100 * gain) / total;
}

/**
 * Wilder smoothing from `from` to `len`. A function of its own with everything passed in and nothing before its
 * loop, so V8 optimises a body whose every operation ran with type feedback (see ema.ts's emaRun).
 */
function rsiRun(x: Float64Array, y: Float64Array, from: number, len: number, prevX: number, gain: number, loss: number, keep: number, half: number): void {
  for (let i = from; i < len; i++) {
    const v = x[i];
    const d = v - prevX;
    prevX = v;
    // Branch-free: up and down days are unpredictable, and a mispredicted branch costs more than the whole
    // update. (|d| + d)·(½/n) is exactly d/n for a gain and exactly 0 otherwise (doubling and halving are exact).
    const a = Math.abs(d);
    gain = gain * keep + (a + d) * half;
    loss = loss * keep + (a - d) * half;
    const total = gain + loss;
    y[i] = total > -ZERO && total < ZERO ? 0 : (100 * gain) / total;
  }
}

/** Streaming RSI with the same numbers as rsi(). */
export class Rsi {
  readonly warmup: number;
  private readonly half: number;
  private readonly keep: number;
  private count = 0;
  private gain = 0;
  private loss = 0;
  private prevX = NaN;

  constructor(readonly n = 14) {
    checkPeriod('n', n);
    this.warmup = n;
    this.half = 0.5 / n;
    this.keep = (n - 1) / n;
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
      const a = Math.abs(d);
      this.gain = this.gain * this.keep + (a + d) * this.half;
      this.loss = this.loss * this.keep + (a - d) * this.half;
    }
    const total = this.gain + this.loss;
    return total > -ZERO && total < ZERO ? 0 : (100 * this.gain) / total;
  }
}
