import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import type { TickBatch } from '../../src/schema.js';
import { ParquetTickStore } from '../../src/store/ticks/parquet.js';
import type { CiftError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { NS, trades } from './batches.js';

const pl = await loadPolars();
const tmp = tempDir();
afterAll(tmp.cleanup);

const DAY = 86_400n * NS;


function quotes(times: bigint[], bid: number, symbol = 'TEST'): TickBatch {
  const n = times.length;
  return {
    kind: 'quotes',
    symbol,
    ts: BigInt64Array.from(times),
    seq: Float64Array.from(times.keys()),
    values: { bid: new Float64Array(n).fill(bid), ask: new Float64Array(n).fill(bid + 1), bid_size: new Float64Array(n).fill(1), ask_size: new Float64Array(n).fill(1) },
  };
}

let store: ParquetTickStore;
let root: string;
let n = 0;
beforeEach(() => {
  root = join(tmp.dir, `store${n++}`);
  store = new ParquetTickStore(pl, root);
});

const src = (path: string) => ({ id: `/data/${path}`, label: path });
const prices = async (range = {}) => Array.from((await store.read('trades', 'TEST', range))!.getColumn('price').toTypedArray() as Float64Array);
const dataFiles = (kind = 'trades', symbol = 'TEST') => (existsSync(join(root, kind, symbol)) ? readdirSync(join(root, kind, symbol)).filter((f) => f.endsWith('.parquet')) : []);
const errorOf = async (p: Promise<unknown>): Promise<CiftError> => {
  try {
    await p;
  } catch (e) {
    return e as CiftError;
  }
  throw new Error('expected an error');
};

describe('ParquetTickStore: sources are identified by content', () => {
  it('keeps identical-looking trades from one source (identity is content of the whole source, not of a row)', async () => {
    await store.write(trades([10n * NS, 10n * NS, 10n * NS], [5, 5, 5]), src('a.csv'));
    expect(await prices()).toEqual([5, 5, 5]);
  });

  it('stores the same rows from another path once: the second ingest replaces the first, rows are not doubled', async () => {
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('a.csv'));
    const again = await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('copy-of-a.csv'));
    expect(again.replacedRows, 'the identical stored source is replaced').toBe(2);
    expect(again.rows, 'two rows, not four').toBe(2);
    expect(await prices()).toEqual([1, 2]);
    const [only] = await store.sources();
    expect(only.label, 'the newest path is the one shown').toBe('copy-of-a.csv');
    expect(dataFiles().length, 'no second copy of the data on disk').toBe(1);
  });

  it('gives the same content the same id whatever the row positions (seq) say', async () => {
    const a = trades([1n * NS, 2n * NS], [1, 2]);
    await store.write(a, src('a.csv'));
    await store.write({ ...a, seq: Float64Array.from([10, 20]) }, src('b.parquet'));
    expect((await store.sources()).length).toBe(1);
  });

  it('refuses rows overlapping a stored source of the same symbol and kind, naming both, and writes nothing', async () => {
    await store.write(trades([1n * NS, 5n * NS], [1, 5]), src('a.csv'));
    const before = readFileSync(join(root, 'catalog.json'), 'utf8');
    const filesBefore = dataFiles();
    const e = await errorOf(store.write(trades([5n * NS, 9n * NS], [50, 9]), src('b.csv')));
    expect(e.code).toBe('SOURCE_CONFLICT');
    expect(e.message, 'names the new source').toContain('b.csv');
    expect(e.message, 'names the stored source').toContain('a.csv');
    expect(e.message.includes('\n'), 'one line').toBe(false);
    expect(e.hint).toMatch(/--replace.*--append/);
    expect(readFileSync(join(root, 'catalog.json'), 'utf8'), 'catalog untouched').toBe(before);
    expect(dataFiles(), 'no new data file').toEqual(filesBefore);
  });

  it('says that a re-ingested path with changed content needs --replace', async () => {
    await store.write(trades([1n * NS, 5n * NS], [1, 5]), src('a.csv'));
    const e = await errorOf(store.write(trades([1n * NS, 5n * NS], [1, 6]), src('a.csv')));
    expect(e.code).toBe('SOURCE_CONFLICT');
    expect(e.hint).toContain('a.csv was ingested before with different content');
    expect(e.hint).toContain('--replace');
  });

  it('keeps sources whose time ranges do not overlap, and reads them in time order', async () => {
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('a.csv'));
    await store.write(trades([3n * NS], [3]), src('b.csv'));
    expect(await prices()).toEqual([1, 2, 3]);
    expect((await store.list())[0]).toMatchObject({ rows: 3, sources: 2 });
  });

  it('--replace drops the overlapping stored sources and keeps the others', async () => {
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('a.csv'));
    await store.write(trades([10n * NS], [10]), src('far.csv'));
    const [outcome] = await store.ingest([{ batch: trades([2n * NS, 3n * NS], [20, 30]), source: src('b.csv') }], { overlap: 'replace' });
    expect(outcome.replaced.map((s) => s.label)).toEqual(['a.csv']);
    expect(await prices(), 'a.csv (1, 2) gone; b.csv (20, 30) and far.csv (10) stay').toEqual([20, 30, 10]);
    expect(dataFiles().length, 'a.csv file deleted').toBe(2);
  });

  it('--append keeps both overlapping sources', async () => {
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('a.csv'));
    await store.ingest([{ batch: trades([2n * NS, 3n * NS], [20, 30]), source: src('b.csv') }], { overlap: 'append' });
    expect(await prices(), 'rows of both in (ts, seq) order: at ts=2, b.csv row 0 (20) sorts before a.csv row 1 (2)').toEqual([1, 20, 2, 30]);
  });

  it('checks every series of one ingest before writing any: a conflicting quotes batch stops its trades too', async () => {
    await store.write(quotes([1n * NS, 5n * NS], 10), src('old-book.csv'));
    const e = await errorOf(
      store.ingest([
        { batch: trades([1n * NS, 5n * NS], [1, 5]), source: src('day_message_1.csv') },
        { batch: quotes([2n * NS, 3n * NS], 20), source: src('day_message_1.csv') },
      ]),
    );
    expect(e.code).toBe('SOURCE_CONFLICT');
    expect(await store.read('trades', 'TEST'), 'the trades were not stored either').toBeUndefined();
    expect(dataFiles('trades')).toEqual([]);
  });

  it('stores the same content given twice in one ingest once, and refuses two overlapping inputs of one ingest', async () => {
    const a = trades([1n * NS, 2n * NS], [1, 2]);
    const out = await store.ingest([
      { batch: a, source: src('a.csv') },
      { batch: a, source: src('a-copy.csv') },
    ]);
    expect(out.map((o) => o.action)).toEqual(['stored', 'duplicate']);
    expect(await prices()).toEqual([1, 2]);
    const e = await errorOf(
      store.ingest([
        { batch: trades([5n * NS, 7n * NS], [5, 7]), source: src('c.csv') },
        { batch: trades([6n * NS, 8n * NS], [6, 8]), source: src('d.csv') },
      ]),
    );
    expect(e.message).toMatch(/d\.csv.*overlaps.*c\.csv/);
  });

  it('partitions ticks per UTC day, names files by time range and source id, leaves no temp files', async () => {
    const day0 = 19_000n * DAY;
    await store.write(trades([day0 + 5n * NS, day0 + DAY + 7n * NS], [1, 2]), src('a.csv'));
    const files = dataFiles();
    expect(files.length, 'one file per day').toBe(2);
    const [source] = await store.sources();
    expect(files.some((f) => f.startsWith(`${day0 + 5n * NS}_${day0 + 5n * NS}_${source.id}_`) && f.endsWith('_1of2.parquet'))).toBe(true);
    expect(readdirSync(join(root, 'trades', 'TEST')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads an inclusive time range across day files', async () => {
    const d = 19_000n * DAY;
    await store.write(trades([d, d + 1n, d + DAY, d + 2n * DAY], [1, 2, 3, 4]), src('a.csv'));
    expect(await prices({ from: d + 1n, to: d + DAY })).toEqual([2, 3]);
    expect(await prices({ from: d + 3n * DAY })).toEqual([]);
  });

  it('lists series with rows and first/last times', async () => {
    await store.write(trades([5n * NS, 9n * NS], [1, 2]), src('a.csv'));
    expect(await store.list()).toEqual([{ kind: 'trades', symbol: 'TEST', rows: 2, first: 5n * NS, last: 9n * NS, sources: 1, builtin: false }]);
  });

  it('reads back exactly what was written: ts ns, seq and values', async () => {
    const t = [1_340_285_400_004_241_176n, 1_340_285_400_004_241_176n, 1_340_285_400_104_241_177n];
    await store.write(trades(t, [585.33, 585.5, 585.01]), src('a.csv'));
    const frame = (await store.read('trades', 'TEST'))!;
    expect(frame.columns).toEqual(['ts', 'seq', 'price', 'size', 'side']);
    expect(Array.from(frame.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array), 'ns precision survives').toEqual(t);
    expect(Array.from(frame.getColumn('seq').toTypedArray() as BigInt64Array)).toEqual([0n, 1n, 2n]);
  });
});

