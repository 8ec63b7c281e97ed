/**
 * The rsi built-in on twelve hand-built bars with period 2 (Wilder smoothing, TA-Lib seed: the first RSI, at bar 2,
 * uses the plain means of the first two diffs; then avg = (avg·1 + today)/2). Worked with exact fractions:
 *
 *   bar  close  diff  avgGain  avgLoss  RSI
 *   2     8     −1    0        1        0
 *   3    10     +2    1        1/2      200/3 ≈ 66.7   cross up through 30
 *   4    12     +2    3/2      1/4      600/7 ≈ 85.7
 *   5    11     −1    3/4      5/8      600/11 ≈ 54.5  cross down through 70
 *   6    10     −1    3/8      13/16    600/19 ≈ 31.6
 *   7     9     −1    3/16     29/32    120/7 ≈ 17.1
 *   8    11     +2    35/32    29/64    7000/99 ≈ 70.7 cross up through 30 (from 17.1; it lands above 70, no cross down)
 *   9    12     +1    67/64    29/128   ≈ 82.2
 *   10   11.5   −0.5  67/128   93/256   ≈ 59.0         cross down through 70
 *
 * next() first runs on bar 3 (warm-up 2). Orders fill at the next bar's open; cash 10 000, no commission.
 */
import { describe, expect, it } from 'vitest';
import rsi from '../../strategies/rsi.js';
import { runBacktest } from '../../src/backtest/engine.js';
import { DEFAULT_BROKER } from '../../src/backtest/types.js';
import { cents, closeBars, closedTrades } from './hand-bars.js';

const close = [10, 9, 8, 10, 12, 11, 10, 9, 11, 12, 11.5, 11];
const open = [10, 9.5, 8.5, 8, 10.6, 12, 10.9, 10, 9, 11.3, 12, 11.6];
const bars = closeBars(open, close);
const params = { ...rsi.params, period: 2 };

describe('rsi (Wilder thresholds)', () => {
  it('long only (the default): buys after a cross up through lower, exits after a cross down through upper', () => {
    expect(rsi.params.short).toBe(false);
    expect(cents(closedTrades(bars, rsi, params))).toEqual([
      // bar 3 → open[4] 10.6: floor(10000/10.6) = 943; bar 5 → open[6] 10.9
      { size: 943, entryBar: 4, exitBar: 6, entryPrice: 10.6, exitPrice: 10.9, pnl: 282.9 },
      // bar 8 → open[9] 11.3 with cash 10282.90: floor(909.99) = 909; bar 10 → open[11] 11.6
      { size: 909, entryBar: 9, exitBar: 11, entryPrice: 11.3, exitPrice: 11.6, pnl: 272.7 },
    ]);
  });

  it('long/short: a cross down through upper also sells, and the next cross up covers and buys', () => {
    expect(cents(closedTrades(bars, rsi, { ...params, short: true }))).toEqual([
      { size: 943, entryBar: 4, exitBar: 6, entryPrice: 10.6, exitPrice: 10.9, pnl: 282.9 },
      // sells at open[6] 10.9 with cash 10282.90: floor(943.4) = 943; covered at open[9] 11.3
      { size: -943, entryBar: 6, exitBar: 9, entryPrice: 10.9, exitPrice: 11.3, pnl: -377.2 },
      // cash 9905.70 at 11.3: floor(876.6) = 876; out at open[11] 11.6 (the short opened there stays open)
      { size: 876, entryBar: 9, exitBar: 11, entryPrice: 11.3, exitPrice: 11.6, pnl: 262.8 },
    ]);
  });

  it('a threshold only touched is no cross: with lower = 200/3 the bar-3 RSI equals it exactly', () => {
    // Bar 2's RSI (0) is below 200/3 and bar 3's equals it (100·1/1.5 and 200/3 round to the same double). A cross
    // needs strictly above, so there is no entry on bar 4; the first waits for bar 8's cross (17.1 → 70.7), filled
    // on bar 9 (and closed on bar 11 after bar 10's cross down through 80, 82.2 → 59.0).
    const [first] = closedTrades(bars, rsi, { ...params, lower: 200 / 3, upper: 80 });
    expect(first?.entryBar).toBe(9);
  });

  it('rejects lower ≥ upper in init, naming both', () => {
    expect(() => runBacktest(bars, rsi, { ...params, lower: 70, upper: 30 }, DEFAULT_BROKER)).toThrow(/lower \(70\) must be below upper \(30\)/);
  });
});
