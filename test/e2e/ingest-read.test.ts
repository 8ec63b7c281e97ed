/**
 * Issue 9, reading layer, through the real CLI: containers, `-` for standard input, delimiters, encodings and
 * headerless files, and what `cift ingest` reports it decided (summary line and `--json` "read").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, cift, tempDir, homeMaker, writeText } from '../helpers.js';
import { zipArchive, zstdRawFrame } from '../sources/byte-layouts.js';

const tmp = tempDir('cift-ingest-read-');
afterAll(tmp.cleanup);
const freshHome = homeMaker(tmp.dir);
const put = (name: string, bytes: Buffer | string) => writeText(tmp.dir, name, bytes);

/** Runs the CLI with `input` piped to its standard input. */
function ciftPiped(args: string[], home: string, input: Buffer) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'cift.js'), ...args], { cwd: ROOT, env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1', FORCE_COLOR: '' }, input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: { status: number; stderr: string }, status: number, message: string): void {
  const lines = r.stderr.trim().split('\n');
  expect(r.status, r.stderr).toBe(status);
  expect(lines[0]).toBe(`cift: ${message}`);
  expect(lines.length, 'one error line, at most one hint line').toBeLessThanOrEqual(2);
}

interface Stored {
  source: string;
  symbol: string;
  rows: number;
  first: string;
  last: string;
  read: Record<string, unknown>;
}
const stored = (stdout: string) => JSON.parse(stdout) as Stored[];

// Yahoo's daily download (Date,Open,High,Low,Close,Adj Close,Volume), AAPL, first days of 2024.
const YAHOO = [
  'Date,Open,High,Low,Close,Adj Close,Volume',
  '2024-01-02,187.149994,188.440002,183.889999,185.639999,184.938217,82488700',
  '2024-01-03,184.220001,185.880005,183.429993,184.250000,183.553482,58414500',
  '2024-01-04,182.149994,183.089996,180.880005,181.910004,181.222336,71983600',
  '',
].join('\n');

