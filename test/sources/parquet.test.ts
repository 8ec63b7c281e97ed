import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import { readTabularFile } from '../../src/sources/files.js';
import { tempDir } from '../helpers.js';

const pl = await loadPolars();
const tmp = tempDir();
afterAll(tmp.cleanup);

function writeParquet(name: string, columns: Record<string, unknown[]>, datetimeColumn?: string): string {
  let df = pl.DataFrame(columns);
  if (datetimeColumn) df = df.withColumns(pl.col(datetimeColumn).cast(pl.Datetime('ms')));
  const path = join(tmp.dir, name);
  df.writeParquet(path);
  return path;
}

describe('Parquet source', () => {
  it('reads typed columns: a Datetime time column and numeric prices', async () => {
    const t0 = Date.UTC(2024, 0, 2, 14, 30);
    const path = writeParquet('trades.parquet', { Timestamp: [t0, t0, t0 + 1500], Price: [10.5, 10.25, 10.75], Size: [100, 50, 25] }, 'Timestamp');
    const [batch] = await readTabularFile(path, { symbol: 'xyz' });
    expect(batch.kind).toBe('trades');
    expect(Array.from(batch.ts)).toEqual([BigInt(t0) * 1_000_000n, BigInt(t0) * 1_000_000n, BigInt(t0 + 1500) * 1_000_000n]);
    expect(Array.from(batch.values.price)).toEqual([10.5, 10.25, 10.75]);
  });

  it('reads string timestamps and epoch numbers too', async () => {
    const s = await readTabularFile(writeParquet('s.parquet', { date: ['2024-01-02', '2024-01-03'], open: [1, 2], high: [2, 3], low: [1, 1], close: [2, 2] }), { symbol: 'S' });
    expect(s[0].ts[1]).toBe(BigInt(Date.UTC(2024, 0, 3)) * 1_000_000n);
    const e = await readTabularFile(writeParquet('e.parquet', { ts: [1704153600, 1704240000], bid: [1, 1], ask: [2, 2] }), { symbol: 'E' });
    expect(e[0].kind).toBe('quotes');
    expect(e[0].ts[0], 'epoch seconds').toBe(1704153600n * 1_000_000_000n);
  });

  it('names the row and field of bad values (no line numbers: Parquet has none)', async () => {
    const path = writeParquet('bad.parquet', { date: ['2024-01-02', '2024-01-03'], open: [1, 2], high: [2, 3], low: [1, 1], close: [2, -3] });
    await expect(readTabularFile(path, { symbol: 'B' })).rejects.toThrow(`${path} row 2: close "-3" is not a positive price`);
    const empty = writeParquet('null.parquet', { date: ['2024-01-02', null], open: [1, 2], high: [2, 3], low: [1, 1], close: [2, 3] });
    await expect(readTabularFile(empty, { symbol: 'B' })).rejects.toThrow(`${empty} row 2: date is empty`);
  });

  it('rejects a file that is not Parquet', async () => {
    const { writeFileSync } = await import('node:fs');
    const path = join(tmp.dir, 'fake.parquet');
    writeFileSync(path, 'not parquet');
    await expect(readTabularFile(path, { symbol: 'B' })).rejects.toThrow(/fake\.parquet: not a Parquet file \(it does not start with PAR1\)/);
  });
});