describe('ParquetTickStore: removing sources', () => {
  it('removes one source by a unique id prefix, and every source of a symbol by its name', async () => {
    await store.write(trades([1n * NS], [1]), src('a.csv'));
    await store.write(trades([2n * NS], [2]), src('b.csv'));
    await store.write(trades([3n * NS], [3], 'OTHER'), src('c.csv'));
    const b = (await store.sources()).find((s) => s.label === 'b.csv')!;
    const gone = await store.remove(b.id.slice(0, 6));
    expect(gone.map((s) => s.label)).toEqual(['b.csv']);
    expect(await prices()).toEqual([1]);
    expect((await store.remove('other')).map((s) => s.label), 'a symbol, in any case').toEqual(['c.csv']);
    expect(existsSync(join(root, 'trades', 'OTHER')), 'its folder went with its last file').toBe(false);
    expect((await store.sources()).map((s) => s.label)).toEqual(['a.csv']);
  });

  it('names an unknown source or symbol, with a did-you-mean', async () => {
    await store.write(trades([1n * NS], [1]), src('a.csv'));
    const e = await errorOf(store.remove('TSET'));
    expect(e.code).toBe('UNKNOWN_SOURCE');
    expect(e.message).toBe('no stored source or symbol "TSET"');
    expect(e.hint).toContain('did you mean TEST?');
  });
});

