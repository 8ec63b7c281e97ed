/**
 * Extended-precision references for checking kernels (benchmarks check before they time; tests check drift).
 * Windowed kernels are recomputed two-pass per window with compensated sums (no running sum to drift);
 * recursive kernels (EMA, RSI, ATR, MACD, VWAP) run their textbook recursion in double-double arithmetic
 * (~106-bit significand). Slow on purpose: clarity over speed.
 */

/** A double-double number hi + lo with |lo| ≤ ulp(hi)/2. */
interface DD {
  hi: number;
  lo: number;
}

const dd = (hi: number, lo = 0): DD => ({ hi, lo });

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

function quick(hi: number, lo: number): DD {
  const s = hi + lo;
  return { hi: s, lo: lo - (s - hi) };
}

const SPLITTER = 134217729; // 2^27 + 1
function split(a: number): [number, number] {
  const c = SPLITTER * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

export function add(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  return quick(s.hi, s.lo + a.lo + b.lo);
}
export const sub = (a: DD, b: DD): DD => add(a, { hi: -b.hi, lo: -b.lo });
export function mulN(a: DD, b: number): DD {
  const p = twoProd(a.hi, b);
  return quick(p.hi, p.lo + a.lo * b);
}
export function divN(a: DD, b: number): DD {
  const q1 = a.hi / b;
  const r = sub(a, mulN(dd(q1), b));
  return quick(q1, r.hi / b);
}
export function divDD(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  const r = sub(a, mul(b, dd(q1)));
  return quick(q1, r.hi / b.hi);
}
export function mul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return quick(p.hi, p.lo + a.hi * b.lo + a.lo * b.hi);
}
const val = (a: DD) => a.hi + a.lo;

/** Σ of x[from..to] in double-double. */
function windowSum(x: Float64Array, from: number, to: number): DD {
  let s = dd(0);
  for (let j = from; j <= to; j++) s = add(s, dd(x[j]));
  return s;
}

/** Indexes a windowed reference evaluates: every `stride`-th after warm-up, and always the last. */
function* sampled(first: number, len: number, stride: number): Generator<number> {
  for (let i = first; i < len; i += stride) yield i;
  if (len > first && (len - 1 - first) % stride !== 0) yield len - 1;
}

/** Windowed references fill only sampled indexes (others NaN) when stride > 1, to keep 10M-point checks fast. */
export function refSma(x: Float64Array, n: number, stride = 1): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (const i of sampled(n - 1, x.length, stride)) out[i] = val(divN(windowSum(x, i - n + 1, i), n));
  return out;
}

/** Rolling population std and mean, two-pass per window in double-double. */
export function refStd(x: Float64Array, n: number, stride = 1): { std: Float64Array; mean: Float64Array } {
  const std = new Float64Array(x.length).fill(NaN);
  const mean = new Float64Array(x.length).fill(NaN);
  for (const i of sampled(n - 1, x.length, stride)) {
    const m = divN(windowSum(x, i - n + 1, i), n);
    let q = dd(0);
    for (let j = i - n + 1; j <= i; j++) {
      const d = sub(dd(x[j]), m);
      q = add(q, mul(d, d));
    }
    std[i] = Math.sqrt(val(divN(q, n)));
    mean[i] = val(m);
  }
  return { std, mean };
}

export function refEma(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const k = 2 / (n + 1);
  let prev = divN(windowSum(x, 0, n - 1), n);
  out[n - 1] = val(prev);
  for (let i = n; i < x.length; i++) {
    prev = add(prev, mulN(sub(dd(x[i]), prev), k));
    out[i] = val(prev);
  }
  return out;
}

export function refRsi(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let gain = dd(0);
  let loss = dd(0);
  for (let i = 1; i <= n; i++) {
    const d = sub(dd(x[i]), dd(x[i - 1]));
    if (d.hi > 0) gain = add(gain, d);
    else loss = sub(loss, d);
  }
  gain = divN(gain, n);
  loss = divN(loss, n);
  const rsiOf = () => {
    const total = add(gain, loss);
    return Math.abs(val(total)) < 1e-8 ? 0 : 100 * val(divDD(gain, total));
  };
  out[n] = rsiOf();
  for (let i = n + 1; i < x.length; i++) {
    const d = sub(dd(x[i]), dd(x[i - 1]));
    gain = divN(add(mulN(gain, n - 1), d.hi > 0 ? d : dd(0)), n);
    loss = divN(add(mulN(loss, n - 1), d.hi > 0 ? dd(0) : dd(-d.hi, -d.lo)), n);
    out[i] = rsiOf();
  }
  return out;
}

export function refAtr(h: Float64Array, l: Float64Array, c: Float64Array, n: number): Float64Array {
  const out = new Float64Array(h.length).fill(NaN);
  const tr = (i: number) => Math.max(h[i] - l[i], Math.abs(h[i] - c[i - 1]), Math.abs(l[i] - c[i - 1]));
  let s = dd(0);
  for (let i = 1; i <= n; i++) s = add(s, dd(tr(i)));
  let prev = divN(s, n);
  out[n] = val(prev);
  for (let i = n + 1; i < h.length; i++) {
    prev = divN(add(mulN(prev, n - 1), dd(tr(i))), n);
    out[i] = val(prev);
  }
  return out;
}

