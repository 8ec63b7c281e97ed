/** Walk-forward windows and one run, worked by hand. */
import { describe, expect, it } from 'vitest';
import { InProcessEvaluator, parseObjective } from '../../src/backtest/optimize.js';
import { parseGrid } from '../../src/backtest/param-grid.js';
import { DEFAULT_BROKER, type BarArrays, type Strategy } from '../../src/backtest/types.js';
import { parseWalkForward, walkForward, walkForwardWindows } from '../../src/backtest/walk-forward.js';
import { thrownBy } from '../helpers.js';

const w = (trainFrom: number, trainTo: number, testFrom: number, testTo: number) => ({ trainFrom, trainTo, testFrom, testTo });

describe('walkForwardWindows', () => {
  it('10 bars, train=4, test=3: tests [4,7) and [7,10), each trained on the 4 bars before', () => {
    expect(walkForwardWindows(10, { train: 4, test: 3, anchored: false })).toEqual([w(0, 4, 4, 7), w(3, 7, 7, 10)]);
  });
  it('anchored: every training window starts at bar 0', () => {
    expect(walkForwardWindows(10, { train: 4, test: 3, anchored: true })).toEqual([w(0, 4, 4, 7), w(0, 7, 7, 10)]);
  });
  it('keeps a last, shorter test window (here 2 bars)', () => {
    expect(walkForwardWindows(10, { train: 4, test: 4, anchored: false })).toEqual([w(0, 4, 4, 8), w(4, 8, 8, 10)]);
    expect(walkForwardWindows(10, { train: 9, test: 5, anchored: false }), 'one test bar is enough').toEqual([w(0, 9, 9, 10)]);
  });
  it('needs at least one bar after the first training window', () => {
    expect(thrownBy(() => walkForwardWindows(10, { train: 10, test: 3, anchored: false })).message).toBe('--walk-forward: train=10 leaves no test bars in 10 bars');
  });
});

describe('parseWalkForward', () => {
  it('reads train, test and anchored in any order', () => {
    expect(parseWalkForward('train=750,test=250')).toEqual({ train: 750, test: 250, anchored: false });
    expect(parseWalkForward('anchored, test=5, train=20')).toEqual({ train: 20, test: 5, anchored: true });
  });
  it.each([
    ['train=750', '--walk-forward "train=750": give both train and test'],
    ['train=0,test=5', '--walk-forward "train=0,test=5": train must be a whole number of bars ≥ 1'],
    ['train=10,test=2.5', '--walk-forward "train=10,test=2.5": test must be a whole number of bars ≥ 1'],
    ['train=10,test=5,rolling', '--walk-forward "train=10,test=5,rolling": "rolling" is not train=N, test=N or anchored'],
  ])('rejects %s', (text, message) => {
    expect(thrownBy(() => parseWalkForward(text)).message).toBe(message);
  });
});

/** Open = high = low = close: 10 for bars 0-5, 20 for 6-8, 40 at bar 9. Daily. */
function bars(): BarArrays {
  const prices = [10, 10, 10, 10, 10, 10, 20, 20, 20, 40];
  const ts = BigInt64Array.from(prices.map((_, i) => BigInt(Date.UTC(2024, 0, 1 + i)) * 1_000_000n));
  const p = Float64Array.from(prices);
  return { ts, open: p, high: p, low: p, close: p, volume: new Float64Array(10).fill(1) };
}

/** Buys `frac` of equity when flat, its SMA(4) is defined and the bar index is 1 mod 3 (bars 4 and 7 here); holds. */
const longOnce: Strategy<{ frac: number }> = {
  params: { frac: 0.5 },
  init: ({ close }, _p, ta) => ({ ma: ta.sma(close, 4) }),
  next(t, { ma }, p) {
    if (t.position === 0 && ma[t.i] > 0 && t.i % 3 === 1) t.buy(p.frac);
  },
};

describe('walkForward', () => {
  const run = async (finalizeTrades: boolean) => {
    const strategy = longOnce;
    const settings = { ...DEFAULT_BROKER, finalizeTrades };
    const objective = parseObjective('SQN');
    const axes = parseGrid(['frac=0.5'], strategy.params);
    const cellRun = { strategy, settings, objective, runOptions: {} };
    return walkForward(bars(), { train: 4, test: 3, anchored: false }, { axes, base: strategy.params, objective }, cellRun, new InProcessEvaluator(bars(), axes, strategy.params, cellRun));
  };

  it('trades only inside each test window, with the bars before as indicator history, compounding equity', async () => {
    // Window 1, test bars 4-6: SMA(4) is defined at bar 4 thanks to bars 1-3 before the window; next() first runs at
    // bar 4 (t.i % 3 === 1), buys 0.5 of 10,000 → filled at bar 5's open 10: 500 units; bar 6 closes at 20 → 15,000.
    // Window 2 starts with 15,000 at bar 7 (7 % 3 === 1): 7,500 / 20 → 375 units at bar 8's open; bar 9 at 40 → 22,500.
    // Had next() run before bar 7 in window 2's run (bars 0-9), it would have bought at bar 4 instead.
    const r = await run(false);
    expect(r.from).toBe(4);
    expect(Array.from(r.equity)).toEqual([10_000, 10_000, 15_000, 15_000, 15_000, 22_500]);
    expect(r.windows.map((x) => x.startEquity)).toEqual([10_000, 15_000]);
    expect(r.windows.map((x) => x.stats['Return [%]'])).toEqual([50, 50]);
    expect(r.stats['Return [%]'], '1.5 × 1.5 − 1').toBe(125);
    expect(r.stats['# Trades'], 'positions left open are not closed trades').toBe(0);
    expect(r.stats['Buy & Hold Return [%]'], 'from the first test bar (10) to the last (40)').toBe(300);
  });

  it('with --finalize-trades closes each window’s position at its last close', async () => {
    const r = await run(true);
    expect(Array.from(r.equity)).toEqual([10_000, 10_000, 15_000, 15_000, 15_000, 22_500]);
    expect(r.trades.size).toEqual([500, 375]);
    expect(r.trades.entryBar, 'bars counted from the first test bar (4): 5 → 1, 8 → 4').toEqual([1, 4]);
    expect(r.trades.exitBar).toEqual([2, 5]);
    expect(r.trades.entryPrice).toEqual([10, 20]);
    expect(r.trades.exitPrice).toEqual([20, 40]);
    expect(r.trades.pnl).toEqual([5_000, 7_500]);
    expect(r.stats['# Trades']).toBe(2);
    expect(r.windows.map((x) => x.stats['# Trades'])).toEqual([1, 1]);
  });
});
