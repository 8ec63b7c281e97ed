import { checkPeriod, checkSameLength, outFor } from './util.js';

/**
 * Donchian channel over n bars (pandas `high.rolling(n).max()`, `low.rolling(n).min()`; pandas-ta's donchian with
 * lower_length = upper_length = n): upper[i] = max(high[i−n+1..i]), lower[i] = min(low[i−n+1..i]) and
 * mid[i] = (upper[i] + lower[i]) / 2. The window includes bar i: a breakout of bar i+1 compares its prices with
 * the channel of bar i. Warm-up: the first n−1 values are NaN in all three outputs.
 * NaN policy: as pandas' rolling with min_periods = n, a NaN high makes upper (and mid) NaN in every window that
 * holds it, a NaN low lower (and mid).
 *
 * Van Herk / Gil-Werman, in one pass: cut the series into blocks of n bars. A window [i−n+1, i] spans the end of
 * the previous block and the start of bar i's own, so its extreme is extreme(suffix of the previous block from
 * i−n+1, prefix of this block up to i). Walking forward, each bar updates the running prefix and combines it with
 * the previous block's suffixes (kept in an n-long scratch); at a block's end its suffixes are computed backwards
 * while it is still in cache. About three comparisons a bar, branch-free, whatever the data (a monotonic deque
 * mispredicts its pops on noisy prices); Math.max/min carry a NaN into every window that holds it.
 */
export function donchian(
  high: Float64Array,
  low: Float64Array,
  n = 20,
  outLower?: Float64Array,
  outMid?: Float64Array,
  outUpper?: Float64Array,
): [Float64Array, Float64Array, Float64Array] {
  checkPeriod('n', n);
  const len = high.length;
  checkSameLength(len, low);
  const lower = outFor(len, outLower, 'outLower');
  const mid = outFor(len, outMid, 'outMid');
  const upper = outFor(len, outUpper, 'outUpper');
  // suffixMax[k] = max(high[prev + k .. prev + n − 1]) for the previous block starting at `prev` (likewise lows).
  const suffixMax = new Float64Array(n);
  const suffixMin = new Float64Array(n);
  // The first block's outputs combine its prefix with a previous block that does not exist (the zero scratch):
  // they are computed like every other block's, keeping the loop free of a warm-up branch, then overwritten by
  // the warm-up NaNs.
  donchianLoop(high, low, lower, mid, upper, suffixMax, suffixMin, n, len);
  const warm = Math.min(n - 1, len);
  lower.fill(NaN, 0, warm);
  mid.fill(NaN, 0, warm);
  upper.fill(NaN, 0, warm);
  return [lower, mid, upper];
}

/** donchian's blocks; a function of its own taking everything as arguments (see ema.ts's emaRun). */
function donchianLoop(
  high: Float64Array,
  low: Float64Array,
  lower: Float64Array,
  mid: Float64Array,
  upper: Float64Array,
  suffixMax: Float64Array,
  suffixMin: Float64Array,
  n: number,
  len: number,
): void {
  for (let start = 0; start < len; start += n) {
    const end = Math.min(start + n, len);
    let hi = high[start];
    let lo = low[start];
    for (let i = start; i < end; i++) {
      hi = Math.max(hi, high[i]);
      lo = Math.min(lo, low[i]);
      // The window starts at offset k of the previous block; k = n means it is exactly this block.
      const k = i - start + 1;
      const u = k < n ? Math.max(suffixMax[k], hi) : hi;
      const d = k < n ? Math.min(suffixMin[k], lo) : lo;
      upper[i] = u;
      lower[i] = d;
      mid[i] = (u + d) / 2;
    }
    hi = high[end - 1];
    lo = low[end - 1];
    for (let i = end - 1; i >= start; i--) {
      hi = Math.max(hi, high[i]);
      lo = Math.min(lo, low[i]);
      suffixMax[i - start] = hi;
      suffixMin[i - start] = lo;
    }
  }
}

/** Streaming Donchian channel: update(high, low) returns [lower, mid, upper] (a reused tuple), as donchian(). */
export class Donchian {
  readonly warmup: readonly [number, number, number];
  private readonly result: [number, number, number] = [NaN, NaN, NaN];
  private readonly highs: RollingExtreme;
  private readonly lows: RollingExtreme;

  constructor(readonly n = 20) {
    checkPeriod('n', n);
    this.warmup = [n - 1, n - 1, n - 1];
    this.highs = new RollingExtreme(n, 1);
    this.lows = new RollingExtreme(n, -1);
  }

  get ready(): boolean {
    return this.highs.ready && this.lows.ready;
  }

  update(h: number, l: number): readonly [number, number, number] {
    const u = this.highs.update(h);
    const d = this.lows.update(l);
    const r = this.result;
    r[0] = d;
    r[1] = (u + d) / 2;
    r[2] = u;
    return r;
  }
}

/**
 * The streaming maximum (sign 1) or minimum (sign −1) of the last n values: a monotonic deque in ring buffers of n
 * (values and their counts), amortised O(1) an update. NaN until n values since the last NaN.
 */
class RollingExtreme {
  private readonly values: Float64Array;
  private readonly at: Float64Array;
  private head = 0;
  private size = 0;
  private count = 0;
  private lastNaN = -1;

  constructor(
    private readonly n: number,
    private readonly sign: 1 | -1,
  ) {
    this.values = new Float64Array(n);
    this.at = new Float64Array(n);
  }

  get ready(): boolean {
    return this.count - 1 - this.lastNaN >= this.n;
  }

  update(v: number): number {
    const n = this.n;
    const i = this.count++;
    if (v !== v) {
      this.lastNaN = i;
      this.size = 0;
      return NaN;
    }
    if (this.size > 0 && this.at[this.head] <= i - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.size--;
    }
    // Drop from the tail every value this one dominates (an equal one leaves too: the newer lives longer).
    const key = this.sign * v;
    while (this.size > 0 && this.sign * this.values[(this.head + this.size - 1) % n] <= key) this.size--;
    const tail = (this.head + this.size++) % n;
    this.values[tail] = v;
    this.at[tail] = i;
    return i - this.lastNaN < n ? NaN : this.values[this.head];
  }
}
