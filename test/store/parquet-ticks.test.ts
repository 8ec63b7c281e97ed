import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import type { TickBatch } from '../../src/schema.js';
import { ParquetTickStore } from '../../src/store/ticks/parquet.js';
import { tempDir } from '../helpers.js';

const pl = await loadPolars();
const tmp = tempDir();
afterAll(tmp.cleanup);

const NS = 1_000_000_000n;
const DAY = 86_400n * NS;

function trades(times: bigint[], prices: number[]): TickBatch {
  return {
    kind: 'trades',
    symbol: 'TEST',
    ts: BigInt64Array.from(times),
    seq: Float64Array.from(times.keys()),
    values: { price: Float64Array.from(prices), size: Float64Array.from(prices, () => 1), side: new Float64Array(prices.length) },
  };
}

let store: ParquetTickStore;
let root: string;
let n = 0;
beforeEach(() => {
  root = join(tmp.dir, `store${n++}`);
  store = new ParquetTickStore(pl, root);
});

const src = (id: string) => ({ id, label: id });
const prices = async (range = {}) => Array.from((await store.read('trades', 'TEST', range))!.getColumn('price').toTypedArray() as Float64Array);

describe('ParquetTickStore', () => {
  it('keeps identical-looking trades from one source (identity is source + row, not content)', async () => {
    await store.write(trades([10n * NS, 10n * NS, 10n * NS], [5, 5, 5]), src('a.csv'));
    expect(await prices()).toEqual([5, 5, 5]);
  });

  it('replaces exactly what the same source wrote before, and keeps other sources', async () => {
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), src('a.csv'));
    await store.write(trades([3n * NS], [3]), src('b.csv'));
    const again = await store.write(trades([1n * NS, 2n * NS, 4n * NS], [1, 2, 4]), src('a.csv'));
    expect(again.replacedRows).toBe(2);
    expect(again.rows, 'a (3 rows) + b (1 row)').toBe(4);
    expect(await prices(), 'rows in time order across sources').toEqual([1, 2, 3, 4]);
  });

  it('partitions ticks per UTC day, names files by time range, leaves no temp files', async () => {
    const day0 = 19_000n * DAY;
    await store.write(trades([day0 + 5n * NS, day0 + DAY + 7n * NS], [1, 2]), src('a.csv'));
    const files = readdirSync(join(root, 'trades', 'TEST')).filter((f) => f.endsWith('.parquet'));
    expect(files.length, 'one file per day').toBe(2);
    expect(files.some((f) => f.startsWith(`${day0 + 5n * NS}_${day0 + 5n * NS}_`))).toBe(true);
    expect(readdirSync(join(root, 'trades', 'TEST')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('deletes the previous generation after a replacing write', async () => {
    await store.write(trades([1n * NS], [1]), src('a.csv'));
    const before = readdirSync(join(root, 'trades', 'TEST')).filter((f) => f.endsWith('.parquet'));
    await store.write(trades([1n * NS], [9]), src('a.csv'));
    const after = readdirSync(join(root, 'trades', 'TEST')).filter((f) => f.endsWith('.parquet'));
    expect(after.length).toBe(1);
    expect(existsSync(join(root, 'trades', 'TEST', before[0])), 'old file removed').toBe(false);
    expect(await prices()).toEqual([9]);
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
