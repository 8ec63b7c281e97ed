import { checkSameLength, outFor } from './util.js';

/**
 * Top-of-book measures, one value per quote (no warm-up; NaN in, NaN out).
 * mid = (bid + ask)/2; quoted spread = ask − bid, and in basis points of the mid: 10⁴·(ask − bid)/mid;
 * microprice (size-weighted mid, Stoikov 2018's first-order approximation):
 * (bid·ask_size + ask·bid_size)/(bid_size + ask_size); NaN when both sizes are 0.
 */
export function mid(bid: Float64Array, ask: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask);
  const y = outFor(len, out);
  midLoop(bid, ask, y, len);
  return y;
}

// Each kernel's loop is a function of its own taking everything as arguments: V8 then optimises a body whose
// every operation ran with type feedback (see ema.ts's emaRun), the same in every process.
function midLoop(bid: Float64Array, ask: Float64Array, y: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) y[i] = (bid[i] + ask[i]) / 2;
}

export function spread(bid: Float64Array, ask: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask);
  const y = outFor(len, out);
  spreadLoop(bid, ask, y, len);
  return y;
}

function spreadLoop(bid: Float64Array, ask: Float64Array, y: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) y[i] = ask[i] - bid[i];
}

export function spreadBps(bid: Float64Array, ask: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask);
  const y = outFor(len, out);
  for (let i = 0; i < len; i++) y[i] = (20_000 * (ask[i] - bid[i])) / (ask[i] + bid[i]);
  return y;
}

export function microprice(bid: Float64Array, ask: Float64Array, bidSize: Float64Array, askSize: Float64Array, out?: Float64Array): Float64Array {
  const len = bid.length;
  checkSameLength(len, ask, bidSize, askSize);
  const y = outFor(len, out);
  micropriceLoop(bid, ask, bidSize, askSize, y, len);
  return y;
}

function micropriceLoop(bid: Float64Array, ask: Float64Array, bidSize: Float64Array, askSize: Float64Array, y: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const depth = bidSize[i] + askSize[i];
    y[i] = depth > 0 ? (bid[i] * askSize[i] + ask[i] * bidSize[i]) / depth : NaN;
  }
}

/**
 * Effective spread of trades (Lee & Ready): 2·side·(price − mid), with side +1 for buyer-initiated and −1 for
 * seller-initiated trades and `mid` the prevailing quote midpoint; NaN where side is 0 (unknown).
 */
export function effectiveSpread(price: Float64Array, side: Float64Array, midQuote: Float64Array, out?: Float64Array): Float64Array {
  const len = price.length;
  checkSameLength(len, side, midQuote);
  const y = outFor(len, out);
  for (let i = 0; i < len; i++) y[i] = side[i] === 0 ? NaN : 2 * side[i] * (price[i] - midQuote[i]);
  return y;
}
