/**
 * Parity with backtesting.py 0.6.6 (../shared/specs/backtesting-parity.md and the trade lists and equity curves
 * in ../shared/data/vectors/backtesting_py). Expected numbers are the ones the spec prints; each comparison uses
 * the precision the spec gives (rtol 1e-8 for Case A, the printed digits elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBacktest } from '../../src/backtest/engine.js';
import { computeStats, type Stats } from '../../src/backtest/stats.js';
import { DEFAULT_BROKER, type BarArrays, type BrokerSettings, type Strategy } from '../../src/backtest/types.js';
import { readTabularFile } from '../../src/sources/files.js';
import { aggregateBars } from '../../src/pipelines/bars.js';
import { frameToBarArrays } from '../../src/usecases/backtest-input.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import { loadPolars } from '../../src/polars.js';
import { parseInterval } from '../../src/time.js';
import smaCross from '../../strategies/sma-cross.js';
import { sma } from '../../src/kernels/sma.js';
import { REAL_DIR, VECTORS_DIR, hasReal, hasVectors } from '../helpers.js';

const pl = await loadPolars();

async function goog(): Promise<BarArrays> {
  const [b] = await readTabularFile(join(REAL_DIR, 'GOOG.csv'), { symbol: 'GOOG' });
  return { ts: b.ts, ...(b.values as Record<'open' | 'high' | 'low' | 'close' | 'volume', Float64Array>) };
}

function run(bars: BarArrays, strategy: Strategy<any, any>, params: Record<string, number>, settings: Partial<BrokerSettings>) {
  const result = runBacktest(bars, strategy, params, { ...DEFAULT_BROKER, ...settings });
  const stats = computeStats({ trades: result.trades, equity: result.equity, ts: bars.ts, close: bars.close, warmup: result.warmup });
  return { result, stats };
}

function expectClose(actual: unknown, expected: number, rtol: number, what: string): void {
  expect(typeof actual, what).toBe('number');
  const a = actual as number;
  expect(Math.abs(a - expected) <= rtol * Math.abs(expected) + 1e-12, `${what}: ${a} vs ${expected} (rtol ${rtol})`).toBe(true);
}

/** Compares to the digits printed: |a − e| ≤ half a unit of the last printed digit. */
function expectDigits(actual: unknown, printed: string, what: string): void {
  const decimals = (printed.split('.')[1] ?? '').length;
  expect(Math.abs((actual as number) - Number(printed)), `${what}: ${actual} vs ${printed}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
}

function loadTrades(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(VECTORS_DIR, 'backtesting_py', file), 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, j) => [cols[j], v])));
}

function expectTradeList(result: ReturnType<typeof run>['result'], bars: BarArrays, file: string): void {
  const expected = loadTrades(file);
  const t = result.trades;
  expect(t.size.length, 'trade count').toBe(expected.length);
  expected.forEach((e, k) => {
    const where = `trade #${k}`;
    expect(t.size[k], `${where} Size`).toBe(Number(e.Size));
    expect(t.entryBar[k], `${where} EntryBar`).toBe(Number(e.EntryBar));
    expect(t.exitBar[k], `${where} ExitBar`).toBe(Number(e.ExitBar));
    expectClose(t.entryPrice[k], Number(e.EntryPrice), 1e-9, `${where} EntryPrice`);
    expectClose(t.exitPrice[k], Number(e.ExitPrice), 1e-9, `${where} ExitPrice`);
    expectClose(t.pnl[k], Number(e.PnL), 1e-8, `${where} PnL`);
    expectClose(t.commission[k], Number(e.Commission), 1e-8, `${where} Commission`);
    expectClose(t.returnPct[k], Number(e.ReturnPct), 1e-8, `${where} ReturnPct`);
    expect(new Date(Number(bars.ts[t.entryBar[k]] / 1_000_000n)).toISOString().slice(0, 10), `${where} EntryTime`).toBe(e.EntryTime);
    expect(new Date(Number(bars.ts[t.exitBar[k]] / 1_000_000n)).toISOString().slice(0, 10), `${where} ExitTime`).toBe(e.ExitTime);
  });
}

