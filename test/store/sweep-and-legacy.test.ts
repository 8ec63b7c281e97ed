import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import type { TickBatch } from '../../src/schema.js';
import { ParquetTickStore, batchToFrame } from '../../src/store/ticks/parquet.js';
import { tempDir } from '../helpers.js';
import { NS, trades } from './batches.js';

const pl = await loadPolars();
const tmp = tempDir();
afterAll(tmp.cleanup);



/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const listAll = (dir: string): string[] => {
  const out: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) out.push(name);
  return out.sort();
};

describe('sweeping what a dead writer left', () => {
  it('removes a dead writer’s temp and unreferenced data files and its stale lock, and leaves a live writer’s alone', async () => {
    const root = join(tmp.dir, 'sweep');
    const store = new ParquetTickStore(pl, root);
    await store.write(trades([1n * NS, 2n * NS], [1, 2]), { id: '/x/a.csv', label: 'a.csv' });
    const dir = join(root, 'trades', 'TEST');
    const [kept] = readdirSync(dir);
    const dead = deadPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const liveId = live.pid!;
      const leftovers = (pid: number) => {
        const token = `p${pid}t${Date.now().toString(36)}rabcd`;
        writeFileSync(join(root, '.writers', token), '');
        copyFileSync(join(dir, kept), join(dir, `5000000000_6000000000_0123456789abcdef_${token}_1of2.parquet`));
        writeFileSync(join(dir, `.x.parquet.${pid}.0badf00d.tmp`), 'half a file');
        writeFileSync(join(root, `.catalog.json.${pid}.0badf00d.tmp`), '{"half');
        return token;
      };
      const deadToken = leftovers(dead);
      const liveToken = leftovers(liveId);
      writeFileSync(join(root, '.lock'), JSON.stringify({ pid: dead, command: 'cift ingest big.csv', since: '2024-01-01T00:00:00Z' }));

      const reader = new ParquetTickStore(pl, root);
      expect(Array.from((await reader.read('trades', 'TEST'))!.getColumn('price').toTypedArray() as Float64Array)).toEqual([1, 2]);
      const after = listAll(root);
      expect(after.filter((f) => f.includes(`p${dead}t`) || f.includes(`.${dead}.`)), 'everything the dead writer left is gone').toEqual([]);
      expect(after, 'the dead holder’s lock was broken and the sweeper released its own').not.toContain('.lock');
      expect(after, 'the live writer’s data file stays').toContain(`trades/TEST/5000000000_6000000000_0123456789abcdef_${liveToken}_1of2.parquet`);
      expect(after, 'the live writer’s temp files stay').toContain(`trades/TEST/.x.parquet.${liveId}.0badf00d.tmp`);
      expect(after).toContain(`.writers/${liveToken}`);
      expect(after, 'the committed file stays').toContain(`trades/TEST/${kept}`);
      expect(deadToken).toMatch(/^p\d+t/);
    } finally {
      live.kill('SIGKILL');
      await new Promise((resolve) => live.on('exit', resolve));
    }
    const later = new ParquetTickStore(pl, root);
    await later.list();
    expect(listAll(root).filter((f) => f.endsWith('.tmp') || f.includes('0123456789abcdef')), 'once that writer is gone, the next command sweeps its files too').toEqual([]);
  });
});

describe('a store in the first format (one manifest per source)', () => {
  /** Writes a source the way the first format did: files named {first}_{last}_{pathHash}_{generation}.parquet plus _sources/{pathHash}.json. */
  function legacySource(root: string, batch: TickBatch, pathHash: string, label: string): void {
    const dir = join(root, batch.kind, batch.symbol);
    mkdirSync(join(dir, '_sources'), { recursive: true });
    const first = batch.ts[0].toString();
    const last = batch.ts[batch.ts.length - 1].toString();
    const name = `${first}_${last}_${pathHash}_lx0gen01.parquet`;
    batchToFrame(pl, batch).writeParquet(join(dir, name));
    const manifest = {
      source: `/old/${label}`,
      label,
      sourceId: pathHash,
      generation: 'lx0gen01',
      kind: batch.kind,
      symbol: batch.symbol,
      rows: batch.ts.length,
      first,
      last,
      files: [{ name, first, last, rows: batch.ts.length }],
      writtenAt: '2024-05-01T00:00:00.000Z',
    };
    writeFileSync(join(dir, '_sources', `${pathHash}.json`), JSON.stringify(manifest));
  }

  it('stays visible: it is moved into a catalog on first open, the doubled copy is stored once, leftovers are swept', async () => {
    const root = join(tmp.dir, 'legacy');
    const goog = trades([1n * NS, 2n * NS, 3n * NS], [10, 11, 12], 'GOOG');
    legacySource(root, goog, 'aaaaaaaaaaaaaaaa', 'GOOG.csv');
    legacySource(root, goog, 'bbbbbbbbbbbbbbbb', 'GOOG-copy.csv');
    legacySource(root, trades([9n * NS], [99], 'AAPL'), 'cccccccccccccccc', 'aapl.csv');
    // An unreferenced file from a crashed write of the first format.
    batchToFrame(pl, goog).writeParquet(join(root, 'trades', 'GOOG', '1000000000_3000000000_dddddddddddddddd_lx0gen02.parquet'));

    const store = new ParquetTickStore(pl, root);
    const goog2 = Array.from((await store.read('trades', 'GOOG'))!.getColumn('price').toTypedArray() as Float64Array);
    expect(goog2, 'the same file ingested from two paths counts once').toEqual([10, 11, 12]);
    expect((await store.sources()).map((s) => [s.symbol, s.rows])).toEqual([
      ['AAPL', 1],
      ['GOOG', 3],
    ]);
    expect(existsSync(join(root, 'catalog.json'))).toBe(true);
    const files = listAll(root);
    expect(files.filter((f) => f.includes('_sources') || /_[0-9a-f]{16}_lx0gen0\d\.parquet$/.test(f)), 'old manifests and old names are gone').toEqual([]);
    expect(files.filter((f) => f.endsWith('.parquet')).length, 'one file per source remains').toBe(2);
  });

  it('names a damaged old manifest and points at --repair', async () => {
    const root = join(tmp.dir, 'legacy-bad');
    legacySource(root, trades([1n * NS], [1]), 'eeeeeeeeeeeeeeee', 'a.csv');
    writeFileSync(join(root, 'trades', 'TEST', '_sources', 'eeeeeeeeeeeeeeee.json'), '{"source": "/old/a.cs');
    const store = new ParquetTickStore(pl, root);
    await expect(store.list()).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('eeeeeeeeeeeeeeee.json'), hint: expect.stringContaining('--repair') });
    const report = await new ParquetTickStore(pl, root).repair();
    expect(report.sources, 'the data file itself was intact').toBe(1);
    expect(Array.from((await new ParquetTickStore(pl, root).read('trades', 'TEST'))!.getColumn('price').toTypedArray() as Float64Array)).toEqual([1]);
  });
});
