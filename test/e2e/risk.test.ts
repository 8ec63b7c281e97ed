/**
 * `cift risk` end to end on the shipped sample data (data/GOOG.csv, data/AAPL.csv) in fresh homes. Expected
 * numbers come from the CSV files read here, independently of cift's readers, and from the definitions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cift, homeMaker, QQZ_QUOTES, ROOT, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);

/** Date and close of each row of a shipped daily CSV (first column date, Close column by name). */
function closes(file: string): Array<{ date: string; close: number }> {
  const [head, ...rows] = readFileSync(join(ROOT, 'data', file), 'utf8').trim().split('\n');
  const c = head.split(',').indexOf('Close');
  return rows.map((r) => r.split(',')).map((f) => ({ date: f[0].slice(0, 10), close: Number(f[c]) }));
}
const lastClose = (file: string): string => closes(file).at(-1)!.close.toFixed(6);
/** floor(a / b) to 6 places, a and b as 6-place decimal strings (exact, in bigints). */
const floorDiv6 = (a: string, b: string): string => {
  const q = (BigInt(a.replace('.', '')) * 1_000_000n) / BigInt(b.replace('.', ''));
  return `${q / 1_000_000n}.${String(q % 1_000_000n).padStart(6, '0')}`;
};

/** One usage error: exit 2, one `cift:` line naming `what` (and at most a `hint:` line after it). */
function expectUsage(r: { status: number; stderr: string }, what: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  const [line, ...rest] = r.stderr.trim().split('\n');
  expect(line).toMatch(/^cift: /);
  expect(line).toMatch(what);
  expect(rest.filter((l) => !l.startsWith('hint: ')), r.stderr).toEqual([]);
}

const GOOG = lastClose('GOOG.csv');

