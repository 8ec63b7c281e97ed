import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTabularFile, readTabularSource } from '../../src/sources/files.js';
import { REAL_DIR, hasReal, tempDir, writeText, errorOf } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const GOOD_BARS = [
  ',Open,High,Low,Close,Volume',
  '2004-08-19,100,104.06,95.96,100.34,22351900',
  '2004-08-20,101.01,109.08,100.5,108.31,11428600',
  '2004-08-23,110.75,113.48,109.05,109.4,9137200',
  '2004-08-24,111.24,111.6,103.57,104.87,7631300',
].join('\n');

function badFile(name: string, lines: string[]): string {
  return writeText(tmp.dir, name, lines.join('\n'));
}

describe('CSV bars', () => {
  it('reads a pandas-style file whose date column has an empty name, as UTC midnight', async () => {
    const [batch] = await readTabularFile(writeText(tmp.dir, 'good.csv', GOOD_BARS), { symbol: 'goog' });
    expect(batch.kind).toBe('bars');
    expect(batch.symbol, 'symbols are upper-cased').toBe('GOOG');
    expect(batch.ts.length).toBe(4);
    expect(batch.ts[0], '2004-08-19T00:00Z in ns').toBe(BigInt(Date.UTC(2004, 7, 19)) * 1_000_000n);
    expect(Array.from(batch.values.close)).toEqual([100.34, 108.31, 109.4, 104.87]);
    expect(Array.from(batch.seq)).toEqual([0, 1, 2, 3]);
  });

  it('names file, line, row and field for a value that is not a number', async () => {
    const path = badFile('bad.csv', [
      'Date,Open,High,Low,Close,Volume',
      '2004-08-19,100,104.06,95.96,100.34,22351900',
      '2004-08-20,101.01,109.08,100.5,108.31,11428600',
      '2004-08-23,110.75,113.48,109.05,109.4,9137200',
      '2004-08-24,111.24,111.6,103.57,abc,7631300',
    ]);
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 5 (row 4): Close "abc" is not a number`);
    expect(e.code).toBe('INPUT_INVALID');
  });

  it('rejects a missing column, naming it', async () => {
    const path = badFile('nolow.csv', ['Date,Open,High,Close', '2004-08-19,100,104,100']);
    const e = await errorOf(readTabularFile(path, { symbol: 'X', kind: 'bars' }));
    expect(e.message).toMatch(/nolow\.csv: missing column low for bars/);
  });

  it('rejects an unparsable time', async () => {
    const path = badFile('badtime.csv', ['Date,Open,High,Low,Close', '2004-08-19,1,2,1,2', 'yesterday,1,2,1,2']);
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 3 (row 2): Date "yesterday" is not a date or time`);
  });

  it('rejects time going backwards but keeps equal timestamps in file order', async () => {
    const back = badFile('back.csv', ['Date,Open,High,Low,Close', '2004-08-20,1,2,1,2', '2004-08-19,1,2,1,2']);
    expect((await errorOf(readTabularFile(back, { symbol: 'X' }))).message).toMatch(/back\.csv line 3 \(row 2\): time goes backwards/);
    const equal = writeText(tmp.dir, 'equal.csv', ['ts,price,size', '2024-01-02T10:00:00Z,10,1', '2024-01-02T10:00:00Z,11,2', '2024-01-02T10:00:00Z,10,1'].join('\n'));
    const [batch] = await readTabularFile(equal, { symbol: 'X' });
    expect(batch.kind).toBe('trades');
    expect(Array.from(batch.values.price), 'identical-looking trades are all kept').toEqual([10, 11, 10]);
  });

  it('rejects two bars with the same timestamp, naming the second row, but keeps two symbols at one time', async () => {
    const dup = badFile('dupbars.csv', ['Date,Open,High,Low,Close', '2004-08-19,1,2,1,2', '2004-08-20,1,2,1,2', '2004-08-20,1,3,1,2']);
    expect((await errorOf(readTabularFile(dup, { symbol: 'X' }))).message).toBe(
      `${dup} line 4 (row 3): Date 2004-08-20T00:00:00.000Z is the same time as the bar on the row before; two bars cannot share a time`,
    );
    // The same instant written two ways is still one instant.
    const spelled = badFile('dupspelled.csv', ['ts,Open,High,Low,Close', '2024-01-02T10:00:00Z,1,2,1,2', '2024-01-02T11:00:00+01:00,1,2,1,2']);
    expect((await errorOf(readTabularFile(spelled, { symbol: 'X' }))).message).toMatch(/line 3 \(row 2\): ts 2024-01-02T10:00:00\.000Z is the same time/);
    const twoSymbols = writeText(tmp.dir, 'twosym.csv', ['Date,Symbol,Open,High,Low,Close', '2004-08-19,AAA,1,2,1,2', '2004-08-19,BBB,1,2,1,2'].join('\n'));
    const batches = await readTabularFile(twoSymbols);
    expect(batches.map((b) => b.ts.length), 'one bar per symbol at that time is fine').toEqual([1, 1]);
  });

  it('rejects NaN and non-positive prices', async () => {
    const nan = badFile('nan.csv', ['Date,Open,High,Low,Close', '2004-08-19,1,2,1,NaN']);
    expect((await errorOf(readTabularFile(nan, { symbol: 'X' }))).message).toBe(`${nan} line 2 (row 1): Close "NaN" is not a positive price`);
    const zero = badFile('zero.csv', ['ts,price,size', '2024-01-02T10:00:00Z,0,1']);
    expect((await errorOf(readTabularFile(zero, { symbol: 'X' }))).message).toBe(`${zero} line 2 (row 1): price "0" is not a positive price`);
  });

  it('rejects high below low', async () => {
    const path = badFile('hl.csv', ['Date,Open,High,Low,Close', '2004-08-19,1,2,1,2', '2004-08-20,1.5,1,2,1.5']);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 3 (row 2): High 1 is below Low 2`);
  });

  it('rejects an empty cell', async () => {
    const path = badFile('empty.csv', ['Date,Open,High,Low,Close', '2004-08-19,1,2,,2']);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 2 (row 1): Low is empty`);
  });

  it('never takes Close from Adj Close unless --adjusted', async () => {
    const path = writeText(tmp.dir, 'adj.csv', ['Date,Open,High,Low,Close,Adj Close,Volume', '2020-01-02,10,12,9,11,5.5,100'].join('\n'));
    const [plain] = await readTabularFile(path, { symbol: 'X' });
    expect(plain.values.close[0]).toBe(11);
    const [adjusted] = await readTabularFile(path, { symbol: 'X', adjusted: true });
    expect(adjusted.values.close[0]).toBe(5.5);
  });

  it('honours --map overrides and --tz for naive times', async () => {
    const path = writeText(tmp.dir, 'mapped.csv', ['when,last,qty', '2012-06-21 09:30:00.5,585.5,100'].join('\n'));
    const [batch] = await readTabularFile(path, { symbol: 'AAPL', map: { ts: 'when', price: 'last', size: 'qty' }, tz: 'America/New_York' });
    // 09:30:00.5 EDT (UTC−4) is 13:30:00.5 UTC.
    expect(batch.ts[0]).toBe(BigInt(Date.UTC(2012, 5, 21, 13, 30, 0, 500)) * 1_000_000n);
  });

  it('splits a file with a symbol column into one batch per symbol, seq keeping source rows', async () => {
    const path = writeText(tmp.dir, 'multi.csv', ['timestamp,symbol,bid,ask', '2024-01-02T10:00:00Z,aaa,1,2', '2024-01-02T10:00:01Z,bbb,3,4', '2024-01-02T10:00:02Z,aaa,1.5,2'].join('\n'));
    const batches = await readTabularFile(path);
    expect(batches.map((b) => [b.symbol, b.kind, Array.from(b.seq)])).toEqual([
      ['AAA', 'quotes', [0, 2]],
      ['BBB', 'quotes', [1]],
    ]);
  });

  it('asks for --symbol when the file has no symbol column', async () => {
    const e = await errorOf(readTabularFile(writeText(tmp.dir, 'nosym.csv', GOOD_BARS)));
    expect(e.code).toBe('USAGE');
    expect(e.hint).toMatch(/--symbol/);
  });
});

