import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import { readTabularFile } from '../../src/sources/files.js';
import type { TabularOptions } from '../../src/sources/tabular.js';
import { tempDir, writeText, errorOf } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** UTC ns of an ISO instant written out by hand (with its Z), so expectations never go through the code under test. */
const utc = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
const NY = 'America/New_York';
let fileCount = 0;

function csv(lines: string[]): string {
  return writeText(tmp.dir, `t${++fileCount}.csv`, lines.join('\n'));
}

const tsOf = async (path: string, opts: TabularOptions) => Array.from((await readTabularFile(path, { symbol: 'X', tz: NY, ...opts }))[0].ts);

// US 2024: clocks go back on 2024-11-03 at 02:00 EDT (UTC−4) to 01:00 EST (UTC−5), so 01:00–01:59 happens twice;
// they go forward on 2024-03-10 at 02:00 EST (UTC−5) to 03:00 EDT (UTC−4), so 02:00–02:59 never happens.
describe('naive times in the repeated hour (clocks going back)', () => {
  const trade = (time: string) => csv(['ts,price,size', `2024-11-03 00:30,10,1`, `2024-11-03 ${time},10,1`, '2024-11-03 02:30,10,1']);

  it('are an error by default, naming file, line, row, field and value, with a hint naming the flag', async () => {
    const path = trade('01:30');
    const e = await errorOf(readTabularFile(path, { symbol: 'X', tz: NY }));
    expect(e.message).toBe(
      `${path} line 3 (row 2): ts "2024-11-03 01:30" is ambiguous: clocks in America/New_York go back from 2024-11-03 02:00 to 01:00, so it happens twice (UTC-04:00, then UTC-05:00)`,
    );
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.hint, 'the hint says how to choose').toMatch(/--ambiguous earliest\|latest\|infer/);
  });

  it('read as the first pass (EDT) with earliest and the second (EST) with latest', async () => {
    const path = trade('01:30');
    expect(await tsOf(path, { ambiguous: 'earliest' }), '00:30 EDT, 01:30 EDT, 02:30 EST').toEqual([
      utc('2024-11-03T04:30:00Z'),
      utc('2024-11-03T05:30:00Z'),
      utc('2024-11-03T07:30:00Z'),
    ]);
    expect(await tsOf(path, { ambiguous: 'latest' }), '00:30 EDT, 01:30 EST, 02:30 EST').toEqual([
      utc('2024-11-03T04:30:00Z'),
      utc('2024-11-03T06:30:00Z'),
      utc('2024-11-03T07:30:00Z'),
    ]);
  });

  it('are inferred from row order for hourly bars: the repeated 01:00 label is EDT, then EST', async () => {
    const path = csv(['Date,Open,High,Low,Close', '2024-11-03 00:00,1,2,1,2', '2024-11-03 01:00,1,2,1,2', '2024-11-03 01:00,1,2,1,2', '2024-11-03 02:00,1,2,1,2']);
    expect(await tsOf(path, { ambiguous: 'infer' }), 'four distinct hours, none collapsed').toEqual([
      utc('2024-11-03T04:00:00Z'),
      utc('2024-11-03T05:00:00Z'),
      utc('2024-11-03T06:00:00Z'),
      utc('2024-11-03T07:00:00Z'),
    ]);
  });

  it('are inferred for 30-minute bars, where the second pass starts when the wall time steps back', async () => {
    const times = ['00:30', '01:00', '01:30', '01:00', '01:30', '02:00'];
    const path = csv(['Date,Open,High,Low,Close', ...times.map((t) => `2024-11-03 ${t},1,2,1,2`)]);
    expect(await tsOf(path, { ambiguous: 'infer' })).toEqual([
      utc('2024-11-03T04:30:00Z'),
      utc('2024-11-03T05:00:00Z'),
      utc('2024-11-03T05:30:00Z'),
      utc('2024-11-03T06:00:00Z'),
      utc('2024-11-03T06:30:00Z'),
      utc('2024-11-03T07:00:00Z'),
    ]);
  });

  it('are inferred for trades, where equal times stay in the same pass', async () => {
    const times = ['01:10', '01:10', '01:50', '01:05', '01:40'];
    const path = csv(['ts,price,size', ...times.map((t) => `2024-11-03 ${t}:00,10,1`)]);
    expect(await tsOf(path, { ambiguous: 'infer' }), 'two trades at 01:10 EDT are simultaneous, not two passes').toEqual([
      utc('2024-11-03T05:10:00Z'),
      utc('2024-11-03T05:10:00Z'),
      utc('2024-11-03T05:50:00Z'),
      utc('2024-11-03T06:05:00Z'),
      utc('2024-11-03T06:40:00Z'),
    ]);
  });

  it('are inferred per symbol when symbols are interleaved in one file', async () => {
    const rows = ['00:00', '01:00', '01:00', '02:00'].flatMap((t) => [`2024-11-03 ${t},AAA,1,2,1,2`, `2024-11-03 ${t},BBB,1,2,1,2`]);
    const path = csv(['Date,Symbol,Open,High,Low,Close', ...rows]);
    const batches = await readTabularFile(path, { tz: NY, ambiguous: 'infer' });
    const expected = ['04', '05', '06', '07'].map((h) => utc(`2024-11-03T${h}:00:00Z`));
    expect(batches.map((b) => [b.symbol, Array.from(b.ts)])).toEqual([
      ['AAA', expected],
      ['BBB', expected],
    ]);
  });

  it('cannot be inferred when only one pass is present, and say so naming the row', async () => {
    const path = csv(['ts,price,size', '2024-11-03 00:50,10,1', '2024-11-03 01:10,10,1', '2024-11-03 01:50,10,1', '2024-11-03 02:10,10,1']);
    const e = await errorOf(readTabularFile(path, { symbol: 'X', tz: NY, ambiguous: 'infer' }));
    expect(e.message).toMatch(new RegExp(`^${path} line 3 \\(row 2\\): ts "2024-11-03 01:10" is ambiguous and cannot be inferred`));
    expect(e.hint).toMatch(/--ambiguous earliest or latest/);
  });

  it('cannot be inferred when the wall time steps back twice', async () => {
    const path = csv(['ts,price,size', ...['01:10', '01:05', '01:20', '01:15'].map((t) => `2024-11-03 ${t},10,1`)]);
    const e = await errorOf(readTabularFile(path, { symbol: 'X', tz: NY, ambiguous: 'infer' }));
    expect(e.message).toMatch(new RegExp(`^${path} line 5 \\(row 4\\): ts "2024-11-03 01:15" steps back a second time`));
  });

  it('follow the same rules in another zone (London: 01:00–01:59 BST, UTC+1, then GMT, UTC+0, on 2024-10-27)', async () => {
    const path = csv(['ts,price,size', '2024-10-27 01:30,10,1']);
    expect(await tsOf(path, { tz: 'Europe/London', ambiguous: 'earliest' })).toEqual([utc('2024-10-27T00:30:00Z')]);
    expect(await tsOf(path, { tz: 'Europe/London', ambiguous: 'latest' })).toEqual([utc('2024-10-27T01:30:00Z')]);
  });

  it('follow the same rules for a half-hour change (Lord Howe: 02:00 UTC+11 back to 01:30 UTC+10:30 on 2024-04-07)', async () => {
    const path = csv(['ts,price,size', '2024-04-07 01:45,10,1']);
    expect(await tsOf(path, { tz: 'Australia/Lord_Howe', ambiguous: 'earliest' }), '01:45 − 11:00').toEqual([utc('2024-04-06T14:45:00Z')]);
    expect(await tsOf(path, { tz: 'Australia/Lord_Howe', ambiguous: 'latest' }), '01:45 − 10:30').toEqual([utc('2024-04-06T15:15:00Z')]);
  });

  it('are exact when the text carries its offset, whatever --tz says', async () => {
    const path = csv(['ts,price,size', '2024-11-03T01:30:00-04:00,10,1', '2024-11-03T01:30:00-05:00,10,1']);
    expect(await tsOf(path, {})).toEqual([utc('2024-11-03T05:30:00Z'), utc('2024-11-03T06:30:00Z')]);
  });
});

