/**
 * Issue 8, the tick store's trustworthiness, end to end: a source is its content (1), stored vs shipped data is
 * never chosen silently (2), an unusable CIFT_HOME is a clear error (9), a damaged catalog names itself and
 * `--repair` rebuilds it (16). The crash-safety kill tests (8) are in trust-store-crash.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cift, tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let homes = 0;
const freshHome = () => join(tmp.dir, `home${homes++}`);

const SHIPPED_GOOG = join(ROOT, 'data', 'GOOG.csv');
/** Data rows of the shipped GOOG file, counted from its text (header excluded, no trailing blank line). */
const SHIPPED_GOOG_ROWS = readFileSync(SHIPPED_GOOG, 'utf8').trim().split('\n').length - 1;

/**
 * A small LOBSTER pair written by hand: `n` messages half a second apart from 09:30:00 New York time on
 * 2012-06-21 (13:30:00 UTC); every third message (i = 0, 3, 6, …) is a visible execution (type 4).
 */
function lobsterPair(dir: string, symbol: string, n: number, priceBase = 500): { message: string; orderbook: string } {
  mkdirSync(dir, { recursive: true });
  const stem = `${symbol}_2012-06-21_34200000_57600000`;
  const msg: string[] = [];
  const book: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = (34200 + i * 0.5).toFixed(3);
    msg.push(`${t},${i % 3 === 0 ? 4 : 1},${1000 + i},100,${(priceBase + i) * 10000},${i % 2 === 0 ? -1 : 1}`);
    book.push(`${(priceBase + i + 1) * 10000},100,${(priceBase + i) * 10000},200`);
  }
  const message = join(dir, `${stem}_message_1.csv`);
  const orderbook = join(dir, `${stem}_orderbook_1.csv`);
  writeFileSync(message, `${msg.join('\n')}\n`);
  writeFileSync(orderbook, `${book.join('\n')}\n`);
  return { message, orderbook };
}

