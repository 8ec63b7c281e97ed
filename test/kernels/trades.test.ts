/**
 * Trade kernels (src/kernels/trades.ts) on hand-worked cases: the Lee & Ready (1991) direction of unsigned trades,
 * effective and realized spread (Huang & Stoll 1996; Bessembinder & Kaufman 1997) as fractions of the mid, and the
 * signed-volume window of trade_imbalance. Every expected number is worked out below from the definitions.
 */
import { describe, expect, it } from 'vitest';
import { TradeEffectiveSpread, TradeImbalance, TradeRealizedSpread, TradeSign, tradeEffectiveSpread, tradeImbalance, tradeRealizedSpread, tradeSigns } from '../../src/kernels/trades.js';

const f = (...v: number[]) => Float64Array.from(v);
const arr = (a: Float64Array) => Array.from(a);

describe('trade direction (stored side, else Lee & Ready)', () => {
  it('takes a stored side; classifies side 0 by the quote rule, and at the mid by the tick test', () => {
    // mid 10.01 throughout.
    // 0: 10.00 < mid → −1 (quote rule)
    // 1: 10.02 > mid → +1
    // 2: at the mid; 10.01 < 10.02, a downtick → −1
    // 3: at the mid; 10.01 = 10.01, a zero tick after a downtick (zero-downtick) → −1
    // 4: stored side +1 → +1 (its price 10.00 is a downtick, which the next trade's tick test sees)
    // 5: at the mid; 10.01 > 10.00, an uptick → +1
    const price = f(10.0, 10.02, 10.01, 10.01, 10.0, 10.01);
    const side = f(0, 0, 0, 0, 1, 0);
    const mid = f(10.01, 10.01, 10.01, 10.01, 10.01, 10.01);
    expect(arr(tradeSigns(price, side, mid))).toEqual([-1, 1, -1, -1, 1, 1]);
  });

  it('treats a price at the mid computed from two quotes as at the mid, despite binary rounding of (bid + ask)/2', () => {
    // (100.01 + 100.03)/2 is not the double nearest 100.02; a side-0 trade at 100.02 after one at 100.00 is an
    // uptick at the mid → +1 (the quote rule on the rounded mid would have said −1).
    const m = (100.01 + 100.03) / 2;
    expect(arr(tradeSigns(f(100.0, 100.02), f(-1, 0), f(m, m)))).toEqual([-1, 1]);
  });

  it('a stored side wins over the quote rule (a buyer-initiated trade below the mid stays +1)', () => {
    expect(arr(tradeSigns(f(10.0, 10.02), f(1, -1), f(10.01, 10.01)))).toEqual([1, -1]);
  });

  it('is NaN for side 0 without a quote, at the mid before any price change, and for a NaN side', () => {
    // 0: side 0 at the mid, first trade: no earlier price → unclassified
    // 1: side 0, mid NaN (no quote) → unclassified
    // 2: NaN side (missing) → NaN
    // 3: side 0 at the mid 10.00; the prices so far 10.00, 10.00, 10.00 never changed → unclassified
    // 4: side 0 at the mid 10.00 after 10.00 → zero tick, still no change → unclassified
    const out = tradeSigns(f(10.0, 10.0, 10.0, 10.0, 10.0), f(0, 0, NaN, 0, 0), f(10.0, NaN, 10.0, 10.0, 10.0));
    expect(arr(out).every(Number.isNaN)).toBe(true);
  });
});

describe('effective spread 2·d·(price − mid)/mid', () => {
  it('gives the proportional cost of each trade against the quote in force', () => {
    // Quote bid 100.00 / ask 100.10: mid 100.05.
    // buy at the ask 100.10:           2·(+1)·(0.05)/100.05 = 0.10/100.05
    // sell at the bid 100.00:          2·(−1)·(−0.05)/100.05 = 0.10/100.05
    // buy inside at 100.07:            2·(+1)·(0.02)/100.05 = 0.04/100.05
    // sell at the mid 100.05:          0
    // side 0 at 100.08 (> mid → buy):  2·(+1)·(0.03)/100.05 = 0.06/100.05
    // buy with no quote (mid NaN):     NaN
    const price = f(100.1, 100.0, 100.07, 100.05, 100.08, 100.1);
    const side = f(1, -1, 1, -1, 0, 1);
    const mid = f(100.05, 100.05, 100.05, 100.05, 100.05, NaN);
    const out = tradeEffectiveSpread(price, side, mid);
    [0.1 / 100.05, 0.1 / 100.05, 0.04 / 100.05, 0, 0.06 / 100.05].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    expect(out[5]).toBeNaN();
  });

  it('is negative for a trade that bettered the quote on the wrong side (a buy below the mid)', () => {
    // buy at 100.00, mid 100.05: 2·(+1)·(−0.05)/100.05 = −0.10/100.05
    expect(tradeEffectiveSpread(f(100.0), f(1), f(100.05))[0]).toBeCloseTo(-0.1 / 100.05, 12);
  });
});

