/**
 * The breakout built-in on thirteen hand-built bars, entry = 3, atr = 2, mult = 1. The channel of bar i is the
 * highest high / lowest low of bars i−2..i; ATR(2) is TA-Lib's Wilder ATR: mean of TR[1..2] at bar 2, then
 * ATR = ATR/2 + TR/2. Both start at bar 2 (warm-up), so next() first runs on bar 3. Cash 10 000, no commission.
 *
 *   bar  O     H     L     C     TR   ATR       channel    what happens (fills in the broker step, before next())
 *   0    10    12    8     10
 *   1    10    12    8     10    4
 *   2    10    12    8     10    4    4         12 / 8
 *   3    10    11    9     10    2    3         12 / 8     next(): buy stop 12, sell stop 8
 *   4    10    11    9     10    2    2.5       12 / 8     no trigger; both re-placed at 12 / 8
 *   5    10    11    9     10    2    2.25      11 / 9     no trigger; re-placed at the new channel 11 / 9
 *   6    10.5  11.5  10.2  11.4  1.5  1.875                buy stop 11 fills at max(O, 11) = 11 (the stale 12 would
 *                                                          not have): floor(10000/11) = 909 units. next(): sell stop
 *                                                          cancelled; sl = 11.4 − 1.875 = 9.525
 *   7    11.5  12.5  11.3  12.4  1.2  1.5375               sl tightened to 12.4 − 1.5375 = 10.8625
 *   8    12.2  12.3  11.4  11.6  1.0  1.26875              11.6 − 1.26875 = 10.33125 is looser: sl stays 10.8625
 *   9    11.2  11.3  10.5  10.6  1.1  1.184375  12.5 / 10.5 L ≤ 10.8625: the sl fills at min(O, sl) = 10.8625;
 *                                                          P&L 909·(10.8625 − 11) = −124.9875. next(): new stops
 *   10   10.2  10.4  9.8   9.9   0.8  0.9921875            gaps below the sell stop 10.5: fills at the open 10.2,
 *                                                          floor(9875.0125/10.2) = 968 units short. next(): buy stop
 *                                                          cancelled; sl = 9.9 + 0.9921875 = 10.8921875
 *   11   10.0  10.1  9.2   9.3   0.9  0.94609375           sl tightened to 9.3 + 0.94609375 = 10.24609375
 *   12   10.5  10.7  10.3  10.6                            gaps above the sl: fills at the open 10.5;
 *                                                          P&L −968·(10.5 − 10.2) = −290.4
 */
import { describe, expect, it } from 'vitest';
import breakout from '../../strategies/breakout.js';
import { runBacktest } from '../../src/backtest/engine.js';
import { DEFAULT_BROKER } from '../../src/backtest/types.js';
import { handBars } from './hand-bars.js';

const bars = handBars(
  [10, 10, 10, 10, 10, 10, 10.5, 11.5, 12.2, 11.2, 10.2, 10.0, 10.5],
  [12, 12, 12, 11, 11, 11, 11.5, 12.5, 12.3, 11.3, 10.4, 10.1, 10.7],
  [8, 8, 8, 9, 9, 9, 10.2, 11.3, 11.4, 10.5, 9.8, 9.2, 10.3],
  [10, 10, 10, 10, 10, 10, 11.4, 12.4, 11.6, 10.6, 9.9, 9.3, 10.6],
);
const params = { entry: 3, atr: 2, mult: 1 };

