/**
 * Trade-against-quote kernels: one row per trade, with inputs aligned per trade by the pipeline
 * (src/pipelines/trade-quotes.ts): the trade's price, size and stored side (+1 buyer-initiated, −1
 * seller-initiated, 0 unknown), the mid of the quote in force before the trade, and for the realized spread the
 * mid at a later horizon.
 *
 * The trade's direction d: the stored side when it is ±1; when it is 0 (unknown) the Lee & Ready (1991, "Inferring
 * trade direction from intraday data", Journal of Finance) algorithm: the quote rule first (price above the mid of
 * the quote in force → +1, below → −1), and for a trade at the mid (within 1e-12 of it, relative: AT_MID_TOLERANCE)
 * the tick test against earlier trade prices (an uptick or zero-uptick → +1, a downtick or zero-downtick → −1: the
 * sign of the last price change among the trades so far, this one's included). A side-0 trade is NaN (unclassified) when there is no quote (mid NaN) or, at the mid,
 * when no earlier price change exists; a NaN side is missing data and also gives NaN. The tick state follows
 * every trade with a price, whatever its side.
 *
 * Batch functions run their streaming twin over the rows (one class, no closures, no allocation per row), so the
 * two give the same bits.
 */
import { checkPeriod, checkSameLength, outFor } from './util.js';

/**
 * A price within this fraction of the mid is AT the mid for the quote rule: (bid + ask)/2 of two decimal prices
 * rounds in binary (e.g. (100.01 + 100.03)/2 is not the double nearest 100.02), and a trade at the true midpoint
 * must go to the tick test, not be signed by that rounding. 1e-12 is far above the rounding (~1e-16) and far below
 * any real tick (a cent on a $100,000 price is 1e-7).
 */
const AT_MID_TOLERANCE = 1e-12;

/** The trade's direction as stated above; one instance per trade series (it holds the tick-test state). */
export class TradeSign {
  private lastPrice = NaN;
  /** Sign of the last non-zero change between consecutive trade prices, this trade's included; 0 before any. */
  private lastTick = 0;

  update(price: number, side: number, mid: number): number {
    // The tick test of this trade: its price against the previous trade's; a zero tick keeps the last change's sign.
    if (price === price) {
      if (price > this.lastPrice) this.lastTick = 1;
      else if (price < this.lastPrice) this.lastTick = -1;
      this.lastPrice = price;
    }
    if (side === 1 || side === -1) return side;
    if (side !== 0 || price !== price || mid !== mid) return NaN;
    const atMid = AT_MID_TOLERANCE * Math.abs(mid);
    if (price > mid + atMid) return 1;
    if (price < mid - atMid) return -1;
    return this.lastTick === 0 ? NaN : this.lastTick;
  }
}

/** Per-trade directions d (TradeSign): +1, −1, or NaN when unclassified. No warm-up. */
export function tradeSigns(price: Float64Array, side: Float64Array, mid: Float64Array, out?: Float64Array): Float64Array {
  const len = price.length;
  checkSameLength(len, side, mid);
  const y = outFor(len, out);
  const s = new TradeSign();
  for (let i = 0; i < len; i++) y[i] = s.update(price[i], side[i], mid[i]);
  return y;
}

/**
 * Streaming effective spread: 2·d·(price − mid)/mid per trade, a fraction of the mid (0.001 = 10 bps): the
 * proportional effective spread of Huang & Stoll (1996, "Dealer versus auction markets", Journal of Financial
 * Economics) and Bessembinder & Kaufman (1997, "A comparison of trade execution costs for NYSE and NASDAQ-listed
 * stocks", JFQA), mid = the quote midpoint in force before the trade, d as in this file's header. NaN when d or
 * the mid is NaN. No warm-up.
 */
export class TradeEffectiveSpread {
  private readonly sign = new TradeSign();

  update(price: number, side: number, mid: number): number {
    const d = this.sign.update(price, side, mid);
    return (2 * d * (price - mid)) / mid;
  }
}