describe('realized spread 2·d·(price − mid ahead)/mid', () => {
  it('keeps what the liquidity provider earns once the mid has moved', () => {
    // mid 100.05 at the trade.
    // buy at 100.10, mid moves up to 100.10:   2·(+1)·(100.10 − 100.10)/100.05 = 0 (all of it was price impact)
    // sell at 100.00, mid falls to 100.00:     2·(−1)·(100.00 − 100.00)/100.05 = 0
    // buy at 100.10, mid unchanged 100.05:     2·(+1)·(0.05)/100.05 = 0.10/100.05 (the effective spread)
    // sell at 100.00, mid up to 100.07:        2·(−1)·(100.00 − 100.07)/100.05 = 0.14/100.05
    // buy with no mid ahead (past the end):    NaN
    const price = f(100.1, 100.0, 100.1, 100.0, 100.1);
    const side = f(1, -1, 1, -1, 1);
    const mid = f(100.05, 100.05, 100.05, 100.05, 100.05);
    const ahead = f(100.1, 100.0, 100.05, 100.07, NaN);
    const out = tradeRealizedSpread(price, side, mid, ahead);
    [0, 0, 0.1 / 100.05, 0.14 / 100.05].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    expect(out[4]).toBeNaN();
  });
});

describe('trade imbalance Σ d·size over the last W trades', () => {
  it('sums signed volume over a window of 3 trades after a warm-up of 2', () => {
    // d·size: +100, −200, +50, +300, −10
    // windows: [0..2] = −50, [1..3] = 150, [2..4] = 340
    const out = tradeImbalance(f(10, 10, 10, 10, 10), f(100, 200, 50, 300, 10), f(1, -1, 1, 1, -1), f(9.99, 9.99, 9.99, 9.99, 9.99), 3);
    expect(arr(out)).toEqual([NaN, NaN, -50, 150, 340]);
  });

  it('signs side-0 trades by Lee & Ready, and a NaN trade poisons the windows that hold it, then values recover', () => {
    // mid 10.00; trade 0 side 0 at 10.01 (> mid → +1), trade 2 has a NaN side.
    // d·size: +100, −200, NaN, +300, −10, +20, +5
    // windows ending at 2, 3, 4 hold trade 2 → NaN; [3..5] = 310; [4..6] = 15
    const out = tradeImbalance(f(10.01, 10, 10, 10, 10, 10, 10), f(100, 200, 50, 300, 10, 20, 5), f(0, -1, NaN, 1, -1, 1, 1), new Float64Array(7).fill(10), 3);
    expect(arr(out)).toEqual([NaN, NaN, NaN, NaN, NaN, 310, 15]);
  });

  it('rejects a window below 1', () => {
    expect(() => tradeImbalance(f(1), f(1), f(1), f(1), 0)).toThrow(/w must be an integer ≥ 1/);
  });
});

describe('streaming twins give the batch numbers on the hand-worked cases', () => {
  const price = f(10.0, 10.02, 10.01, 10.01, 10.0, 10.01, 10.03);
  const size = f(5, 7, 1, 2, 9, 4, 3);
  const side = f(0, 0, 0, NaN, 1, 0, -1);
  const mid = f(10.01, 10.01, 10.01, 10.01, 10.01, 10.01, NaN);
  const ahead = f(10.02, 10.0, 10.01, 10.02, 10.01, NaN, 10.02);
  const same = (a: number, b: number) => Object.is(a, b);

  it('TradeSign, TradeEffectiveSpread, TradeRealizedSpread and TradeImbalance(2)', () => {
    const signs = tradeSigns(price, side, mid);
    const eff = tradeEffectiveSpread(price, side, mid);
    const real = tradeRealizedSpread(price, side, mid, ahead);
    const imb = tradeImbalance(price, size, side, mid, 2);
    const [s, e, r, m] = [new TradeSign(), new TradeEffectiveSpread(), new TradeRealizedSpread(), new TradeImbalance(2)];
    for (let i = 0; i < price.length; i++) {
      expect(same(s.update(price[i], side[i], mid[i]), signs[i]), `sign ${i}`).toBe(true);
      expect(same(e.update(price[i], side[i], mid[i]), eff[i]), `effective ${i}`).toBe(true);
      expect(same(r.update(price[i], side[i], mid[i], ahead[i]), real[i]), `realized ${i}`).toBe(true);
      expect(same(m.update(price[i], size[i], side[i], mid[i]), imb[i]), `imbalance ${i}`).toBe(true);
    }
  });
});
