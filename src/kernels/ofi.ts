import { checkSameLength, outFor } from './util.js';

/**
 * Order-flow imbalance per quote update (Cont, Kukanov & Stoikov 2014, eq. 2):
 * e[i] = 1{Pb[i] ≥ Pb[i−1]}·qb[i] − 1{Pb[i] ≤ Pb[i−1]}·qb[i−1] − 1{Pa[i] ≤ Pa[i−1]}·qa[i] + 1{Pa[i] ≥ Pa[i−1]}·qa[i−1]
 * Positive values are net buying pressure. Warm-up: out[0] = NaN (no previous quote). OFI over an interval is the
 * sum of e over its updates (the features pipeline sums per bar). A NaN price or size gives NaN for that update
 * and the next (both compare against it).
 */
export function ofi(bid: Float64Array, ask: Float64Array, bidSize: Float64Array, askSize: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask, bidSize, askSize);
  const y = outFor(len, out);
  if (len > 0) y[0] = NaN;
  for (let i = 1; i < len; i++) {
    const pb = bid[i];
    const pb0 = bid[i - 1];
    const pa = ask[i];
    const pa0 = ask[i - 1];
    if (pb !== pb || pb0 !== pb0 || pa !== pa || pa0 !== pa0) {
      y[i] = NaN;
      continue;
    }
    let e = 0;
    if (pb >= pb0) e += bidSize[i];
    if (pb <= pb0) e -= bidSize[i - 1];
    if (pa <= pa0) e -= askSize[i];
    if (pa >= pa0) e += askSize[i - 1];
    y[i] = e;
  }
  return y;
}
