/**
 * Issue 8, items 3, 9 and 11 (reading input): intervals finer than the stored bars, --from after --to, naive times
 * across DST changes, duplicate bars and ragged rows, bad files and directories — each through the real CLI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cift, tempDir, writeText, homeMaker } from '../helpers.js';

const tmp = tempDir('cift-trust-ingest-');
afterAll(tmp.cleanup);
const freshHome = homeMaker(tmp.dir);
const home = freshHome();

/** The one `cift: …` line (and its hint) on stderr, never an internal error. */
function expectOneLineError(r: { status: number; stderr: string }, status: number, message: string | RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(lines[0]).toMatch(typeof message === 'string' ? new RegExp(`^cift: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  expect(lines.length, 'one error line, at most one hint line').toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: /);
}

describe('--interval finer than, or not a multiple of, the stored bars', () => {
  it('bars GOOG --interval 1h on the shipped daily bars is a usage error naming the resolution', () => {
    const r = cift(['bars', 'GOOG', '--interval', '1h'], { home });
    expectOneLineError(r, 2, 'GOOG bars are daily (1d); --interval 1h is finer');
    expect(r.stdout, 'no bars printed').toBe('');
  });

  it('holds for features and backtest too', () => {
    expectOneLineError(cift(['features', 'GOOG', '--set', 'rsi:14', '--interval', '4h'], { home }), 2, 'GOOG bars are daily (1d); --interval 4h is finer');
    expectOneLineError(cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '--interval', '1h'], { home }), 2, 'GOOG bars are daily (1d); --interval 1h is finer');
  });

  it('holds for backtest --data FILE, naming the file', () => {
    const lines = ['Date,Open,High,Low,Close,Volume'];
    for (let d = 0; d < 40; d++) lines.push(`${new Date(Date.UTC(2024, 0, 2 + d)).toISOString().slice(0, 10)},10,11,9,10,100`);
    const file = writeText(tmp.dir, 'daily.csv', lines.join('\n'));
    expectOneLineError(cift(['backtest', '--strategy', 'sma-cross', '--data', file, '--interval', '1h'], { home }), 2, `${file} bars are daily (1d); --interval 1h is finer`);
  });

  it('refuses 90m from the shipped hourly EURUSD bars: each bar would hold one or two hours', () => {
    expectOneLineError(cift(['bars', 'EURUSD', '--interval', '90m'], { home }), 2, "--interval 90m is not a whole multiple of EURUSD's 1h bars; its bars would hold different numbers of them");
  });

  it('takes the resolution from the whole series when the range holds one bar', () => {
    expectOneLineError(cift(['bars', 'GOOG', '--interval', '1h', '--from', '2010-01-04', '--to', '2010-01-04'], { home }), 2, 'GOOG bars are daily (1d); --interval 1h is finer');
  });

  it('still resamples monthly BTCUSD to years (12 whole months)', () => {
    const r = cift(['bars', 'BTCUSD', '--interval', '1y', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const years = JSON.parse(r.stdout) as Array<{ ts: string }>;
    expect(years.map((y) => y.ts.slice(0, 4)), 'data/SOURCE.md: 2012-01-31 → 2024-12-31').toEqual(Array.from({ length: 13 }, (_, k) => String(2012 + k)));
  });
});

describe('--from after --to', () => {
  for (const args of [
    ['bars', 'GOOG'],
    ['features', 'GOOG', '--set', 'rsi:14'],
    ['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG'],
  ]) {
    it(`is a usage error in ${args[0]}`, () => {
      expectOneLineError(cift([...args, '--from', '2012-01-01', '--to', '2011-01-01'], { home }), 2, '--from 2012-01-01 is after --to 2011-01-01');
    });
  }
});

describe('naive times across DST with --tz America/New_York', () => {
  // Hourly bars as a New York exchange labels them on 2024-11-03: 01:00 comes twice (EDT, then EST).
  const fallBack = ['Date,Open,High,Low,Close,Volume', '2024-11-03 00:00,10,11,9,10,1', '2024-11-03 01:00,10,12,9,11,2', '2024-11-03 01:00,11,13,10,12,3', '2024-11-03 02:00,12,14,11,13,4'].join('\n');

  it('refuses the repeated hour by default, naming file, line, row and field, with a hint naming --ambiguous', () => {
    const file = writeText(tmp.dir, 'fall.csv', fallBack);
    const h = freshHome();
    const r = cift(['ingest', file, '--symbol', 'NYF', '--tz', 'America/New_York'], { home: h });
    expectOneLineError(r, 1, `${file} line 3 (row 2): Date "2024-11-03 01:00" is ambiguous: clocks in America/New_York go back from 2024-11-03 02:00 to 01:00, so it happens twice (UTC-04:00, then UTC-05:00)`);
    expect(r.stderr).toMatch(/hint: .*--ambiguous earliest\|latest\|infer/);
    expect(cift(['bars', 'NYF'], { home: h }).status, 'nothing was stored').not.toBe(0);
  });

  it('with --ambiguous infer stores four distinct hours, and hourly bars keep all four', () => {
    const file = writeText(tmp.dir, 'fall-infer.csv', fallBack);
    const h = freshHome();
    expect(cift(['ingest', file, '--symbol', 'NYF', '--tz', 'America/New_York', '--ambiguous', 'infer'], { home: h }).status).toBe(0);
    const r = cift(['bars', 'NYF', '--interval', '1h', '--json'], { home: h });
    expect(r.status, r.stderr).toBe(0);
    const bars = JSON.parse(r.stdout) as Array<{ ts: string; volume: number }>;
    // 00:00 EDT = 04:00Z, 01:00 EDT = 05:00Z, 01:00 EST = 06:00Z, 02:00 EST = 07:00Z.
    expect(bars.map((b) => [b.ts, b.volume])).toEqual([
      ['2024-11-03T04:00:00.000Z', 1],
      ['2024-11-03T05:00:00.000Z', 2],
      ['2024-11-03T06:00:00.000Z', 3],
      ['2024-11-03T07:00:00.000Z', 4],
    ]);
  });

  it('with --ambiguous earliest on a file that has both passes, the two 01:00 bars collide and that is an error', () => {
    const file = writeText(tmp.dir, 'fall-earliest.csv', fallBack);
    expectOneLineError(
      cift(['ingest', file, '--symbol', 'NYF', '--tz', 'America/New_York', '--ambiguous', 'earliest'], { home: freshHome() }),
      1,
      `${file} line 4 (row 3): Date 2024-11-03T05:00:00.000Z is the same time as the bar on the row before; two bars cannot share a time`,
    );
  });

  it('refuses the skipped hour by default and moves it with --nonexistent forward', () => {
    const file = writeText(tmp.dir, 'spring.csv', ['ts,price,size', '2024-03-10 01:30,10,1', '2024-03-10 02:30,11,1', '2024-03-10 03:30,12,1'].join('\n'));
    const h = freshHome();
    expectOneLineError(
      cift(['ingest', file, '--symbol', 'NYS', '--tz', 'America/New_York'], { home: h }),
      1,
      `${file} line 3 (row 2): ts "2024-03-10 02:30" does not exist: clocks in America/New_York jump from 2024-03-10 02:00 to 03:00, so it never happens`,
    );
    const r = cift(['ingest', file, '--symbol', 'NYS', '--tz', 'America/New_York', '--nonexistent', 'forward', '--json'], { home: h });
    expect(r.status, r.stderr).toBe(0);
    // 01:30 EST = 06:30Z; 02:30 → 03:00 EDT = 07:00Z; 03:30 EDT = 07:30Z.
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ rows: 3, first: '2024-03-10T06:30:00.000Z', last: '2024-03-10T07:30:00.000Z' });
    const bars = JSON.parse(cift(['bars', 'NYS', '--interval', '30m', '--json'], { home: h }).stdout) as Array<{ ts: string; open: number }>;
    expect(bars.map((b) => [b.ts, b.open])).toEqual([
      ['2024-03-10T06:30:00.000Z', 10],
      ['2024-03-10T07:00:00.000Z', 11],
      ['2024-03-10T07:30:00.000Z', 12],
    ]);
  });

  it('rejects an unknown rule as a usage error', () => {
    const file = writeText(tmp.dir, 'rule.csv', fallBack);
    const r = cift(['ingest', file, '--symbol', 'X', '--tz', 'America/New_York', '--ambiguous', 'first'], { home });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--ambiguous/);
  });
});

describe('rows that would be read silently wrong', () => {
  it('a bars file with two bars at one time is an error naming the row', () => {
    const file = writeText(tmp.dir, 'dup.csv', ['Date,Open,High,Low,Close', '2024-01-02,1,2,1,2', '2024-01-03,1,2,1,2', '2024-01-03,1,2,1,2'].join('\n'));
    expectOneLineError(cift(['ingest', file, '--symbol', 'DUP'], { home }), 1, `${file} line 4 (row 3): Date 2024-01-03T00:00:00.000Z is the same time as the bar on the row before; two bars cannot share a time`);
  });

  it('trades may share a time', () => {
    const file = writeText(tmp.dir, 'same-time-trades.csv', ['ts,price,size', '2024-01-02T10:00:00Z,10,1', '2024-01-02T10:00:00Z,10,1'].join('\n'));
    const r = cift(['ingest', file, '--symbol', 'SAME', '--json'], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0].rows).toBe(2);
  });

  it('a row with more fields than the header is an error naming the line', () => {
    const file = writeText(tmp.dir, 'ragged.csv', ['ts,price,size', '2024-01-02T10:00:00Z,10,1', '2024-01-02T10:00:01Z,11,2,99'].join('\n'));
    expectOneLineError(cift(['ingest', file, '--symbol', 'RAG'], { home }), 1, `${file} line 3 (row 2): 4 fields but the header has 3`);
  });
});

describe('bad files and directories fail fast with one line', () => {
  it('a few MB of NUL bytes is "not a text CSV file", and nothing is stored', () => {
    const file = join(tmp.dir, 'zeros.csv');
    writeFileSync(file, Buffer.alloc(8 << 20));
    const h = freshHome();
    expectOneLineError(cift(['ingest', file, '--symbol', 'ZERO'], { home: h }), 1, `${file}: not a text CSV file: NUL byte at byte 1`);
    const list = JSON.parse(cift(['ingest', '--list', '--json'], { home: h }).stdout) as Array<{ symbol: string }>;
    expect(list.map((s) => s.symbol)).not.toContain('ZERO');
  });

  it('a .parquet file that is not Parquet names the missing PAR1 magic', () => {
    const file = writeText(tmp.dir, 'fake.parquet', 'ts,price,size\n');
    expectOneLineError(cift(['ingest', file, '--symbol', 'FAKE'], { home }), 1, `${file}: not a Parquet file (it does not start with PAR1)`);
  });

  it('a directory is an error for ingest, ingest lobster and backtest --data', () => {
    const dir = join(tmp.dir, 'somedir');
    mkdirSync(dir);
    expectOneLineError(cift(['ingest', dir, '--symbol', 'D'], { home }), 1, `${dir}: is a directory, not a data file`);
    expectOneLineError(cift(['ingest', `${dir}/`, '--symbol', 'D'], { home }), 1, `${dir}/: is a directory, not a data file`);
    expectOneLineError(cift(['ingest', 'lobster', dir, dir], { home }), 1, `${dir}: is a directory, not a data file`);
    expectOneLineError(cift(['backtest', '--strategy', 'sma-cross', '--data', dir], { home }), 1, `${dir}: is a directory, not a data file`);
  });
});