interface ListedSource {
  id: string;
  label: string;
  origin: string;
  rows: number;
}
interface ListedSeries {
  symbol: string;
  kind: string;
  rows: number;
  first: string;
  builtin: boolean;
  used: boolean;
  sources: ListedSource[];
}
const listOf = (home: string): ListedSeries[] => {
  const r = cift(['ingest', '--list', '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ListedSeries[];
};
const storedSeries = (home: string, symbol: string, kind: string) => listOf(home).find((s) => s.symbol === symbol && s.kind === kind && !s.builtin);

describe('item 1: a source is identified by its content', () => {
  it('stores the shipped GOOG file once when it is ingested from two paths, so a backtest sees each bar once', () => {
    const home = freshHome();
    const a = join(tmp.dir, 'copy-a', 'GOOG.csv');
    const b = join(tmp.dir, 'copy-b', 'prices.csv');
    for (const p of [a, b]) {
      mkdirSync(join(p, '..'), { recursive: true });
      copyFileSync(SHIPPED_GOOG, p);
    }
    expect(cift(['ingest', a, '--symbol', 'GOOG'], { home }).status).toBe(0);
    const second = cift(['ingest', b, '--symbol', 'GOOG', '--json'], { home });
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)[0], 'identical content replaces, it does not add').toMatchObject({ rows: SHIPPED_GOOG_ROWS, replaced_rows: SHIPPED_GOOG_ROWS, stored_rows: SHIPPED_GOOG_ROWS });
    const series = storedSeries(home, 'GOOG', 'bars')!;
    expect(series.rows).toBe(SHIPPED_GOOG_ROWS);
    expect(series.sources.map((s) => s.label)).toEqual(['prices.csv']);

    const args = ['backtest', '--strategy', 'sma-cross', '--json'];
    const stored = cift([...args, '--symbol', 'GOOG', '--source', 'stored'], { home });
    const direct = cift([...args, '--data', SHIPPED_GOOG], { home });
    expect(stored.status, stored.stderr).toBe(0);
    const s = JSON.parse(stored.stdout);
    expect(s.run.input.rows, 'one bar per line of the file, not two').toBe(SHIPPED_GOOG_ROWS);
    expect(s.stats['Return [%]'], 'the same return as reading the file directly').toBe(JSON.parse(direct.stdout).stats['Return [%]']);
  });

  it('stores a LOBSTER day found in two folders once (trades and quotes)', () => {
    const home = freshHome();
    const one = lobsterPair(join(tmp.dir, 'lob-1'), 'DUP', 30);
    const two = lobsterPair(join(tmp.dir, 'lob-2'), 'DUP', 30);
    expect(cift(['ingest', 'lobster', one.message, one.orderbook], { home }).status).toBe(0);
    const again = cift(['ingest', 'lobster', two.message, two.orderbook, '--json'], { home });
    expect(again.status, again.stderr).toBe(0);
    expect(storedSeries(home, 'DUP', 'trades')!.rows, 'messages 0, 3, …, 27 are executions: 10').toBe(10);
    expect(storedSeries(home, 'DUP', 'quotes')!.rows, 'one quote per book row').toBe(30);
    expect(storedSeries(home, 'DUP', 'trades')!.sources.length).toBe(1);
  });

  it('refuses a different file over the same times with one line naming both files, and stores nothing of it', () => {
    const home = freshHome();
    const first = join(tmp.dir, 'first.csv');
    const second = join(tmp.dir, 'second.csv');
    writeFileSync(first, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n2024-01-02T10:00:30Z,11,2\n');
    writeFileSync(second, 'ts,price,size\n2024-01-02T10:00:20Z,20,1\n2024-01-02T10:01:00Z,21,2\n');
    expect(cift(['ingest', first, '--symbol', 'OVL'], { home }).status).toBe(0);
    const r = cift(['ingest', second, '--symbol', 'OVL'], { home });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const [message, hint, rest] = r.stderr.split('\n');
    expect(message).toMatch(/^cift: trades OVL from second\.csv .* overlaps stored source [0-9a-f]{12} first\.csv /);
    expect(hint).toMatch(/^hint: .*--replace.*--append/);
    expect(rest, 'two lines: the error and its hint').toBe('');
    expect(storedSeries(home, 'OVL', 'trades')!.rows, 'only the first file').toBe(2);
  });

  it('a file changed in place needs --replace, and says so; --replace then stores only the new content', () => {
    const home = freshHome();
    const file = join(tmp.dir, 'changing.csv');
    writeFileSync(file, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n2024-01-02T10:00:30Z,11,2\n');
    expect(cift(['ingest', file, '--symbol', 'CHG'], { home }).status).toBe(0);
    writeFileSync(file, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n2024-01-02T10:00:30Z,11,2\n2024-01-02T10:01:30Z,12,1\n');
    const refused = cift(['ingest', file, '--symbol', 'CHG'], { home });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('hint: changing.csv was ingested before with different content: --replace');
    const replaced = cift(['ingest', file, '--symbol', 'CHG', '--replace', '--json'], { home });
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)[0]).toMatchObject({ rows: 3, replaced_rows: 2, stored_rows: 3 });
    const bars = JSON.parse(cift(['bars', 'CHG', '--interval', '1m', '--json'], { home }).stdout);
    expect(bars.map((b: { volume: number }) => b.volume), 'minute 10:00 has sizes 1 + 2, minute 10:01 has 1; nothing doubled').toEqual([3, 1]);
  });

  it('--append keeps both overlapping files; --replace and --append together are a usage error', () => {
    const home = freshHome();
    const a = join(tmp.dir, 'app-a.csv');
    const b = join(tmp.dir, 'app-b.csv');
    writeFileSync(a, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n');
    writeFileSync(b, 'ts,price,size\n2024-01-02T10:00:00Z,10,5\n');
    expect(cift(['ingest', a, '--symbol', 'APP'], { home }).status).toBe(0);
    expect(cift(['ingest', b, '--symbol', 'APP', '--append'], { home }).status).toBe(0);
    expect(storedSeries(home, 'APP', 'trades')!.rows).toBe(2);
    const both = cift(['ingest', b, '--symbol', 'APP', '--append', '--replace'], { home });
    expect(both.status).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('cift: --replace and --append contradict each other');
  });

  it('checks a LOBSTER pair as a whole: an overlap in its quotes stores neither its trades nor its quotes', () => {
    const home = freshHome();
    const quotesOnly = join(tmp.dir, 'book.csv');
    writeFileSync(quotesOnly, 'ts,bid,ask,bid_size,ask_size\n2012-06-21T13:30:05Z,1,2,1,1\n');
    expect(cift(['ingest', quotesOnly, '--symbol', 'PAIR'], { home }).status).toBe(0);
    const pair = lobsterPair(join(tmp.dir, 'pair'), 'PAIR', 30);
    const r = cift(['ingest', 'lobster', pair.message, pair.orderbook], { home });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cift: quotes PAIR from PAIR_2012-06-21_34200000_57600000_message_1\.csv .* overlaps stored source [0-9a-f]{12} book\.csv/);
    expect(storedSeries(home, 'PAIR', 'trades'), 'the trades were not stored either').toBeUndefined();
  });

  it('--list shows the stored sources with ids beside the shipped sample data; --rm removes by id prefix or symbol', () => {
    const home = freshHome();
    const a = join(tmp.dir, 'rm-a.csv');
    const b = join(tmp.dir, 'rm-b.csv');
    writeFileSync(a, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n');
    writeFileSync(b, 'ts,price,size\n2024-01-03T10:00:00Z,10,1\n');
    expect(cift(['ingest', a, b, '--symbol', 'RMX'], { home }).status).toBe(0);
    const listed = storedSeries(home, 'RMX', 'trades')!;
    expect(listed.sources.map((s) => s.label)).toEqual(['rm-a.csv', 'rm-b.csv']);
    expect(listed.sources[0].origin).toBe(a);
    expect(listOf(home).some((s) => s.symbol === 'GOOG' && s.builtin), 'shipped data stays visible').toBe(true);
    const table = cift(['ingest', '--list'], { home }).stdout;
    expect(table).toContain(listed.sources[0].id.slice(0, 12));
    expect(table).toContain('shipped sample');

    const byId = cift(['ingest', '--rm', listed.sources[0].id.slice(0, 8), '--json'], { home });
    expect(byId.status, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout).map((s: ListedSource) => s.label)).toEqual(['rm-a.csv']);
    expect(storedSeries(home, 'RMX', 'trades')!.sources.map((s) => s.label)).toEqual(['rm-b.csv']);
    expect(cift(['ingest', '--rm', 'RMX'], { home }).status).toBe(0);
    expect(storedSeries(home, 'RMX', 'trades')).toBeUndefined();

    const unknown = cift(['ingest', '--rm', 'RMX'], { home });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toBe('cift: no stored source or symbol "RMX"');
    const shipped = cift(['ingest', '--rm', 'GOOG'], { home });
    expect(shipped.status).toBe(1);
    expect(shipped.stderr.split('\n')[0]).toBe('cift: nothing stored for "GOOG": its data is the shipped sample (read-only)');
  });

  it('keeps every source when several ingests commit at the same time', async () => {
    const home = freshHome();
    const files = [0, 1, 2, 3].map((k) => {
      const p = join(tmp.dir, `conc-${k}.csv`);
      writeFileSync(p, `ts,price,size\n2024-01-0${k + 2}T10:00:00Z,${10 + k},1\n`);
      return p;
    });
    const codes = await Promise.all(
      files.map(
        (f, k) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, [join(ROOT, 'bin', 'cift.js'), 'ingest', f, '--symbol', `CC${k}`], { env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1' }, stdio: 'ignore' });
            child.on('exit', resolve);
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(listOf(home).filter((s) => s.symbol.startsWith('CC')).map((s) => s.symbol), 'no commit lost another').toEqual(['CC0', 'CC1', 'CC2', 'CC3']);
  });
});

describe('item 2: stored data never hides shipped data silently', () => {
  const home = freshHome();
  beforeAll(() => {
    const pair = lobsterPair(join(tmp.dir, 'goog-day'), 'GOOG', 300);
    const ingest = cift(['ingest', 'lobster', pair.message, pair.orderbook], { home });
    expect(ingest.status, ingest.stderr).toBe(0);
  });

  it('bars GOOG says on stderr, in one line, that it used the stored data and how to choose; stdout stays clean JSON', () => {
    const r = cift(['bars', 'GOOG', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length, r.stderr).toBe(1);
    expect(lines[0]).toContain('using the stored data');
    expect(lines[0]).toContain('--source stored|shipped');
    const bars = JSON.parse(r.stdout);
    expect(bars.length, '300 messages half a second apart span 150 s: minutes 13:30, 13:31 and 13:32').toBe(3);
  });

  it('--source shipped gives the shipped daily bars, with no notice', () => {
    const r = cift(['bars', 'GOOG', '--source', 'shipped', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const bars = JSON.parse(r.stdout);
    expect(bars.length).toBe(SHIPPED_GOOG_ROWS);
    expect(bars[0].ts).toBe('2004-08-19T00:00:00.000Z');
  });

  it('backtest and features honour --source and print the same notice without it', () => {
    const shipped = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '--source', 'shipped', '--interval', '1d', '--json'], { home });
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(JSON.parse(shipped.stdout).run.input.rows).toBe(SHIPPED_GOOG_ROWS);
    const defaulted = cift(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG', '--interval', '1d', '--json'], { home });
    expect(defaulted.stderr, 'one day of stored trades is one daily bar: the run fails, and the notice says why').toContain('note: GOOG has stored data');
    const features = cift(['features', 'GOOG', '--set', 'sma:3', '--json'], { home });
    expect(features.status, features.stderr).toBe(0);
    expect(features.stderr.split('\n').filter(Boolean)).toEqual([expect.stringContaining('--source stored|shipped')]);
    const featuresShipped = cift(['features', 'GOOG', '--set', 'sma:3', '--source', 'shipped', '--json'], { home });
    expect(JSON.parse(featuresShipped.stdout).length).toBe(SHIPPED_GOOG_ROWS);
  });

  it('asking for an origin a symbol does not have is a clear error', () => {
    const noShipped = cift(['bars', 'DUPX', '--source', 'shipped'], { home });
    expect(noShipped.status).toBe(1);
    expect(noShipped.stderr.split('\n')[0]).toBe('cift: no data for symbol "DUPX"');
    const storedOnly = lobsterPair(join(tmp.dir, 'stored-only'), 'ONLYST', 30);
    expect(cift(['ingest', 'lobster', storedOnly.message, storedOnly.orderbook], { home }).status).toBe(0);
    const r = cift(['bars', 'ONLYST', '--source', 'shipped'], { home });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('cift: --source shipped: there is no shipped sample data for "ONLYST"');
    const s = cift(['bars', 'AMZN', '--source', 'stored'], { home });
    expect(s.status).toBe(1);
    expect(s.stderr.split('\n')[0]).toBe('cift: --source stored: nothing is stored for "AMZN"');
    const bad = cift(['bars', 'GOOG', '--source', 'both'], { home });
    expect(bad.status).toBe(2);
  });

  it('prints no notice when a symbol has only one origin', () => {
    expect(cift(['bars', 'AMZN', '--interval', '1y', '--json'], { home }).stderr).toBe('');
    expect(cift(['bars', 'ONLYST', '--json'], { home }).stderr).toBe('');
  });

  it('--list marks shipped data that stored data shadows', () => {
    const goog = listOf(home).filter((s) => s.symbol === 'GOOG');
    expect(goog.map((s) => [s.kind, s.builtin, s.used])).toEqual([
      ['bars', true, false],
      ['book', false, true],
      ['quotes', false, true],
      ['trades', false, true],
    ]);
  });
});

describe('item 9: an unusable CIFT_HOME is a clear error, fast', () => {
  const file = join(tmp.dir, 'not-a-folder');
  writeFileSync(file, 'x');
  const csv = join(tmp.dir, 'home-test.csv');
  writeFileSync(csv, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n');

  /** Runs the CLI with a hard 30 s limit, so a spin fails the test instead of hanging it. */
  const bounded = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'cift.js'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, 'the command must end by itself, not be killed by the 30 s limit').toBeNull();
    return r;
  };

  it.runIf(existsSync('/proc/self'))('CIFT_HOME=/proc/nope fails with one line naming it (it used to spin at 100 % CPU)', () => {
    const r = bounded(['ingest', csv, '--symbol', 'X'], { CIFT_HOME: '/proc/nope' });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('cift: CIFT_HOME "/proc/nope" is not usable: the file system does not allow creating /proc/nope');
    expect(r.stderr).not.toContain('internal error');
  });

  it('CIFT_HOME pointing at a file fails with one line naming it, for writing and for reading', () => {
    const w = bounded(['ingest', csv, '--symbol', 'X'], { CIFT_HOME: file });
    expect(w.status).toBe(1);
    expect(w.stderr.split('\n')[0]).toBe(`cift: CIFT_HOME "${file}" is not usable: ${file} is a file, not a folder`);
    const r = bounded(['bars', 'GOOG'], { CIFT_HOME: join(file, 'sub') });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`cift: CIFT_HOME "${join(file, 'sub')}" is not usable: ${file} is a file, not a folder`);
  });

  it('--home is named as --home', () => {
    const r = bounded(['--home', file, 'ingest', csv, '--symbol', 'X'], {});
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`cift: --home "${file}" is not usable: ${file} is a file, not a folder`);
  });
});

describe('item 16: a damaged catalog names itself, and --repair rebuilds it', () => {
  for (const [what, damage] of [
    ['empty', () => ''],
    ['truncated', (t: string) => t.slice(0, 40)],
  ] as const) {
    it(`an ${what} catalog makes store commands fail with one line naming it; --repair brings the data back`, () => {
      const home = freshHome();
      const csv = join(tmp.dir, `dmg-${what}.csv`);
      writeFileSync(csv, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n2024-01-02T10:01:00Z,12,3\n');
      expect(cift(['ingest', csv, '--symbol', 'DMG'], { home }).status).toBe(0);
      const before = cift(['bars', 'DMG', '--json'], { home }).stdout;
      const catalog = join(home, 'ticks', 'catalog.json');
      writeFileSync(catalog, damage(readFileSync(catalog, 'utf8')));
      for (const args of [['ingest', '--list'], ['bars', 'DMG'], ['ingest', csv, '--symbol', 'DMG']]) {
        const r = cift(args, { home });
        expect(r.status, args.join(' ')).toBe(1);
        const [message, hint] = r.stderr.split('\n');
        expect(message).toMatch(new RegExp(`^cift: tick store catalog ${catalog.replace(/[/.]/g, '\\$&')} is damaged: `));
        expect(hint).toBe('hint: run `cift ingest --repair` to rebuild it from the data files');
      }
      const repair = cift(['ingest', '--repair', '--json'], { home });
      expect(repair.status, repair.stderr).toBe(0);
      expect(JSON.parse(repair.stdout)).toEqual({ sources: 1, files: 1, skipped: [] });
      expect(cift(['bars', 'DMG', '--json'], { home }).stdout).toBe(before);
      expect(storedSeries(home, 'DMG', 'trades')!.sources.map((s) => s.label)).toEqual(['recovered']);
    });
  }
});
