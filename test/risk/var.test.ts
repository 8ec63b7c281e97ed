/**
 * Historical VaR/ES and the risk report on hand-worked numbers (worked in the comments from the definitions in
 * src/risk/var.ts and src/risk/report.ts, not from the code).
 */
import { describe, expect, it } from 'vitest';
import { dec } from '../../src/money.js';
import { concentrationOf, exposureOf, riskScore } from '../../src/risk/report.js';
import { alignReturns, dailyReturns, historicalVarEs, scenarioPnl } from '../../src/risk/var.js';

describe('historical VaR and ES: k-th worst loss, k = ceil(n(1 − c)); ES = mean of the k worst', () => {
  // 20 daily P&L scenarios. Losses (−P&L) sorted worst first:
  //   200, 150, 120, 80, 60, 50, 35, 10, 5, −5, −10, −15, −20, −25, −30, −40, −45, −60, −70, −90.
  const pnl = [-50, 30, -120, 10, 45, -80, 5, -200, 60, 15, -10, 25, -35, 70, -5, 90, -150, 20, 40, -60];

  it('c = 95 %: k = ceil(20 × 0.05) = 1, VaR = ES = the worst loss, 200', () => {
    expect(historicalVarEs(pnl, 0.95)).toEqual({ confidence: 0.95, n: 20, k: 1, var: 200, es: 200 });
  });

  it('c = 99 %: k = ceil(0.2) = 1, the worst loss again', () => {
    expect(historicalVarEs(pnl, 0.99)).toMatchObject({ k: 1, var: 200, es: 200 });
  });

  it('c = 90 %: k = 2, VaR 150, ES (200 + 150) / 2 = 175', () => {
    expect(historicalVarEs(pnl, 0.9)).toMatchObject({ k: 2, var: 150, es: 175 });
  });

  it('c = 85 %: k = 3 (20 × 0.15 is 3.0000000000000004 in floating point, still 3), VaR 120, ES 470 / 3', () => {
    const r = historicalVarEs(pnl, 0.85)!;
    expect([r.k, r.var]).toEqual([3, 120]);
    expect(r.es).toBeCloseTo(470 / 3, 12);
  });

  it('c = 80 %: k = 4, VaR 80, ES (200 + 150 + 120 + 80) / 4 = 137.5', () => {
    expect(historicalVarEs(pnl, 0.8)).toMatchObject({ k: 4, var: 80, es: 137.5 });
  });

  it('no scenarios: no VaR; a confidence outside (0, 1) is a programming error', () => {
    expect(historicalVarEs([], 0.95)).toBeUndefined();
    expect(() => historicalVarEs(pnl, 1)).toThrow(/confidence/);
  });
});

describe('scenarios: current values × past close-to-close returns on the days every symbol has one', () => {
  // A closes 100, 110, 99, 99, 108.9 on d0..d4: returns d1 +0.1, d2 −0.1, d3 0, d4 +0.1.
  // B has no d2: closes 50, 45, 54, 27 on d0, d1, d3, d4: returns d1 −0.1, d3 +0.2 (45 → 54), d4 −0.5.
  const A = dailyReturns([
    { date: 'd0', close: 100 },
    { date: 'd1', close: 110 },
    { date: 'd2', close: 99 },
    { date: 'd3', close: 99 },
    { date: 'd4', close: 108.9 },
  ]);
  const B = dailyReturns([
    { date: 'd0', close: 50 },
    { date: 'd1', close: 45 },
    { date: 'd3', close: 54 },
    { date: 'd4', close: 27 },
  ]);

  it('computes simple returns keyed by the later day', () => {
    expect([...A.keys()]).toEqual(['d1', 'd2', 'd3', 'd4']);
    [0.1, -0.1, 0, 0.1].forEach((r, i) => expect([...A.values()][i]).toBeCloseTo(r, 12));
    [-0.1, 0.2, -0.5].forEach((r, i) => expect([...B.values()][i]).toBeCloseTo(r, 12));
  });

  it('aligns on d1, d3, d4 and keeps the most recent `window`', () => {
    const all = alignReturns(new Map([['A', A], ['B', B]]), 250);
    expect(all.dates).toEqual(['d1', 'd3', 'd4']);
    const last2 = alignReturns(new Map([['A', A], ['B', B]]), 2);
    expect(last2.dates).toEqual(['d3', 'd4']);
    // Long A worth 1000, short B worth −500:
    //   d1: 1000 × 0.1 + (−500) × (−0.1) = 150;  d3: 0 + (−500) × 0.2 = −100;  d4: 100 + (−500) × (−0.5) = 350.
    const pnl = scenarioPnl(new Map([['A', 1000], ['B', -500]]), all);
    [150, -100, 350].forEach((p, i) => expect(pnl[i]).toBeCloseTo(p, 9));
    // Losses worst first: 100, −150, −350. At 95 % k = ceil(0.15) = 1: VaR = ES = 100.
    const v = historicalVarEs(pnl, 0.95)!;
    expect(v.k).toBe(1);
    expect(v.var).toBeCloseTo(100, 9);
  });

  it('has no scenarios when the histories do not overlap', () => {
    const late = dailyReturns([{ date: 'e0', close: 1 }, { date: 'e1', close: 2 }]);
    expect(alignReturns(new Map([['A', A], ['L', late]]), 250).dates).toEqual([]);
  });
});

