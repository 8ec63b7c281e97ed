/** Small cases worked by hand; the arithmetic is shown next to each expectation. */
import { describe, expect, it } from 'vitest';
import { crossedAbove, crossedBelow, ema, zscore, forwardReturn, lag, logReturn, microprice, minmax, mid, ofi, roc, rollingVwap, rsi, sma, spread, spreadBps, vwap, effectiveSpread } from '../../src/index.js';

const f = (...v: number[]) => Float64Array.from(v);
const arr = (a: Float64Array) => Array.from(a);

describe('moving averages', () => {
  it('sma(3) of 1..5 is NaN, NaN, 2, 3, 4', () => expect(arr(sma(f(1, 2, 3, 4, 5), 3))).toEqual([NaN, NaN, 2, 3, 4]));
  it('ema(3) with the SMA seed: 2 at index 2, then prev + 0.5·(x − prev)', () => {
    // α = 2/(3+1) = 0.5; seed mean(1,2,3) = 2; 2 + 0.5·(4 − 2) = 3; 3 + 0.5·(8 − 3) = 5.5
    expect(arr(ema(f(1, 2, 3, 4, 8), 3))).toEqual([NaN, NaN, 2, 3, 5.5]);
  });
  it('ema(3) with the first-value seed (pandas adjust=False)', () => {
    // 1; 1 + 0.5·(3 − 1) = 2; 2 + 0.5·(6 − 2) = 4
    expect(arr(ema(f(1, 3, 6), 3, undefined, 'first'))).toEqual([1, 2, 4]);
  });
});

describe('rsi', () => {
  it('is 0 when there is no movement at all (TA-Lib)', () => expect(arr(rsi(f(5, 5, 5, 5, 5), 3)).slice(3)).toEqual([0, 0]));
  it('is 100 with only gains, 0 with only losses', () => {
    expect(rsi(f(1, 2, 3, 4), 3)[3]).toBe(100);
    expect(rsi(f(4, 3, 2, 1), 3)[3]).toBe(0);
  });
  it('smooths Wilder-style after the seed', () => {
    // diffs +1, −1, +2 → avg gain 1, avg loss 1/3 → RSI 75; next diff −1:
    // gain = (1·2 + 0)/3 = 2/3, loss = (1/3·2 + 1)/3 = 5/9 → RSI = 100·(2/3)/(2/3 + 5/9) = 100·6/11
    const out = rsi(f(10, 11, 10, 12, 11), 3);
    expect(out[3]).toBeCloseTo(75, 12);
    expect(out[4]).toBeCloseTo(600 / 11, 12);
  });
});

describe('returns', () => {
  it('roc(2) in percent', () => {
    const out = roc(f(100, 110, 120, 99), 2);
    expect(arr(out.subarray(0, 2))).toEqual([NaN, NaN]);
    expect(out[2], '120/100 − 1 = 20 %').toBeCloseTo(20, 12);
    expect(out[3], '99/110 − 1 = −10 %').toBeCloseTo(-10, 12);
  });
  it('log return', () => expect(logReturn(f(1, Math.E), 1)[1]).toBeCloseTo(1, 15));
  it('forward return leaves the last h rows NaN', () => {
    const out = forwardReturn(f(100, 110, 99), 1);
    expect(out[0], '110/100 − 1').toBeCloseTo(0.1, 14);
    expect(out[1], '99/110 − 1').toBeCloseTo(-0.1, 14);
    expect(out[2]).toBeNaN();
  });
  it('lag', () => expect(arr(lag(f(1, 2, 3), 2))).toEqual([NaN, NaN, 1]));
});

describe('vwap', () => {
  it('resets at each session', () => {
    // session 0: (10·1 + 20·3)/4 = 17.5; session 1 restarts: 30
    expect(arr(vwap(f(10, 20, 30), f(1, 3, 2), f(0, 0, 1)))).toEqual([10, 17.5, 30]);
  });
  it('rolling over 2 rows', () => {
    // (10·1 + 20·3)/4 = 17.5; (20·3 + 30·2)/5 = 24
    expect(arr(rollingVwap(f(10, 20, 30), f(1, 3, 2), 2))).toEqual([NaN, 17.5, 24]);
  });
});