describe('breakout (Donchian stop entries, ATR trailing stop)', () => {
  const { trades, warmup } = runBacktest(bars, breakout, params, DEFAULT_BROKER);

  it('warms up until both the channel and the ATR exist', () => expect(warmup).toBe(2));

  it('enters on the re-placed channel stop and leaves on the trailing stop, long then short', () => {
    expect(trades.size).toEqual([909, -968]);
    expect([trades.entryBar, trades.exitBar]).toEqual([
      [6, 10],
      [9, 12],
    ]);
    expect(trades.entryPrice).toEqual([11, 10.2]);
    expect(trades.exitPrice[0]).toBeCloseTo(10.8625, 12);
    expect(trades.exitPrice[1], 'a gap through the stop fills at the open').toBe(10.5);
    expect(trades.pnl[0]).toBeCloseTo(-124.9875, 9);
    expect(trades.pnl[1]).toBeCloseTo(-290.4, 9);
    expect(trades.exitReason).toEqual(['sl', 'sl']);
  });

  it('keeps the tightest stop: the last stop-loss of each trade', () => {
    expect(trades.sl[0], 'bar 7’s 10.8625, not bar 8’s looser 10.33125').toBeCloseTo(10.8625, 12);
    expect(trades.sl[1]).toBeCloseTo(10.24609375, 12);
  });

  it('names the level it broke', () => {
    expect(trades.reason).toEqual(['broke the 3-bar high 11', 'broke the 3-bar low 10.5']);
  });

  it('on a bar through both stops, the buy (first in the queue) fills and the sell finds no margin and is cancelled', () => {
    // Bars 0–5 as above (stops 11 / 9 after bar 5); bar 6 spans both: O 10, H 11.5, L 8.5. The buy stop fills at
    // 11 with all the equity (909 units: cash 1 left, equity at the close 1 + 909·10 = 9091, of which 9090 is in
    // the trade), so the sell stop's all-equity size is floor(1/9) = 0 units: cancelled (§7 rules 20–21).
    // TR6 = 11.5 − 8.5 = 3, ATR6 = 2.25/2 + 3/2 = 2.625; TR7 = 0.6, ATR7 = 1.6125; TR8 = 0.2, ATR8 = 0.90625,
    // so the last stop-loss is 10.5 − 0.90625 = 9.59375, never reached; finalize closes at bar 8's open.
    const wide = handBars(
      [10, 10, 10, 10, 10, 10, 10, 10.5, 10.5],
      [12, 12, 12, 11, 11, 11, 11.5, 10.6, 10.6],
      [8, 8, 8, 9, 9, 9, 8.5, 10.4, 10.4],
      [10, 10, 10, 10, 10, 10, 10, 10.5, 10.5],
    );
    const r = runBacktest(wide, breakout, params, { ...DEFAULT_BROKER, finalizeTrades: true });
    expect(r.cancelledOrders).toBe(1);
    expect([r.trades.size, r.trades.entryBar, r.trades.entryPrice, r.trades.exitBar, r.trades.exitPrice]).toEqual([[909], [6], [11], [8], [10.5]]);
    expect(r.trades.exitReason).toEqual(['finalize']);
    expect(r.trades.sl[0]).toBeCloseTo(9.59375, 12);
  });

  it('leaves fresh entry stops pending after the last exit, and nothing else', () => {
    const seen: Array<{ size: number; stop: number | undefined; contingent: boolean }> = [];
    const spy = {
      ...breakout,
      next(t: Parameters<typeof breakout.next>[0], ind: Parameters<typeof breakout.next>[1], p: typeof params) {
        breakout.next(t, ind, p);
        if (t.i === bars.close.length - 1) for (const o of t.orders) seen.push({ size: o.size, stop: o.stop, contingent: o.isContingent });
      },
    };
    runBacktest(bars, spy, params, DEFAULT_BROKER);
    // Channel of bar 12 (bars 10..12): high max(10.4, 10.1, 10.7) = 10.7, low min(9.8, 9.2, 10.3) = 9.2.
    expect(seen.map(({ stop, contingent }) => ({ stop, contingent }))).toEqual([
      { stop: 10.7, contingent: false },
      { stop: 9.2, contingent: false },
    ]);
    expect(Math.sign(seen[0].size), 'a buy stop then a sell stop').toBe(1);
    expect(Math.sign(seen[1].size)).toBe(-1);
  });
});
