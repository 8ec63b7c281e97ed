/**
 * Order-book kernels over the stored `book` kind's per-level columns: bid_px_1…N, bid_sz_1…N, ask_px_1…N,
 * ask_sz_1…N. Each batch function takes the levels as arrays of Float64Array (index 0 = level 1, the best price),
 * one array per level, all the same length (one row per book update).
 *
 * Empty levels: a NaN price marks an empty level (LOBSTER's ±9999999999 sentinels, stored as null). An empty
 * bid level is a bid at −∞ with size 0 and an empty ask level an ask at +∞ with size 0 — the limit LOBSTER's own
 * sentinels stand for — so its size (NaN or 0) is never read. A NaN size at a level whose price is present is
 * missing data and gives NaN wherever that size enters a formula.
 *
 * Streaming twins take one book update as a flat row in the registry's input order (bookInputs(N): bid_px_1…N,
 * bid_sz_1…N, ask_px_1…N, ask_sz_1…N) and run the batch code on a two-row window, so the two cannot disagree.
 */
import { ofiStep } from './ofi.js';
import { KernelArgumentError, checkPeriod, checkSameLength, outFor } from './util.js';

type Levels = readonly Float64Array[];

function checkBook(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels): { levels: number; rows: number } {
  const levels = bidPx.length;
  checkPeriod('levels', levels);
  if (bidSz.length !== levels || askPx.length !== levels || askSz.length !== levels) {
    throw new RangeError(`the sides differ in levels: bidPx ${levels}, bidSz ${bidSz.length}, askPx ${askPx.length}, askSz ${askSz.length}`);
  }
  const rows = bidPx[0].length;
  for (let k = 0; k < levels; k++) checkSameLength(rows, bidPx[k], bidSz[k], askPx[k], askSz[k]);
  return { levels, rows };
}

function outsFor(levels: number, rows: number, outs: Float64Array[] | undefined): Float64Array[] {
  if (outs !== undefined && outs.length !== levels) throw new RangeError(`outs has ${outs.length} arrays, expected ${levels}`);
  const result: Float64Array[] = [];
  for (let k = 0; k < levels; k++) result.push(outFor(rows, outs?.[k], `outs[${k}]`));
  return result;
}

/**
 * Level-k order-flow imbalance: Cont, Kukanov & Stoikov's (2014) e_n (ofi.ts's ofiStep, the one implementation)
 * on one level's prices and sizes between consecutive book updates, as Xu, Wang & Yu (2019, "Multi-level order-flow
 * imbalance in a limit order book", Market Microstructure and Liquidity) define level-k OFI. out[0] = 0 (no
 * previous update: no flow), so there is no warm-up. Empty levels follow the convention above: a level that
 * empties counts as its whole previous size leaving, one that fills as its whole size arriving.
 */
export function levelOfi(bidPx: Float64Array, bidSz: Float64Array, askPx: Float64Array, askSz: Float64Array, out?: Float64Array): Float64Array {
  const len = bidPx.length;
  checkSameLength(len, bidSz, askPx, askSz);
  const y = outFor(len, out);
  if (len === 0) return y;
  y[0] = 0;
  let pb0 = bidPx[0];
  let qb0 = bidSz[0];
  if (pb0 !== pb0) {
    pb0 = -Infinity;
    qb0 = 0;
  }
  let pa0 = askPx[0];
  let qa0 = askSz[0];
  if (pa0 !== pa0) {
    pa0 = Infinity;
    qa0 = 0;
  }
  levelOfiLoop(bidPx, bidSz, askPx, askSz, y, len, pb0, qb0, pa0, qa0);
  return y;
}

/**
 * levelOfi's loop from row 1, given row 0's state: a function of its own with nothing before its loop, so V8
 * optimises a body whose every operation ran with type feedback (see ema.ts's emaRun).
 */
