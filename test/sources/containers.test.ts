/**
 * Issue 9, item 1: gzip, zstd and zip read transparently (streamed through scratch files that are always removed),
 * files sniffed by content rather than refused by name, and `-` for standard input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { chooseMembers } from '../../src/sources/containers.js';
import { openRawTables, readTabularFile, readTabularSource, readTabularSources, type OpenOptions } from '../../src/sources/files.js';
import { HEADERLESS } from '../../src/sources/dialect.js';
import { tempDir, errorOf } from '../helpers.js';
import { ZSTD_COMPRESSED, ZSTD_TEXT, zipArchive, zstdRawFrame } from './byte-layouts.js';

const tmp = tempDir('cift-containers-');
afterAll(tmp.cleanup);
let count = 0;
const file = (name: string, bytes: Buffer | string): string => {
  const dir = join(tmp.dir, `d${++count}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** Every opened table's label, text rows and decisions. */
async function tables(path: string, opts: OpenOptions = {}) {
  const out = [];
  for await (const { table, id, name } of openRawTables(path, opts)) {
    out.push({ file: table.file, id, name, columns: table.frame.columns, rows: table.frame.toRecords(), decisions: table.decisions, lineOf: table.rowLabel });
  }
  return out;
}

const DAILY = ['Date,Open,High,Low,Close,Volume', '2024-01-02,187.15,188.44,183.89,185.64,82488700', '2024-01-03,184.22,185.88,183.43,184.25,58414500', ''].join('\n');
const DAILY_ROWS = [
  { Date: '2024-01-02', Open: '187.15', High: '188.44', Low: '183.89', Close: '185.64', Volume: '82488700' },
  { Date: '2024-01-03', Open: '184.22', High: '185.88', Low: '183.43', Close: '184.25', Volume: '58414500' },
];
const JAN2 = BigInt(Date.UTC(2024, 0, 2)) * 1_000_000n;
const JAN3 = BigInt(Date.UTC(2024, 0, 3)) * 1_000_000n;

describe('gzip', () => {
  it('a .csv.gz reads as the CSV inside it, and says so', async () => {
    const gz = file('AAPL.csv.gz', gzipSync(DAILY));
    const [t] = await tables(gz);
    expect(t.rows).toEqual(DAILY_ROWS);
    expect(t.decisions).toMatchObject({ format: 'csv', container: 'gzip', encoding: 'utf-8', delimiter: ',', header: 'line 1' });
    const [batch] = await readTabularFile(gz, { symbol: 'AAPL' });
    expect(Array.from(batch.ts), 'first and last ts').toEqual([JAN2, JAN3]);
    expect([batch.values.close[0], batch.values.volume[1]]).toEqual([185.64, 58414500]);
  });

  it('a bad cell inside a .gz names the .gz and the true line', async () => {
    const gz = file('bad.csv.gz', gzipSync(DAILY.replace('184.25', 'x')));
    expect((await errorOf(readTabularFile(gz, { symbol: 'X' }))).message).toBe(`${gz} line 3 (row 2): Close "x" is not a number`);
  });

  it('concatenated gzip members (what `cat a.gz b.gz` writes) read as one stream', async () => {
    const [head, ...rest] = DAILY.split('\n');
    const gz = file('two.gz', Buffer.concat([gzipSync(`${head}\n${rest[0]}\n`), gzipSync(`${rest[1]}\n`)]));
    expect((await tables(gz))[0].rows).toEqual(DAILY_ROWS);
  });

  it('a gzip cut short is "damaged or cut short", not a half-read file', async () => {
    const whole = gzipSync(DAILY);
    const gz = file('cut.csv.gz', whole.subarray(0, whole.length - 12));
    const e = await errorOf(readTabularFile(gz, { symbol: 'X' }));
    expect(e.message).toMatch(new RegExp(`^${gz.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: gzip data is damaged or cut short \\(`));
  });
});

