/**
 * `cift backtest --list`, several inputs in one run (--data … --data …, --symbol A,B) with their equal-weight
 * combination, and the AAPL daily bars shipped in data/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, cift, homeMaker, parseSimpleCsv, tempDir } from '../helpers.js';
import { hasBrowser, launchChromium, openOffline, paneColours } from '../browser.js';
import { CHART_COLOURS } from '../../src/backtest/report-chart.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const freshHome = homeMaker(tmp.dir);
const GOOG = join(ROOT, 'data', 'GOOG.csv');
const AMZN = join(ROOT, 'data', 'AMZN.csv');

/** The one-line error of a failed run (a usage error may add a `hint:` line). */
const errorLine = (stderr: string) => stderr.trim().split('\n')[0];

describe('cift backtest --list', () => {
  const home = freshHome();

  it('lists every built-in with its parameters, defaults and bounds, as JSON and as a table', () => {
    const r = cift(['backtest', '--list', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ name: string; description: string; params: Array<{ name: string; default: unknown; bound?: object }> }>;
    expect(list.map((s) => s.name)).toEqual(['sma-cross', 'momentum', 'mean-reversion', 'macd', 'rsi', 'breakout']);
    for (const s of list) expect(s.description, s.name).not.toBe('');
    const params = (name: string) => Object.fromEntries(list.find((s) => s.name === name)!.params.map((p) => [p.name, p.default]));
    expect(params('breakout')).toEqual({ entry: 20, atr: 14, mult: 3 });
    expect(params('macd')).toEqual({ fast: 12, slow: 26, signal: 9, short: true });
    expect(params('rsi')).toEqual({ period: 14, lower: 30, upper: 70, short: false });
    expect(list.find((s) => s.name === 'rsi')!.params[1]).toEqual({ name: 'lower', default: 30, type: 'number', bound: { min: 0, max: 100 } });

    const table = cift(['backtest', '--list'], { home });
    expect(table.status).toBe(0);
    for (const text of ['breakout', 'entry=20', 'mult=3', 'macd', 'signal=9', 'rsi', 'lower=30', 'an integer ≥ 1', 'a number from 0 to 100']) expect(table.stdout).toContain(text);
  });

  it('still needs --strategy without --list: one usage line, exit 2', () => {
    const r = cift(['backtest', '--symbol', 'GOOG'], { home });
    expect(r.status).toBe(2);
    expect(errorLine(r.stderr)).toBe('cift: missing --strategy');
    expect(r.stdout).toBe('');
  });
});

describe('cift backtest over several inputs', () => {
  const home = freshHome();
  const caseA = ['backtest', '--strategy', 'sma-cross', '-p', 'fast=10', '-p', 'slow=30', '--finalize-trades', '--json'];

  it('--data GOOG --data AMZN: each run as on its own, then the equal-weight combination, with one equity file each', () => {
    const equity = join(tmp.dir, 'eq.csv');
    const r = cift([...caseA, '--data', GOOG, '--data', AMZN, '--equity', equity], { home });
    expect(r.status, r.stderr).toBe(0);
    const [goog, amzn, combined, ...rest] = JSON.parse(r.stdout);
    expect(rest).toEqual([]);
    // GOOG is backtesting.py's canonical Case A (../shared/specs/backtesting-parity.md §1).
    expect(goog.stats['Return [%]']).toBeCloseTo(414.2298999999996, 8);
    expect(goog.stats['# Trades']).toBe(66);
    const alone = JSON.parse(cift([...caseA, '--data', AMZN], { home }).stdout);
    expect(amzn.stats, 'AMZN in the set is AMZN alone').toEqual(alone.stats);
    expect(amzn.trades).toEqual(alone.trades);

    // Both runs start with the same cash and hold their last equity after their last bar, so the combination
    // ends at the mean of the two final equities: its return is the mean of theirs.
    const mean = (k: string) => (goog.stats[k] + amzn.stats[k]) / 2;
    expect(combined.stats['Return [%]']).toBeCloseTo(mean('Return [%]'), 8);
    expect(combined.stats['Buy & Hold Return [%]'], 'the same split bought and held').toBeCloseTo(mean('Buy & Hold Return [%]'), 8);
    expect(combined.stats['# Trades']).toBe(66 + amzn.stats['# Trades']);
    expect([combined.stats.Start, combined.stats.End], 'AMZN spans GOOG').toEqual(['1997-05-15T00:00:00.000Z', '2021-04-23T00:00:00.000Z']);
    expect(combined.run).toMatchObject({ combination: 'equal-weight', members: ['GOOG', 'AMZN'] });

    // The combined curve, rebuilt here from the two members' files: each half is 5000 · equity / 10000, cash
    // (5000) before the member's first bar and its last value after its last bar.
    const rows = (file: string) => parseSimpleCsv(readFileSync(join(tmp.dir, file), 'utf8')).rows;
    const byDate = (file: string) => new Map(rows(file).map((row) => [row[0], Number(row[1])]));
    const [g, a] = [byDate('eq-GOOG.csv'), byDate('eq-AMZN.csv')];
    expect([g.size, a.size]).toEqual([2148, 6025]);
    const both = rows('eq-equal-weight.csv');
    expect(both.length, 'every GOOG date is an AMZN date: the union has 6025').toBe(6025);
    let gLast = 10_000;
    let aLast = 10_000;
    let worst = { error: 0, date: '' };
    for (const [date, value] of both) {
      gLast = g.get(date) ?? gLast;
      aLast = a.get(date) ?? aLast;
      const expected = (gLast + aLast) / 2;
      const error = Math.abs(Number(value) - expected) / expected;
      if (error > worst.error) worst = { error, date };
    }
    expect(worst.error, `worst at ${worst.date}`).toBeLessThan(1e-12);
  });

  it('--symbol GOOG,AMZN prints one row per symbol and the combination; names what went wrong in one line', () => {
    const r = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'goog,AMZN', '--report', join(tmp.dir, 'r.html')], { home });
    expect(r.status, r.stderr).toBe(0);
    for (const file of ['r-GOOG.html', 'r-AMZN.html']) expect(readFileSync(join(tmp.dir, file), 'utf8'), `${file}: one report per symbol`).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(tmp.dir, 'r-equal-weight.html')), 'the combination has no bars to draw').toBe(false);
    const lines = r.stdout.split('\n');
    for (const label of ['GOOG', 'AMZN', 'equal-weight']) expect(lines.some((l) => l.startsWith(`│ ${label} `)), label).toBe(true);

    const bad: Array<[string[], string]> = [
      [['--symbol', 'GOOG,,AMZN'], 'cift: --symbol "GOOG,,AMZN" has an empty name'],
      [['--symbol', 'GOOG,goog'], 'cift: --symbol GOOG is given twice'],
      [['--symbol', 'GOOG', '--data', AMZN], 'cift: give exactly one of --symbol or --data'],
      [['--data', GOOG, '--data', join(tmp.dir, 'GOOG.csv')], `cift: --data ${GOOG} and ${join(tmp.dir, 'GOOG.csv')} would both be labelled GOOG`],
      [['--symbol', 'GOOG,AMZN', '--trades', join(tmp.dir, 'missing', 't.csv')], `cift: --trades ${join(tmp.dir, 'missing', 't.csv')}: folder ${join(tmp.dir, 'missing')} does not exist`],
      [['--symbol', 'GOOG,AMZN', '--equity', join(tmp.dir, 'eq.txt')], `cift: --equity "${join(tmp.dir, 'eq.txt')}" must end in .csv or .parquet`],
      [['--symbol', 'GOOG,AMZN', '--optimize', 'fast=5:10:5'], 'cift: --optimize runs on one input, not 2'],
    ];
    for (const [flags, message] of bad) {
      const e = cift(['backtest', '--strategy', 'sma-cross', ...flags], { home });
      expect(errorLine(e.stderr), flags.join(' ')).toBe(message);
      expect(e.status, flags.join(' ')).not.toBe(0);
      expect(e.stdout).toBe('');
    }
  });
});