const CASE_A: Record<string, number> = {
  'Exposure Time [%]': 96.74115456238361,
  'Equity Final [$]': 51422.98999999996,
  'Equity Peak [$]': 75787.44,
  'Return [%]': 414.2298999999996,
  'Buy & Hold Return [%]': 522.0601851851852,
  'Return (Ann.) [%]': 21.191099249053224,
  'Volatility (Ann.) [%]': 36.49716090702389,
  'CAGR [%]': 21.160245705962623,
  'Sharpe Ratio': 0.5806232244485349,
  'Sortino Ratio': 1.0853434352488662,
  'Calmar Ratio': 0.44166409202994605,
  'Alpha [%]': 394.37391142027462,
  Beta: 0.03803390709192,
  'Max. Drawdown [%]': -47.98012705007589,
  'Avg. Drawdown [%]': -5.925851581948801,
  'Max. Drawdown Duration': 584,
  'Avg. Drawdown Duration': 41,
  '# Trades': 66,
  'Win Rate [%]': 46.96969696969697,
  'Best Trade [%]': 53.59595229490424,
  'Worst Trade [%]': -18.39887353835481,
  'Avg. Trade [%]': 2.531715975158555,
  'Max. Trade Duration': 183,
  'Avg. Trade Duration': 46,
  'Profit Factor': 2.167945974262033,
  'Expectancy [%]': 3.2748078066748834,
  SQN: 1.0766187356697705,
  'Kelly Criterion': 0.1518705127029717,
};