describe('what reading decided', () => {
  it('names each field\'s source column and the columns left unused', async () => {
    const path = writeText(tmp.dir, 'decided.csv', ['Date,Open,High,Low,Close,Adj Close,Volume,Note', '2024-01-02,10,12,9,11,5.5,100,x'].join('\n'));
    const { decisions } = await readTabularSource(path, { symbol: 'X' });
    expect(decisions).toMatchObject({
      columns: { ts: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume' },
      ignored: ['Adj Close', 'Note'],
      time: 'dates only: trading dates, not moved by --tz',
    });
    expect(decisions.layout, 'no vendor layout claimed for a generic header').toBeUndefined();
    expect(decisions.warnings).toBeUndefined();
  });

  it('an integer too short to be an epoch (a row number) is not 1970', async () => {
    const path = writeText(tmp.dir, 'rownum.csv', ['ts,price,size', '0,10,1', '1,10,1'].join('\n'));
    await expect(readTabularFile(path, { symbol: 'X' })).rejects.toThrow(`${path} line 2 (row 1): ts "0" is not a date or time`);
  });
});

describe.runIf(hasReal)('every shipped real CSV ingests with only a symbol', () => {
  // Data rows counted from the text: non-empty lines after the header.
  const dataLines = (path: string) => readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '').length;
  for (const file of hasReal ? readdirSync(REAL_DIR).filter((f) => f.endsWith('.csv')) : []) {
    it(`${file}`, async () => {
      const symbol = file.replace('.csv', '');
      const [batch] = await readTabularFile(join(REAL_DIR, file), { symbol });
      expect(batch.kind).toBe('bars');
      expect(batch.ts.length, 'one stored row per data line of the file').toBe(dataLines(join(REAL_DIR, file)));
    });
  }
});