describe('containers', () => {
  it('a Yahoo .csv.gz ingests with only --symbol, reports gzip, and its first bar is the file\'s own', () => {
    const home = freshHome();
    const gz = put('AAPL.csv.gz', gzipSync(YAHOO));
    const r = cift(['ingest', gz, '--symbol', 'AAPL', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const [s] = stored(r.stdout);
    expect(s).toMatchObject({ source: 'AAPL.csv.gz', symbol: 'AAPL', rows: 3, first: '2024-01-02T00:00:00.000Z', last: '2024-01-04T00:00:00.000Z' });
    expect(s.read).toMatchObject({ format: 'csv', container: 'gzip', encoding: 'utf-8', delimiter: ',', decimal: '.', header: 'line 1' });
    const bars = JSON.parse(cift(['bars', 'AAPL', '--json'], { home }).stdout) as Array<Record<string, unknown>>;
    expect(bars[0]).toMatchObject({ ts: '2024-01-02T00:00:00.000Z', open: 187.149994, high: 188.440002, low: 183.889999, close: 185.639999, volume: 82488700 });
  });

  it('a zip with two CSVs stores each as its own source, named archive.zip:member.csv, and says what it read', () => {
    const home = freshHome();
    const feb = YAHOO.replace(/2024-01-0/g, '2024-02-0');
    const zip = put('two.zip', zipArchive([{ name: 'jan.csv', data: YAHOO }, { name: 'feb.csv', data: feb }]));
    const r = cift(['ingest', zip, '--symbol', 'AAPL', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = stored(r.stdout);
    expect(out.map((s) => [s.source, s.rows, s.first, s.read.container])).toEqual([
      ['two.zip:jan.csv', 3, '2024-01-02T00:00:00.000Z', 'zip:jan.csv'],
      ['two.zip:feb.csv', 3, '2024-02-02T00:00:00.000Z', 'zip:feb.csv'],
    ]);
    const list = JSON.parse(cift(['ingest', '--list', '--json'], { home }).stdout) as Array<{ symbol: string; rows: number; sources: Array<{ label: string }> }>;
    const aapl = list.find((s) => s.symbol === 'AAPL')!;
    expect(aapl.rows).toBe(6);
    expect(aapl.sources.map((s) => s.label).sort()).toEqual(['two.zip:feb.csv', 'two.zip:jan.csv']);
    const again = cift(['ingest', zip, '--symbol', 'AAPL'], { home: freshHome() });
    expect(again.stdout).toContain('read two.zip:jan.csv: zip:jan.csv → csv, utf-8, delimiter ",", header line 1');
  });

  it('a .zst and a .txt ingest like the CSV inside them', () => {
    const home = freshHome();
    const zst = cift(['ingest', put('AAPL.zst', zstdRawFrame(YAHOO)), '--symbol', 'ZST', '--json'], { home });
    expect(zst.status, zst.stderr).toBe(0);
    expect(stored(zst.stdout)[0]).toMatchObject({ rows: 3, read: { container: 'zstd' } });
    const txt = cift(['ingest', put('AAPL.txt', YAHOO), '--symbol', 'TXT', '--json'], { home });
    expect(txt.status, txt.stderr).toBe(0);
    expect(stored(txt.stdout)[0]).toMatchObject({ rows: 3, last: '2024-01-04T00:00:00.000Z' });
  });

  it('a Binance klines zip (headerless) keeps its first row when its columns are named', () => {
    const klines = ['1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.61726960,1327,21.04461000,889858.36143950,0', '1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.67712000,1704067319999,917299.80385850,922,13.45587000,569395.15497520,0', ''].join('\n');
    const zip = put('BTCUSDT-1m-2024-01-01.zip', zipArchive([{ name: 'BTCUSDT-1m-2024-01-01.csv', data: klines }]));
    const map = ['ts=column_1', 'open=column_2', 'high=column_3', 'low=column_4', 'close=column_5', 'volume=column_6'].flatMap((m) => ['--map', m]);
    const r = cift(['ingest', zip, '--symbol', 'BTCUSDT', ...map, '--json'], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    const [s] = stored(r.stdout);
    expect(s, 'two lines, two rows: the first line is data').toMatchObject({ rows: 2, first: '2024-01-01T00:00:00.000Z', last: '2024-01-01T00:01:00.000Z' });
    expect(s.read.header).toBe('none: the first row is data');
  });
});

describe('standard input', () => {
  it('- reads piped bytes (gzip included) and names the source stdin', () => {
    const home = freshHome();
    const r = ciftPiped(['ingest', '-', '--symbol', 'SPY', '--json'], home, gzipSync(YAHOO));
    expect(r.status, r.stderr).toBe(0);
    const [s] = stored(r.stdout);
    expect(s).toMatchObject({ source: 'stdin', rows: 3, first: '2024-01-02T00:00:00.000Z' });
    expect(s.read).toMatchObject({ container: 'stdin → gzip', format: 'csv' });
  });

  it('--format parquet on piped CSV fails in one line; piped Parquet is read as Parquet', async () => {
    const home = freshHome();
    expectOneLineError(ciftPiped(['ingest', '-', '--symbol', 'SPY', '--format', 'parquet'], home, Buffer.from(YAHOO)), 1, 'stdin: not a Parquet file (it does not start with PAR1)');
    const { default: pl } = await import('nodejs-polars');
    const path = join(tmp.dir, 'piped.parquet');
    pl.DataFrame({ ts: ['2024-01-02T10:00:00Z', '2024-01-02T10:00:01Z'], price: [10.5, 10.75], size: [3, 4] }).writeParquet(path);
    const r = ciftPiped(['ingest', '-', '--symbol', 'PQ', '--json'], home, readFileSync(path));
    expect(r.status, r.stderr).toBe(0);
    expect(stored(r.stdout)[0]).toMatchObject({ rows: 2, read: { format: 'parquet', container: 'stdin' } });
  });
});

describe('dialects and encodings', () => {
  it('a ; file and a tab file report their delimiter', () => {
    const home = freshHome();
    for (const [name, d] of [['semi.csv', ';'], ['tabs.tsv', '\t']] as const) {
      const r = cift(['ingest', put(name, YAHOO.replaceAll(',', d)), '--symbol', name === 'semi.csv' ? 'SEMI' : 'TABS', '--json'], { home });
      expect(r.status, r.stderr).toBe(0);
      expect(stored(r.stdout)[0]).toMatchObject({ rows: 3, read: { delimiter: d } });
    }
  });

  it('cp1252 text fails without --encoding (one line, naming the flag) and ingests with --encoding cp1252', () => {
    const bytes = Buffer.concat([Buffer.from('ts,symbol,price,size,venue\n2024-01-02T10:00:00Z,SAP,10,1,Xetra\n2024-01-02T10:00:01Z,SAP,11,2,B'), Buffer.from([0xf6]), Buffer.from('rse\n')]);
    const file = put('latin.csv', bytes);
    const r = cift(['ingest', file], { home: freshHome() });
    expectOneLineError(r, 1, `${file} line 3: not UTF-8 text (byte 0xF6)`);
    expect(r.stderr).toContain('hint: give its encoding, e.g. --encoding cp1252');
    const ok = cift(['ingest', file, '--encoding', 'cp1252', '--json'], { home: freshHome() });
    expect(ok.status, ok.stderr).toBe(0);
    expect(stored(ok.stdout)[0]).toMatchObject({ symbol: 'SAP', rows: 2, read: { encoding: 'windows-1252' } });
  });

  it("yfinance's three header lines are one header: the ticker is reported and the rows start on line 4", () => {
    const yf = ['Price,Close,High,Low,Open,Volume', 'Ticker,AAPL,AAPL,AAPL,AAPL,AAPL', 'Date,,,,,', '2024-01-02,184.73403930664062,187.52971649169922,182.99364757537842,186.03308715820312,82488700', '2024-01-03,183.35154724121094,184.7738788604736,182.38746213912964,183.1132597219181,58414500', ''].join('\n');
    const file = put('AAPL-yf.csv', yf);
    const r = cift(['ingest', file, '--symbol', 'AAPL', '--json'], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    expect(stored(r.stdout)[0]).toMatchObject({ rows: 2, first: '2024-01-02T00:00:00.000Z', read: { header: 'yfinance (3 header lines)', ticker: 'AAPL' } });
    expect(cift(['ingest', file, '--symbol', 'AAPL'], { home: freshHome() }).stdout).toContain('header yfinance (3 header lines), ticker AAPL');
    expectOneLineError(cift(['ingest', put('AAPL-yf-bad.csv', yf.replace('58414500', 'x')), '--symbol', 'AAPL'], { home: freshHome() }), 1, `${join(tmp.dir, 'AAPL-yf-bad.csv')} line 5 (row 2): Volume "x" is not a number`);
  });

  it('a UTF-16 file with a byte-order mark ingests and reports utf-16le', () => {
    const r = cift(['ingest', put('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(YAHOO, 'utf16le')])), '--symbol', 'U16', '--json'], { home: freshHome() });
    expect(r.status, r.stderr).toBe(0);
    expect(stored(r.stdout)[0]).toMatchObject({ rows: 3, read: { encoding: 'utf-16le' } });
  });
});

describe('scratch folders', () => {
  it('none is left after a read, and one left by a killed cift process is removed by the next read', () => {
    const root = join(tmp.dir, 'tmp-root');
    mkdirSync(root);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(root, `cift-read-${dead}-Ab12Cd`));
    writeFileSync(join(root, `cift-read-${dead}-Ab12Cd`, '1-rows.csv'), 'left by a killed read');
    mkdirSync(join(root, `cift-read-${process.pid}-Zz99Yy`));
    const gz = put('swept.csv.gz', gzipSync(YAHOO));
    const r = cift(['ingest', gz, '--symbol', 'SWEPT'], { home: freshHome(), env: { TMPDIR: root } });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(root), "the dead process's folder is gone, a running one's is kept, and the read left none").toEqual([`cift-read-${process.pid}-Zz99Yy`]);
  });
});

describe('reading flags are checked before any file is read', () => {
  const file = put('ok.csv', YAHOO);
  it.each([
    [['--encoding', 'klingon'], '--encoding "klingon" is not a text encoding cift knows'],
    [['--delimiter', ';;'], '--delimiter ";;" is not one character'],
    [['-', '-'], '- (standard input) is given more than once'],
  ])('%j is a usage error (exit 2)', (args, message) => {
    expectOneLineError(cift(['ingest', file, ...args, '--symbol', 'X'], { home: freshHome() }), 2, message);
  });

  it('--decimal and --format take only their choices', () => {
    expect(cift(['ingest', file, '--decimal', 'x', '--symbol', 'X'], { home: freshHome() }).status).toBe(2);
    expect(cift(['ingest', file, '--format', 'xlsx', '--symbol', 'X'], { home: freshHome() }).status).toBe(2);
  });
});
