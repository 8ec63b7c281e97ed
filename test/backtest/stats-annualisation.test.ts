/**
 * Annualised statistics on intraday bars (issue 11 §0). backtesting.py resamples equity to calendar days, keeps each
 * day's last value, and annualises the daily returns with N = 252, or 365 when more than 17 % of bars fall on a
 * weekend (../shared/specs/backtesting-parity.md §4). The equity paths below are chosen by hand so the daily
 * returns are round numbers; the expectations are §4's formulas evaluated on those returns, written out here.
 */
import { describe, expect, it } from 'vitest';
import { computeStats } from '../../src/backtest/stats.js';
import type { TradeLog } from '../../src/backtest/types.js';

const HOUR_NS = 3_600_000_000_000n;
const noTrades = (): TradeLog => ({ size: [], entryBar: [], exitBar: [], entryPrice: [], exitPrice: [], pnl: [], commission: [], returnPct: [], reason: [], exitReason: [], exitNote: [], sl: [], tp: [] });

/** Hourly bars from `start` (UTC), 24 per day, each day's equity flat at its level (only the day's last value matters). */
function hourly(start: string, dayLevels: number[]) {
  const first = BigInt(Date.parse(start)) * 1_000_000n;
  const n = dayLevels.length * 24;
  const ts = new BigInt64Array(n);
  const equity = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = first + BigInt(i) * HOUR_NS;
    equity[i] = dayLevels[Math.floor(i / 24)];
  }
  return computeStats({ trades: noTrades(), equity, ts, close: equity.slice(), warmup: 0 });
}

/** §4 on daily returns r with N periods a year. */
function annualised(r: number[], N: number) {
  const g = r.reduce((p, v) => p * (1 + v), 1) ** (1 / r.length) - 1;
  const mean = r.reduce((a, v) => a + v, 0) / r.length;
  const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / (r.length - 1);
  const ret = (1 + g) ** N - 1;
  const vol = Math.sqrt((variance + (1 + g) ** 2) ** N - (1 + g) ** (2 * N));
  const downside = Math.sqrt(r.reduce((a, v) => a + Math.min(v, 0) ** 2, 0) / r.length);
  return { ret, vol, sharpe: ret / vol, sortino: ret / (downside * Math.sqrt(N)) };
}

describe('annualisation on hourly bars', () => {
  it('weekday hours: three days give two daily returns (+10 %, −10 %), N = 252', () => {
    // Mon 2024-01-01 … Wed 2024-01-03, 72 hourly bars; the day's last equity: 100, 110, 99.
    const s = hourly('2024-01-01T00:00:00Z', [100, 110, 99]);
    // r = [0.1, −0.1]: g = √0.99 − 1, var = 0.02 (ddof 1), downside rms = √(0.01 / 2).
    const g = Math.sqrt(0.99) - 1;
    const ret = (1 + g) ** 252 - 1;
    const vol = Math.sqrt(1.01 ** 252 - 0.99 ** 252);
    expect(s['Return (Ann.) [%]']).toBeCloseTo(ret * 100, 9);
    expect(s['Volatility (Ann.) [%]']).toBeCloseTo(vol * 100, 9);
    expect(s['Sharpe Ratio']).toBeCloseTo(ret / vol, 12);
    expect(s['Sortino Ratio']).toBeCloseTo(ret / (Math.sqrt(0.005) * Math.sqrt(252)), 12);
    // Max drawdown 1 − 99/110 = 10 %; Calmar = Ret(Ann.) / 0.1.
    expect(s['Calmar Ratio']).toBeCloseTo(ret / 0.1, 12);
    const reference = annualised([0.1, -0.1], 252);
    expect(s['Return (Ann.) [%]']).toBeCloseTo(reference.ret * 100, 9);
  });

  it('round-the-clock hours over a weekend: more than 17 % of bars on Sat/Sun, so N = 365', () => {
    // Fri 2024-01-05 … Mon 2024-01-08: 96 bars, 48 of them on the weekend. Day-end equity 100, 102, 99.96, 101.9592.
    const levels = [100, 102, 99.96, 101.9592];
    const s = hourly('2024-01-05T00:00:00Z', levels);
    const r = [0.02, -0.02, 0.02]; // 102/100, 99.96/102, 101.9592/99.96
    const e = annualised(r, 365);
    expect(s['Return (Ann.) [%]']).toBeCloseTo(e.ret * 100, 8);
    expect(s['Volatility (Ann.) [%]']).toBeCloseTo(e.vol * 100, 8);
    expect(s['Sharpe Ratio']).toBeCloseTo(e.sharpe, 10);
    expect(s['Sortino Ratio']).toBeCloseTo(e.sortino, 10);
    // The same returns annualised with 252 would differ: the weekend rule is what is being checked.
    expect(Math.abs((s['Return (Ann.) [%]'] as number) - annualised(r, 252).ret * 100)).toBeGreaterThan(1);
  });
});
