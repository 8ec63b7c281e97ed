/**
 * The embedded tick store: partitioned Parquet files under {root}/{kind}/{SYMBOL}/.
 *
 * Data files are named {firstNs}_{lastNs}_{sourceId}_{generation}.parquet, so a range read skips files by name
 * without opening them. Trades and quotes are split per UTC day; bars are one file per source.
 * Each source has a manifest, _sources/{sourceId}.json, listing its current files. The manifest is the commit
 * point: new files are written (temp file + rename) under a fresh generation, then the manifest is replaced
 * atomically, then the previous generation's files are deleted. Readers only read files a manifest lists, so
 * they never see half a write or both generations; a crash leaves at most unreferenced files behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pl from 'nodejs-polars';
import type { Polars } from '../../polars.js';
import { type TickBatch, type TickKind, TICK_KINDS, VALUE_COLUMNS } from '../../schema.js';
import { NS_PER_DAY } from '../../time.js';
import { writeAtomically, writeFileAtomic } from '../../io/atomic.js';
import { sliceByTime } from '../../frames.js';
import type { LatestRow, SeriesSummary, SourceRef, TickStore, TimeRange, WriteSummary } from './types.js';

interface StoredFile {
  name: string;
  first: string;
  last: string;
  rows: number;
}

interface Manifest {
  source: string;
  label: string;
  sourceId: string;
  generation: string;
  kind: TickKind;
  symbol: string;
  rows: number;
  first: string;
  last: string;
  files: StoredFile[];
  writtenAt: string;
}

export const sourceIdOf = (source: SourceRef): string => createHash('sha256').update(source.id).digest('hex').slice(0, 16);

/** Converts a batch to a frame with the canonical column order and types. */
export function batchToFrame(polars: Polars, batch: TickBatch): pl.DataFrame {
  const columns = [
    polars.Series('ts', batch.ts as unknown as number[]).cast(polars.Datetime('ns')),
    polars.Series('seq', batch.seq).cast(polars.Int64),
    ...VALUE_COLUMNS[batch.kind].map((name) => polars.Series(name, batch.values[name])),
  ];
  return polars.DataFrame(columns);
}

export class ParquetTickStore implements TickStore {
  private readonly lastRows = new Map<string, LatestRow | undefined>();

  constructor(
    private readonly polars: Polars,
    private readonly root: string,
  ) {}

  private seriesDir(kind: TickKind, symbol: string): string {
    return join(this.root, kind, symbol);
  }