export function refMacd(x: Float64Array, fast: number, slow: number, signal: number): [Float64Array, Float64Array, Float64Array] {
  const len = x.length;
  const line = new Float64Array(len).fill(NaN);
  const sig = new Float64Array(len).fill(NaN);
  const hist = new Float64Array(len).fill(NaN);
  const kf = 2 / (fast + 1);
  const ks = 2 / (slow + 1);
  const kg = 2 / (signal + 1);
  let ef = divN(windowSum(x, slow - fast, slow - 1), fast);
  let es = divN(windowSum(x, 0, slow - 1), slow);
  const lines: DD[] = [];
  let eg = dd(0);
  for (let i = slow - 1; i < len; i++) {
    if (i >= slow) {
      ef = add(ef, mulN(sub(dd(x[i]), ef), kf));
      es = add(es, mulN(sub(dd(x[i]), es), ks));
    }
    const m = sub(ef, es);
    line[i] = val(m);
    if (lines.length < signal) {
      lines.push(m);
      if (lines.length < signal) continue;
      eg = divN(lines.reduce(add, dd(0)), signal);
    } else eg = add(eg, mulN(sub(m, eg), kg));
    sig[i] = val(eg);
    hist[i] = val(sub(m, eg));
  }
  return [line, sig, hist];
}

/** Session VWAP of a given price in double-double. */
export function refVwap(p: Float64Array, v: Float64Array, session: Float64Array): Float64Array {
  const out = new Float64Array(p.length);
  let pv = dd(0);
  let vol = dd(0);
  for (let i = 0; i < p.length; i++) {
    if (i === 0 || session[i] !== session[i - 1]) {
      pv = dd(0);
      vol = dd(0);
    }
    pv = add(pv, twoProd(p[i], v[i]));
    vol = add(vol, dd(v[i]));
    out[i] = val(divDD(pv, vol));
  }
  return out;
}

export function refRollingVwap(p: Float64Array, v: Float64Array, n: number, stride = 1): Float64Array {
  const out = new Float64Array(p.length).fill(NaN);
  for (const i of sampled(n - 1, p.length, stride)) {
    let pv = dd(0);
    let vol = dd(0);
    for (let j = i - n + 1; j <= i; j++) {
      pv = add(pv, twoProd(p[j], v[j]));
      vol = add(vol, dd(v[j]));
    }
    out[i] = val(divDD(pv, vol));
  }
  return out;
}

/**
 * Element-wise kernels, evaluated from their definitions in double-double rather than in the kernels' float
 * order, so a wrong formula or a cancellation the kernel does not handle shows up as a difference.
 */
export function refRoc(x: Float64Array, n: number): Float64Array {
  // 100 · (x[i] − x[i−n]) / x[i−n]: the difference is exact in double-double (no "ratio − 1" cancellation).
  return Float64Array.from({ length: x.length }, (_, i) => (i < n ? NaN : val(mulN(divN(twoSum(x[i], -x[i - n]), x[i - n]), 100))));
}

/** ln of a positive double-double, by 2·atanh((r − 1)/(r + 1)) summed in double-double (no Math.log). */
function lnDD(r: DD): number {
  const z = divDD(add(r, dd(-1)), add(r, dd(1)));
  const z2 = mul(z, z);
  let power = z;
  let sum = z;
  for (let k = 1; k < 400; k++) {
    power = mul(power, z2);
    const term = divN(power, 2 * k + 1);
    sum = add(sum, term);
    if (Math.abs(term.hi) < 1e-34 * Math.abs(sum.hi)) break;
  }
  return val(mulN(sum, 2));
}

export function refLogReturn(x: Float64Array, n: number): Float64Array {
  return Float64Array.from({ length: x.length }, (_, i) => (i < n ? NaN : lnDD(divN(dd(x[i]), x[i - n]))));
}

export const refMid = (bid: Float64Array, ask: Float64Array): Float64Array => Float64Array.from({ length: bid.length }, (_, i) => val(twoSum(bid[i], ask[i])) / 2);

export const refSpread = (bid: Float64Array, ask: Float64Array): Float64Array => Float64Array.from({ length: bid.length }, (_, i) => val(twoSum(ask[i], -bid[i])));

/** Size-weighted price: the bid weighted by the ask size and the ask by the bid size (Stoikov's micro-price, level 1). */
export function refMicroprice(bid: Float64Array, ask: Float64Array, bidSize: Float64Array, askSize: Float64Array): Float64Array {
  return Float64Array.from({ length: bid.length }, (_, i) => val(divDD(add(twoProd(bid[i], askSize[i]), twoProd(ask[i], bidSize[i])), twoSum(bidSize[i], askSize[i]))));
}

/**
 * Largest relative difference (relative to max(|expected|, absFloor)). NaN must match NaN, except that with
 * `sampledReference` a NaN in the reference means "not evaluated here" and is skipped.
 */
export function maxRelativeError(actual: Float64Array, expected: Float64Array, absFloor = 1e-300, sampledReference = false): { worst: number; index: number } {
  let worst = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (sampledReference && Number.isNaN(e)) continue;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return { worst: Infinity, index: i };
      continue;
    }
    const err = Math.abs(a - e) / Math.max(Math.abs(e), absFloor);
    if (err > worst) {
      worst = err;
      index = i;
    }
  }
  return { worst, index };
}