describe('naive times in the skipped hour (clocks going forward)', () => {
  const path = () => csv(['ts,price,size', '2024-03-10 01:30,10,1', '2024-03-10 02:30,10,1', '2024-03-10 03:30,10,1']);

  it('are an error by default, naming the row and the jump, with a hint naming the flag', async () => {
    const p = path();
    const e = await errorOf(readTabularFile(p, { symbol: 'X', tz: NY }));
    expect(e.message).toBe(`${p} line 3 (row 2): ts "2024-03-10 02:30" does not exist: clocks in America/New_York jump from 2024-03-10 02:00 to 03:00, so it never happens`);
    expect(e.hint).toMatch(/--nonexistent forward\|backward/);
  });

  it('move to 03:00 EDT with forward and to just before 02:00 EST with backward, as pandas shift_forward/backward', async () => {
    const p = path();
    expect(await tsOf(p, { nonexistent: 'forward' }), '01:30 EST, 03:00 EDT, 03:30 EDT').toEqual([
      utc('2024-03-10T06:30:00Z'),
      utc('2024-03-10T07:00:00Z'),
      utc('2024-03-10T07:30:00Z'),
    ]);
    expect(await tsOf(p, { nonexistent: 'backward' }), '01:59:59.999999999 EST is 1 ns before 07:00Z').toEqual([
      utc('2024-03-10T06:30:00Z'),
      utc('2024-03-10T07:00:00Z') - 1n,
      utc('2024-03-10T07:30:00Z'),
    ]);
  });

  it('keep their fraction of a second when moved by no rule (ordinary rows around the change)', async () => {
    const p = csv(['ts,price,size', '2024-03-10 01:59:59.123456789,10,1', '2024-03-10 03:00:00.5,10,1']);
    expect(await tsOf(p, {})).toEqual([utc('2024-03-10T06:59:59Z') + 123_456_789n, utc('2024-03-10T07:00:00Z') + 500_000_000n]);
  });
});

