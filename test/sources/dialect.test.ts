/**
 * Issue 9, items 6 and 9 (reading): delimiters, decimal marks, encodings, headerless first rows and yfinance's
 * three-line header, each decided from the text (or forced by a flag) and recorded in `decisions`; every guard
 * (ragged rows, blank lines, quotes, NUL bytes, bad bytes) on every new path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../src/errors.js';
import { HEADERLESS, YFINANCE_HEADER, isDataLike, parseDelimiterFlag, sampleRecords, sniffDialect } from '../../src/sources/dialect.js';
import { parseEncodingFlag } from '../../src/sources/encoding.js';
import { openRawTables, readTabularFile, type OpenOptions } from '../../src/sources/files.js';
import { tempDir, errorOf } from '../helpers.js';

const tmp = tempDir('cift-dialect-');
afterAll(tmp.cleanup);
let count = 0;
const file = (bytes: Buffer | string, ext = '.csv'): string => {
  const path = join(tmp.dir, `f${++count}${ext}`);
  writeFileSync(path, bytes);
  return path;
};

async function table(path: string, opts: OpenOptions = {}) {
  for await (const { table: t } of openRawTables(path, opts)) return { columns: t.frame.columns, rows: t.frame.toRecords() as Record<string, string | null>[], decisions: t.decisions, rowLabel: t.rowLabel };
  throw new Error('no table');
}

const errorOfTable = (path: string, opts: OpenOptions = {}) => errorOf(table(path, opts));

describe('delimiters', () => {
  const rows = (d: string) => [['Date', 'Open', 'High', 'Low', 'Close', 'Volume'], ['2024-01-02', '10.5', '11', '10', '10.75', '1200'], ['2024-01-03', '10.75', '12', '10.5', '11.5', '900']].map((r) => r.join(d)).join('\n') + '\n';
  const expected = [
    { Date: '2024-01-02', Open: '10.5', High: '11', Low: '10', Close: '10.75', Volume: '1200' },
    { Date: '2024-01-03', Open: '10.75', High: '12', Low: '10.5', Close: '11.5', Volume: '900' },
  ];

  for (const [name, d] of [['comma', ','], ['tab', '\t'], ['semicolon', ';'], ['pipe', '|']] as const) {
    it(`a ${name}-delimited file is read with ${JSON.stringify(d)}, sniffed, and stores the same rows as the comma file`, async () => {
      const path = file(rows(d), '.txt');
      const t = await table(path);
      expect(t.decisions.delimiter).toBe(d);
      expect(t.rows).toEqual(expected);
      const [batch] = await readTabularFile(path, { symbol: 'X' });
      const [plain] = await readTabularFile(file(rows(',')), { symbol: 'X' });
      expect(Array.from(batch.ts)).toEqual(Array.from(plain.ts));
      expect(Array.from(batch.values.close)).toEqual([10.75, 11.5]);
      expect(Array.from(batch.values.volume)).toEqual([1200, 900]);
    });
  }

  it('quotes are respected: a delimiter inside quotes does not split, so the quoted field does not make a file look ragged', () => {
    const text = 'Date;Note;Close\n2024-01-02;"a;b";10\n2024-01-03;"c";11\n';
    expect(sniffDialect(text, true, 'f').delimiter).toBe(';');
    expect(sampleRecords(text, ';', true).map((r) => r.cells)).toEqual([
      ['Date', 'Note', 'Close'],
      ['2024-01-02', 'a;b', '10'],
      ['2024-01-03', 'c', '11'],
    ]);
  });

  it('a headerless ; file with decimal commas splits into as many fields on "," as on ";": ";" wins the tie', () => {
    expect(sniffDialect('2024-01-02;1,5;2,5;1,0;2,0\n2024-01-03;2,5;3,5;2,0;3,0\n', true, 'f').delimiter).toBe(';');
  });

  it('--delimiter forces it, and a ragged ; file fails naming its line with the sniffed delimiter', async () => {
    const path = file('a|b|c;d\n1|2|3;4\n');
    expect((await table(path)).decisions.delimiter, 'the consistent split into most fields').toBe('|');
    expect((await table(path, { delimiter: ';' })).columns).toEqual(['a|b|c', 'd']);
    const ragged = file('Date;Open;High;Low;Close\n2024-01-02;1;2;1;2\n2024-01-03;1;2;1\n');
    const e = await errorOf(readTabularFile(ragged, { symbol: 'X' }));
    expect(e.message).toBe(`${ragged} line 3 (row 2): 4 fields but the header has 5`);
    expect(e.hint).toBe('every row needs one value per column; write a missing value as an empty cell (a;;c)');
  });

  it('parses the --delimiter words and refuses what is not one character', () => {
    expect(['tab', '\\t', ';', 'pipe', 'comma'].map(parseDelimiterFlag)).toEqual(['\t', '\t', ';', '|', ',']);
    expect(() => parseDelimiterFlag(';;')).toThrow('--delimiter ";;" is not one character');
    expect(() => parseDelimiterFlag('"')).toThrow(CiftError);
  });

  it('blank lines, unclosed quotes and a blank first line fail on ; and tab files as on comma files', async () => {
    const blank = file('a;b\n1;2\n\n3;4\n');
    expect((await errorOfTable(blank)).message).toBe(`${blank} line 3: blank line between rows`);
    const open = file('a\tb\n1\t"2\n3\t4\n');
    expect((await errorOfTable(open)).message).toBe(`${open} line 2: a quoted field opened on this line never closes`);
    const first = file('\na;b\n1;2\n');
    expect((await errorOfTable(first)).message).toBe(`${first} line 1: the first line is blank; a CSV starts with its header`);
  });
});

describe('decimal marks and thousands separators', () => {
  it('a ; file with "1.234,56" cells: decimal ",", thousands "."', async () => {
    const path = file(['Datum;Eröffnung;Hoch;Tief;Schluss;Volumen', '02.01.2024;1.234,56;1.240,00;1.230,10;1.238,75;12.500', '03.01.2024;1.238,75;1.245,50;1.236,00;1.244,25;9.800', ''].join('\n'));
    const t = await table(path);
    expect(t.decisions).toMatchObject({ delimiter: ';', decimal: ',', thousands: '.' });
    expect(t.rows[0].Eröffnung, 'cells stay text: the meaning layer applies the marks to number fields').toBe('1.234,56');
    expect(t.rows[1].Volumen).toBe('9.800');
  });

  it('"12,5" is a decimal comma without thousands; "1.5" a decimal point', () => {
    const comma = sniffDialect('d;p\n2024-01-02;12,5\n2024-01-03;0,75\n', true, 'f');
    expect([comma.decimal, comma.thousands]).toEqual([',', undefined]);
    const dot = sniffDialect('d;p\n2024-01-02;12.5\n2024-01-03;1,234.75\n', true, 'f');
    expect([dot.decimal, dot.thousands]).toEqual(['.', ',']);
  });

  it('MetaTrader dates (2024.01.02) and times are not number evidence; its prices (1.10427) say "."', () => {
    const mt = sniffDialect('<DATE>\t<TIME>\t<OPEN>\n2024.01.02\t00:00:00\t1.10427\n', true, 'f');
    expect([mt.delimiter, mt.decimal, mt.thousands, mt.header]).toEqual(['\t', '.', undefined, 'line 1']);
  });

  it('"1.234" alone could be either: "." is kept and a warning says what --decimal , would do', () => {
    const d = sniffDialect('d;p\n2024-01-02;1.234\n2024-01-03;2.345\n', true, 'f');
    expect(d.decimal).toBe('.');
    expect(d.thousands).toBeUndefined();
    expect(d.warnings).toEqual(['decimal mark "." assumed: a cell like "1.234" could also be a whole number with "." between thousands; --decimal , says so']);
  });

  it('both marks in one file is an error naming a cell of each and their lines', () => {
    expect(() => sniffDialect('d;p\n2024-01-02;12,5\n2024-01-03;1.5\n', true, 'f.csv')).toThrow('f.csv: number cells use both decimal marks: "12,5" on line 2 and "1.5" on line 3');
  });

  it('--decimal forces the mark (and finds its thousands separator); a comma-delimited file is never sniffed for one', async () => {
    const path = file('d;p\n2024-01-02;1.234\n');
    expect((await table(path, { decimal: ',' })).decisions).toMatchObject({ decimal: ',', thousands: '.' });
    const comma = sniffDialect('ts,price\n2024-01-02,"12,5"\n', true, 'f');
    expect([comma.decimal, comma.thousands, comma.warnings]).toEqual(['.', undefined, []]);
  });

  it('a sniffed ; file and the same file with --delimiter ; --decimal , open to the same table and decisions', async () => {
    const path = file('Datum;Kurs;Volumen\n02.01.2024;1.234,56;12.500\n03.01.2024;1.238,75;9.800\n');
    const sniffed = await table(path);
    const forced = await table(path, { delimiter: ';', decimal: ',' });
    expect(forced.rows).toEqual(sniffed.rows);
    expect(forced.decisions).toEqual(sniffed.decisions);
  });
});

describe('header or data', () => {
  it('a first row of only numbers is data: columns column_1 … column_N, and row 1 is line 1', async () => {
    const path = file('1704067200000,42283.58,42298.62,42261.02,42298.61,35.92724\n1704067260000,42298.62,42320,42298.61,42320,21.67712\n');
    const t = await table(path);
    expect(t.decisions.header).toBe(HEADERLESS);
    expect(t.columns).toEqual(['column_1', 'column_2', 'column_3', 'column_4', 'column_5', 'column_6']);
    expect(t.rows.length).toBe(2);
    expect(t.rowLabel(0)).toBe('line 1 (row 1)');
  });

  it('regression: naming headerless columns can no longer drop the first row (it used to become the header)', async () => {
    // The old hint for headerless files was --map ts=1704067200000 …, naming the first row's cells as columns.
    const path = file('1704067200000,42283.58,42298.62,42261.02,42298.61,35.92724\n1704067260000,42298.62,42320,42298.61,42320,21.67712\n');
    const map = { ts: 'column_1', open: 'column_2', high: 'column_3', low: 'column_4', close: 'column_5', volume: 'column_6' };
    const [batch] = await readTabularFile(path, { symbol: 'BTCUSDT', map });
    expect(Array.from(batch.ts), 'both rows, the first included (epoch ms)').toEqual([1704067200000n * 1_000_000n, 1704067260000n * 1_000_000n]);
    expect([batch.values.open[0], batch.values.volume[1]]).toEqual([42283.58, 21.67712]);
    const bad = file('1704067200000,1,2,1,2,3\n1704067260000,1,x,1,2,3\n');
    expect((await errorOf(readTabularFile(bad, { symbol: 'X', map }))).message, 'errors name true lines').toBe(`${bad} line 2 (row 2): column_3 "x" is not a number`);
    const ragged = file('1704067200000,1,2,1,2,3\n1704067260000,1,2,1,2\n');
    expect((await errorOfTable(ragged)).message).toBe(`${ragged} line 2 (row 2): 5 fields but the first row has 6`);
  });

  it('what counts as data and what as a header name', () => {
    for (const cell of ['1704067200000', '-0.5', '1.5e-3', '42283.58000000', '1.234,56', '2024-01-02', '2024.01.02', '20240101 170000', '09:30:00', '2024-01-02T10:00:00Z', '02/01/2024']) {
      expect(isDataLike(cell), cell).toBe(true);
    }
    for (const cell of ['Date', '<DATE>', 'open_time', '', 'Unnamed: 0', 'NaN', 'ts']) expect(isDataLike(cell), cell).toBe(false);
    expect(sniffDialect(',0,1,2\n2024-01-02,1,2,3\n', true, 'f').header, "pandas' header for integer column names (empty first cell) is a header").toBe('line 1');
  });

  it('reads yfinance\'s three header lines as one: names from line 1, Date first, the ticker recorded; rows start on line 4', async () => {
    const text = [
      'Price,Close,High,Low,Open,Volume',
      'Ticker,AAPL,AAPL,AAPL,AAPL,AAPL',
      'Date,,,,,',
      '2024-01-02,184.73403930664062,187.52971649169922,182.99364757537842,186.03308715820312,82488700',
      '2024-01-03,183.35154724121094,184.7738788604736,182.38746213912964,183.1132597219181,58414500',
      '',
    ].join('\n');
    const path = file(text);
    const t = await table(path);
    expect(t.columns).toEqual(['Date', 'Close', 'High', 'Low', 'Open', 'Volume']);
    expect(t.decisions).toMatchObject({ header: YFINANCE_HEADER, ticker: 'AAPL', delimiter: ',' });
    expect(t.rowLabel(0)).toBe('line 4 (row 1)');
    const [batch] = await readTabularFile(path, { symbol: 'AAPL' });
    expect(Array.from(batch.ts)).toEqual([BigInt(Date.UTC(2024, 0, 2)) * 1_000_000n, BigInt(Date.UTC(2024, 0, 3)) * 1_000_000n]);
    expect([batch.values.close[0], batch.values.volume[1]]).toEqual([184.73403930664062, 58414500]);
    const bad = file(text.replace('58414500', 'n/a'));
    expect((await errorOf(readTabularFile(bad, { symbol: 'AAPL' }))).message).toBe(`${bad} line 5 (row 2): Volume "n/a" is not a number`);
  });

  it('reads the Adj Close variant and refuses several tickers side by side', async () => {
    const adj = sniffDialect('Price,Adj Close,Close,High,Low,Open,Volume\nTicker,SPY,SPY,SPY,SPY,SPY,SPY\nDate,,,,,,\n2024-01-02,1,2,3,1,2,5\n', true, 'f');
    expect(adj.names).toEqual(['Date', 'Adj Close', 'Close', 'High', 'Low', 'Open', 'Volume']);
    expect(() => sniffDialect('Price,Close,Close\nTicker,AAPL,MSFT\nDate,,\n2024-01-02,1,2\n', true, 'two.csv')).toThrow('two.csv: a yfinance file with 2 tickers side by side (AAPL, MSFT) in its Ticker line');
  });
});

describe('encodings', () => {
  const DAILY = 'Date,Open,High,Low,Close,Volume\n2024-01-02,10.5,11,10,10.75,1200\n';

  it('a UTF-8 byte-order mark is stripped from the first header name and recorded', async () => {
    const t = await table(file(`\ufeff${DAILY}`));
    expect(t.columns[0]).toBe('Date');
    expect(t.decisions.encoding).toBe('utf-8 with BOM');
  });

  it('reads a MetaTrader 5 export: UTF-16LE with a byte-order mark, tab-delimited, <DATE>\\t<TIME> header', async () => {
    const mt5 = [
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>',
      '2024.01.02\t00:00:00\t1.10427\t1.10447\t1.10416\t1.10434\t120\t0\t5',
      '2024.01.02\t00:01:00\t1.10434\t1.10440\t1.10420\t1.10425\t97\t0\t6',
      '',
    ].join('\r\n');
    const path = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(mt5, 'utf16le')]), '.csv');
    const t = await table(path);
    expect(t.decisions).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', header: 'line 1', decimal: '.' });
    expect(t.columns).toEqual(['<DATE>', '<TIME>', '<OPEN>', '<HIGH>', '<LOW>', '<CLOSE>', '<TICKVOL>', '<VOL>', '<SPREAD>']);
    expect(t.rows[0]).toMatchObject({ '<DATE>': '2024.01.02', '<TIME>': '00:00:00', '<OPEN>': '1.10427', '<TICKVOL>': '120' });
    expect(t.rows[1]['<CLOSE>']).toBe('1.10425');
  });

  it('reads UTF-16BE with a byte-order mark', async () => {
    const le = Buffer.from(DAILY, 'utf16le');
    const be = Buffer.from(le);
    be.swap16();
    const t = await table(file(Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    expect(t.decisions.encoding).toBe('utf-16be');
    expect(t.rows[0].Close).toBe('10.75');
  });

  it('reads cp1252 with --encoding cp1252 (€ and é intact); without it, fails on the first bad byte naming --encoding', async () => {
    // "€" is 0x80 and "é" 0xE9 in Windows-1252.
    const bytes = Buffer.concat([Buffer.from('ts,symbol,price,size,note\n2024-01-02T10:00:00Z,EURO,10,1,ok\n2024-01-02T10:00:01Z,EURO,11,2,'), Buffer.from([0x80, 0x20, 0x73, 0x6f, 0x63, 0x69, 0xe9, 0x74, 0xe9]), Buffer.from('\n')]);
    const path = file(bytes);
    const t = await table(path, { encoding: parseEncodingFlag('cp1252') });
    expect(t.decisions.encoding).toBe('windows-1252');
    expect(t.rows[1].note).toBe('€ société');
    const e = await errorOfTable(path);
    expect(e.message).toBe(`${path} line 3: not UTF-8 text (byte 0x80)`);
    expect(e.hint).toBe('give its encoding, e.g. --encoding cp1252 (Windows, Excel) or --encoding latin1');
  });

  it('a byte-order mark that contradicts --encoding, and an unknown encoding, are usage errors', async () => {
    const path = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(DAILY, 'utf16le')]));
    const e = await errorOfTable(path, { encoding: 'windows-1252' });
    expect([e.code, e.message]).toEqual(['USAGE', `${path}: starts with a utf-16le byte-order mark, but --encoding windows-1252 was given`]);
    expect(() => parseEncodingFlag('klingon')).toThrow('--encoding "klingon" is not a text encoding cift knows');
    expect(['latin1', 'UTF_16_LE', 'utf-8-sig', 'windows-1252'].map(parseEncodingFlag)).toEqual(['windows-1252', 'utf-16le', 'utf-8', 'windows-1252']);
  });

  it('UTF-16 text cut in the middle of a character, a NUL in decoded text, and UTF-16 without a BOM each fail clearly', async () => {
    const odd = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(DAILY, 'utf16le'), Buffer.from([0x41])]));
    expect((await errorOfTable(odd)).message).toBe(`${odd} line 3: not valid utf-16le text (it ends in the middle of a character)`);
    const nul = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${DAILY}2024-01-03,1,2,1,\u00002,3\n`, 'utf16le')]));
    expect((await errorOfTable(nul)).message, 'named by line: byte offsets of transcoded text are not the file\'s').toBe(`${nul} line 3: NUL byte: not a text CSV file`);
    const noBom = file(Buffer.from(DAILY, 'utf16le'));
    const e = await errorOfTable(noBom);
    expect(e.message).toBe(`${noBom}: not a text CSV file: NUL byte at byte 2`);
    expect(e.hint).toMatch(/--encoding utf-16le/);
    const ok = await table(noBom, { encoding: 'utf-16le' });
    expect(ok.rows[0].Close, 'and --encoding utf-16le reads it').toBe('10.75');
  });
});

describe('decimal evidence comes from number columns only', () => {
  it('a text column holding "1,5" beside "1.5" prices is no contradiction; two number columns disagreeing are', () => {
    const d = sniffDialect('d;price;note\n2024-01-02;1.5;size 1,5\n2024-01-03;2.25;1,5\n', true, 'f');
    expect([d.decimal, d.warnings]).toEqual(['.', []]);
    expect(() => sniffDialect('d;price;qty\n2024-01-02;1.5;1,5\n2024-01-03;2.25;2,5\n', true, 'f')).toThrow(/both decimal marks/);
  });
});

describe('a first line longer than the 64 KB sample', () => {
  it('is still sampled whole, so the delimiter of a very wide file is found', async () => {
    const names = Array.from({ length: 9000 }, (_, i) => `col_${i}`);
    const path = file(`${['Date', 'Open', 'High', 'Low', 'Close', ...names].join(';')}\n${['2024-01-02', '1', '2', '1', '2', ...names.map(() => '0')].join(';')}\n`);
    const t = await table(path);
    expect(t.decisions.delimiter).toBe(';');
    expect(t.columns.length).toBe(9005);
  });
});