describe.runIf(hasReal && hasVectors)('backtesting.py parity on GOOG', () => {
  it('Case A: SmaCross 10/30 with finalize_trades, every statistic to rtol 1e-8', async () => {
    const bars = await goog();
    const { stats } = run(bars, smaCross, { fast: 10, slow: 30 }, { finalizeTrades: true });
    expect(stats.Start).toBe('2004-08-19T00:00:00.000Z');
    expect(stats.End).toBe('2013-03-01T00:00:00.000Z');
    expect(stats.Duration).toBe(3116);
    expect(stats['Commissions [$]'], 'no commission row without commission').toBeUndefined();
    for (const [k, v] of Object.entries(CASE_A)) expectClose(stats[k as keyof Stats], v, 1e-8, k);
  });

  it('Case A: the trade list and equity curve equal backtesting.py output', async () => {
    const bars = await goog();
    const { result } = run(bars, smaCross, { fast: 10, slow: 30 }, { finalizeTrades: true });
    expectTradeList(result, bars, 'goog_smacross_10_30_trades.csv');
    expect(result.trades.exitPrice[65], 'finalize closes at the last Open, not Close').toBe(797.8);
    const [, ...rows] = readFileSync(join(VECTORS_DIR, 'backtesting_py', 'goog_smacross_10_30_equity.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBe(result.equity.length);
    rows.forEach((r, i) => expectClose(result.equity[i], Number(r.split(',')[1]), 1e-9, `equity[${i}]`));
  });

  it('Case A without finalize_trades: 65 trades, the open trade marked at the last close', async () => {
    const { stats } = run(await goog(), smaCross, { fast: 10, slow: 30 }, {});
    expect(stats['# Trades']).toBe(65);
    expectDigits(stats['Equity Final [$]'], '51959.95', 'Equity Final');
    expectDigits(stats['Return [%]'], '419.5995', 'Return');
    expectDigits(stats['Exposure Time [%]'], '93.9944', 'Exposure');
    expectDigits(stats['Sharpe Ratio'], '0.58396', 'Sharpe');
    expectDigits(stats.SQN, '0.91689', 'SQN');
  });

  it('Case B: SmaCross 10/20, commission 0.2 %, exclusive orders: the 0.6.6 column and the trade list', async () => {
    const bars = await goog();
    const { stats, result } = run(bars, smaCross, { fast: 10, slow: 20 }, { commission: 0.002, exclusiveOrders: true });
    const expected: Record<string, string> = {
      'Exposure Time [%]': '94.27374301675978',
      'Equity Final [$]': '56263.51934000004',
      'Equity Peak [$]': '56309.05934000004',
      'Commissions [$]': '10563.951540000002',
      'Return [%]': '462.6351934000004',
      'Buy & Hold Return [%]': '607.3703606212162',
      'Return (Ann.) [%]': '22.477535903687684',
      'Volatility (Ann.) [%]': '37.41641461272365',
      'CAGR [%]': '22.4446420570769',
      'Sharpe Ratio': '0.60073997',
      'Sortino Ratio': '1.14508725',
      'Calmar Ratio': '0.66243682',
      'Alpha [%]': '450.6213474',
      Beta: '0.0197801',
      'Max. Drawdown [%]': '-33.93159182905461',
      'Avg. Drawdown [%]': '-6.160722831468624',
      'Max. Drawdown Duration': '830',
      'Avg. Drawdown Duration': '50',
      '# Trades': '93',
      'Win Rate [%]': '52.68817204301075',
      'Best Trade [%]': '56.918681084536324',
      'Worst Trade [%]': '-16.829431932773094',
      'Avg. Trade [%]': '1.7581398952719596',
      'Max. Trade Duration': '121',
      'Avg. Trade Duration': '32',
      'Profit Factor': '1.9934882545908599',
      'Expectancy [%]': '2.290430336833818',
      SQN: '1.5843922090024816',
      'Kelly Criterion': '0.20928817404808409',
    };
    // Long printed numbers carry float noise in their last digits: compare those to rtol 1e-8 instead.
    for (const [k, v] of Object.entries(expected)) {
      if (v.replace(/[-.]/g, '').length > 12) expectClose(stats[k as keyof Stats], Number(v), 1e-8, k);
      else expectDigits(stats[k as keyof Stats], v, k);
    }
    expectTradeList(result, bars, 'goog_smacross_10_20_comm002_trades.csv');
  });

  it('Case B with finalize_trades: 94 trades and the spec totals', async () => {
    const { stats, result } = run(await goog(), smaCross, { fast: 10, slow: 20 }, { commission: 0.002, exclusiveOrders: true, finalizeTrades: true });
    expect(stats['# Trades']).toBe(94);
    expectDigits(stats['Equity Final [$]'], '55574.51294', 'Equity Final');
    expectDigits(stats['Return [%]'], '455.7451294', 'Return');
    expectDigits(stats['Commissions [$]'], '10770.95706', 'Commissions');
    expectDigits(stats['Sharpe Ratio'], '0.59685845', 'Sharpe');
    expect([result.trades.size[0], result.trades.entryPrice[0], result.trades.entryBar[0], result.trades.exitPrice[0], result.trades.exitBar[0]]).toEqual([-59, 169.02, 63, 179.13, 75]);
    expectDigits(result.trades.commission[0], '41.0817', 'trade #0 commission');
    expectDigits(result.trades.pnl[0], '-637.5717', 'trade #0 PnL');
  });

  it('trade-on-close with finalize closes at the previous close, booked on bar n−2', async () => {
    const { stats, result } = run(await goog(), smaCross, { fast: 10, slow: 30 }, { commission: 0.002, spread: 0.0005, tradeOnClose: true, exclusiveOrders: true, finalizeTrades: true });
    const last = result.trades.size.length - 1;
    expect(stats['# Trades']).toBe(66);
    expect(result.trades.exitPrice[last], 'Close[-2]').toBe(801.2);
    expect(result.trades.exitBar[last]).toBe(2146);
    expectDigits(stats['Equity Final [$]'], '47846.2376726401', 'Equity Final');
  });

  it('without commission, 10/20 with finalize gives 80964.98 over 94 trades', async () => {
    const { stats } = run(await goog(), smaCross, { fast: 10, slow: 20 }, { finalizeTrades: true });
    expect(stats['# Trades']).toBe(94);
    expectDigits(stats['Equity Final [$]'], '80964.98', 'Equity Final');
  });
});

describe.runIf(hasReal)('backtesting.py §5 cases', () => {
  // §5.1: buy on bar 1 (fills at bar 2's open, 110.75), close on bar 2 (fills at bar 3's open, 111.24).
  const roundTrip: Strategy<Record<string, never>, Record<string, never>> = {
    params: {},
    init: () => ({}),
    next(t) {
      if (t.i === 1) t.buy();
      else if (t.i === 2) t.close();
    },
  };

  it.each([
    [{ spread: 0.01, commission: 0.01 }, [9685.31, 9749.33], 88],
    [{ commissionFixed: 100, commission: 0.01 }, [9784.5, 9718.69], 47],
    [{ commission: 0.01 }, [9781.28, 9846.04], 89],
  ])('spread/commission round trip %o: equity on bars 2–3 and size', async (settings, equity, size) => {
    const all = await goog();
    const bars = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.slice(0, 20)])) as unknown as BarArrays;
    const { result } = run(bars, roundTrip, {}, settings);
    expect(result.trades.size[0]).toBe(size);
    expect(Array.from(result.equity.subarray(2, 4), (v) => Number(v.toFixed(2)))).toEqual(equity);
    if (settings.spread) {
      expect(result.trades.entryPrice[0], '110.75 · 1.01').toBeCloseTo(111.8575, 10);
      expect(result.trades.commission[0]).toBeCloseTo(196.3258, 8);
    }
  });

  it('weekly GOOG bars annualise with 52 periods: Return (Ann.) ≈ −3.45 %', async () => {
    const [b] = await readTabularFile(join(REAL_DIR, 'GOOG.csv'), { symbol: 'GOOG' });
    const weekly = frameToBarArrays(pl, aggregateBars(pl, batchToFrame(pl, b), 'bars', parseInterval('1w')));
    expect(weekly.ts.length, 'pandas resample("W") gives 446 bars').toBe(446);
    const { stats } = run(weekly, smaCross, { fast: 10, slow: 30 }, { finalizeTrades: true });
    expect(Math.round(stats['Return (Ann.) [%]'] as number)).toBe(-3);
    expectClose(stats['Return (Ann.) [%]'], -3.4500351949939057, 1e-8, 'Return (Ann.)');
    expect(stats['# Trades']).toBe(18);
    expectDigits(stats['Equity Final [$]'], '7404.80', 'Equity Final');
  });
});

