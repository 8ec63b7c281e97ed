import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, REAL_DIR, cift, hasLobster, hasReal, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

const STAT_KEYS = [
  'Start', 'End', 'Duration', 'Exposure Time [%]', 'Equity Final [$]', 'Equity Peak [$]', 'Return [%]', 'Buy & Hold Return [%]',
  'Return (Ann.) [%]', 'Volatility (Ann.) [%]', 'CAGR [%]', 'Sharpe Ratio', 'Sortino Ratio', 'Calmar Ratio', 'Alpha [%]', 'Beta',
  'Max. Drawdown [%]', 'Avg. Drawdown [%]', 'Max. Drawdown Duration', 'Avg. Drawdown Duration', '# Trades', 'Win Rate [%]',
  'Best Trade [%]', 'Worst Trade [%]', 'Avg. Trade [%]', 'Max. Trade Duration', 'Avg. Trade Duration', 'Profit Factor',
  'Expectancy [%]', 'SQN', 'Kelly Criterion',
];

describe('cift backtest', () => {
  it.runIf(hasReal)('--data GOOG.csv and --symbol GOOG give the same Case A result, with the documented JSON shape', () => {
    const args = ['backtest', '--strategy', 'sma-cross', '-p', 'fast=10', '-p', 'slow=30', '--finalize-trades', '--json'];
    const fromFile = cift([...args, '--data', join(REAL_DIR, 'GOOG.csv')], { home });
    const fromSymbol = cift([...args, '--symbol', 'GOOG'], { home });
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(fromSymbol.status, fromSymbol.stderr).toBe(0);
    const a = JSON.parse(fromFile.stdout);
    const b = JSON.parse(fromSymbol.stdout);
    expect(Object.keys(a)).toEqual(['stats', 'trades', 'params', 'settings', 'run']);
    expect(Object.keys(a.stats), 'exactly the listed keys, no Commissions row without commission').toEqual(STAT_KEYS);
    expect(a.stats['Equity Final [$]']).toBeCloseTo(51422.99, 6);
    expect(a.stats).toEqual(b.stats);
    expect(a.trades.length).toBe(66);
    expect(a.params).toEqual({ fast: 10, slow: 30 });
    expect(a.run.input.rows).toBe(2148);
    expect(a.run.input.sha256, 'same bars, same hash').toBe(b.run.input.sha256);
    expect(a.run.cift_version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs a user .ts strategy file and keeps the reason on each trade', () => {
    const file = writeText(
      tmp.dir,
      'my-strategy.ts',
      `import type { Strategy } from 'cift';
type P = { n: number };
export default {
  params: { n: 5 } as P,
  init: ({ close }, p: P, ta) => ({ ma: ta.ema(close, p.n) }),
  next(t, { ma }) {
    if (t.position === 0 && t.bar.close > ma[t.i]) t.buy({ reason: 'above EMA' });
    else if (t.position > 0 && t.bar.close < ma[t.i]) t.close('below EMA');
  },
} satisfies Strategy<P>;
`,
    );
    const r = cift(['backtest', '--strategy', file, '--symbol', 'GOOG', '-p', 'n=10', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.params).toEqual({ n: 10 });
    expect(out.trades.length).toBeGreaterThan(10);
    expect(out.trades[0].Reason).toBe('above EMA');
    expect(out.trades[0].ExitNote).toBe('below EMA');
    expect(out.trades[0].ExitReason, 'closed by the strategy').toBe('signal');
    expect(out.trades[0].Size, 'whole units').toBe(Math.round(out.trades[0].Size));
  });

  it('suggests names for an unknown strategy or parameter, exit 1', () => {
    const s = cift(['backtest', '--strategy', 'sma-crss', '--symbol', 'GOOG'], { home });
    expect(s.status).toBe(1);
    expect(s.stderr).toBe('cift: unknown strategy "sma-crss"\nhint: did you mean sma-cross?\n');
    const p = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '-p', 'fsat=5'], { home });
    expect(p.status).toBe(1);
    expect(p.stderr).toBe('cift: unknown parameter "fsat"\nhint: did you mean fast?\n');
  });

  it.each([
    [['--margin', '2'], 'cift: --margin "2" must be in (0, 1] (0.1 = 10:1 leverage)'],
    [['--commission', '1,2,3'], 'cift: --commission "1,2,3" is not RATE or FIXED,RATE'],
    [['--commission', '0.5'], 'cift: --commission "0.5" must be a rate between -0.1 and 0.1 (e.g. 0.002 = 0.2 %)'],
    [['--cash', 'lots'], 'cift: --cash "lots" must be positive'],
    [['--fractional', '5'], 'cift: --fractional "5" must be a unit size in (0, 1], e.g. 1e-8'],
  ])('rejects bad broker flags %j before running, exit 2', (flags, message) => {
    const r = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', ...flags], { home });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });

  it('exports trades and equity as CSV', () => {
    const trades = join(tmp.dir, 'trades.csv');
    const equity = join(tmp.dir, 'equity.csv');
    const r = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '--trades', trades, '--equity', equity], { home });
    expect(r.status, r.stderr).toBe(0);
    const tradeLines = readFileSync(trades, 'utf8').trim().split('\n');
    expect(tradeLines[0]).toBe('Size,EntryBar,ExitBar,EntryPrice,ExitPrice,PnL,Commission,ReturnPct,EntryTime,ExitTime,Duration,SL,TP,Reason,ExitReason,ExitNote');
    expect(tradeLines.length - 1, 'Case A without finalize has 65 closed trades').toBe(65);
    const equityLines = readFileSync(equity, 'utf8').trim().split('\n');
    expect(equityLines[0]).toBe('ts,equity,drawdown_pct');
    expect(equityLines.length - 1).toBe(2148);
  });
});

describe.runIf(hasLobster)('cift backtest on the AAPL LOBSTER day', () => {
  it('runs momentum on 1-minute bars built from the ingested trades', () => {
    const lob = join(tmp.dir, 'lob');
    expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home: lob }).status).toBe(0);
    const r = cift(['backtest', '--strategy', 'momentum', '--symbol', 'AAPL', '-p', 'lookback=10', '--json'], { home: lob });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.run.input.rows, 'a symbol with only ticks defaults to 1-minute bars').toBe(390);
    expect(out.run.input.interval).toBe('1m');
    expect(out.stats['# Trades']).toBeGreaterThan(0);
    expect(out.stats['Duration'], '09:30 to 15:59 is 389 minutes, in days').toBeCloseTo(389 / 1440, 12);
    // data/ ships AAPL daily bars too: the stored day wins, and stderr says so in one line.
    expect(r.stderr).toMatch(/^note: AAPL has stored data \(trades [^)]*\) and shipped sample bars; using the stored data \(choose with --source stored\|shipped\)\n$/);
    const shipped = cift(['backtest', '--strategy', 'momentum', '--symbol', 'AAPL', '--source', 'shipped', '--json'], { home: lob });
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(JSON.parse(shipped.stdout).run.input.rows, '--source shipped reads the 506 daily bars instead').toBe(506);
  });
});