  private manifests(kind: TickKind, symbol: string): Manifest[] {
    const dir = join(this.seriesDir(kind, symbol), '_sources');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Manifest);
  }

  /** Whether any source has stored rows of this kind for the symbol (reads only the manifest folder). */
  has(kind: TickKind, symbol: string): boolean {
    return this.manifests(kind, symbol).length > 0;
  }

  async write(batch: TickBatch, source: SourceRef): Promise<WriteSummary> {
    const dir = this.seriesDir(batch.kind, batch.symbol);
    const sourceId = sourceIdOf(source);
    const manifestPath = join(dir, '_sources', `${sourceId}.json`);
    const previous = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : undefined;
    const generation = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    mkdirSync(dir, { recursive: true });

    const frame = batchToFrame(this.polars, batch);
    const files: StoredFile[] = [];
    for (const [start, end] of this.partitions(batch)) {
      const part = frame.slice(start, end - start);
      const first = batch.ts[start].toString();
      const last = batch.ts[end - 1].toString();
      const name = `${first}_${last}_${sourceId}_${generation}.parquet`;
      writeAtomically(join(dir, name), (temp) => part.writeParquet(temp, { compression: 'zstd' }));
      files.push({ name, first, last, rows: end - start });
    }
    const n = batch.ts.length;
    const manifest: Manifest = {
      source: source.id,
      label: source.label,
      sourceId,
      generation,
      kind: batch.kind,
      symbol: batch.symbol,
      rows: n,
      first: n ? batch.ts[0].toString() : '0',
      last: n ? batch.ts[n - 1].toString() : '0',
      files,
      writtenAt: new Date().toISOString(),
    };
    writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2));
    for (const old of previous?.files ?? []) rmSync(join(dir, old.name), { force: true });

    const summary = this.summarize(batch.kind, batch.symbol)!;
    return { ...summary, replacedRows: previous?.rows ?? 0 };
  }

  /** [start, end) row ranges: one per UTC day for ticks, one for bars. Rows are in time order. */
  private partitions(batch: TickBatch): Array<[number, number]> {
    const n = batch.ts.length;
    if (n === 0) return [];
    if (batch.kind === 'bars') return [[0, n]];
    const parts: Array<[number, number]> = [];
    let start = 0;
    let day = batch.ts[0] / NS_PER_DAY;
    for (let i = 1; i < n; i++) {
      const d = batch.ts[i] / NS_PER_DAY;
      if (d !== day) {
        parts.push([start, i]);
        start = i;
        day = d;
      }
    }
    parts.push([start, n]);
    return parts;
  }

  async read(kind: TickKind, symbol: string, range: TimeRange = {}): Promise<pl.DataFrame | undefined> {
    const dir = this.seriesDir(kind, symbol);
    const manifests = this.manifests(kind, symbol);
    if (manifests.length === 0) return undefined;
    const paths: string[] = [];
    for (const m of manifests) {
      for (const f of m.files) {
        if (range.from !== undefined && BigInt(f.last) < range.from) continue;
        if (range.to !== undefined && BigInt(f.first) > range.to) continue;
        paths.push(join(dir, f.name));
      }
    }
    const pl = this.polars;
    if (paths.length === 0) return batchToFrame(pl, { kind, symbol, ts: new BigInt64Array(0), seq: new Float64Array(0), values: emptyValues(kind) });
    const frame = paths.length === 1 ? pl.readParquet(paths[0]) : pl.concat(paths.map((p) => pl.readParquet(p)));
    const sorted = manifests.length > 1 || paths.length > 1 ? frame.sort(['ts', 'seq']) : frame;
    return sliceByTime(pl, sorted, range.from, range.to);
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    let newest: { path: string; last: bigint } | undefined;
    for (const m of this.manifests(kind, symbol)) {
      for (const f of m.files) {
        const last = BigInt(f.last);
        if (newest === undefined || last > newest.last) newest = { path: join(this.seriesDir(kind, symbol), f.name), last };
      }
    }
    if (newest === undefined) return undefined;
    // Data files never change once written (a rewrite makes new names), so their last row can be remembered.
    let row = this.lastRows.get(newest.path);
    if (row === undefined) {
      row = lastRowOf(this.polars, this.polars.readParquet(newest.path), kind);
      if (this.lastRows.size > 1000) this.lastRows.clear();
      this.lastRows.set(newest.path, row);
    }
    return row;
  }

  private summarize(kind: TickKind, symbol: string): SeriesSummary | undefined {
    const manifests = this.manifests(kind, symbol);
    if (manifests.length === 0) return undefined;
    let rows = 0;
    let first: bigint | undefined;
    let last: bigint | undefined;
    for (const m of manifests) {
      rows += m.rows;
      if (m.rows === 0) continue;
      const f = BigInt(m.first);
      const l = BigInt(m.last);
      if (first === undefined || f < first) first = f;
      if (last === undefined || l > last) last = l;
    }
    return { kind, symbol, rows, first: first ?? 0n, last: last ?? 0n, sources: manifests.length, builtin: false };
  }

  async list(): Promise<SeriesSummary[]> {
    const out: SeriesSummary[] = [];
    for (const kind of TICK_KINDS) {
      const kindDir = join(this.root, kind);
      if (!existsSync(kindDir)) continue;
      for (const symbol of readdirSync(kindDir).sort()) {
        const s = this.summarize(kind, symbol);
        if (s) out.push(s);
      }
    }
    return out;
  }
}

/** The last row of a frame in (ts, seq) order, as numbers. */
export function lastRowOf(polars: Polars, frame: pl.DataFrame, kind: TickKind): LatestRow | undefined {
  if (frame.height === 0) return undefined;
  const last = frame.sort(['ts', 'seq']).tail(1);
  const ts = (last.getColumn('ts').cast(polars.Int64).toTypedArray() as BigInt64Array)[0];
  const values: Record<string, number> = {};
  for (const c of VALUE_COLUMNS[kind]) values[c] = (last.getColumn(c).cast(polars.Float64).toTypedArray() as Float64Array)[0];
  return { ts, values };
}

function emptyValues(kind: TickKind): Record<string, Float64Array> {
  return Object.fromEntries(VALUE_COLUMNS[kind].map((c) => [c, new Float64Array(0)]));
}
