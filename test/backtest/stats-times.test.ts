/**
 * Bar times in the statistics around 1970, where int64 ns turn negative: durations between bars on either side of
 * the epoch, and the weekday test (ms truncated toward zero, as `new Date(Number(ts / 1_000_000n))` reads a time,
 * so before 1970 the last ns of a day reads as the next day). Expectations are worked by hand from the calendar
 * and ../shared/specs/backtesting-parity.md §4's formulas.
 */
import { describe, expect, it } from 'vitest';
import { computeStats } from '../../src/backtest/stats.js';
import type { TradeLog } from '../../src/backtest/types.js';

const DAY_NS = 86_400_000_000_000n;
const noTrades = (): TradeLog => ({ size: [], entryBar: [], exitBar: [], entryPrice: [], exitPrice: [], pnl: [], commission: [], returnPct: [], reason: [], exitReason: [], exitNote: [], sl: [], tp: [] });

describe('statistics on bars around the epoch', () => {
  it('a drawdown from 1969-12-30 to 1970-01-03 lasts 4 days', () => {
    // Daily bars at midnight: 1969-12-30, 12-31, 1970-01-01, 01-02, 01-03 (ns −2d … +2d). Equity 100, 90, 95, 99,
    // 101: at a peak on the first and last bar only, so one drawdown period of 4 days, its deepest point 10 %.
    const ts = BigInt64Array.from([-2n, -1n, 0n, 1n, 2n].map((d) => d * DAY_NS));
    const equity = Float64Array.from([100, 90, 95, 99, 101]);
    const s = computeStats({ trades: noTrades(), equity, ts, close: equity.slice(), warmup: 0 });
    expect(s.Start).toBe('1969-12-30T00:00:00.000Z');
    expect(s.Duration).toBe(4);
    expect(s['Max. Drawdown Duration']).toBe(4);
    expect(s['Avg. Drawdown Duration']).toBe(4);
    expect(s['Max. Drawdown [%]']).toBeCloseTo(-10, 12);
  });

  it('the last ns before a 1969 midnight reads as the next day: Mon–Fri bars, so N = 252', () => {
    // One ns before midnight of Mon 1969-12-22 … Fri 1969-12-26 (days −10 … −6 from 1970-01-01, a Thursday). Read
    // through the truncated ms these are Monday to Friday: no weekend bar, N = 252. (Read by the floor of the day
    // they would be Sunday to Thursday, one weekend bar in five, 20 % > 17 %, and N would be 365.)
    const ts = BigInt64Array.from([-10n, -9n, -8n, -7n, -6n].map((d) => d * DAY_NS - 1n));
    // Day-end equity 100, 110, 99, 108.9, 98.01: daily returns +10 %, −10 %, +10 %, −10 %.
    const equity = Float64Array.from([100, 110, 99, 108.9, 98.01]);
    const s = computeStats({ trades: noTrades(), equity, ts, close: equity.slice(), warmup: 0 });
    // r = [0.1, −0.1, 0.1, −0.1]: geometric mean g = √0.99 − 1 (each pair multiplies by 0.99).
    const g = Math.sqrt(0.99) - 1;
    expect(s['Return (Ann.) [%]']).toBeCloseTo(((1 + g) ** 252 - 1) * 100, 9);
    expect(s['Return (Ann.) [%]']).not.toBeCloseTo(((1 + g) ** 365 - 1) * 100, 3);
  });
});