describe('zstd', () => {
  it('a frame of raw blocks (RFC 8878) reads as its CSV', async () => {
    const zst = file('AAPL.csv.zst', zstdRawFrame(DAILY));
    const [t] = await tables(zst);
    expect(t.rows).toEqual(DAILY_ROWS);
    expect(t.decisions.container).toBe('zstd');
  });

  it('a frame compressed by the reference zstd tool reads as the text it compressed', async () => {
    const zst = file('AAPL.zst', ZSTD_COMPRESSED);
    const [t] = await tables(zst);
    expect(t.rows.length).toBe(6);
    expect(t.rows[0]).toEqual({ Date: '2024-01-02', Open: '187.15', High: '188.44', Low: '183.89', Close: '185.64', Volume: '82488700' });
    expect(t.rows[5]).toEqual({ Date: '2024-01-09', Open: '183.92', High: '185.15', Low: '182.73', Close: '185.14', Volume: '42841800' });
    expect(ZSTD_TEXT.split('\n').length - 2, 'the fixture text holds 6 rows').toBe(6);
  });

  it('a file larger than one block and than the scratch chunk streams through (several frames back to back)', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => `${1704153600 + i * 60},10.5,11,10,10.75,${i}`);
    const text = ['ts,open,high,low,close,volume', ...rows, ''].join('\n');
    const half = text.indexOf('\n', text.length >> 1) + 1;
    const zst = file('big.zst', Buffer.concat([zstdRawFrame(text.slice(0, half)), zstdRawFrame(text.slice(half))]));
    const [batch] = await readTabularFile(zst, { symbol: 'X' });
    expect(batch.ts.length).toBe(40_000);
    expect(batch.ts[39_999], 'last row: 1704153600 + 39999 × 60 s').toBe(BigInt(1704153600 + 39_999 * 60) * 1_000_000_000n);
    expect(batch.values.volume[39_999]).toBe(39_999);
  });

  it('a zstd frame cut short is "damaged or cut short"', async () => {
    const zst = file('cut.zst', ZSTD_COMPRESSED.subarray(0, 40));
    expect((await errorOf(readTabularFile(zst, { symbol: 'X' }))).message).toBe(`${zst}: zstd data is damaged or cut short (unexpected EOF)`);
  });
});