function levelOfiLoop(
  bidPx: Float64Array,
  bidSz: Float64Array,
  askPx: Float64Array,
  askSz: Float64Array,
  y: Float64Array,
  len: number,
  pb0: number,
  qb0: number,
  pa0: number,
  qa0: number,
): void {
  for (let i = 1; i < len; i++) {
    let pb = bidPx[i];
    let qb = bidSz[i];
    if (pb !== pb) {
      pb = -Infinity;
      qb = 0;
    }
    let pa = askPx[i];
    let qa = askSz[i];
    if (pa !== pa) {
      pa = Infinity;
      qa = 0;
    }
    y[i] = ofiStep(pb0, qb0, pb, qb, pa0, qa0, pa, qa);
    pb0 = pb;
    qb0 = qb;
    pa0 = pa;
    qa0 = qa;
  }
}

/**
 * Multi-level OFI (Xu, Wang & Yu 2019): one output per level, outs[k−1][i] = level-k OFI of update i (levelOfi).
 * Warm-up 0 (the first row is 0). Columns mlofi_N_l1 … mlofi_N_lN.
 */
export function mlofi(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, outs?: Float64Array[]): Float64Array[] {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const y = outsFor(levels, rows, outs);
  for (let k = 0; k < levels; k++) levelOfi(bidPx[k], bidSz[k], askPx[k], askSz[k], y[k]);
  return y;
}

/** The weights of wofi: w_k = decay^(k−1) / Σ_{j=1..N} decay^(j−1). */
export function wofiWeights(levels: number, decay: number): Float64Array {
  checkPeriod('levels', levels);
  if (!(decay > 0 && decay <= 1)) throw new KernelArgumentError('decay', decay, 'in (0, 1]');
  const w = new Float64Array(levels);
  let total = 0;
  for (let k = 0; k < levels; k++) total += w[k] = decay ** k;
  for (let k = 0; k < levels; k++) w[k] /= total;
  return w;
}

export const WOFI_DEFAULT_DECAY = 0.5;

/**
 * Distance-weighted OFI: Σ_k w_k·e_k over levels k = 1..N, e_k the level-k OFI (levelOfi) and
 * w_k = decay^(k−1) / Σ_j decay^(j−1) (weights fall geometrically with depth and sum to 1; default decay 0.5, so
 * for N = 5: 16/31, 8/31, 4/31, 2/31, 1/31; decay 1 gives the plain mean of the levels' OFI). Xu, Wang & Yu (2019)
 * combine the levels' OFI linearly with fitted coefficients; these fixed, geometrically falling weights are the
 * product's choice (deeper quotes are further from execution, so they count less). Warm-up 0 (first row 0).
 * The sum runs from level 1 outwards in both the batch and the stream, so the two give the same bits.
 */
export function wofi(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, decay = WOFI_DEFAULT_DECAY, out?: Float64Array): Float64Array {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const y = outFor(rows, out);
  weightedLevelOfi(bidPx, bidSz, askPx, askSz, wofiWeights(levels, decay), new Float64Array(rows), y);
  return y;
}

/** y = Σ_k w[k]·e_k, summed from level 1 outwards; `e` is scratch of y's length. */
function weightedLevelOfi(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, w: Float64Array, e: Float64Array, y: Float64Array): void {
  y.fill(0);
  for (let k = 0; k < w.length; k++) {
    levelOfi(bidPx[k], bidSz[k], askPx[k], askSz[k], e);
    const wk = w[k];
    for (let i = 0; i < y.length; i++) y[i] += wk * e[i];
  }
}

/**
 * Book pressure (depth imbalance) over N levels: (Σ bid size − Σ ask size)/(Σ bid size + Σ ask size), sizes
 * only: the volume imbalance of Cartea, Jaimungal & Penalva (2015, Algorithmic and High-Frequency Trading) taken
 * over N levels, as in Cao, Hansch & Wang (2009, "The information content of an open limit-order book"). In [−1, 1]; positive = more resting buy size. An empty level counts 0; NaN when both sums are 0.
 * Sums run from level 1 outwards. No warm-up.
 */
export function bookPressure(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, out?: Float64Array): Float64Array {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const y = outFor(rows, out);
  pressureInto(bidPx, bidSz, askPx, askSz, y, new Float64Array(rows), levels, rows);
  return y;
}