describe('ParquetTickStore: a damaged catalog', () => {
  const catalog = () => join(root, 'catalog.json');
  for (const [what, damage] of [
    ['empty', () => ''],
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['valid JSON of the wrong shape', () => '{"sources": 3}'],
  ] as const) {
    it(`fails with STORE_CORRUPT naming the file when the catalog is ${what}`, async () => {
      await store.write(trades([1n * NS], [1]), src('a.csv'));
      writeFileSync(catalog(), damage(readFileSync(catalog(), 'utf8')));
      const fresh = new ParquetTickStore(pl, root);
      const e = await errorOf(fresh.read('trades', 'TEST'));
      expect(e.code).toBe('STORE_CORRUPT');
      expect(e.message).toContain(catalog());
      expect(e.hint).toContain('cift ingest --repair');
    });
  }

  it('--repair rebuilds the catalog from intact data files; labels come back as "recovered"', async () => {
    const d = 19_000n * DAY;
    await store.write(trades([d, d + DAY], [1, 2]), src('a.csv'));
    await store.write(quotes([d + 5n], 10), src('book.csv'));
    writeFileSync(catalog(), '{"format": "cift-tick-c');
    const fresh = new ParquetTickStore(pl, root);
    const report = await fresh.repair();
    expect(report).toEqual({ sources: 2, files: 3, skipped: [] });
    expect(Array.from((await fresh.read('trades', 'TEST'))!.getColumn('price').toTypedArray() as Float64Array)).toEqual([1, 2]);
    expect((await fresh.sources()).map((s) => [s.kind, s.label])).toEqual([
      ['quotes', 'recovered'],
      ['trades', 'recovered'],
    ]);
  });

  it('--repair leaves out a source with a missing part and says so', async () => {
    const d = 19_000n * DAY;
    await store.write(trades([d, d + DAY], [1, 2]), src('a.csv'));
    const [firstDay] = dataFiles().sort();
    writeFileSync(catalog(), '');
    const { rmSync } = await import('node:fs');
    rmSync(join(root, 'trades', 'TEST', firstDay));
    const report = await new ParquetTickStore(pl, root).repair();
    expect(report.sources).toBe(0);
    expect(report.skipped.join('\n')).toContain('incomplete, 1 of 2 parts');
  });

  it('--repair keeps labels from a catalog that still parses but names a missing file', async () => {
    await store.write(trades([1n * NS], [1]), src('a.csv'));
    await store.write(trades([2n * NS], [2]), src('b.csv'));
    const b = (await store.sources()).find((s) => s.label === 'b.csv')!;
    const { rmSync } = await import('node:fs');
    for (const f of dataFiles()) if (f.includes(b.id)) rmSync(join(root, 'trades', 'TEST', f));
    const e = await errorOf(new ParquetTickStore(pl, root).read('trades', 'TEST'));
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toContain('which is missing');
    const fresh = new ParquetTickStore(pl, root);
    await fresh.repair();
    expect((await fresh.sources()).map((s) => s.label)).toEqual(['a.csv']);
  });
});
