import { checkSameLength, outFor } from './util.js';

/**
 * Cont, Kukanov & Stoikov (2014), eq. 2: the order-flow imbalance e_n of one price level between its previous
 * state (pb0, qb0, pa0, qa0) and its current one (pb, qb, pa, qa):
 * e = 1{Pb ≥ Pb0}·qb − 1{Pb ≤ Pb0}·qb0 − 1{Pa ≤ Pa0}·qa + 1{Pa ≥ Pa0}·qa0.
 * The single implementation of e_n: the top-of-book `ofi` below and every level of the book kernels (book.ts:
 * levelOfi, mlofi, wofi) call it, so they cannot drift apart. Small enough that V8 inlines it into their loops.
 */
export function ofiStep(pb0: number, qb0: number, pb: number, qb: number, pa0: number, qa0: number, pa: number, qa: number): number {
  // The indicators as 0/1 numbers rather than branches: a level's price moves on about one update in five (GOOG
  // L10), so branches mispredict often; this form measured ~1.5× faster on mlofi:10. A NaN size therefore gives
  // NaN even where its indicator is 0 (0·NaN), which is the documented NaN policy of every caller.
  return +(pb >= pb0) * qb - +(pb <= pb0) * qb0 - +(pa <= pa0) * qa + +(pa >= pa0) * qa0;
}

/**
 * Order-flow imbalance per quote update (Cont, Kukanov & Stoikov 2014, eq. 2):
 * e[i] = 1{Pb[i] ≥ Pb[i−1]}·qb[i] − 1{Pb[i] ≤ Pb[i−1]}·qb[i−1] − 1{Pa[i] ≤ Pa[i−1]}·qa[i] + 1{Pa[i] ≥ Pa[i−1]}·qa[i−1]
 * Positive values are net buying pressure. Warm-up: out[0] = NaN (no previous quote). OFI over an interval is the
 * sum of e over its updates (the features pipeline sums per bar). A NaN price or size gives NaN for that update
 * and the next (both compare against it): stored quotes always have both sides, so a NaN here is missing data.
 * (On the stored book, where NaN marks an empty level, level k's OFI is book.ts's levelOfi: the same ofiStep.)
 */
export function ofi(bid: Float64Array, ask: Float64Array, bidSize: Float64Array, askSize: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask, bidSize, askSize);
  const y = outFor(len, out);
  if (len > 0) y[0] = NaN;
  // The first quote is read here, not in ofiLoop: nothing may run before its loop (see below).
  if (len > 1) ofiLoop(bid, ask, bidSize, askSize, y, len, bid[0], bidSize[0], ask[0], askSize[0]);
  return y;
}

/**
 * ofi's loop: a function of its own taking everything as arguments, so V8 optimises a body whose every operation
 * ran with type feedback (see ema.ts's emaRun), and branch-free: a NaN price reaches the output through
 * 0·(sum of the four prices), which is ±0 for finite prices (adding it leaves e unchanged) and NaN otherwise.
 * (ofiStep's comparisons are false for a NaN price, so without that term e would not be NaN.)
 */
function ofiLoop(
  bid: Float64Array,
  ask: Float64Array,
  bidSize: Float64Array,
  askSize: Float64Array,
  y: Float64Array,
  len: number,
  pb0: number,
  qb0: number,
  pa0: number,
  qa0: number,
): void {
  for (let i = 1; i < len; i++) {
    const pb = bid[i];
    const pa = ask[i];
    const qb = bidSize[i];
    const qa = askSize[i];
    y[i] = ofiStep(pb0, qb0, pb, qb, pa0, qa0, pa, qa) + 0 * (pb0 + pb + pa0 + pa);
    pb0 = pb;
    pa0 = pa;
    qb0 = qb;
    qa0 = qa;
  }
}
