import { checkPeriod, checkSameLength, firstNaN, outFor } from './util.js';

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
    y[i] = h !== h || l !== l || pc !== pc ? NaN : Math.max(h, pc) - Math.min(l, pc);
  }
  return y;
}

/**
 * Average true range, Wilder smoothing with TA-Lib's seed (TA_ATR): the first ATR, at index n, is the mean of
 * TR[1..n]; then ATR = ATR·c + TR/n with c = (n−1)/n (TA-Lib's (ATR·(n−1) + TR)/n without a division on the
 * loop's dependency chain; the two agree to ~1 ulp per step), two steps at a time as in ema.ts:
 * out[i] = prev·c + TR[i]/n, out[i+1] = prev·c² + (TR[i]·c + TR[i+1])/n, pairs starting after the seed (the
 * streaming Atr keeps the same pairs, so both give the same bits). Warm-up: out[0..n−1] = NaN.
 * NaN policy: a NaN in any input gives NaN and restarts the warm-up (the next bar has no previous close either).
 */
export function atr(high: Float64Array, low: Float64Array, close: Float64Array, n = 14, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = high.length;
  checkSameLength(len, low, close);
  const y = outFor(len, out);
  const keep = (n - 1) / n;
  const inv = 1 / n;
  // Per run of valid bars: a warm-up loop summing TR[1..n], then a tight steady-state loop; a NaN ends the run.
  let i = 0;
  while (i < len) {
    let count = 0; // TR values since the run started
    let prev = 0;
    let pc = NaN;
    for (; i < len; i++) {
      const h = high[i];
      const l = low[i];
      const c = close[i];
      y[i] = NaN;
      if (h !== h || l !== l || c !== c || pc !== pc) {
        count = 0;
        prev = 0;
        pc = h !== h || l !== l ? NaN : c;
        continue;
      }
      // max(h − l, |h − pc|, |l − pc|) equals max(h, pc) − min(l, pc) exactly when h ≥ l; Math.max/min compile
      // without branches on which term wins, which the CPU cannot predict.
      prev += Math.max(h, pc) - Math.min(l, pc);
      pc = c;
      if (++count === n) {
        prev /= n;
        y[i] = prev;
        i++;
        break;
      }
    }
    if (count < n || i >= len) break;
    // The smoothing to the end without a NaN test: a NaN high, low or close turns every later output NaN (a NaN
    // close through the next bar's TR), so the last output and the last close tell whether one came; if so, the
    // outputs before it stand and the warm-up restarts at its bar.
    // Whole pairs in atrRun; an odd last bar here (nothing may run after atrRun's loop either: the optimised
    // loop's exit would carry no type feedback).
    const end = i + ((len - i) & ~1);
    atrRun(high, low, close, y, i, end, prev, pc, keep, keep * keep, inv);
    if (end < len) {
      const pcLast = close[end - 1];
      y[end] = y[end - 1] * keep + (Math.max(high[end], pcLast) - Math.min(low[end], pcLast)) * inv;
    }
    if (y[len - 1] === y[len - 1] && close[len - 1] === close[len - 1]) break;
    const nan = Math.min(firstNaN(high, i, len), firstNaN(low, i, len), firstNaN(close, i, len));
    if (nan === len) break; // no NaN input: ±Infinity made the NaN, as IEEE arithmetic does
    i = nan;
  }
  return y;
}

/**
 * The steady-state smoothing from `from` to `end`, in pairs (end − from is even). A function of its own with everything passed in and
 * nothing before its loop, so V8 optimises a body whose every operation ran with type feedback (see ema.ts's emaRun).
 */
function atrRun(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  y: Float64Array,
  from: number,
  end: number,
  prev: number,
  pc: number,
  keep: number,
  keep2: number,
  inv: number,
): void {
  for (let i = from; i < end; i += 2) {
    const c = close[i];
    const tr = Math.max(high[i], pc) - Math.min(low[i], pc);
    const tr2 = Math.max(high[i + 1], c) - Math.min(low[i + 1], c);
    y[i] = prev * keep + tr * inv;
    prev = prev * keep2 + (tr * keep + tr2) * inv;
    y[i + 1] = prev;
    pc = close[i + 1];
  }
}

/** Streaming ATR with the same numbers as atr(). */
export class Atr {
  readonly warmup: number;
  private readonly keep: number;
  private readonly keep2: number;
  private readonly inv: number;
  private count = 0;
  /** The ATR at the start of the current pair (see atr). */
  private prev = 0;
  private pc = NaN;
  /** Inside a pair: its first TR, waiting for the second. */
  private pending = false;
  private firstTr = 0;

  constructor(readonly n = 14) {
    checkPeriod('n', n);
    this.warmup = n;
    this.keep = (n - 1) / n;
    this.keep2 = this.keep * this.keep;
    this.inv = 1 / n;
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
    // max(h − l, |h − pc|, |l − pc|) equals max(h, pc) − min(l, pc) exactly when h ≥ l; Math.max/min compile
    // without branches on which term wins, which the CPU cannot predict.
    const tr = Math.max(h, pc) - Math.min(l, pc);
    this.pc = c;
    this.count++;
    if (this.count < n) {
      this.prev += tr;
      return NaN;
    }
    if (this.count === n) {
      this.prev = (this.prev + tr) / n;
      this.pending = false;
      return this.prev;
    }
    if (!this.pending) {
      this.pending = true;
      this.firstTr = tr;
      return this.prev * this.keep + tr * this.inv;
    }
    this.pending = false;
    this.prev = this.prev * this.keep2 + (this.firstTr * this.keep + tr) * this.inv;
    return this.prev;
  }
}
