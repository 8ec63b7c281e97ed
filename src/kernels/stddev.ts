import { checkPeriod, outFor } from './util.js';

/** Every this many outputs the window's mean and M2 are recomputed two-pass, so sliding updates cannot drift. */
export const REANCHOR_EVERY = 128;

/**
 * Rolling mean and population standard deviation (ddof 0, TA-Lib STDDEV with nbDev 1) over n values.
 * Sliding Welford update: mean' = mean + (in − out)/n; M2' = M2 + (in − out)(in − mean' + out − mean),
 * re-anchored by an exact two-pass recomputation every REANCHOR_EVERY outputs.
 * Warm-up: out[0..n−2] = NaN. NaN policy: like sma(), a NaN poisons every window that holds it.
 * `outMean` (optional) receives the rolling mean computed alongside.
 */
export function rollingStd(x: Float64Array, n: number, out?: Float64Array, outMean?: Float64Array): Float64Array {
  const len = x.length;
  const y = outFor(len, out);
  rollingMoments(x, n, y, outMean === undefined ? undefined : outFor(len, outMean, 'outMean'), undefined);
  return y;
}

/**
 * The rolling-window loop behind rollingStd and zscore; each output is optional (σ, mean, z = (x − mean)/σ with
 * 0 for a flat window). The `if (out)` tests are the same every iteration, so the CPU predicts them.
 */
export function rollingMoments(x: Float64Array, n: number, sigma: Float64Array | undefined, mu: Float64Array | undefined, z: Float64Array | undefined): void {
  checkPeriod('n', n);
  const len = x.length;
  const inv = 1 / n;
  // Per run of valid input: fill the first window, then alternate an exact two-pass anchor with up to
  // REANCHOR_EVERY sliding updates in a tight loop. A NaN ends the run.
  let i = 0;
  while (i < len) {
    let valid = 0;
    for (; i < len; i++) {
      if (x[i] !== x[i]) valid = 0;
      else if (++valid === n) break;
      if (sigma) sigma[i] = NaN;
      if (mu) mu[i] = NaN;
      if (z) z[i] = NaN;
    }
    if (i >= len) break;
    i = momentsRun(x, n, inv, sigma, mu, z, i, len);
  }
}

/**
 * From `i`, where the window x[i−n+1..i] is full and valid: an exact two-pass anchor, then up to REANCHOR_EVERY
 * sliding updates, repeated until a NaN (written NaN; returns the index after it) or `len`. A function of its own
 * with everything passed in, so V8 optimises a body whose every operation ran with type feedback (ema.ts's emaRun).
 */
function momentsRun(
  x: Float64Array,
  n: number,
  inv: number,
  sigma: Float64Array | undefined,
  mu: Float64Array | undefined,
  z: Float64Array | undefined,
  i: number,
  len: number,
): number {
  for (;;) {
    // Two-pass over the window x[i−n+1..i].
    let s = 0;
    for (let j = i - n + 1; j <= i; j++) s += x[j];
    let mean = s / n;
    let m2 = 0;
    for (let j = i - n + 1; j <= i; j++) {
      const d = x[j] - mean;
      m2 += d * d;
    }
    let sd = m2 > 0 ? Math.sqrt(m2 * inv) : 0;
    if (sigma) sigma[i] = sd;
    if (mu) mu[i] = mean;
    if (z) z[i] = sd > 0 ? (x[i] - mean) / sd : 0;
    i++;
    const stop = Math.min(len, i + REANCHOR_EVERY);
    for (; i < stop; i++) {
      const v = x[i];
      if (v !== v) {
        if (sigma) sigma[i] = NaN;
        if (mu) mu[i] = NaN;
        if (z) z[i] = NaN;
        return i + 1;
      }
      const old = x[i - n];
      const newMean = mean + (v - old) * inv;
      m2 += (v - old) * (v - newMean + old - mean);
      mean = newMean;
      sd = m2 > 0 ? Math.sqrt(m2 * inv) : 0;
      if (sigma) sigma[i] = sd;
      if (mu) mu[i] = mean;
      if (z) z[i] = sd > 0 ? (v - mean) / sd : 0;
    }
    if (i >= len) return len;
  }
}

/** Streaming rolling mean and population std with the same numbers as rollingStd(). */
export class RollingStd {
  readonly warmup: number;
  private readonly window: Float64Array;
  private valid = 0;
  private mean = 0;
  private m2 = 0;
  private sinceAnchor = 0;

  constructor(readonly n: number) {
    checkPeriod('n', n);
    this.window = new Float64Array(n);
    this.warmup = n - 1;
  }

  get ready(): boolean {
    return this.valid >= this.n;
  }

  /** The current rolling mean (NaN until ready). */
  get currentMean(): number {
    return this.valid >= this.n ? this.mean : NaN;
  }

  update(v: number): number {
    const n = this.n;
    if (v !== v) {
      this.valid = 0;
      return NaN;
    }
    const slot = this.valid % n;
    const old = this.window[slot];
    this.window[slot] = v;
    this.valid++;
    if (this.valid < n) return NaN;
    if (this.valid === n || this.sinceAnchor >= REANCHOR_EVERY) {
      // Oldest value sits at the slot after the one just written.
      const start = this.valid % n;
      let s = 0;
      for (let j = 0; j < n; j++) s += this.window[(start + j) % n];
      const mean = s / n;
      let q = 0;
      for (let j = 0; j < n; j++) {
        const d = this.window[(start + j) % n] - mean;
        q += d * d;
      }
      this.mean = mean;
      this.m2 = q;
      this.sinceAnchor = 0;
    } else {
      const newMean = this.mean + (v - old) * (1 / n);
      this.m2 += (v - old) * (v - newMean + old - this.mean);
      this.mean = newMean;
      this.sinceAnchor++;
    }
    return this.m2 > 0 ? Math.sqrt(this.m2 * (1 / n)) : 0;
  }
}