describe('zip', () => {
  it('a zip with one CSV is one source named archive.zip:member.csv', async () => {
    const zip = file('AAPL.zip', zipArchive([{ name: 'AAPL.csv', data: DAILY }]));
    const sources = await readTabularSources(zip, { symbol: 'AAPL' });
    expect(sources.map((s) => [s.file, s.name, s.decisions.container])).toEqual([[`${zip}:AAPL.csv`, 'AAPL.zip:AAPL.csv', 'zip:AAPL.csv']]);
    expect(sources[0].id.endsWith('AAPL.zip:AAPL.csv')).toBe(true);
    expect(Array.from(sources[0].batches[0].ts)).toEqual([JAN2, JAN3]);
  });

  it('a zip with two CSVs gives each as its own source, and an error in the second names it and its line', async () => {
    const other = DAILY.replace(/2024-01-0(\d)/g, '2024-02-0$1');
    const zip = file('two.zip', zipArchive([{ name: 'jan.csv', data: DAILY }, { name: 'feb/feb.csv', data: other, method: 0 }]));
    const sources = await readTabularSources(zip, { symbol: 'X' });
    expect(sources.map((s) => s.name)).toEqual(['two.zip:jan.csv', 'two.zip:feb/feb.csv']);
    expect(sources.map((s) => s.decisions.container)).toEqual(['zip:jan.csv', 'zip:feb/feb.csv']);
    expect(sources[1].batches[0].ts[0], 'the stored (uncompressed) member').toBe(BigInt(Date.UTC(2024, 1, 2)) * 1_000_000n);
    expect((await readTabularFile(zip, { symbol: 'X' })).length, 'readTabularFile: every batch of every member').toBe(2);
    const e = await errorOf(readTabularSource(zip, { symbol: 'X' }));
    expect(e.message).toBe(`${zip} holds 2 data files (two.zip:jan.csv, two.zip:feb/feb.csv)`);
    const bad = file('bad.zip', zipArchive([{ name: 'jan.csv', data: DAILY }, { name: 'feb.csv', data: other.replace('58414500', '5841,4500') }]));
    expect((await errorOf(readTabularSources(bad, { symbol: 'X' }))).message).toBe(`${bad}:feb.csv line 3 (row 2): 7 fields but the header has 6`);
  });

  it('a Binance klines zip is one headerless source of 12 text columns with its first row kept', async () => {
    // data.binance.vision spot klines: open_time, open, high, low, close, volume, close_time, quote_volume, count,
    // taker_buy_volume, taker_buy_quote_volume, ignore; no header line.
    const klines = [
      '1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.61726960,1327,21.04461000,889858.36143950,0',
      '1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.67712000,1704067319999,917299.80385850,922,13.45587000,569395.15497520,0',
      '1704067320000,42319.99000000,42331.54000000,42319.99000000,42325.50000000,17.28254000,1704067379999,731461.57437780,869,9.50727000,402354.35898740,0',
      '',
    ].join('\n');
    const zip = file('BTCUSDT-1m-2024-01-01.zip', zipArchive([{ name: 'BTCUSDT-1m-2024-01-01.csv', data: klines }]));
    const [t] = await tables(zip);
    expect(t.file).toBe(`${zip}:BTCUSDT-1m-2024-01-01.csv`);
    expect(t.decisions.header).toBe(HEADERLESS);
    expect(t.columns).toEqual(Array.from({ length: 12 }, (_, i) => `column_${i + 1}`));
    expect(t.rows.length, 'three lines, three rows: the first is data').toBe(3);
    expect(t.rows[0].column_1).toBe('1704067200000');
    expect(t.rows[0].column_6).toBe('35.92724000');
    expect(t.rows[2].column_12).toBe('0');
    expect(t.lineOf(0), 'row 1 is line 1').toBe('line 1 (row 1)');
  });

  it('reads every CSV member and says which other members it left (HistData packs a .txt report beside its CSV)', async () => {
    const zip = file('HISTDATA.zip', zipArchive([{ name: 'DAT_ASCII_EURUSD_M1_2024.csv', data: DAILY }, { name: 'DAT_ASCII_EURUSD_M1_2024.txt', data: 'HistData.com report\n' }, { name: '__MACOSX/._x.csv', data: 'junk' }]));
    const [t, ...more] = await tables(zip);
    expect(more).toEqual([]);
    expect(t.decisions.warnings).toEqual(['the archive also holds DAT_ASCII_EURUSD_M1_2024.txt: not read (not CSV or Parquet)']);
  });

  it('chooses CSV/TSV/Parquet members first, text members only when there are none, never junk', () => {
    expect(chooseMembers(['a.csv', 'b.TSV', 'c.parquet', 'd.csv.gz', 'readme.txt', 'dir/', '.DS_Store', '__MACOSX/._a.csv'])).toEqual({ read: ['a.csv', 'b.TSV', 'c.parquet', 'd.csv.gz'], skipped: ['readme.txt'] });
    expect(chooseMembers(['EURUSD.txt', 'data', 'notes.pdf'])).toEqual({ read: ['EURUSD.txt', 'data'], skipped: ['notes.pdf'] });
  });

  it('a zip with no data file, an Excel workbook, an empty zip and a damaged member each say so', async () => {
    const none = file('none.zip', zipArchive([{ name: 'notes.pdf', data: '%PDF' }]));
    expect((await errorOf(readTabularFile(none))).message).toBe(`${none}: the zip archive holds no CSV or Parquet file (it holds notes.pdf)`);
    const xlsx = file('book.csv', zipArchive([{ name: '[Content_Types].xml', data: '<x/>' }, { name: 'xl/workbook.xml', data: '<x/>' }]));
    const e = await errorOf(readTabularFile(xlsx));
    expect(e.message).toBe(`${xlsx}: an Excel .xlsx workbook, not a CSV file`);
    expect(e.hint).toBe('export the sheet as CSV');
    const empty = file('empty.zip', zipArchive([]));
    expect((await errorOf(readTabularFile(empty))).message).toBe(`${empty}: the zip archive holds no CSV or Parquet file (it is empty)`);
    const crc = file('crc.zip', zipArchive([{ name: 'a.csv', data: DAILY, crc: 0x12345678 }]));
    expect((await errorOf(readTabularFile(crc, { symbol: 'X' }))).message).toBe(`${crc}:a.csv: damaged in the archive (CRC-32 does not match)`);
  });

  it('containers nest: a .csv.gz inside a zip', async () => {
    const zip = file('nested.zip', zipArchive([{ name: 'AAPL.csv.gz', data: gzipSync(DAILY), method: 0 }]));
    const [t] = await tables(zip);
    expect(t.rows).toEqual(DAILY_ROWS);
    expect(t.decisions.container).toBe('zip:AAPL.csv.gz → gzip');
  });
});