/** bookPressure into y, with the ask sums in `askDepth` (a caller's scratch of ≥ rows): both sides' depth, then the ratio. */
function pressureInto(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, y: Float64Array, askDepth: Float64Array, levels: number, rows: number): void {
  sideDepth(bidPx, bidSz, y, levels, rows);
  sideDepth(askPx, askSz, askDepth, levels, rows);
  pressureLoop(y, askDepth, rows);
}

function pressureLoop(y: Float64Array, askDepth: Float64Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const b = y[i];
    const a = askDepth[i];
    const total = b + a;
    y[i] = total === 0 ? NaN : (b - a) / total;
  }
}

/**
 * Σ size over the levels of one side, per row, into `acc`: a pass per level, each adding that level's size to
 * every row (an empty level, NaN price, adds +0). Row i's sum is 0 + size_1 + size_2 + … in level order, the same
 * additions in the same order as a row-by-row sum, so the same bits; level by level reads each column once, in
 * order, instead of 2·N columns a row at a time (~3× faster on the GOOG L10 day).
 */
function sideDepth(px: Levels, sz: Levels, acc: Float64Array, levels: number, rows: number): void {
  acc.fill(0, 0, rows);
  for (let k = 0; k < levels; k++) addLevelSizes(px[k], sz[k], acc, rows);
}

/** One level's loop, a function of its own (see ema.ts's emaRun): the same optimised code in every process. */
function addLevelSizes(px: Float64Array, sz: Float64Array, acc: Float64Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const p = px[i];
    acc[i] += p === p ? sz[i] : 0;
  }
}

/** Depth over N levels: Σ bid size and Σ ask size (an empty level counts 0; an empty side is 0). No warm-up. */
export function depth(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, outBid?: Float64Array, outAsk?: Float64Array): [Float64Array, Float64Array] {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const yb = outFor(rows, outBid, 'outBid');
  const ya = outFor(rows, outAsk, 'outAsk');
  sideDepth(bidPx, bidSz, yb, levels, rows);
  sideDepth(askPx, askSz, ya, levels, rows);
  return [yb, ya];
}

/**
 * Weighted mid over N levels: Σ_k (bid_px_k·ask_sz_k + ask_px_k·bid_sz_k) / Σ_k (bid_sz_k + ask_sz_k). Level by
 * level this is Stoikov's (2018, "The micro-price", Quantitative Finance) weighted mid-price I·Pa + (1 − I)·Pb with
 * I = Qb/(Qb + Qa) — each level's price pair weighted toward the side with less size — pooled over the first N
 * levels by their combined size; N = 1 is the top-of-book `microprice`. A level contributes only when both of its
 * sides are present (an empty side has no price to weigh); NaN when no level contributes or their sizes sum to 0.
 * Sums run from level 1 outwards. No warm-up.
 */
export function weightedMid(bidPx: Levels, bidSz: Levels, askPx: Levels, askSz: Levels, out?: Float64Array): Float64Array {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const y = outFor(rows, out);
  for (let i = 0; i < rows; i++) {
    let num = 0;
    let den = 0;
    for (let k = 0; k < levels; k++) {
      const pb = bidPx[k][i];
      const pa = askPx[k][i];
      if (pb !== pb || pa !== pa) continue;
      const qb = bidSz[k][i];
      const qa = askSz[k][i];
      num += pb * qa + pa * qb;
      den += qb + qa;
    }
    y[i] = den === 0 ? NaN : num / den;
  }
  return y;
}

/**
 * Least-squares slope of one side at row i: cumulative depth D_j = Σ_{m≤j} size_m (shares) against the distance
 * x_j = |price_j − mid| (price units) over that side's present levels j = 1..N, centred two-pass so small
 * distances do not cancel. NaN with fewer than two present levels or when all distances are equal.
 */
