/**
 * The equal-weight combination on two tiny runs worked by hand. Cash 1000, so each run's share is 500.
 *
 *   day            1      2      3      4
 *   A equity      100    110    121     –      (A's bars: days 1–3; warm-up 0, close 10, 11, 12)
 *   B equity       –     200    180    190     (B's bars: days 2–4; warm-up 1, close 50, 40, 45)
 *
 *   A's share     500    550    605    605     500·equity/100, carried forward after day 3
 *   B's share     500    500    450    475     cash before day 2, then 500·equity/200
 *   combined     1000   1050   1055   1080
 *
 *   benchmark: A from its warm-up bar (day 1, close 10), B from its warm-up bar (day 3, close 40), 1 before that
 *   A's half      0.5    0.55   0.6    0.6     ½·close/10
 *   B's half      0.5    0.5    0.5    0.5625  ½ until day 3, then ½·close/40 (day 2 is B's warm-up bar 0, still cash)
 *   index         1      1.05   1.1    1.1625  → Buy & Hold 16.25 % = mean of A's 20 % and B's 12.5 %
 */
import { describe, expect, it } from 'vitest';
import { combineEqualWeight, unionTimes } from '../../src/backtest/portfolio-combine.js';
import { computeStats } from '../../src/backtest/stats.js';
import type { TradeLog } from '../../src/backtest/types.js';

const DAY = 86_400_000_000_000n;
const days = (...d: number[]) => BigInt64Array.from(d, (k) => BigInt(k) * DAY + 1_704_067_200_000_000_000n); // from 2024-01-01
const f = (...v: number[]) => Float64Array.from(v);

function oneTrade(entryBar: number, exitBar: number, pnl: number, commission: number, returnPct: number): TradeLog {
  return { size: [1], entryBar: [entryBar], exitBar: [exitBar], entryPrice: [1], exitPrice: [1], pnl: [pnl], commission: [commission], returnPct: [returnPct], reason: ['r'], exitReason: ['signal'], exitNote: [undefined], sl: [NaN], tp: [NaN] };
}

const a = { ts: days(0, 1, 2), equity: f(100, 110, 121), close: f(10, 11, 12), warmup: 0, trades: oneTrade(0, 2, 21, 1, 0.21) };
const b = { ts: days(1, 2, 3), equity: f(200, 180, 190), close: f(50, 40, 45), warmup: 1, trades: oneTrade(1, 2, -20, 2, -0.1) };

describe('the equal-weight combination', () => {
  const c = combineEqualWeight([a, b], 1000);

  it('runs on the union of bar times, each share carried forward and cash before its first bar', () => {
    expect(c.ts).toEqual(days(0, 1, 2, 3));
    expect(Array.from(c.equity)).toEqual([1000, 1050, 1055, 1080]);
  });

  it('benchmarks against the same split bought and held from each warm-up bar', () => {
    const index = Array.from(c.close);
    [1, 1.05, 1.1, 1.1625].forEach((v, u) => expect(index[u], `day ${u + 1}`).toBeCloseTo(v, 12));
  });

  it('pools the trades on the union timeline, PnL and commission in the combination’s cash', () => {
    // A's bars 0 → 2 are days 1 → 3 (union 0 → 2); B's bars 1 → 2 are days 3 → 4 (union 2 → 3).
    expect([c.trades.entryBar, c.trades.exitBar]).toEqual([[0, 2], [2, 3]]);
    // A: 21 · 500/100 = 105, commission 1 · 5 = 5; B: −20 · 500/200 = −50, commission 2 · 2.5 = 5
    expect(c.trades.pnl).toEqual([105, -50]);
    expect(c.trades.commission).toEqual([5, 5]);
    expect(c.trades.returnPct, 'returns are the runs’ own').toEqual([0.21, -0.1]);
  });

  it('gives statistics of the combined curve', () => {
    const s = computeStats({ trades: c.trades, equity: c.equity, ts: c.ts, close: c.close, warmup: 0 });
    expect(s['Return [%]'], '(1080 − 1000)/1000').toBeCloseTo(8, 10);
    expect(s['Buy & Hold Return [%]']).toBeCloseTo(16.25, 10);
    expect(s['Equity Peak [$]']).toBe(1080);
    // 1000, 1050, 1055, 1080 rises every day: no drawdown.
    expect(s['Max. Drawdown [%]']).toBeCloseTo(0, 12);
    expect([s['# Trades'], s['Win Rate [%]']]).toEqual([2, 50]);
    expect(s['Commissions [$]']).toBe(10);
    expect(s['Exposure Time [%]'], 'some trade is open on all four days').toBe(100);
  });

  it('a single run combines to itself', () => {
    const alone = combineEqualWeight([a], 100);
    expect(Array.from(alone.equity)).toEqual([100, 110, 121]);
  });
});

describe('unionTimes', () => {
  it('merges, sorts and keeps each time once', () => {
    expect(unionTimes([days(3, 5, 9), days(1, 5, 7, 9, 10), days()])).toEqual(days(1, 3, 5, 7, 9, 10));
  });
});
