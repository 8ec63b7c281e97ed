import { checkPeriod, checkSameLength, outFor } from './util.js';

/**
 * True range (TA-Lib TRANGE): TR[i] = max(high−low, |high − close[i−1]|, |low − close[i−1]|) from index 1;
 * out[0] = NaN because there is no previous close. (Tulip's `tr` instead sets TR[0] = high−low.)
 * NaN policy: a NaN in any input gives NaN for that bar and the next (which has no valid previous close).
 */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const len = high.length;
  checkSameLength(len, low, close);
  const y = outFor(len, out);
  if (len > 0) y[0] = NaN;
  for (let i = 1; i < len; i++) {
    const h = high[i];
    const l = low[i];
    const pc = close[i - 1];
    let tr = h - l;
    const a = h > pc ? h - pc : pc - h;
    const b = l > pc ? l - pc : pc - l;
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    y[i] = h !== h || l !== l || pc !== pc ? NaN : tr;
  }
  return y;
}

/**
 * Average true range, Wilder smoothing with TA-Lib's seed (TA_ATR): the first ATR, at index n, is the mean of
 * TR[1..n]; then ATR = (ATR·(n−1) + TR)/n. Warm-up: out[0..n−1] = NaN.
 * NaN policy: a NaN in any input gives NaN and restarts the warm-up (the next bar has no previous close either).
 */
export function atr(high: Float64Array, low: Float64Array, close: Float64Array, n = 14, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = high.length;
  checkSameLength(len, low, close);
  const y = outFor(len, out);
  let count = 0; // TR values since the last restart
  let prev = 0;
  let pc = NaN;
  for (let i = 0; i < len; i++) {
    const h = high[i];
    const l = low[i];
    const c = close[i];
    if (h !== h || l !== l || c !== c || pc !== pc) {
      count = 0;
      prev = 0;
      pc = h !== h || l !== l ? NaN : c;
      y[i] = NaN;
      continue;
    }
    let tr = h - l;
    const a = h > pc ? h - pc : pc - h;
    const b = l > pc ? l - pc : pc - l;
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    pc = c;
    count++;
    if (count < n) {
      prev += tr;
      y[i] = NaN;
    } else if (count === n) {
      prev = (prev + tr) / n;
      y[i] = prev;
    } else {
      prev *= n - 1;
      prev += tr;
      prev /= n;
      y[i] = prev;
    }
  }
  return y;
}

/** Streaming ATR with the same numbers as atr(). */
export class Atr {
  readonly warmup: number;
  private count = 0;
  private prev = 0;
  private pc = NaN;

  constructor(readonly n = 14) {
    checkPeriod('n', n);
    this.warmup = n;
  }

  get ready(): boolean {
    return this.count >= this.n;
  }

  update(h: number, l: number, c: number): number {
    const n = this.n;
    const pc = this.pc;
    if (h !== h || l !== l || c !== c || pc !== pc) {
      this.count = 0;
      this.prev = 0;
      this.pc = h !== h || l !== l ? NaN : c;
      return NaN;
    }
    let tr = h - l;
    const a = h > pc ? h - pc : pc - h;
    const b = l > pc ? l - pc : pc - l;
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    this.pc = c;
    this.count++;
    if (this.count < n) {
      this.prev += tr;
      return NaN;
    }
    if (this.count === n) {
      this.prev = (this.prev + tr) / n;
      return this.prev;
    }
    this.prev *= n - 1;
    this.prev += tr;
    this.prev /= n;
    return this.prev;
  }
}