describe('cift risk check', () => {
  const home = newHome();
  it('runs every check without recording anything; --json is the API body', () => {
    const r = cift(['risk', 'check', 'buy', 'GOOG', '10', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(Object.keys(body)).toEqual(['allowed', 'reasons', 'checks']);
    expect(body.allowed).toBe(true);
    expect(body.checks.map((c: { code: string; passed: boolean }) => [c.code, c.passed])).toEqual([
      ['SHORT_NOT_ALLOWED', true],
      ['MAX_ORDER_NOTIONAL_EXCEEDED', true],
      ['MAX_POSITION_EXCEEDED', true],
      ['INSUFFICIENT_BUYING_POWER', true],
      ['MAX_LEVERAGE_EXCEEDED', true],
      ['MAX_CONCENTRATION_EXCEEDED', true],
      ['LEDGER_RANGE_EXCEEDED', true],
    ]);
    // GOOG's last shipped close × 10, on a new 100000 account.
    const notional = (Number(GOOG) * 10).toFixed(6);
    expect(body.checks[1].figures).toEqual({ notional, max: '1000000.000000' });
    expect(body.checks[3].figures).toEqual({ need: notional, have: '100000.000000' });
    expect(JSON.parse(cift(['order', 'list', '--json'], { home }).stdout), 'nothing recorded').toEqual([]);
  });

  it('--limit prices the check at the limit', () => {
    const r = cift(['risk', 'check', 'buy', 'GOOG', '10', '--limit', '700', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).checks[1].figures.notional).toBe('7000.000000');
  });

  it('prints a table for people, and exits 1 naming the failed checks when the order would be rejected', () => {
    const ok = cift(['risk', 'check', 'buy', 'GOOG', '10'], { home });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/MAX_CONCENTRATION_EXCEEDED\s+│\s+pass/);
    expect(ok.stdout).toMatch(/^buy 10 GOOG: allowed$/m);
    const big = cift(['risk', 'check', 'buy', 'GOOG', '200', '--json'], { home });
    expect(big.status).toBe(1);
    expect(JSON.parse(big.stdout).reasons.map((x: { code: string }) => x.code)).toEqual(['INSUFFICIENT_BUYING_POWER', 'MAX_LEVERAGE_EXCEEDED']);
    expect(big.stderr.split('\n')[0]).toMatch(/^cift: a buy of 200 GOOG would be rejected: INSUFFICIENT_BUYING_POWER: need=\d+\.\d{6} have=100000\.000000; MAX_LEVERAGE_EXCEEDED/);
  });

  it('refuses bad values in one line, exit 2', () => {
    expectUsage(cift(['risk', 'check', 'hold', 'GOOG', '1'], { home }), /side "hold" must be buy or sell/);
    expectUsage(cift(['risk', 'check', 'buy', 'GOOG', '-1'], { home }), /quantity|unknown option/);
    expectUsage(cift(['risk', 'check', 'buy', 'GOOG', '1', '--limit', 'abc'], { home }), /--limit "abc"/);
    expectUsage(cift(['risk', 'check', 'buy', 'GOOG', '1', '--limit', '0'], { home }), /--limit "0" must be a positive price/);
    expectUsage(cift(['risk', 'check', 'buy', 'GOOG', '1', '--slippage', '-2'], { home }), /--slippage "-2"/);
  });
});

describe('cift risk max-size and limits', () => {
  const home = newHome();
  it('names buying power as the binding limit on a new cash account: floor6(100000 / close)', () => {
    const r = cift(['risk', 'max-size', 'GOOG', '--side', 'buy', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ symbol: 'GOOG', side: 'buy', max_quantity: floorDiv6('100000.000000', GOOG), binding: 'INSUFFICIENT_BUYING_POWER', price: GOOG, price_source: 'bar' });
    const limited = JSON.parse(cift(['risk', 'max-size', 'GOOG', '--limit', '500', '--json'], { home }).stdout);
    expect([limited.max_quantity, limited.price, limited.price_source]).toEqual(['200.000000', '500.000000', 'limit']);
    const table = cift(['risk', 'max-size', 'GOOG'], { home });
    expect(table.stdout).toContain('INSUFFICIENT_BUYING_POWER');
  });

  it('a concentration limit set with `risk limits` binds max-size and shows in `order limits` (the alias)', () => {
    const set = cift(['risk', 'limits', '--max-concentration', '0.05', '--json'], { home });
    expect(set.status, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).max_concentration).toBe('0.050000');
    expect(JSON.parse(cift(['order', 'limits', '--json'], { home }).stdout)).toEqual(JSON.parse(set.stdout));
    // q × close ≤ 0.05 × 100000 = 5000.
    const m = JSON.parse(cift(['risk', 'max-size', 'GOOG', '--json'], { home }).stdout);
    expect([m.max_quantity, m.binding]).toEqual([floorDiv6('5000.000000', GOOG), 'MAX_CONCENTRATION_EXCEEDED']);
    const over = cift(['order', 'buy', 'GOOG', '7'], { home });
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/MAX_CONCENTRATION_EXCEEDED: concentration=0\.\d{6} max=0\.050000/);
    expect(JSON.parse(cift(['order', 'limits', '--max-concentration', 'none', '--json'], { home }).stdout).max_concentration).toBeNull();
  });

  it('refuses bad values in one line, exit 2', () => {
    expectUsage(cift(['risk', 'max-size', 'GOOG', '--side', 'up'], { home }), /--side "up" must be buy or sell/);
    expectUsage(cift(['risk', 'max-size', 'GOOG', '--limit', 'x'], { home }), /--limit "x"/);
    expectUsage(cift(['risk', 'limits', '--max-concentration', '0'], { home }), /--max-concentration "0" must be a share of equity > 0/);
    expectUsage(cift(['risk', 'limits', '--max-leverage', '-1'], { home }), /--max-leverage "-1"/);
  });
});

