/**
 * The parsed shipped series kept in the data folder (src/io/batch-file.ts, BuiltinCatalog.batch): a later process
 * reads the same rows without the CSV parser, and anything that is not exactly what was written is parsed again.
 * Expected values come from data/GOOG.csv read here by hand (split on commas), not from the code under test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '../../src/config.js';
import { timestampsOf } from '../../src/frames.js';
import { loadPolars } from '../../src/polars.js';
import { decodeBatch, encodeBatch } from '../../src/io/batch-file.js';
import { MarketData, SHIPPED_BATCH_DIR } from '../../src/market-data.js';
import type { TickBatch } from '../../src/schema.js';
import { ROOT, tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const lines = readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const dayNs = (date: string) => BigInt(Date.parse(`${date}T00:00:00Z`)) * 1_000_000n;

async function googCloses(home: string): Promise<{ ts: bigint[]; close: number[] }> {
  const market = await MarketData.open(resolveSettings({ home }));
  const frame = (await market.read('bars', 'GOOG'))!;
  return { ts: [...timestampsOf(await loadPolars(), frame)], close: frame.getColumn('close').toArray() as number[] };
}

describe('encodeBatch / decodeBatch', () => {
  const batch: TickBatch = {
    kind: 'bars',
    symbol: 'X',
    ts: BigInt64Array.from([1n, -2n, 9_007_199_254_740_993n]),
    seq: Float64Array.from([0, 1, 2]),
    values: { open: Float64Array.from([1.5, NaN, -0]), close: Float64Array.from([Infinity, 2, 3]) },
  };

  it('gives back every value bit for bit, int64 beyond 2^53 and NaN included', () => {
    const back = decodeBatch(encodeBatch(batch, 'k1'), 'k1')!;
    expect(back.kind).toBe('bars');
    expect(back.symbol).toBe('X');
    expect([...back.ts]).toEqual([1n, -2n, 9_007_199_254_740_993n]);
    expect([...back.seq]).toEqual([0, 1, 2]);
    expect(Object.keys(back.values)).toEqual(['open', 'close']);
    expect(back.values.open![1]).toBeNaN();
    expect(Object.is(back.values.open![2], -0)).toBe(true);
    expect([...back.values.close!]).toEqual([Infinity, 2, 3]);
  });

  it('decodes from a buffer that is not 8-byte aligned', () => {
    const bytes = encodeBatch(batch, 'k');
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect([...decodeBatch(shifted.subarray(3), 'k')!.ts]).toEqual([...batch.ts]);
  });

  it('refuses another key, a truncated or extended blob, a damaged header and a foreign file', () => {
    const bytes = encodeBatch(batch, 'k1');
    expect(decodeBatch(bytes, 'k2')).toBeUndefined();
    expect(decodeBatch(bytes.subarray(0, bytes.length - 8), 'k1')).toBeUndefined();
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(decodeBatch(longer, 'k1')).toBeUndefined();
    const damaged = Uint8Array.from(bytes);
    damaged[13] = 0x7b; // inside the JSON header
    expect(decodeBatch(damaged, 'k1')).toBeUndefined();
    expect(decodeBatch(new TextEncoder().encode('Date,Open\n2020-01-01,1\n'), 'k1')).toBeUndefined();
    expect(decodeBatch(new Uint8Array(0), 'k1')).toBeUndefined();
    // Column names become object keys: anything but a canonical snake_case name is refused.
    for (const name of ['__proto__', 'Open', 'bid px']) {
      const values: Record<string, Float64Array> = Object.create(null);
      values[name] = batch.values.open!;
      expect(decodeBatch(encodeBatch({ ...batch, values }, 'k1'), 'k1'), name).toBeUndefined();
    }
  });
});

describe('the parsed shipped series in the data folder', () => {
  it('is written on the first read and gives the CSV rows in a later process', async () => {
    const home = join(tmp.dir, 'a');
    mkdirSync(home);
    const first = await googCloses(home);
    expect(existsSync(join(home, SHIPPED_BATCH_DIR, 'GOOG.batch'))).toBe(true);
    const second = await googCloses(home); // a new MarketData: only the file carries the rows over
    for (const read of [first, second]) {
      expect(read.close.length).toBe(lines.length);
      expect(read.close[0]).toBe(Number(lines[0]![4]));
      expect(read.close.at(-1)).toBe(Number(lines.at(-1)![4]));
      expect(read.ts.at(-1)).toBe(dayNs(lines.at(-1)![0]!));
    }
    expect(second).toEqual(first);
    // The kept file is what a later process reads: the same key with another close is believed …
    const file = join(home, SHIPPED_BATCH_DIR, 'GOOG.batch');
    const bytes = readFileSync(file);
    const key = (JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as { key: string }).key;
    const kept = decodeBatch(bytes, key)!;
    kept.values.close![kept.ts.length - 1] = 1;
    writeFileSync(file, encodeBatch(kept, key));
    expect((await googCloses(home)).close.at(-1)).toBe(1);
    // … and another key (another package version, or an edited CSV) is not.
    writeFileSync(file, encodeBatch(kept, `0.0.0-old:${key}`));
    expect((await googCloses(home)).close.at(-1)).toBe(Number(lines.at(-1)![4]));
  });

  it('is parsed again when the kept file is damaged, and nothing is kept without a data folder', async () => {
    const home = join(tmp.dir, 'b');
    mkdirSync(home);
    await googCloses(home);
    writeFileSync(join(home, SHIPPED_BATCH_DIR, 'GOOG.batch'), 'garbage');
    const again = await googCloses(home);
    expect(again.close.at(-1)).toBe(Number(lines.at(-1)![4]));
    expect(readFileSync(join(home, SHIPPED_BATCH_DIR, 'GOOG.batch')).subarray(0, 8).toString('latin1')).toBe('CIFTBT01');
    const missing = join(tmp.dir, 'never-made');
    expect((await googCloses(missing)).close.length).toBe(lines.length);
    expect(existsSync(missing)).toBe(false);
  });
});
