/**
 * The macd built-in on ten hand-built bars, with fast = 1, slow = 2, signal = 2 so every value is a short fraction.
 * EMA(1) is the close itself; the slow EMA (α = 2/3) starts at bar 1 from mean(x0, x1) = 10; line = x − EMA(2);
 * the signal (α = 2/3) starts at bar 2 from mean(line1, line2). Worked with exact fractions:
 *
 *   bar   close  EMA(2)    line     signal    cross
 *   1     10     10        0        –
 *   2      9     28/3     −1/3     −1/6
 *   3     12     100/9     8/9      29/54    up   (−1/3 < −1/6, then 8/9 > 29/54)
 *   4     12     316/27    8/27     61/162   down (8/27 = 48/162 < 61/162)
 *   5     11     910/81   −19/81   −5/162
 *   6     13     ...       143/243  557/1458 up   (143/243 = 858/1458)
 *   7     13     ...       143/729  1129/4374 down (143/729 = 858/4374)
 *   8     13     ...       143/2187 7/54
 *
 * Warm-up is bar 2 (the signal's first value), so next() first runs on bar 3. Orders fill at the next bar's open.
 * Cash 10 000, no commission; all-equity sizing is floor(cash·(1 − 2⁻⁵²) / open).
 */
import { describe, expect, it } from 'vitest';
import macd from '../../strategies/macd.js';
import { cents, closeBars, closedTrades } from './hand-bars.js';

const close = [10, 10, 9, 12, 12, 11, 13, 13, 13, 13];
const open = [10, 10, 9.5, 11, 12.4, 12, 12, 13.5, 12.5, 13];
const bars = closeBars(open, close);

describe('macd (signal-line crosses)', () => {
  it('long only: buys after each cross up and exits after each cross down', () => {
    const trades = closedTrades(bars, macd, { fast: 1, slow: 2, signal: 2, short: false });
    expect(cents(trades)).toEqual([
      // cross up on bar 3 → buy at open[4] 12.4: floor(10000/12.4) = 806 units; cross down on bar 4 → out at open[5] 12
      { size: 806, entryBar: 4, exitBar: 5, entryPrice: 12.4, exitPrice: 12, pnl: -322.4 }, // 806·(12 − 12.4)
      // cross up on bar 6 → open[7] 13.5 with cash 9677.60: floor(716.9) = 716; cross down on bar 7 → open[8] 12.5
      { size: 716, entryBar: 7, exitBar: 8, entryPrice: 13.5, exitPrice: 12.5, pnl: -716 },
    ]);
  });

  it('long/short (the default): each cross closes the position and reverses it', () => {
    const trades = closedTrades(bars, macd, { ...macd.params, fast: 1, slow: 2, signal: 2 });
    expect(macd.params.short, 'the default is long/short').toBe(true);
    expect(cents(trades)).toEqual([
      { size: 806, entryBar: 4, exitBar: 5, entryPrice: 12.4, exitPrice: 12, pnl: -322.4 },
      // bar 4's cross down also sells at open[5] 12 with cash 9677.60: floor(806.5) = 806
      { size: -806, entryBar: 5, exitBar: 7, entryPrice: 12, exitPrice: 13.5, pnl: -1209 }, // −806·(13.5 − 12)
      // cash 8468.60 at open[7] 13.5: floor(627.3) = 627; out at open[8] 12.5
      { size: 627, entryBar: 7, exitBar: 8, entryPrice: 13.5, exitPrice: 12.5, pnl: -627 },
      // and the short opened at open[8] (floor(7841.60/12.5) = 627 units) is still open at the end: not listed
    ]);
  });

  it('documents its parameters with bounds', () => {
    expect(macd.description).toMatch(/MACD/);
    expect(Object.keys(macd.params)).toEqual(['fast', 'slow', 'signal', 'short']);
    expect(macd.bounds.fast).toEqual({ min: 1, integer: true });
  });
});