describe('cift risk report', () => {
  const home = newHome();
  const AAPL = closes('AAPL.csv');
  const last = AAPL.at(-1)!.close;

  it('gives exposure, concentration, VaR/ES from the last 250 daily returns, and the score', () => {
    expect(cift(['order', 'buy', 'AAPL', '100'], { home }).status).toBe(0);
    const r = cift(['risk', 'report', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const value = 100 * last;
    expect(rep.exposure).toEqual({ gross: value.toFixed(6), net: value.toFixed(6), long: value.toFixed(6), short: '0.000000' });
    expect(rep.equity, 'bought at the close it is marked at').toBe('100000.000000');
    expect(rep.concentration).toEqual([{ symbol: 'AAPL', market_value: value.toFixed(6), share_of_equity: (value / 100000).toFixed(6), share_of_gross: '1.000000' }]);

    // Independently: the 250 most recent close-to-close returns, P&L = value × r, losses sorted worst first.
    const returns = AAPL.slice(1).map((x, i) => ({ date: x.date, r: x.close / AAPL[i].close - 1 })).slice(-250);
    const losses = returns.map((x) => -value * x.r).sort((a, b) => b - a);
    const k95 = Math.ceil(250 * 0.05 - 1e-9); // 13
    const k99 = Math.ceil(250 * 0.01 - 1e-9); // 3
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(rep.var).toMatchObject({ horizon: '1d', window: 250, scenarios: 250, from: returns[0].date, to: '2017-02-16', note: null, history: [{ symbol: 'AAPL', origin: 'shipped', daily_closes: AAPL.length }] });
    const [v95, v99] = rep.var.levels;
    expect([v95.confidence, v95.k, v99.confidence, v99.k]).toEqual([0.95, k95, 0.99, k99]);
    expect(Number(v95.var)).toBeCloseTo(losses[k95 - 1], 5);
    expect(Number(v95.es)).toBeCloseTo(mean(losses.slice(0, k95)), 5);
    expect(Number(v99.var)).toBeCloseTo(losses[k99 - 1], 5);
    expect(Number(v99.es)).toBeCloseTo(mean(losses.slice(0, k99)), 5);

    // 0.4 × (value / 100000 ÷ max leverage 1) + 0.3 × value / 100000 + 0.3 × (VaR99 / 100000 / 0.1).
    const share = value / 100000;
    expect(rep.risk_score.score).toBeCloseTo(100 * (0.4 * share + 0.3 * share + 0.3 * (losses[k99 - 1] / 100000 / 0.1)), 1);
    expect(rep.risk_score.formula).toMatch(/0\.4 × min\(1, leverage ÷ max leverage\)/);
  });

  it('states the method and window in the table, and --window changes the sample', () => {
    const t = cift(['risk', 'report'], { home });
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/risk score\s+│\s+\d+\.\d\d \/ 100/);
    expect(t.stdout).toMatch(/historical simulation.*window 250, 250 days used/);
    expect(t.stdout).toMatch(/k = ceil\(n × \(1 − c\)\)/);
    const w = JSON.parse(cift(['risk', 'report', '--window', '20', '--json'], { home }).stdout);
    expect([w.var.window, w.var.scenarios, w.var.levels[0].k]).toEqual([20, 20, 1]);
  });

  it('says why VaR is unknown when the held histories do not overlap (GOOG ends 2013, AAPL starts 2015)', () => {
    expect(cift(['order', 'buy', 'GOOG', '1'], { home }).status).toBe(0);
    const rep = JSON.parse(cift(['risk', 'report', '--json'], { home }).stdout);
    expect([rep.var.scenarios, rep.var.levels[1].var, rep.risk_score.parts.var]).toEqual([0, null, 1]);
    expect(rep.var.note).toMatch(/no day of returns in common/);
  });

  it('fills in the shipped daily history for a symbol with one stored day (an ingested day of quotes), and says so', () => {
    const one = newHome();
    // One day of AAPL quotes (the made-up QQZ rows): bid 10.25 / ask 10.5 last, so the buy fills at 10.5, marked at 10.375.
    expect(cift(['ingest', writeText(tmp.dir, 'aapl-quotes.csv', QQZ_QUOTES), '--symbol', 'AAPL'], { home: one }).status).toBe(0);
    expect(cift(['order', 'buy', 'AAPL', '10'], { home: one }).status).toBe(0);
    const rep = JSON.parse(cift(['risk', 'report', '--json'], { home: one }).stdout);
    expect(rep.var.history).toEqual([{ symbol: 'AAPL', origin: 'shipped', daily_closes: AAPL.length }]);
    const value = 10 * 10.375;
    const losses = AAPL.slice(1).map((x, i) => -value * (x.close / AAPL[i].close - 1)).slice(-250).sort((a, b) => b - a);
    expect(rep.var.scenarios).toBe(250);
    expect(Number(rep.var.levels[0].var)).toBeCloseTo(losses[12], 5);
    const stored = JSON.parse(cift(['risk', 'report', '--source', 'stored', '--json'], { home: one }).stdout);
    expect([stored.var.history, stored.var.scenarios]).toEqual([[{ symbol: 'AAPL', origin: 'stored', daily_closes: 1 }], 0]);
    expect(stored.var.note).toMatch(/no daily returns for AAPL/);
  });

  it('refuses bad values in one line, exit 2', () => {
    expectUsage(cift(['risk', 'report', '--window', '1'], { home }), /--window "1" must be at least 2 days/);
    expectUsage(cift(['risk', 'report', '--window', 'x'], { home }), /--window "x"/);
    expectUsage(cift(['risk', 'report', '--account', 'a b'], { home }), /account "a b" is not a valid name/);
  });

  it('--help lists the subcommands with examples and the score formula', () => {
    const h = cift(['risk', '--help'], { home });
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/check[\s\S]*max-size[\s\S]*limits[\s\S]*report/);
    expect(h.stdout).toContain('cift risk max-size AAPL --side buy');
    expect(cift(['risk', 'report', '--help'], { home }).stdout).toMatch(/Risk score in \[0, 100\]/);
  });
});