describe('the shipped AAPL daily bars', () => {
  it('make `backtest --strategy momentum --symbol AAPL` work on a fresh CIFT_HOME, silently about the origin', () => {
    const r = cift(['backtest', '--strategy', 'momentum', '--symbol', 'AAPL', '--json'], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr, 'nothing stored, so no origin note').toBe('');
    const { run } = JSON.parse(r.stdout);
    // data/SOURCE.md: 506 daily rows, 2015-02-17 → 2017-02-16
    expect(run.input).toMatchObject({ symbol: 'AAPL', rows: 506, first: '2015-02-17T00:00:00.000Z', last: '2017-02-16T00:00:00.000Z' });
  });
});

describe.runIf(hasBrowser)('the shipped AAPL daily bars in a report', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('`backtest --strategy momentum --symbol AAPL --report r.html` on a fresh CIFT_HOME draws in Chromium', async () => {
    const path = join(tmp.dir, 'aapl.html');
    const r = cift(['backtest', '--strategy', 'momentum', '--symbol', 'AAPL', '--report', path], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    const { page, problems, blocked } = await openOffline(browser, path);
    expect(problems, 'no console errors').toEqual([]);
    expect(blocked, 'nothing asked of the network').toEqual([]);
    const [price, equity] = (await paneColours(page, [CHART_COLOURS.candleUp, CHART_COLOURS.candleDown, CHART_COLOURS.equity])).map((p) => p.map((c) => c.pixels));
    expect(price[0], 'rising candles').toBeGreaterThan(200);
    expect(price[1], 'falling candles').toBeGreaterThan(200);
    expect(equity[2], 'equity line').toBeGreaterThan(300);
  });
});