/** Effective spread of each trade (TradeEffectiveSpread): 2·d·(price − mid)/mid. No warm-up. */
export function tradeEffectiveSpread(price: Float64Array, side: Float64Array, mid: Float64Array, out?: Float64Array): Float64Array {
  const len = price.length;
  checkSameLength(len, side, mid);
  const y = outFor(len, out);
  const s = new TradeEffectiveSpread();
  for (let i = 0; i < len; i++) y[i] = s.update(price[i], side[i], mid[i]);
  return y;
}

/**
 * Streaming realized spread: 2·d·(price − midAhead)/mid per trade, with mid the quote midpoint in force before the
 * trade and midAhead the midpoint at the horizon after it (aligned by the pipeline: H book updates later, or the
 * mid in force H of time later): the proportional realized spread of Huang & Stoll (1996) and Bessembinder &
 * Kaufman (1997), what the liquidity provider keeps once the price has moved (effective spread − price impact).
 * A label: its value reads the future through midAhead. NaN when d, mid or midAhead is NaN (midAhead is NaN past
 * the data's end: never filled). No warm-up.
 */
export class TradeRealizedSpread {
  private readonly sign = new TradeSign();

  update(price: number, side: number, mid: number, midAhead: number): number {
    const d = this.sign.update(price, side, mid);
    return (2 * d * (price - midAhead)) / mid;
  }
}

/** Realized spread of each trade (TradeRealizedSpread): 2·d·(price − midAhead)/mid. No warm-up. */
export function tradeRealizedSpread(price: Float64Array, side: Float64Array, mid: Float64Array, midAhead: Float64Array, out?: Float64Array): Float64Array {
  const len = price.length;
  checkSameLength(len, side, mid, midAhead);
  const y = outFor(len, out);
  const s = new TradeRealizedSpread();
  for (let i = 0; i < len; i++) y[i] = s.update(price[i], side[i], mid[i], midAhead[i]);
  return y;
}

/**
 * Streaming trade imbalance over the last w trades, the current one included: Σ d·size (signed volume; buyer-
 * initiated volume minus seller-initiated volume), d as in this file's header; the order imbalance of Chordia,
 * Roll & Subrahmanyam (2002, "Order imbalance, liquidity, and market returns", JFE) in shares, over a window of
 * trades. Warm-up: the first w − 1 values are NaN. A trade with NaN d or size poisons every window that holds it
 * (NaN for w outputs), then values recover: the window sum is rebuilt after it. The running sum is
 * Kahan-compensated, as sma's.
 */
export class TradeImbalance {
  private readonly sign = new TradeSign();
  private readonly window: Float64Array;
  private pos = 0;
  /** Consecutive finite signed volumes ending at the current trade. */
  private valid = 0;
  private sum = 0;
  private comp = 0;

  constructor(readonly w: number) {
    checkPeriod('w', w);
    this.window = new Float64Array(w);
  }

  update(price: number, size: number, side: number, mid: number): number {
    const v = this.sign.update(price, side, mid) * size;
    if (v !== v) {
      this.valid = 0;
      this.sum = 0;
      this.comp = 0;
      return NaN;
    }
    this.valid++;
    // The ring slot at pos holds the value w trades back, about to leave the window.
    const change = this.valid > this.w ? v - this.window[this.pos] : v;
    this.window[this.pos] = v;
    this.pos = this.pos + 1 === this.w ? 0 : this.pos + 1;
    const t1 = change - this.comp;
    const t2 = this.sum + t1;
    this.comp = t2 - this.sum - t1;
    this.sum = t2;
    return this.valid >= this.w ? this.sum : NaN;
  }
}

/** Trade imbalance of each trade's last w trades (TradeImbalance): Σ d·size. Warm-up w − 1. */
export function tradeImbalance(price: Float64Array, size: Float64Array, side: Float64Array, mid: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('w', w);
  const len = price.length;
  checkSameLength(len, size, side, mid);
  const y = outFor(len, out);
  const s = new TradeImbalance(w);
  for (let i = 0; i < len; i++) y[i] = s.update(price[i], size[i], side[i], mid[i]);
  return y;
}
