/**
 * Statistics over hundreds of thousands of trades (issue 8, item 13): computeStats used to spread the trade
 * returns into Math.max/Math.min and threw "Maximum call stack size exceeded" past ~150k trades.
 *
 * The run is worked by hand: N one-minute bars at a constant price of 128 and a commission rate of 2⁻¹⁰, so each
 * fill costs exactly 128 · 2⁻¹⁰ = 0.125 and every number below is exact in binary. The strategy flips every bar:
 * it closes what it holds and opens one unit the other way. With no indicators next() first runs on bar 1, so
 * trade k opens at bar 2 + k and closes at bar 3 + k; N − 3 trades close, and the one opened on the last bar
 * stays open (not counted, as in backtesting.py).
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { computeStats } from '../../src/backtest/stats.js';
import { DEFAULT_BROKER, type BarArrays, type Strategy } from '../../src/backtest/types.js';

const N = 400_003;
const PRICE = 128;
const FEE = PRICE * 2 ** -10; // 0.125 per fill
const CASH = 1_000_000;
const MINUTE_NS = 60_000_000_000n;

function constantBars(n: number): BarArrays {
  const ts = new BigInt64Array(n);
  const start = BigInt(Date.UTC(2020, 0, 1)) * 1_000_000n;
  for (let i = 0; i < n; i++) ts[i] = start + BigInt(i) * MINUTE_NS;
  const flat = () => new Float64Array(n).fill(PRICE);
  return { ts, open: flat(), high: flat(), low: flat(), close: flat(), volume: new Float64Array(n).fill(1) };
}

const flip: Strategy<Record<string, never>, Record<string, never>> = {
  params: {},
  init: () => ({}),
  next(t) {
    const wasLong = t.position > 0;
    t.close();
    if (wasLong) t.sell(1);
    else t.buy(1);
  },
};

describe('statistics of a 400,003-bar flip strategy', () => {
  const bars = constantBars(N);
  const settings = { ...DEFAULT_BROKER, cash: CASH, commission: 2 ** -10 };
  const result = runBacktest(bars, flip, {}, settings);
  const stats = computeStats({ trades: result.trades, equity: result.equity, ts: bars.ts, close: bars.close, warmup: result.warmup });
  const closed = N - 3;

  it('closes N − 3 trades, alternating long and short, each one bar long', () => {
    expect(stats['# Trades']).toBe(closed);
    expect(result.trades.size[0], 'the first order is a buy').toBe(1);
    expect(result.trades.size[1]).toBe(-1);
    expect(result.trades.entryBar[closed - 1], 'last closed trade opened on bar N − 2').toBe(N - 2);
    expect(result.trades.exitBar[closed - 1]).toBe(N - 1);
  });

  it('prices every trade at −2 fees: P&L −0.25, return −0.25/128, so best = worst = average', () => {
    const perTradeReturnPct = (-2 * FEE / PRICE) * 100; // −0.1953125 %
    expect(stats['Best Trade [%]']).toBe(perTradeReturnPct);
    expect(stats['Worst Trade [%]']).toBe(perTradeReturnPct);
    expect(stats['Avg. Trade [%]'], 'geometric mean of identical returns (exp of a 400k-term log mean: ~1e-12 rounding)').toBeCloseTo(perTradeReturnPct, 10);
    expect(stats['Expectancy [%]']).toBeCloseTo(perTradeReturnPct, 12);
    expect(stats['Win Rate [%]']).toBe(0);
    expect(stats['Profit Factor'], 'no gains over the losses').toBe(0);
    expect(stats.SQN, 'P&L has zero variance').toBeNaN();
  });

  it('books 2 fees per closed trade and 1 for the trade still open', () => {
    expect(stats['Commissions [$]'], 'closed trades only').toBe(closed * 2 * FEE);
    expect(stats['Equity Final [$]']).toBe(CASH - closed * 2 * FEE - FEE);
    expect(stats['Equity Peak [$]']).toBe(CASH);
    expect(stats['Return [%]']).toBeCloseTo(((-closed * 2 * FEE - FEE) / CASH) * 100, 10);
    expect(stats['Max. Drawdown [%]']).toBeCloseTo(-((closed * 2 * FEE + FEE) / CASH) * 100, 10);
    expect(stats['Buy & Hold Return [%]']).toBe(0);
  });

  it('measures durations in days: one-minute trades, one drawdown from bar 1 to the end', () => {
    expect(stats['Max. Trade Duration']).toBe(1 / 1440);
    expect(stats['Avg. Trade Duration']).toBeCloseTo(1 / 1440, 15);
    expect(stats['Max. Drawdown Duration'], 'equity falls from bar 1 on and never recovers').toBeCloseTo((N - 2) / 1440, 9);
    expect(stats['Exposure Time [%]'], 'bars 2..N−1 lie inside a trade').toBeCloseTo(((N - 2) / N) * 100, 10);
  });
});

describe('closing many open trades at once', () => {
  // Bar i opens at 100 + i. The strategy buys one unit on bars 1..K (filled at the next open, 101 + k for the k-th
  // buy, k = 1..K) and closes everything on bar K + 1 (filled at open K + 2, i.e. 102 + K).
  const K = 5_000;
  const n = K + 4;
  const ts = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * MINUTE_NS);
  const open = Float64Array.from({ length: n }, (_, i) => 100 + i);
  const bars: BarArrays = { ts, open, high: open.map((o) => o + 0.5), low: open.map((o) => o - 0.5), close: open.slice(), volume: new Float64Array(n).fill(1) };
  const pyramid: Strategy<Record<string, never>, Record<string, never>> = {
    params: {},
    init: () => ({}),
    next(t) {
      if (t.i <= K) t.buy(1);
      else if (t.i === K + 1) t.close('all out');
    },
  };
  const result = runBacktest(bars, pyramid, {}, { ...DEFAULT_BROKER, cash: 1e9 });

  it('closes every trade at the same open, newest first (position.close() queues each close at the front)', () => {
    const t = result.trades;
    expect(t.size.length).toBe(K);
    expect(t.entryBar[0], 'the newest trade, bought on bar K, filled on bar K + 1').toBe(K + 1);
    expect(t.entryBar[K - 1]).toBe(2);
    expect(new Set(t.exitBar)).toEqual(new Set([K + 2]));
    expect(t.pnl[0], 'exit 102 + K minus entry 101 + K').toBe(1);
    expect(t.pnl[K - 1], 'exit 102 + K minus entry 102').toBe(K);
    expect(t.exitNote[0]).toBe('all out');
    expect(t.exitReason[0]).toBe('signal');
  });

  it('leaves nothing open and books the sum of 1..K', () => {
    expect(result.equity[n - 1], 'cash 1e9 plus Σk = K(K + 1)/2').toBe(1e9 + (K * (K + 1)) / 2);
  });
});
