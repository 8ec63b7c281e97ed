import { KernelArgumentError, checkPeriod, firstNaN, outFor } from './util.js';

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
  // Three phases per run of valid input (seed, signal warm-up, steady state), each its own tight loop: one loop
  // with warm-up branches inside runs several times slower in V8. A NaN ends the run and starts a new one.
  let i = 0;
  outer: while (i < len) {
    let c = 0;
    let sumSlow = 0;
    let sumFast = 0;
    for (; i < len; i++) {
      const v = x[i];
      if (v !== v) {
        c = 0;
        sumSlow = 0;
        sumFast = 0;
      } else {
        sumSlow += v;
        if (c >= fastFrom) sumFast += v;
        c++;
        if (c === slow) break;
      }
      line[i] = NaN;
      sig[i] = NaN;
      hist[i] = NaN;
    }
    if (i >= len) break;
    let emaFast = sumFast / fast;
    let emaSlow = sumSlow / slow;
    let m = emaFast - emaSlow;
    let sc = 1;
    let sumSig = m;
    let emaSig = 0;
    line[i] = m;
    if (sc === signal) {
      emaSig = sumSig / signal;
      sig[i] = emaSig;
      hist[i] = m - emaSig;
    } else {
      sig[i] = NaN;
      hist[i] = NaN;
    }
    i++;
    for (; i < len && sc < signal; i++) {
      const v = x[i];
      if (v !== v) {
        line[i] = NaN;
        sig[i] = NaN;
        hist[i] = NaN;
        i++;
        continue outer;
      }
      emaFast = (v - emaFast) * kf + emaFast;
      emaSlow = (v - emaSlow) * ks + emaSlow;
      m = emaFast - emaSlow;
      line[i] = m;
      sumSig += m;
      sc++;
      if (sc === signal) {
        emaSig = sumSig / signal;
        sig[i] = emaSig;
        hist[i] = m - emaSig;
      } else {
        sig[i] = NaN;
        hist[i] = NaN;
      }
    }
    if (i >= len) break;
    // The steady state to the end without a NaN test (a NaN input turns every later output NaN, so the last line
    // value tells whether one came); if one did, the outputs before it stand, it gets NaN and the run restarts.
    macdRun(x, line, sig, hist, i, len, emaFast, emaSlow, emaSig, kf, ks, kg);
    if (line[len - 1] === line[len - 1]) break;
    const nan = firstNaN(x, i, len);
    if (nan === len) break; // no NaN input: ±Infinity made the NaN, as IEEE arithmetic does
    line[nan] = NaN;
    sig[nan] = NaN;
    hist[nan] = NaN;
    i = nan + 1;
  }
  return [line, sig, hist];
}

/**
 * The steady state (all three EMAs running) from `from` to `len`. A function of its own with everything passed in
 * and nothing before its loop, so V8 optimises a body whose every operation ran with type feedback (see ema.ts's emaRun).
 */
function macdRun(
  x: Float64Array,
  line: Float64Array,
  sig: Float64Array,
  hist: Float64Array,
  from: number,
  len: number,
  emaFast: number,
  emaSlow: number,
  emaSig: number,
  kf: number,
  ks: number,
  kg: number,
): void {
  for (let i = from; i < len; i++) {
    const v = x[i];
    emaFast = (v - emaFast) * kf + emaFast;
    emaSlow = (v - emaSlow) * ks + emaSlow;
    const mm = emaFast - emaSlow;
    emaSig = (mm - emaSig) * kg + emaSig;
    line[i] = mm;
    sig[i] = emaSig;
    hist[i] = mm - emaSig;
  }
}

function checkMacdParams(fast: number, slow: number, signal: number): void {
  checkPeriod('fast', fast);
  checkPeriod('slow', slow);
  checkPeriod('signal', signal);
  if (fast >= slow) throw new KernelArgumentError('fast', fast, `below slow (${slow})`);
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
