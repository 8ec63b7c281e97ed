/**
 * `cift bars --session` end to end, on trades written by hand around the 2012-03-11 New York DST change and on the
 * LOBSTER AAPL day. Offsets (tzdb): New York is EST (UTC−5) on Friday 2012-03-09 and EDT (UTC−4) on Monday
 * 2012-03-12, so the 09:30-16:00 session is 14:30Z-21:00Z on the Friday and 13:30Z-20:00Z on the Monday.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, cift, hasLobster, homeMaker, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);

const TICKS = [
  'timestamp,price,size',
  '2012-03-09T13:00:00Z,10,100', // Fri 08:00 EST: pre-market
  '2012-03-09T14:29:59Z,11,100', // 09:29:59: pre-market
  '2012-03-09T14:30:00Z,12,200', // 09:30: the open
  '2012-03-09T18:00:00Z,15,100', // 13:00
  '2012-03-09T20:59:59Z,13,100', // 15:59:59
  '2012-03-09T21:00:00Z,14,300', // 16:00: the close, out
  '2012-03-09T23:30:00Z,9,500', // 18:30: after hours (still Friday in UTC)
  '2012-03-12T13:29:00Z,20,100', // Mon 09:29 EDT: pre-market
  '2012-03-12T13:30:00Z,21,100', // 09:30 EDT: the open
  '2012-03-12T14:29:00Z,23,200', // 10:29 EDT (would be 09:29, pre-market, on Friday's offset)
  '2012-03-12T19:59:00Z,22,100', // 15:59 EDT
  '2012-03-12T20:30:00Z,30,100', // 16:30 EDT: after hours (would be 15:30, in, on Friday's offset)
].join('\n');

describe('cift bars --session on hand-written trades across a DST change', () => {
  let home: string;
  beforeAll(() => {
    home = newHome();
    const file = writeText(tmp.dir, 'ticks.csv', TICKS);
    const r = cift(['ingest', file, '--symbol', 'SES'], { home });
    expect(r.status, r.stderr).toBe(0);
  });

  it('daily rth bars hold only each session, labelled by its exchange date', () => {
    const r = cift(['bars', 'SES', '--interval', '1d', '--session', 'rth', '--export', 'csv'], { home });
    expect(r.status, r.stderr).toBe(0);
    // Friday: 12×200, 15×100, 13×100 → volume 400, vwap 5200/400 = 13. Monday: 21×100, 23×200, 22×100 → 8900/400 = 22.25.
    expect(r.stdout).toBe(
      ['ts,open,high,low,close,volume,vwap,trades', '2012-03-09T00:00:00.000Z,12,15,12,13,400,13,3', '2012-03-12T00:00:00.000Z,21,23,21,22,400,22.25,3', ''].join('\n'),
    );
  });

  it('without --session the same days hold every row', () => {
    const bars = JSON.parse(cift(['bars', 'SES', '--interval', '1d', '--json'], { home }).stdout);
    expect(bars.map((b: { ts: string; trades: number }) => [b.ts, b.trades])).toEqual([
      ['2012-03-09T00:00:00.000Z', 7],
      ['2012-03-12T00:00:00.000Z', 5],
    ]);
  });

  it('intraday bars keep only in-session rows under their UTC start', () => {
    const bars = JSON.parse(cift(['bars', 'SES', '--interval', '1h', '--session', '09:30-16:00', '--tz', 'America/New_York', '--json'], { home }).stdout);
    expect(bars.map((b: { ts: string; open: number }) => [b.ts, b.open])).toEqual([
      ['2012-03-09T14:00:00.000Z', 12],
      ['2012-03-09T18:00:00.000Z', 15],
      ['2012-03-09T20:00:00.000Z', 13],
      ['2012-03-12T13:00:00.000Z', 21],
      ['2012-03-12T14:00:00.000Z', 23],
      ['2012-03-12T19:00:00.000Z', 22],
    ]);
  });

  it('an overnight session dates its evening rows by the next calendar day', () => {
    // 18:00-17:00 New York: Friday's break is 22:00Z-23:00Z, Monday's 21:00Z-22:00Z. Every row is in; Friday 18:30
    // EST is Saturday's session (no exchange calendar), and Monday's rows from 09:29 to 16:30 EDT are Monday's.
    const bars = JSON.parse(cift(['bars', 'SES', '--interval', '1d', '--session', '18:00-17:00', '--tz', 'America/New_York', '--json'], { home }).stdout);
    expect(bars.map((b: { ts: string; open: number; close: number; trades: number }) => [b.ts, b.open, b.close, b.trades])).toEqual([
      ['2012-03-09T00:00:00.000Z', 10, 14, 6],
      ['2012-03-10T00:00:00.000Z', 9, 9, 1],
      ['2012-03-12T00:00:00.000Z', 20, 30, 5],
    ]);
  });

  it('--json with --out reports the session', () => {
    const out = join(tmp.dir, 'ses-daily.csv');
    const r = cift(['bars', 'SES', '--interval', '1d', '--session', 'rth', '--out', out, '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ symbol: 'SES', interval: '1d', from: 'trades', session: { open: '09:30', close: '16:00', tz: 'America/New_York', overnight: false }, rows: 2 });
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe('2012-03-09T00:00:00.000Z,12,15,12,13,400,13,3');
  });

  // One CLI run per case, so a slow machine never puts many runs under one test's timeout.
  it.each([
    [['--session', '9-16', '--tz', 'UTC'], 2, /^cift: session "9-16" is not HH:MM-HH:MM or rth\n/],
    [['--session', '09:30-25:00', '--tz', 'UTC'], 2, /^cift: session "09:30-25:00": hour 25 is past 23\n/],
    [['--session', '09:61-16:00', '--tz', 'UTC'], 2, /^cift: session "09:61-16:00": minute 61 is past 59\n/],
    [['--session', '16:00-16:00', '--tz', 'UTC'], 2, /^cift: session "16:00-16:00" opens and closes at the same time\n/],
    [['--session', '09:30-16:00'], 2, /^cift: session "09:30-16:00" needs --tz/],
    [['--session', 'rth', '--tz', 'America/Gotham'], 2, /^cift: session zone "America\/Gotham" is not a known time zone\n/],
    [['--tz', 'UTC'], 2, /^cift: --tz only sets the zone of --session hours\n/],
    [['--session', '03:00-04:00', '--tz', 'UTC'], 1, /^cift: none of the 12 SES trades read falls inside the session 03:00-04:00 UTC\n/],
  ] as Array<[string[], number, RegExp]>)('refuses %j with a one-line error', (args, status, message) => {
    const r = cift(['bars', 'SES', ...args], { home });
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a session on daily bars (the shipped GOOG series)', () => {
    const r = cift(['bars', 'GOOG', '--interval', '1w', '--session', 'rth'], { home: newHome() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cift: GOOG's stored bars are daily \(1d\); --session needs rows shorter than a day\n/);
  });
});

describe.runIf(hasLobster)('cift bars --session on the LOBSTER AAPL day (2012-06-21, EDT: UTC−4)', () => {
  let home: string;
  beforeAll(() => {
    home = newHome();
    const r = cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home });
    expect(r.status, r.stderr).toBe(0);
  });

  it('10:00-11:00 New York is the same minute bars as 14:00Z to just before 15:00Z', () => {
    const session = cift(['bars', 'AAPL', '--interval', '1m', '--session', '10:00-11:00', '--tz', 'America/New_York', '--export', 'csv'], { home });
    const range = cift(['bars', 'AAPL', '--interval', '1m', '--from', '2012-06-21T14:00:00Z', '--to', '2012-06-21T14:59:59.999999999Z', '--export', 'csv'], { home });
    expect(session.status, session.stderr).toBe(0);
    expect(session.stdout.trim().split('\n')).toHaveLength(61);
    expect(session.stdout).toBe(range.stdout);
  });

  it('the whole day lies inside rth: one daily bar dated 2012-06-21 with all 34,990 trades', () => {
    const bars = JSON.parse(cift(['bars', 'AAPL', '--interval', '1d', '--session', 'rth', '--json'], { home }).stdout);
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ ts: '2012-06-21T00:00:00.000Z', trades: 34990 });
  });
});
