import { checkPeriod, checkSameLength, outFor } from './util.js';

/**
 * Session VWAP: out[i] = Σ p·v / Σ v over the rows since the session began, where a session is a run of equal
 * `session` ids (e.g. the UTC day number of each bar; the features pipeline computes it, optionally in an
 * exchange time zone). For bars, p is the typical price (high+low+close)/3 (StockCharts, technicalindicators).
 * Warm-up: none; a session whose volume so far is 0 gives NaN. Sums are Kahan-compensated.
 * NaN policy: a row with NaN price or volume is skipped (its output repeats the running value, NaN if none).
 */
export function vwap(price: Float64Array, volume: Float64Array, session: Float64Array, out?: Float64Array): Float64Array {
  const len = price.length;
  checkSameLength(len, volume, session);
  const y = outFor(len, out);
  vwapLoop(price, volume, session, y, len);
  return y;
}

/**
 * vwap's loop, a function of its own taking everything as arguments: V8 then optimises a body whose every
 * operation ran with type feedback (see ema.ts's emaRun), the same in every process.
 */
function vwapLoop(price: Float64Array, volume: Float64Array, session: Float64Array, y: Float64Array, len: number): void {
  let pv = 0;
  let pvc = 0;
  let vol = 0;
  let volc = 0;
  let current = NaN;
  for (let i = 0; i < len; i++) {
    const s = session[i];
    if (s !== current) {
      current = s;
      pv = 0;
      pvc = 0;
      vol = 0;
      volc = 0;
    }
    const p = price[i];
    const v = volume[i];
    if (p === p && v === v) {
      const a = p * v - pvc;
      const t = pv + a;
      pvc = t - pv - a;
      pv = t;
      const b = v - volc;
      const u = vol + b;
      volc = u - vol - b;
      vol = u;
    }
    y[i] = vol > 0 ? pv / vol : NaN;
  }
}

/** Streaming session VWAP with the same numbers as vwap(). */
export class Vwap {
  readonly warmup = 0;
  private pv = 0;
  private pvc = 0;
  private vol = 0;
  private volc = 0;
  private current = NaN;

  update(p: number, v: number, session: number): number {
    if (session !== this.current) {
      this.current = session;
      this.pv = 0;
      this.pvc = 0;
      this.vol = 0;
      this.volc = 0;
    }
    if (p === p && v === v) {
      const a = p * v - this.pvc;
      const t = this.pv + a;
      this.pvc = t - this.pv - a;
      this.pv = t;
      const b = v - this.volc;
      const u = this.vol + b;
      this.volc = u - this.vol - b;
      this.vol = u;
    }
    return this.vol > 0 ? this.pv / this.vol : NaN;
  }
}

/**
 * Rolling VWAP over the last n rows: Σ p·v / Σ v of the window (Kahan-compensated sliding sums).
 * Warm-up: out[0..n−2] = NaN. NaN policy: a NaN price or volume poisons every window that holds it.
 */
export function rollingVwap(price: Float64Array, volume: Float64Array, n: number, out?: Float64Array): Float64Array {
  checkPeriod('n', n);
  const len = price.length;
  checkSameLength(len, volume);
  const y = outFor(len, out);
  rollingVwapLoop(price, volume, y, n, len);
  return y;
}

/** rollingVwap's loop, a function of its own for the same reason as vwapLoop. */
function rollingVwapLoop(price: Float64Array, volume: Float64Array, y: Float64Array, n: number, len: number): void {
  let pv = 0;
  let pvc = 0;
  let vol = 0;
  let volc = 0;
  let valid = 0;
  for (let i = 0; i < len; i++) {
    const p = price[i];
    const v = volume[i];
    if (p !== p || v !== v) {
      valid = 0;
      pv = pvc = vol = volc = 0;
      y[i] = NaN;
      continue;
    }
    valid++;
    let dpv = p * v;
    let dv = v;
    if (valid > n) {
      dpv -= price[i - n] * volume[i - n];
      dv -= volume[i - n];
    }
    const a = dpv - pvc;
    const t = pv + a;
    pvc = t - pv - a;
    pv = t;
    const b = dv - volc;
    const u = vol + b;
    volc = u - vol - b;
    vol = u;
    y[i] = valid >= n && vol > 0 ? pv / vol : NaN;
  }
}

/** Typical price (high + low + close)/3, the price VWAP uses for bars. */
export function typicalPrice(high: Float64Array, low: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const len = high.length;
  checkSameLength(len, low, close);
  const y = outFor(len, out);
  for (let i = 0; i < len; i++) y[i] = (high[i] + low[i] + close[i]) / 3;
  return y;
}
