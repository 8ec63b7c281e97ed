import { RollingStd, rollingStd } from './stddev.js';
import { KernelArgumentError, outFor } from './util.js';

/**
 * Bollinger bands (TA-Lib BBANDS with an SMA middle): mid = rolling mean over n, upper/lower = mid ± k·σ where σ is
 * the population (ddof 0) standard deviation of the same window. Warm-up: the first n−1 values are NaN in all
 * three outputs. NaN policy: as rollingStd() (a NaN poisons every window holding it).
 */
export function bollinger(
  x: Float64Array,
  n = 20,
  k = 2,
  outLower?: Float64Array,
  outMid?: Float64Array,
  outUpper?: Float64Array,
): [Float64Array, Float64Array, Float64Array] {
  if (!(k >= 0)) throw new KernelArgumentError('k', k, '≥ 0');
  const len = x.length;
  const lower = outFor(len, outLower, 'outLower');
  const mid = outFor(len, outMid, 'outMid');
  const upper = outFor(len, outUpper, 'outUpper');
  // σ goes into `upper` first, then becomes the band in the same pass.
  rollingStd(x, n, upper, mid);
  bandsLoop(lower, mid, upper, k, len);
  return [lower, mid, upper];
}

/** σ in `upper` becomes the bands. A function of its own taking everything as arguments (see ema.ts's emaRun). */
function bandsLoop(lower: Float64Array, mid: Float64Array, upper: Float64Array, k: number, len: number): void {
  for (let i = 0; i < len; i++) {
    const band = k * upper[i];
    const m = mid[i];
    lower[i] = m - band;
    upper[i] = m + band;
  }
}

/** Streaming Bollinger bands: update(x) returns [lower, mid, upper] (a reused tuple), as bollinger(). */
export class Bollinger {
  readonly warmup: readonly [number, number, number];
  private readonly std: RollingStd;
  private readonly result: [number, number, number] = [NaN, NaN, NaN];

  constructor(
    readonly n = 20,
    readonly k = 2,
  ) {
    if (!(k >= 0)) throw new KernelArgumentError('k', k, '≥ 0');
    this.std = new RollingStd(n);
    this.warmup = [n - 1, n - 1, n - 1];
  }

  get ready(): boolean {
    return this.std.ready;
  }

  update(v: number): readonly [number, number, number] {
    const sd = this.std.update(v);
    const m = this.std.currentMean;
    const band = this.k * sd;
    this.result[0] = m - band;
    this.result[1] = m;
    this.result[2] = m + band;
    return this.result;
  }
}
