import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, ROOT, cift, hasLobster, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

describe('cift CLI', () => {
  it('prints help with an Examples block for the program and every command', () => {
    const commands = [
      ['--help'], ['ingest', '--help'], ['ingest', 'lobster', '--help'], ['bars', '--help'], ['features', '--help'], ['backtest', '--help'], ['bench', '--help'],
      ['order', '--help'], ['order', 'buy', '--help'], ['order', 'sell', '--help'], ['order', 'cancel', '--help'], ['order', 'list', '--help'],
      ['order', 'positions', '--help'], ['order', 'portfolio', '--help'], ['order', 'limits', '--help'],
      ['serve', '--help'], ['order', 'accounts', '--help'],
      ['risk', '--help'], ['risk', 'check', '--help'], ['risk', 'max-size', '--help'], ['risk', 'limits', '--help'], ['risk', 'report', '--help'],
    ];
    for (const args of commands) {
      const r = cift(args, { home });
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Examples:\n {2}cift /);
    }
  }, 180_000); // 22 processes: on a loaded machine a minute is not enough

  it('lists every feature kernel as a table and as JSON', () => {
    const table = cift(['features', '--list'], { home });
    expect(table.status, table.stderr).toBe(0);
    const json = JSON.parse(cift(['features', '--list', '--json'], { home }).stdout);
    const names = json.map((k: { name: string }) => k.name);
    for (const k of ['sma', 'ema', 'rsi', 'macd', 'bbands', 'stddev', 'atr', 'roc', 'logret', 'vwap', 'rvwap', 'mid', 'spread', 'microprice', 'ofi', 'mlofi', 'wofi', 'book_pressure', 'book_slope', 'depth', 'weighted_mid']) {
      expect(names, k).toContain(k);
      expect(table.stdout, k).toContain(k);
    }
    expect(json.find((k: { name: string }) => k.name === 'macd').warmup).toEqual([25, 33, 33]);
    // Book kernels list their per-level columns for the default levels.
    const mlofi = json.find((k: { name: string }) => k.name === 'mlofi');
    expect(mlofi.on).toBe('book');
    expect(mlofi.inputs.slice(0, 5)).toEqual(['bid_px_1', 'bid_px_2', 'bid_px_3', 'bid_px_4', 'bid_px_5']);
    expect(mlofi.inputs).toHaveLength(20);
    expect(mlofi.outputs).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
    // Book features (one row per book update) and bar features line up only on bars.
    const book = cift(['features', 'GOOG', '--set', 'rsi:14,mlofi:5'], { home });
    expect(book.status).toBe(2);
    expect(book.stderr).toContain('bar features (rsi) and book features (mlofi) together need --interval');
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    expect(cift(['--version'], { home }).stdout.trim()).toBe(pkg.version);
  });

  it('makes weekly GOOG bars from the shipped data with no ingest', () => {
    const r = cift(['bars', 'GOOG', '--interval', '1w', '--export', 'json'], { home: join(tmp.dir, 'empty-home') });
    expect(r.status).toBe(0);
    const bars = JSON.parse(r.stdout);
    expect(Object.keys(bars[0])).toEqual(['ts', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades']);
    expect(bars[0].ts, 'GOOG starts Thu 2004-08-19; its week starts Monday 16th').toBe('2004-08-16T00:00:00.000Z');
    expect(bars[0].trades, 'daily input has no trade counts').toBeNull();
  });

  it('exports bars as Parquet and Arrow IPC that read back with the same rows and ns timestamps', async () => {
    const { loadPolars } = await import('../../src/polars.js');
    const { readFileSync: read } = await import('node:fs');
    const pl = await loadPolars();
    const pq = join(tmp.dir, 'goog-weekly.parquet');
    const ipc = join(tmp.dir, 'goog-weekly.arrow');
    expect(cift(['bars', 'GOOG', '--interval', '1w', '--out', pq], { home }).status).toBe(0);
    expect(cift(['bars', 'GOOG', '--interval', '1w', '--export', 'arrow', '--out', ipc], { home }).status).toBe(0);
    const fromJson = JSON.parse(cift(['bars', 'GOOG', '--interval', '1w', '--json'], { home }).stdout);
    for (const frame of [pl.readParquet(pq), pl.readIPC(read(ipc))]) {
      expect(frame.columns).toEqual(['ts', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades']);
      expect(frame.height).toBe(fromJson.length);
      const ts = frame.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array;
      expect(new Date(Number(ts[0] / 1_000_000n)).toISOString()).toBe(fromJson[0].ts);
      expect((frame.getColumn('close').toTypedArray() as Float64Array)[5]).toBe(fromJson[5].close);
    }
    const binary = cift(['bars', 'GOOG', '--export', 'parquet'], { home });
    expect(binary.status, 'stdout is a pipe here: the bytes go to it (trust-backtest.test.ts reads them back)').toBe(0);
    expect(binary.stdout.startsWith('PAR1')).toBe(true);
  });

  it('fails on a malformed CSV with one stderr line, exit 1, and stores nothing', () => {
    const bad = writeText(tmp.dir, 'bad.csv', ['Date,Open,High,Low,Close,Volume', '2004-08-19,1,2,1,2,5', '2004-08-20,1,2,1,2,5', '2004-08-23,1,2,1,2,5', '2004-08-24,1,2,1,abc,5'].join('\n'));
    const r = cift(['ingest', 'bad.csv', '--symbol', 'BAD'], { home, cwd: tmp.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cift: bad.csv line 5 (row 4): Close "abc" is not a number\n');
    expect(r.stdout).toBe('');
    const list = JSON.parse(cift(['ingest', '--list', '--json'], { home }).stdout);
    expect(list.some((s: { symbol: string }) => s.symbol === 'BAD')).toBe(false);
    void bad;
  });

  it('exits 2 on a usage error and names the problem on stderr', () => {
    const r = cift(['bars', 'GOOG', '--interval', 'weekly'], { home });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('cift: interval "weekly" is not valid');
    const unknown = cift(['bars', 'GOOG', '--bogus'], { home });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^cift: unknown option '--bogus'/);
  });

  it('suggests a symbol for a typo, exit 1', () => {
    const r = cift(['bars', 'GOGO'], { home });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cift: no data for symbol "GOGO"\nhint: did you mean GOOG?\n');
  });

  it('ingests a CSV, lists it as JSON, and re-ingesting replaces rather than doubles', () => {
    const file = writeText(tmp.dir, 'ticks.csv', ['timestamp,price,size', '2024-01-02T10:00:00Z,10,1', '2024-01-02T10:00:00Z,10,1', '2024-01-02T10:00:30Z,11,2'].join('\n'));
    const first = cift(['ingest', file, '--symbol', 'TCK', '--json'], { home });
    expect(first.status).toBe(0);
    const stored = JSON.parse(first.stdout);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ source: 'ticks.csv', symbol: 'TCK', kind: 'trades', rows: 3, first: '2024-01-02T10:00:00.000Z', last: '2024-01-02T10:00:30.000Z', replaced_rows: 0, stored_rows: 3 });
    expect(stored[0].read, 'what reading the file decided').toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',', header: 'line 1' });
    const again = JSON.parse(cift(['ingest', file, '--symbol', 'TCK', '--json'], { home }).stdout);
    expect(again[0]).toMatchObject({ replaced_rows: 3, stored_rows: 3 });
    const bars = JSON.parse(cift(['bars', 'TCK', '--interval', '1m', '--json'], { home }).stdout);
    expect(bars).toEqual([{ ts: '2024-01-02T10:00:00.000Z', open: 10, high: 11, low: 10, close: 11, volume: 4, vwap: 10.5, trades: 3 }]);
  });

  it('generates the same seeded synthetic series every time, and stores it like any source', () => {
    const a = join(tmp.dir, 'syn-a');
    const b = join(tmp.dir, 'syn-b');
    for (const h of [a, b]) expect(cift(['ingest', 'synthetic', '--symbol', 'syn', '--rows', '5000', '--seed', '3', '--kind', 'bars', '--every', '1m'], { home: h }).status).toBe(0);
    const barsA = cift(['bars', 'SYN', '--interval', '1h', '--export', 'csv'], { home: a }).stdout;
    const barsB = cift(['bars', 'SYN', '--interval', '1h', '--export', 'csv'], { home: b }).stdout;
    expect(barsA.split('\n').length - 2, '5000 minutes starting 14:30 span 84 hours').toBe(84);
    expect(barsA).toBe(barsB);
    const list = JSON.parse(cift(['ingest', '--list', '--json'], { home: a }).stdout);
    expect(list.find((s: { symbol: string }) => s.symbol === 'SYN')).toMatchObject({ kind: 'bars', rows: 5000, first: '2024-01-02T14:30:00.000Z' });
  });

  it('exits 0 quietly when the reader of its output goes away (cift … | head)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cift.js'), 'backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '--json'], { env: { ...process.env, CIFT_HOME: home } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Close the read end before the program writes anything, so its first write meets a broken pipe.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('respects NO_COLOR: no escape codes in errors', () => {
    const r = cift(['bars', 'NOPE'], { home, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(r.stderr).not.toMatch(/\u001b\[/);
  });
});

describe.runIf(hasLobster)('cift on the LOBSTER AAPL day', () => {
  it('ingests the pair and writes the 390 one-minute trade bars to a CSV file', () => {
    const lobsterHome = join(tmp.dir, 'lobster-home');
    const ingest = cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK, '--json'], { home: lobsterHome });
    expect(ingest.status, ingest.stderr).toBe(0);
    const summary = JSON.parse(ingest.stdout);
    expect(summary.map((s: { kind: string; rows: number }) => [s.kind, s.rows])).toEqual([
      ['trades', 34990],
      ['quotes', 118497],
      ['book', 118497],
    ]);
    const out = join(tmp.dir, 'aapl-1m.csv');
    const bars = cift(['bars', 'AAPL', '--interval', '1m', '--export', 'csv', '--out', out], { home: lobsterHome });
    expect(bars.status, bars.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('ts,open,high,low,close,volume,vwap,trades');
    expect(lines.length - 1).toBe(390);
    expect(lines[1].startsWith('2012-06-21T13:30:00.000Z,')).toBe(true);
    expect(lines[390].startsWith('2012-06-21T19:59:00.000Z,')).toBe(true);
  });
});
