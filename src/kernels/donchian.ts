import { checkPeriod, checkSameLength, outFor } from './util.js';

/**
 * Donchian channel over n bars (pandas `high.rolling(n).max()`, `low.rolling(n).min()`; pandas-ta's donchian with
 * lower_length = upper_length = n): upper[i] = max(high[i−n+1..i]), lower[i] = min(low[i−n+1..i]) and
 * mid[i] = (upper[i] + lower[i]) / 2. The window includes bar i: a breakout of bar i+1 compares its prices with
 * the channel of bar i. One pass with a monotonic deque of indices per side (amortised O(1) a bar, one Int32Array
 * of n per side allocated per call). Warm-up: the first n−1 values are NaN in all three outputs.
 * NaN policy: a bar with a NaN high or low poisons every window that holds it (as pandas' rolling with
 * min_periods = n), in all three outputs.
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
  // Ring buffers of bar indices: maxQ holds indices whose highs decrease from its head, minQ lows that increase.
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0;
  let maxLen = 0;
  let minHead = 0;
  let minLen = 0;
  let lastNaN = -1;
  for (let i = 0; i < len; i++) {
    const h = high[i];
    const l = low[i];
    if (h !== h || l !== l) {
      lastNaN = i;
      maxLen = 0;
      minLen = 0;
      lower[i] = mid[i] = upper[i] = NaN;
      continue;
    }
    // At most one index leaves the window per bar: the one n bars back, if it is still at a head.
    if (maxLen > 0 && maxQ[maxHead] <= i - n) {
      maxHead = maxHead + 1 === n ? 0 : maxHead + 1;
      maxLen--;
    }
    if (minLen > 0 && minQ[minHead] <= i - n) {
      minHead = minHead + 1 === n ? 0 : minHead + 1;
      minLen--;
    }
    // Drop from the tail every index this bar dominates (an equal value leaves too: the newer one lives longer).
    while (maxLen > 0 && high[maxQ[(maxHead + maxLen - 1) % n]] <= h) maxLen--;
    maxQ[(maxHead + maxLen) % n] = i;
    maxLen++;
    while (minLen > 0 && low[minQ[(minHead + minLen - 1) % n]] >= l) minLen--;
    minQ[(minHead + minLen) % n] = i;
    minLen++;
    if (i - lastNaN < n) {
      lower[i] = mid[i] = upper[i] = NaN;
      continue;
    }
    const u = high[maxQ[maxHead]];
    const d = low[minQ[minHead]];
    upper[i] = u;
    lower[i] = d;
    mid[i] = (u + d) / 2;
  }
  return [lower, mid, upper];
}

/** Streaming Donchian channel: update(high, low) returns [lower, mid, upper] (a reused tuple), as donchian(). */
export class Donchian {
  readonly warmup: readonly [number, number, number];
  private readonly result: [number, number, number] = [NaN, NaN, NaN];
  // The same two deques as donchian(), holding values and their bar counts, since past bars are not kept.
  private readonly maxValue: Float64Array;
  private readonly maxAt: Float64Array;
  private readonly minValue: Float64Array;
  private readonly minAt: Float64Array;
  private maxHead = 0;
  private maxLen = 0;
  private minHead = 0;
  private minLen = 0;
  private count = 0;
  private lastNaN = -1;

  constructor(readonly n = 20) {
    checkPeriod('n', n);
    this.warmup = [n - 1, n - 1, n - 1];
    this.maxValue = new Float64Array(n);
    this.maxAt = new Float64Array(n);
    this.minValue = new Float64Array(n);
    this.minAt = new Float64Array(n);
  }

  get ready(): boolean {
    return this.count - 1 - this.lastNaN >= this.n;
  }

  update(h: number, l: number): readonly [number, number, number] {
    const n = this.n;
    const i = this.count++;
    const r = this.result;
    if (h !== h || l !== l) {
      this.lastNaN = i;
      this.maxLen = 0;
      this.minLen = 0;
      r[0] = r[1] = r[2] = NaN;
      return r;
    }
    if (this.maxLen > 0 && this.maxAt[this.maxHead] <= i - n) {
      this.maxHead = this.maxHead + 1 === n ? 0 : this.maxHead + 1;
      this.maxLen--;
    }
    if (this.minLen > 0 && this.minAt[this.minHead] <= i - n) {
      this.minHead = this.minHead + 1 === n ? 0 : this.minHead + 1;
      this.minLen--;
    }
    while (this.maxLen > 0 && this.maxValue[(this.maxHead + this.maxLen - 1) % n] <= h) this.maxLen--;
    const maxTail = (this.maxHead + this.maxLen++) % n;
    this.maxValue[maxTail] = h;
    this.maxAt[maxTail] = i;
    while (this.minLen > 0 && this.minValue[(this.minHead + this.minLen - 1) % n] >= l) this.minLen--;
    const minTail = (this.minHead + this.minLen++) % n;
    this.minValue[minTail] = l;
    this.minAt[minTail] = i;
    if (i - this.lastNaN < n) {
      r[0] = r[1] = r[2] = NaN;
      return r;
    }
    const u = this.maxValue[this.maxHead];
    const d = this.minValue[this.minHead];
    r[0] = d;
    r[1] = (u + d) / 2;
    r[2] = u;
    return r;
  }
}