describe('top of book', () => {
  const bid = f(100, 100.01, 100.01, 100);
  const ask = f(100.02, 100.02, 100.03, 100.02);
  const bidSize = f(300, 200, 500, 400);
  const askSize = f(100, 100, 200, 300);

  it('mid and spread (absolute and bps of the mid)', () => {
    expect(mid(bid, ask)[0]).toBeCloseTo(100.01, 12);
    expect(spread(bid, ask)[0]).toBeCloseTo(0.02, 12);
    // 0.02 / 100.01 · 10⁴ = 1.99980002…
    expect(spreadBps(bid, ask)[0]).toBeCloseTo((0.02 / 100.01) * 1e4, 9);
  });

  it('microprice leans toward the side with less size', () => {
    // (100·100 + 100.02·300)/400 = (10000 + 30006)/400 = 100.015
    expect(microprice(bid, ask, bidSize, askSize)[0]).toBeCloseTo(100.015, 12);
  });

  it('OFI per update (Cont, Kukanov & Stoikov 2014)', () => {
    const e = ofi(bid, ask, bidSize, askSize);
    expect(e[0]).toBeNaN();
    // 1: bid up (100 → 100.01): +200; ask unchanged (both ≤ and ≥): −100 + 100 = 0 → +200
    expect(e[1]).toBe(200);
    // 2: bid unchanged: +500 − 200 = 300; ask up (100.02 → 100.03): + previous ask size 100 → 400
    expect(e[2]).toBe(400);
    // 3: bid down (100.01 → 100): − previous bid size 500; ask down (100.03 → 100.02): − new ask size 300 → −800
    expect(e[3]).toBe(-800);
  });

  it('effective spread is 2·side·(price − mid)', () => {
    expect(arr(effectiveSpread(f(100.02, 100), f(1, -1), f(100.01, 100.01))).map((v) => Number(v.toFixed(10)))).toEqual([0.02, 0.02]);
  });
});

describe('crossovers (backtesting.py lib.crossover)', () => {
  it('are strict: touching is not crossing', () => {
    const a = [1, 2, 3];
    const b = [2, 2, 2];
    expect(crossedAbove(a, b, 1), 'equal at i is not above').toBe(false);
    expect(crossedAbove(a, b, 2), 'equal at i−1 is not below').toBe(false);
    expect(crossedAbove([1, 3], [2, 2], 1)).toBe(true);
    expect(crossedBelow([3, 1], [2, 2], 1)).toBe(true);
    expect(crossedAbove([NaN, 3], [2, 2], 1), 'NaN never crosses').toBe(false);
  });
});

describe('standardise', () => {
  it('minmax(3): (x − min)/(max − min) over the last 3 values, a flat window 0, NaN poisons its windows', () => {
    // windows: [1,3,2] → (2−1)/2 = .5; [3,2,6] → (6−2)/4 = 1; [2,6,6] → (6−2)/4 = 1; [6,6,6] → flat 0;
    // [6,6,NaN] NaN; [6,NaN,0] NaN; [NaN,0,5] NaN; [0,5,4] → 4/5 = .8
    const out = minmax(f(1, 3, 2, 6, 6, 6, NaN, 0, 5, 4), 3);
    const expected = [NaN, NaN, 0.5, 1, 1, 0, NaN, NaN, NaN, 0.8];
    expected.forEach((e, i) => (Number.isNaN(e) ? expect(out[i], `[${i}]`).toBeNaN() : expect(out[i], `[${i}]`).toBeCloseTo(e, 14)));
  });

  it('zscore(3): (x − mean)/σ with population σ', () => {
    // window 1,2,3: mean 2, σ = sqrt(2/3) → (3 − 2)/0.816… = 1.2247…; window 2,3,3: mean 8/3, σ = sqrt(2/9)
    const out = zscore(f(1, 2, 3, 3), 3);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1 / Math.sqrt(2 / 3), 12);
    expect(out[3]).toBeCloseTo((3 - 8 / 3) / Math.sqrt(2 / 9), 12);
    expect(zscore(f(5, 5, 5), 3)[2], 'flat window').toBe(0);
  });
});