describe.runIf(hasReal)('backtesting.py §5 cases 2 and 3', () => {
  const day = (t: bigint) => new Date(Number(t / 1_000_000n)).toISOString().slice(0, 10);

  it('stop-limit orders at 10:1 margin end in a wipe-out on 2009-09-21 (test_wellknown)', async () => {
    const wellKnown: Strategy<Record<string, never>, Record<string, never>> = {
      params: {},
      init: () => ({}),
      next(t) {
        const d = day(t.bar.ts);
        if (d === '2006-10-19') t.buy({ stop: 484, limit: 466, size: 100 });
        else if (d === '2007-10-30') t.close();
        else if (d === '2008-11-11') t.sell({ stop: t.bar.low, limit: 324.9, size: 200 });
      },
    };
    const bars = await goog();
    const { stats, result } = run(bars, wellKnown, {}, { margin: 0.1 });
    const t = result.trades;
    expect(t.size).toEqual([100, -200]);
    expect(t.entryBar.map((b) => day(bars.ts[b]))).toEqual(['2006-11-01', '2008-11-14']);
    expect(t.exitBar.map((b) => day(bars.ts[b]))).toEqual(['2007-10-31', '2009-09-21']);
    expect([t.entryPrice[0], t.exitPrice[0], t.entryPrice[1], t.exitPrice[1]]).toEqual([466, 700.69, 324.9, 497]);
    expectDigits(t.pnl[0], '23469', 'first trade PnL');
    expectDigits(t.pnl[1], '-34420', 'second trade PnL');
    expect(stats['Equity Peak [$]']).toBe(46961);
    expect(stats['Equity Final [$]']).toBe(0);
    expect(result.outOfMoney).toBe(true);
    expectDigits(stats['Exposure Time [%]'], '21.6015', 'Exposure');
    expect(stats['Max. Drawdown [%]']).toBe(-100);
    expect(stats['Avg. Drawdown Duration']).toBe(135);
  });

  it('fractional BTC on monthly bars: 42 trades in µBTC units (test_FractionalBacktest)', async () => {
    const [b] = await readTabularFile(join(REAL_DIR, 'BTCUSD.csv'), { symbol: 'BTCUSD' });
    const from = b.ts.findIndex((t) => t >= BigInt(Date.UTC(2015, 0, 1)) * 1_000_000n);
    const slice = (a: Float64Array) => a.slice(from);
    const bars: BarArrays = { ts: b.ts.slice(from), open: slice(b.values.open), high: slice(b.values.high), low: slice(b.values.low), close: slice(b.values.close), volume: slice(b.values.volume) };
    const { stats, result } = run(bars, smaCross, { fast: 2, slow: 3 }, { cash: 100, unit: 1e-6, finalizeTrades: true });
    const t = result.trades;
    expect(stats['# Trades']).toBe(42);
    expect(t.entryPrice[0]).toBeCloseTo(236.69, 7);
    expect(sma(bars.close, 2)[t.entryBar[0]], 'the strategy\'s SMA(2) at the first entry bar').toBeCloseTo(234.14, 7);
    expect(t.size[0]).toBeCloseTo(-0.422493, 9);
    expect([day(bars.ts[t.entryBar[0]]), day(bars.ts[t.exitBar[0]])]).toEqual(['2015-05-31', '2015-07-31']);
    expectDigits(stats['Equity Final [$]'], '2577.4498177', 'Equity Final');
    expectDigits(stats['Return (Ann.) [%]'], '38.77297', 'Return (Ann.), 12 periods a year');
  });
});