function sideSlope(px: Levels, sz: Levels, levels: number, i: number, m: number): number {
  let n = 0;
  let sx = 0;
  let sd = 0;
  let cum = 0;
  for (let k = 0; k < levels; k++) {
    const p = px[k][i];
    if (p !== p) continue;
    cum += sz[k][i];
    sx += Math.abs(p - m);
    sd += cum;
    n++;
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const md = sd / n;
  let sxx = 0;
  let sxd = 0;
  cum = 0;
  for (let k = 0; k < levels; k++) {
    const p = px[k][i];
    if (p !== p) continue;
    cum += sz[k][i];
    const dx = Math.abs(p - m) - mx;
    sxx += dx * dx;
    sxd += dx * (cum - md);
  }
  return sxx === 0 ? NaN : sxd / sxx;
}

/**
 * Book slope over N levels (after Næs & Skjeltorp 2006, "Order book characteristics and the volume–volatility
 * relation", J. Financial Markets: how fast depth builds up away from the mid). Convention, per side: the
 * ordinary least-squares slope of CUMULATIVE depth (shares resting at this level and better) against the
 * ABSOLUTE distance of the level's price from the mid, |price − mid| with mid = (bid_px_1 + ask_px_1)/2, in
 * shares per price unit (per dollar on LOBSTER data), no intercept constraint. Empty levels are left out of the
 * fit (they have no price); a side with fewer than two present levels, or a row without both best prices, is NaN.
 * Outputs: the average of the two sides' slopes (NaN if either is NaN), then the bid and ask slopes themselves.
 * Larger = a steeper, more liquid book. No warm-up.
 */
export function bookSlope(
  bidPx: Levels,
  bidSz: Levels,
  askPx: Levels,
  askSz: Levels,
  out?: Float64Array,
  outBid?: Float64Array,
  outAsk?: Float64Array,
): [Float64Array, Float64Array, Float64Array] {
  const { levels, rows } = checkBook(bidPx, bidSz, askPx, askSz);
  const y = outFor(rows, out);
  const yb = outFor(rows, outBid, 'outBid');
  const ya = outFor(rows, outAsk, 'outAsk');
  const bid1 = bidPx[0];
  const ask1 = askPx[0];
  for (let i = 0; i < rows; i++) {
    const m = (bid1[i] + ask1[i]) / 2;
    if (m !== m) {
      y[i] = yb[i] = ya[i] = NaN;
      continue;
    }
    const b = sideSlope(bidPx, bidSz, levels, i, m);
    const a = sideSlope(askPx, askSz, levels, i, m);
    yb[i] = b;
    ya[i] = a;
    y[i] = (b + a) / 2;
  }
  return [y, yb, ya];
}

/** The registry's input columns of an N-level book kernel, in the order the streaming twins take a row. */
export function bookInputs(levels: number): string[] {
  const cols: string[] = [];
  for (const field of ['bid_px', 'bid_sz', 'ask_px', 'ask_sz']) for (let k = 1; k <= levels; k++) cols.push(`${field}_${k}`);
  return cols;
}

/**
 * The last two book updates as 4·N two-element columns: the streaming twins' window. push() moves row 1 to row 0
 * and writes the new update into row 1; `count` is the number of updates seen.
 */
class BookWindow {
  readonly bidPx: Float64Array[] = [];
  readonly bidSz: Float64Array[] = [];
  readonly askPx: Float64Array[] = [];
  readonly askSz: Float64Array[] = [];
  count = 0;
  private readonly sides = [this.bidPx, this.bidSz, this.askPx, this.askSz];

  constructor(readonly levels: number) {
    checkPeriod('levels', levels);
    for (let k = 0; k < levels; k++) {
      this.bidPx.push(new Float64Array(2));
      this.bidSz.push(new Float64Array(2));
      this.askPx.push(new Float64Array(2));
      this.askSz.push(new Float64Array(2));
    }
  }

  /** One update in bookInputs(levels) order. */
  push(row: ArrayLike<number>): void {
    const n = this.levels;
    if (row.length !== 4 * n) throw new RangeError(`a ${n}-level book row has ${4 * n} values, got ${row.length}`);
    for (let s = 0; s < 4; s++) {
      const cols = this.sides[s];
      for (let k = 0; k < n; k++) {
        const c = cols[k];
        c[0] = c[1];
        c[1] = row[s * n + k];
      }
    }
    this.count++;
  }
}

/** Streaming mlofi: update(row) returns the N level OFIs of this update (a reused array), as mlofi(). */
export class Mlofi {
  private readonly w: BookWindow;
  private readonly outs: Float64Array[] = [];
  private readonly result: number[];

  constructor(readonly levels: number) {
    this.w = new BookWindow(levels);
    for (let k = 0; k < levels; k++) this.outs.push(new Float64Array(2));
    this.result = new Array<number>(levels).fill(0);
  }

  update(row: ArrayLike<number>): readonly number[] {
    const w = this.w;
    w.push(row);
    // The first update has no previous one: 0, as the batch's first row.
    if (w.count === 1) return this.result;
    for (let k = 0; k < this.levels; k++) {
      levelOfi(w.bidPx[k], w.bidSz[k], w.askPx[k], w.askSz[k], this.outs[k]);
      this.result[k] = this.outs[k][1];
    }
    return this.result;
  }
}

/** Streaming wofi: update(row) returns Σ w_k·e_k of this update, as wofi(). */
export class Wofi {
  private readonly w: BookWindow;
  private readonly weights: Float64Array;
  private readonly e = new Float64Array(2);
  private readonly out = new Float64Array(2);

  constructor(
    readonly levels: number,
    readonly decay = WOFI_DEFAULT_DECAY,
  ) {
    this.weights = wofiWeights(levels, decay);
    this.w = new BookWindow(levels);
  }

  update(row: ArrayLike<number>): number {
    const w = this.w;
    w.push(row);
    if (w.count === 1) return 0;
    weightedLevelOfi(w.bidPx, w.bidSz, w.askPx, w.askSz, this.weights, this.e, this.out);
    return this.out[1];
  }
}

/** A stateless book kernel streamed: each update is computed on its own (row 1 of the window). */
abstract class BookRowStream {
  protected readonly w: BookWindow;
  constructor(readonly levels: number) {
    this.w = new BookWindow(levels);
  }
}

/** Streaming bookPressure: update(row) → the row's pressure, as bookPressure(). */
export class BookPressure extends BookRowStream {
  private readonly out = new Float64Array(2);
  /** The ask sums' scratch, kept: an update allocates nothing. */
  private readonly askDepth = new Float64Array(2);
  update(row: ArrayLike<number>): number {
    const w = this.w;
    w.push(row);
    const { levels, rows } = checkBook(w.bidPx, w.bidSz, w.askPx, w.askSz);
    pressureInto(w.bidPx, w.bidSz, w.askPx, w.askSz, this.out, this.askDepth, levels, rows);
    return this.out[1];
  }
}

/** Streaming depth: update(row) → [bid depth, ask depth] (a reused tuple), as depth(). */
export class Depth extends BookRowStream {
  private readonly ob = new Float64Array(2);
  private readonly oa = new Float64Array(2);
  private readonly result: [number, number] = [NaN, NaN];
  update(row: ArrayLike<number>): readonly [number, number] {
    const w = this.w;
    w.push(row);
    depth(w.bidPx, w.bidSz, w.askPx, w.askSz, this.ob, this.oa);
    this.result[0] = this.ob[1];
    this.result[1] = this.oa[1];
    return this.result;
  }
}

/** Streaming weightedMid: update(row) → the row's weighted mid, as weightedMid(). */
export class WeightedMid extends BookRowStream {
  private readonly out = new Float64Array(2);
  update(row: ArrayLike<number>): number {
    const w = this.w;
    w.push(row);
    weightedMid(w.bidPx, w.bidSz, w.askPx, w.askSz, this.out);
    return this.out[1];
  }
}

/** Streaming bookSlope: update(row) → [average, bid, ask] (a reused tuple), as bookSlope(). */
export class BookSlope extends BookRowStream {
  private readonly o = [new Float64Array(2), new Float64Array(2), new Float64Array(2)];
  private readonly result: [number, number, number] = [NaN, NaN, NaN];
  update(row: ArrayLike<number>): readonly [number, number, number] {
    const w = this.w;
    w.push(row);
    bookSlope(w.bidPx, w.bidSz, w.askPx, w.askSz, this.o[0], this.o[1], this.o[2]);
    for (let j = 0; j < 3; j++) this.result[j] = this.o[j][1];
    return this.result;
  }
}