describe('naive Parquet datetimes with --tz', () => {
  it('follow the same rules as CSV text', async () => {
    const pl = await loadPolars();
    const path = join(tmp.dir, 'naive.parquet');
    // Naive wall times written as if UTC: 00:00, 01:00, 01:00, 02:00 on 2024-11-03.
    const walls = ['00', '01', '01', '02'].map((h) => Date.parse(`2024-11-03T${h}:00:00Z`));
    pl.DataFrame({ ts: walls, open: [1, 1, 1, 1], high: [2, 2, 2, 2], low: [1, 1, 1, 1], close: [2, 2, 2, 2] })
      .withColumns(pl.col('ts').cast(pl.Datetime('ms')))
      .writeParquet(path);
    const e = await errorOf(readTabularFile(path, { symbol: 'X', tz: NY }));
    expect(e.message).toMatch(new RegExp(`^${path} row 2: ts "2024-11-03 01:00:00(\\.0+)?" is ambiguous`));
    const [batch] = await readTabularFile(path, { symbol: 'X', tz: NY, ambiguous: 'infer' });
    expect(Array.from(batch.ts)).toEqual(['04', '05', '06', '07'].map((h) => utc(`2024-11-03T${h}:00:00Z`)));
  });
});

describe('dates without a time of day are trading dates, which no --tz moves', () => {
  // Chile's clocks jumped from 2024-09-08 00:00 to 01:00 (America/Santiago): midnight of that day never happened.
  it('a date on the day a zone skips midnight is read, not refused as a nonexistent time', async () => {
    const p = csv(['Date,Open,High,Low,Close', '2024-09-06,1,2,1,2', '2024-09-08,1,2,1,2']);
    expect(await tsOf(p, { tz: 'America/Santiago' })).toEqual([utc('2024-09-06T00:00:00Z'), utc('2024-09-08T00:00:00Z')]);
    const timed = csv(['Date,Open,High,Low,Close', '2024-09-06 10:00,1,2,1,2', '2024-09-08 00:30,1,2,1,2']);
    expect((await errorOf(readTabularFile(timed, { symbol: 'X', tz: 'America/Santiago' }))).message, 'a time of day there still has no reading').toMatch(/line 3 \(row 2\): Date "2024-09-08 00:30" does not exist/);
  });

  it('a Parquet Date column and a naive Datetime column of midnights are dates too', async () => {
    const pl = await loadPolars();
    const days = ['2024-01-02', '2024-01-03'].map((d) => Date.parse(`${d}T00:00:00Z`));
    for (const [name, type] of [
      ['date.parquet', pl.Date],
      ['midnights.parquet', pl.Datetime('ms')],
    ] as const) {
      const path = join(tmp.dir, name);
      pl.DataFrame({ ts: days, open: [1, 1], high: [2, 2], low: [1, 1], close: [2, 2] })
        .withColumns(pl.col('ts').cast(pl.Datetime('ms')).cast(type))
        .writeParquet(path);
      expect(await tsOf(path, { tz: 'Europe/Berlin' }), name).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
    }
  });
});
