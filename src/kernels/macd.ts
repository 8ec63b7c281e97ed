import { checkPeriod, outFor } from './util.js';

/**
 * MACD with TA-Lib's alignment (TA_MACD). Both EMAs (α = 2/(p+1)) start at bar slow−1: the slow one seeded with
 * the mean of x[0..slow−1], the fast one with the mean of x[slow−fast..slow−1]; both update from bar slow on.
 * line = fastEMA − slowEMA from bar slow−1 (25 for 12/26/9); signal = EMA(signal) of the line seeded with the
 * mean of its first `signal` values, so signal and hist = line − signal start at bar slow+signal−2 (33).
 * (TA-Lib itself emits all three only from bar 33; the line's earlier values are the same numbers.)
 * NaN policy: a NaN input gives NaN in all outputs and restarts the warm-up after it.
 */
export function macd(
  x: Float64Array,
  fast = 12,
  slow = 26,
  signal = 9,
  outLine?: Float64Array,
  outSignal?: Float64Array,
  outHist?: Float64Array,
): [Float64Array, Float64Array, Float64Array] {
  checkMacdParams(fast, slow, signal);
  const len = x.length;
  const line = outFor(len, outLine, 'outLine');
  const sig = outFor(len, outSignal, 'outSignal');
  const hist = outFor(len, outHist, 'outHist');
  const kf = 2 / (fast + 1);
  const ks = 2 / (slow + 1);
  const kg = 2 / (signal + 1);
  const fastFrom = slow - fast; // seed window of the fast EMA starts here
  let c = 0; // inputs since the last restart
  let sumSlow = 0;
  let sumFast = 0;
  let emaFast = 0;
  let emaSlow = 0;
  let sc = 0; // line values seen
  let sumSig = 0;
  let emaSig = 0;
  for (let i = 0; i < len; i++) {
    const v = x[i];
    if (v !== v) {
      c = 0;
      sumSlow = 0;
      sumFast = 0;
      sc = 0;
      sumSig = 0;
      line[i] = NaN;
      sig[i] = NaN;
      hist[i] = NaN;
      continue;
    }
    if (c < slow) {
      sumSlow += v;
      if (c >= fastFrom) sumFast += v;
      c++;
      if (c < slow) {
        line[i] = NaN;
        sig[i] = NaN;
        hist[i] = NaN;
        continue;
      }
      emaFast = sumFast / fast;
      emaSlow = sumSlow / slow;
    } else {
      emaFast = (v - emaFast) * kf + emaFast;
      emaSlow = (v - emaSlow) * ks + emaSlow;
    }
    const m = emaFast - emaSlow;
    line[i] = m;
    if (sc < signal) {
      sumSig += m;
      sc++;
      if (sc < signal) {
        sig[i] = NaN;
        hist[i] = NaN;
        continue;
      }
      emaSig = sumSig / signal;
    } else {
      emaSig = (m - emaSig) * kg + emaSig;
    }
    sig[i] = emaSig;
    hist[i] = m - emaSig;
  }
  return [line, sig, hist];
}

function checkMacdParams(fast: number, slow: number, signal: number): void {
  checkPeriod('fast', fast);
  checkPeriod('slow', slow);
  checkPeriod('signal', signal);
  if (fast >= slow) throw new RangeError(`fast must be below slow, got fast=${fast} slow=${slow}`);
}

/** Streaming MACD: update(x) returns [line, signal, hist], the same numbers as macd(). */
export class Macd {
  readonly warmup: readonly [number, number, number];
  private readonly kf: number;
  private readonly ks: number;
  private readonly kg: number;
  private c = 0;
  private sumSlow = 0;
  private sumFast = 0;
  private emaFast = 0;
  private emaSlow = 0;
  private sc = 0;
  private sumSig = 0;
  private emaSig = 0;
  private readonly result: [number, number, number] = [NaN, NaN, NaN];

  constructor(
    readonly fast = 12,
    readonly slow = 26,
    readonly signal = 9,
  ) {
    checkMacdParams(fast, slow, signal);
    this.kf = 2 / (fast + 1);
    this.ks = 2 / (slow + 1);
    this.kg = 2 / (signal + 1);
    this.warmup = [slow - 1, slow + signal - 2, slow + signal - 2];
  }

  get ready(): boolean {
    return this.sc >= this.signal;
  }

  /** The returned tuple is reused between calls: copy it to keep it. */
  update(v: number): readonly [number, number, number] {
    const r = this.result;
    r[0] = NaN;
    r[1] = NaN;
    r[2] = NaN;
    if (v !== v) {
      this.c = 0;
      this.sumSlow = 0;
      this.sumFast = 0;
      this.sc = 0;
      this.sumSig = 0;
      return r;
    }
    if (this.c < this.slow) {
      this.sumSlow += v;
      if (this.c >= this.slow - this.fast) this.sumFast += v;
      this.c++;
      if (this.c < this.slow) return r;
      this.emaFast = this.sumFast / this.fast;
      this.emaSlow = this.sumSlow / this.slow;
    } else {
      this.emaFast = (v - this.emaFast) * this.kf + this.emaFast;
      this.emaSlow = (v - this.emaSlow) * this.ks + this.emaSlow;
    }
    const m = this.emaFast - this.emaSlow;
    r[0] = m;
    if (this.sc < this.signal) {
      this.sumSig += m;
      this.sc++;
      if (this.sc < this.signal) return r;
      this.emaSig = this.sumSig / this.signal;
    } else {
      this.emaSig = (m - this.emaSig) * this.kg + this.emaSig;
    }
    r[1] = this.emaSig;
    r[2] = m - this.emaSig;
    return r;
  }
}