describe('the risk report on a hand-worked account', () => {
  // Equity 10000; long A worth 6000, short B worth −2000; max leverage 2; 1-day 99 % VaR 300.
  const positions = [
    { symbol: 'B', quantity: dec('-20'), marketValue: dec('-2000') },
    { symbol: 'A', quantity: dec('60'), marketValue: dec('6000') },
  ];

  it('exposure: gross 8000, net 4000, long 6000, short 2000', () => {
    expect(exposureOf(positions)).toEqual({ gross: dec('8000'), net: dec('4000'), long: dec('6000'), short: dec('2000') });
  });

  it('concentration, largest first: A 6000 / 10000 = 0.6 of equity, 6000 / 8000 = 0.75 of gross; B 0.2 and 0.25', () => {
    expect(concentrationOf(positions, dec('10000'), dec('8000'))).toEqual([
      { symbol: 'A', market_value: '6000.000000', share_of_equity: '0.600000', share_of_gross: '0.750000' },
      { symbol: 'B', market_value: '-2000.000000', share_of_equity: '0.200000', share_of_gross: '0.250000' },
    ]);
  });

  it('score = 100 × (0.4 × 0.4 + 0.3 × 0.6 + 0.3 × 0.3) = 43', () => {
    // Leverage 8000 / 10000 = 0.8 of a max 2: 0.4. Largest share 0.6. VaR 300 / 10000 = 3 % of a 10 % cap: 0.3.
    const r = riskScore({ equity: dec('10000'), gross: dec('8000'), maxLeverage: dec('2'), largestValue: dec('6000'), var99: 300, hasPositions: true });
    expect(r.parts.leverage_use).toBeCloseTo(0.4, 12);
    expect(r.parts.concentration).toBeCloseTo(0.6, 12);
    expect(r.parts.var).toBeCloseTo(0.3, 12);
    expect(r.score).toBe(43);
  });

  it('caps each part at 1, scores unknown VaR as full, equity ≤ 0 as 100, and no positions as 0', () => {
    // Leverage 30000 / 10000 = 3 of max 1 → 1; one name 1.5 × equity → 1; VaR 2000 = 20 % → 1.
    expect(riskScore({ equity: dec('10000'), gross: dec('30000'), maxLeverage: dec('1'), largestValue: dec('-15000'), var99: 2000, hasPositions: true }).score).toBe(100);
    // 0.4 × 0.4 + 0.3 × 0.6 + 0.3 × 1 = 0.64.
    expect(riskScore({ equity: dec('10000'), gross: dec('8000'), maxLeverage: dec('2'), largestValue: dec('6000'), var99: undefined, hasPositions: true }).score).toBe(64);
    expect(riskScore({ equity: dec('-1'), gross: dec('8000'), maxLeverage: dec('2'), largestValue: dec('6000'), var99: 1, hasPositions: true }).score).toBe(100);
    expect(riskScore({ equity: dec('10000'), gross: dec('0'), maxLeverage: dec('1'), largestValue: dec('0'), var99: undefined, hasPositions: false }).score).toBe(0);
  });
});