describe('content, not the name, decides', () => {
  it('.txt, .dat and no extension read like .csv', async () => {
    for (const name of ['AAPL.txt', 'AAPL.dat', 'AAPL']) {
      const [t] = await tables(file(name, DAILY));
      expect(t.rows, name).toEqual(DAILY_ROWS);
    }
  });

  it('Parquet is Parquet by its PAR1 magic whatever its name, also inside gzip; a .parquet name that is text is a broken Parquet file', async () => {
    const { default: pl } = await import('nodejs-polars');
    const path = join(tmp.dir, 'p.parquet');
    pl.DataFrame({ ts: ['2024-01-02T10:00:00Z'], price: [10.5], size: [3] }).writeParquet(path);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    for (const [name, data] of [['named.csv', bytes], ['trades.parquet.gz', gzipSync(bytes)]] as const) {
      const [batch] = await readTabularFile(file(name, data), { symbol: 'X' });
      expect([batch.kind, batch.values.price[0], batch.values.size[0]], name).toEqual(['trades', 10.5, 3]);
    }
    const text = file('x.parquet', 'ts,price,size\n');
    expect((await errorOf(readTabularFile(text))).message).toBe(`${text}: not a Parquet file (it does not start with PAR1)`);
    const [forced] = await tables(text, { format: 'csv' });
    expect(forced.columns, '--format csv reads it as text').toEqual(['ts', 'price', 'size']);
  });
});

describe('standard input', () => {
  it('- reads the stream it is given, gzip included, and names it stdin', async () => {
    const sources = await readTabularSources('-', { symbol: 'AAPL', stdin: Readable.from([gzipSync(DAILY)]) });
    expect(sources.map((s) => [s.file, s.name, s.decisions.container])).toEqual([['stdin', 'stdin', 'stdin → gzip']]);
    expect(sources[0].id, 'the origin of piped data is its content').toMatch(/^stdin:[0-9a-f]{64}$/);
    expect(Array.from(sources[0].batches[0].ts)).toEqual([JAN2, JAN3]);
    const e = await errorOf(readTabularSources('-', { symbol: 'X', stdin: Readable.from([Buffer.from(DAILY.replace('184.25', 'x'))]) }));
    expect(e.message).toBe('stdin line 3 (row 2): Close "x" is not a number');
    expect((await errorOf(readTabularSources('-', { stdin: Readable.from([]) }))).message).toBe('stdin: empty file');
  });
});

describe('scratch files', () => {
  it('are removed after a read, after a failed read, and after a loop left early', async () => {
    const previous = process.env.TMPDIR;
    const scratchRoot = join(tmp.dir, 'scratch-root');
    mkdirSync(scratchRoot);
    process.env.TMPDIR = scratchRoot;
    try {
      await readTabularFile(file('ok.zip', zipArchive([{ name: 'a.csv.gz', data: gzipSync(DAILY) }])), { symbol: 'X' });
      await errorOf(readTabularFile(file('bad.csv.gz', gzipSync(DAILY.replace('184.25', 'x'))), { symbol: 'X' }));
      await errorOf(readTabularFile(file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(DAILY.replace('184.25', 'x'), 'utf16le')])), { symbol: 'X' }));
      for await (const opened of openRawTables(file('two.zip', zipArchive([{ name: 'a.csv', data: DAILY }, { name: 'b.csv', data: DAILY }])))) {
        expect(readdirSync(scratchRoot).length, 'a scratch folder while the read runs').toBe(1);
        expect(opened.name).toBe('two.zip:a.csv');
        break;
      }
      expect(readdirSync(scratchRoot)).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });
});
