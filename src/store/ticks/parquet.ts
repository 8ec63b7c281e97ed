/**
 * The embedded tick store: Parquet data files under {root}/{kind}/{SYMBOL}/ and one catalog, {root}/catalog.json,
 * naming every source and its files (see catalog.ts, names.ts).
 *
 * An ingest: identifies each batch by its content, plans against the catalog (conflicts refused before anything
 * is written), registers itself in .writers/, writes its data files (temp file, fsync, rename), takes the lock,
 * re-reads the catalog and re-plans against it, commits a new catalog (the one atomic step that makes all of it
 * visible), sweeps what dead writers left, releases the lock, then deletes the files of sources it replaced.
 * Readers read only files the catalog names; when .writers/ names a dead process they sweep first.
 * Trades, quotes and books are split per UTC day; bars are one file per source.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pl from 'nodejs-polars';
import { CiftError } from '../../errors.js';
import { FolderError, makeDirectory } from '../../io/dirs.js';
import type { Polars } from '../../polars.js';
import { type TickBatch, type TickKind, TICK_KINDS, frameValueColumns, valueColumnsOf } from '../../schema.js';
import { NS_PER_DAY } from '../../time.js';
import { sliceByTime } from '../../frames.js';
import { type Catalog, type CatalogFile, type CatalogSource, catalogPath, catalogStamp, emptyCatalog, readCatalog, toStoredSource, writeCatalog } from './catalog.js';
import { batchContentId } from './content-id.js';
import { legacyManifests, migrateLegacy } from './legacy.js';
import { lock, tryLock } from './lock.js';
import { WRITERS_DIR, dataFileName, newWriter, type WriterToken } from './names.js';
import { type Incoming, type OverlapPolicy, applyPlan, outcomes, planIngest } from './plan.js';
import { rebuildCatalog } from './repair.js';
import { resolveSelector } from './select.js';
import { step, storeFs } from './steps.js';
import { deadWriters, sweep } from './sweep.js';
import { DEFAULT_CHUNK_ROWS } from './types.js';
import type { ChunkOptions, IngestItem, IngestOptions, IngestOutcome, LatestRow, RepairReport, SeriesSummary, SourceRef, StoredSource, TickStore, TimeRange, WriteSummary } from './types.js';

/** Converts a batch to a frame with the canonical column order and types. */
/** How long a catalog found current is trusted without another stat (ms). */
const CATALOG_RECHECK_MS = 10;

export function batchToFrame(polars: Polars, batch: TickBatch): pl.DataFrame {
  const names = valueColumnsOf(batch);
  const columns = [
    polars.Series('ts', batch.ts as unknown as number[]).cast(polars.Datetime('ns')),
    polars.Series('seq', batch.seq).cast(polars.Int64),
    ...names.map((name) => polars.Series(name, batch.values[name])),
  ];
  const frame = polars.DataFrame(columns);
  // A book's empty level is NaN in the batch (typed arrays have no null) and null when stored: "no order here",
  // which a reader can tell from a price. Quotes keep NaN for an absent size, as they always have.
  return batch.kind === 'book' && names.length ? frame.withColumns(...names.map((n) => polars.col(n).fillNan(null))) : frame;
}

export interface ParquetTickStoreOptions {
  /** Creates a folder of the store (and its parents), failing with a clear error; default: plain creation. */
  makeFolder?: (dir: string, onCreate: (dir: string) => void) => void;
}

const defaultMakeFolder = (dir: string, onCreate: (dir: string) => void) => {
  try {
    makeDirectory(dir, onCreate);
  } catch (e) {
    if (e instanceof FolderError) throw new CiftError('STORE_UNAVAILABLE', `cannot create the tick store folder: ${e.reason}`);
    throw e;
  }
};

/** [start, end) row ranges: one per UTC day for ticks, one for bars. Rows are in time order. */
function partitions(batch: TickBatch): Array<[number, number]> {
  const n = batch.ts.length;
  if (n === 0) return [];
  if (batch.kind === 'bars') return [[0, n]];
  const parts: Array<[number, number]> = [];
  let start = 0;
  // Floor division, so times before 1970 fall on their own day too.
  const dayOf = (ts: bigint) => (ts >= 0n ? ts / NS_PER_DAY : (ts - NS_PER_DAY + 1n) / NS_PER_DAY);
  let day = dayOf(batch.ts[0]);
  for (let i = 1; i < n; i++) {
    const d = dayOf(batch.ts[i]);
    if (d !== day) {
      parts.push([start, i]);
      start = i;
      day = d;
    }
  }
  parts.push([start, n]);
  return parts;
}

/**
 * The codec of the store's data files: LZ4 (Parquet's LZ4_RAW), because a store is read far more often than it is
 * written and a backtest reads it whole. Measured on 1M stored 1-minute bars (7 columns): polars reads the file in
 * ~19 ms with LZ4 against ~36 ms with zstd, for a file 17 % larger (37 vs 31 MB of random-walk prices; ticks with
 * repeated prices compress better with both). Files written with another codec
 * (an older store) read the same: the codec is recorded per column chunk.
 */
const STORE_COMPRESSION = 'lz4';

export class ParquetTickStore implements TickStore {
  private readonly lastRows = new Map<string, LatestRow | undefined>();
  private cached: { stamp: string; catalog: Catalog } | undefined;
  /** When (performance.now()) the cached catalog was last found current. */
  private verifiedAt = -Infinity;
  private checkedForDeadWriters = false;
  private readonly makeFolder: NonNullable<ParquetTickStoreOptions['makeFolder']>;

  constructor(
    private readonly polars: Polars,
    private readonly root: string,
    opts: ParquetTickStoreOptions = {},
  ) {
    this.makeFolder = opts.makeFolder ?? defaultMakeFolder;
  }

  private seriesDir(kind: TickKind, symbol: string): string {
    return join(this.root, kind, symbol);
  }

  // ---- the catalog -------------------------------------------------------------------------------------------

  /** The committed catalog, re-read only when the file changed. Migrates the first format and sweeps for dead writers first. */
  private async catalog(): Promise<Catalog> {
    // A committed catalog is replaced by rename (a new inode), so an unchanged stamp means the cached one is current:
    // one stat instead of a read and parse per call (a served quote asks several times per request).
    // And a catalog verified a moment ago is taken as it is: a server answering thousands of quotes a second stats
    // the file once per CATALOG_RECHECK_MS, so another process's commit shows up at most that much later.
    if (this.cached !== undefined && this.checkedForDeadWriters) {
      const now = performance.now();
      if (now - this.verifiedAt < CATALOG_RECHECK_MS) return this.cached.catalog;
      if (catalogStamp(this.root) === this.cached.stamp) {
        this.verifiedAt = now;
        return this.cached.catalog;
      }
    }
    let loaded = readCatalog(this.root);
    if (loaded === undefined && legacyManifests(this.root).length > 0) {
      await this.migrate();
      loaded = readCatalog(this.root);
    }
    if (!this.checkedForDeadWriters) {
      this.checkedForDeadWriters = true;
      if (deadWriters(this.root).length > 0) {
        this.sweepIfFree();
        loaded = readCatalog(this.root);
      }
    }
    if (loaded === undefined) return emptyCatalog();
    if (this.cached?.stamp !== loaded.stamp) this.cached = loaded;
    this.verifiedAt = performance.now();
    return this.cached.catalog;
  }

  /** Commits a catalog (the store's commit point) and forgets the cached one, so this store reads its own write at once. */
  private commitCatalog(catalog: Catalog): void {
    writeCatalog(this.root, catalog);
    this.cached = undefined;
  }

  private sweepIfFree(): void {
    const release = tryLock(this.root);
    if (!release) return; // a live writer holds the lock; it sweeps at its commit
    try {
      sweep(this.root, readCatalog(this.root)?.catalog ?? emptyCatalog());
    } finally {
      release();
    }
  }

  /** Runs `work` as a registered writer: .writers/{token} exists from before its first file until after its last. */
  private async asWriter<T>(work: (writer: WriterToken) => Promise<T>): Promise<T> {
    const writer = newWriter();
    const writersDir = join(this.root, WRITERS_DIR);
    this.makeFolder(writersDir, (d) => step(`mkdir ${d}`));
    const entry = join(writersDir, writer.token);
    storeFs.writeFile(entry, '');
    try {
      return await work(writer);
    } finally {
      storeFs.remove(entry);
    }
  }

  private async migrate(): Promise<void> {
    await this.asWriter(async (writer) => {
      const release = await lock(this.root);
      try {
        if (readCatalog(this.root) !== undefined) return; // another process migrated meanwhile
        const catalog = migrateLegacy(this.polars, this.root, writer);
        this.commitCatalog(catalog);
        sweep(this.root, catalog);
      } finally {
        release();
      }
    });
  }

  /** Commits under the lock: `change` gets the catalog as it is now and returns the next one (or undefined: no change). */
  private async commit<T>(change: (current: Catalog) => { next: Catalog | undefined; result: T }): Promise<T> {
    const release = await lock(this.root);
    try {
      const current = readCatalog(this.root)?.catalog ?? emptyCatalog();
      const { next, result } = change(current);
      if (next !== undefined) this.commitCatalog(next);
      sweep(this.root, next ?? current);
      return result;
    } finally {
      release();
    }
  }

  // ---- writing -----------------------------------------------------------------------------------------------

  async ingest(items: IngestItem[], opts: IngestOptions = {}): Promise<IngestOutcome[]> {
    const policy: OverlapPolicy = opts.overlap ?? 'refuse';
    const incoming: Incoming[] = items.map(({ batch, source }) => {
      const n = batch.ts.length;
      return { id: batchContentId(batch), kind: batch.kind, symbol: batch.symbol, rows: n, first: n ? batch.ts[0] : 0n, last: n ? batch.ts[n - 1] : 0n, label: source.label, origin: source.id };
    });
    // Conflicts are refused here, before anything is written.
    const first = planIngest((await this.catalog()).sources, incoming, policy);
    return this.asWriter(async (writer) => {
      const written = new Map<number, CatalogFile[]>();
      const writeItem = (i: number) => written.set(i, this.writeDataFiles(items[i].batch, incoming[i].id, writer));
      let committed = false;
      try {
        first.actions.forEach((a, i) => a.action === 'store' && writeItem(i));
        const { plan, catalog } = await this.commit((current) => {
          // Re-planned against the catalog as it is under the lock: another ingest may have committed meanwhile.
          const plan = planIngest(current.sources, incoming, policy);
          plan.actions.forEach((a, i) => a.action === 'store' && !written.has(i) && writeItem(i));
          const next = applyPlan(current, plan, incoming, written);
          return { next, result: { plan, catalog: next } };
        });
        committed = true;
        this.removeFilesOf(plan.dropped);
        // Files written for inputs that turned out to be stored already (by a concurrent ingest).
        for (const [i, files] of written) if (plan.actions[i].action !== 'store') this.removeFiles(incoming[i].kind, incoming[i].symbol, files);
        return outcomes(plan, incoming, catalog);
      } finally {
        if (!committed) for (const [i, files] of written) this.removeFiles(incoming[i].kind, incoming[i].symbol, files);
      }
    });
  }

  async write(batch: TickBatch, source: SourceRef): Promise<WriteSummary> {
    const [outcome] = await this.ingest([{ batch, source }]);
    const summary = (await this.list()).find((s) => s.kind === batch.kind && s.symbol === batch.symbol);
    const base: SeriesSummary = summary ?? { kind: batch.kind, symbol: batch.symbol, rows: 0, first: 0n, last: 0n, sources: 0, builtin: false };
    return { ...base, replacedRows: outcome.replaced.reduce((n, s) => n + s.rows, 0) };
  }

  private writeDataFiles(batch: TickBatch, id: string, writer: WriterToken): CatalogFile[] {
    const dir = this.seriesDir(batch.kind, batch.symbol);
    const frame = batchToFrame(this.polars, batch);
    const parts = partitions(batch);
    return parts.map(([start, end], k) => {
      const first = batch.ts[start];
      const last = batch.ts[end - 1];
      const name = dataFileName(first, last, id, writer.token, k + 1, parts.length);
      const part = frame.slice(start, end - start);
      // Another process's sweep or --rm may remove the series folder while it is still empty: make it again.
      for (let attempt = 0; ; attempt++) {
        this.makeFolder(dir, (d) => step(`mkdir ${d}`));
        try {
          storeFs.writeAtomically(join(dir, name), (temp) => part.writeParquet(temp, { compression: STORE_COMPRESSION }));
          break;
        } catch (e) {
          if (attempt < 5 && !existsSync(dir)) continue;
          throw e;
        }
      }
      return { name, first: first.toString(), last: last.toString(), rows: end - start };
    });
  }

  private removeFiles(kind: TickKind, symbol: string, files: readonly CatalogFile[]): void {
    const dir = this.seriesDir(kind, symbol);
    for (const f of files) storeFs.remove(join(dir, f.name));
    storeFs.removeEmptyFolder(dir);
  }

  private removeFilesOf(sources: readonly CatalogSource[]): void {
    for (const s of sources) this.removeFiles(s.kind, s.symbol, s.files);
  }

  async remove(selector: string): Promise<StoredSource[]> {
    resolveSelector((await this.catalog()).sources, selector); // unknown → error before anything is written
    return this.asWriter(async () => {
      const gone = await this.commit((current) => {
        const chosen = resolveSelector(current.sources, selector);
        const ids = new Set(chosen.map((s) => `${s.kind}/${s.symbol}/${s.id}`));
        const next: Catalog = { ...current, sources: current.sources.filter((s) => !ids.has(`${s.kind}/${s.symbol}/${s.id}`)) };
        return { next, result: chosen };
      });
      this.removeFilesOf(gone);
      return gone.map(toStoredSource);
    });
  }

  async repair(): Promise<RepairReport> {
    if (!existsSync(this.root)) return { sources: 0, files: 0, skipped: [] };
    return this.asWriter(async (writer) => {
      const release = await lock(this.root);
      try {
        let previous: Catalog | undefined;
        try {
          previous = readCatalog(this.root)?.catalog;
        } catch {
          previous = undefined; // damaged: that is why we are here
        }
        const { catalog, skipped } = rebuildCatalog(this.polars, this.root, writer, previous);
        this.commitCatalog(catalog);
        sweep(this.root, catalog);
        return { sources: catalog.sources.length, files: catalog.sources.reduce((n, s) => n + s.files.length, 0), skipped };
      } finally {
        release();
      }
    });
  }

  // ---- reading -----------------------------------------------------------------------------------------------

  async sources(): Promise<StoredSource[]> {
    return (await this.catalog()).sources.map(toStoredSource).sort((a, b) => a.symbol.localeCompare(b.symbol) || a.kind.localeCompare(b.kind) || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  }

  private async sourcesOf(kind: TickKind, symbol: string): Promise<CatalogSource[]> {
    return (await this.catalog()).sources.filter((s) => s.kind === kind && s.symbol === symbol);
  }

  /**
   * The committed catalog as an opaque token: the same object for as long as the catalog is (so every read answers
   * the same), a new one once anything is committed, by this store at once or by another process within
   * CATALOG_RECHECK_MS, as every read sees it. What a served quote's cache is keyed on.
   */
  revision(): Promise<object> {
    return this.catalog();
  }

  /**
   * What latest() of `symbol` answers from, as text: the newest data file of each kind, picked as latest() picks
   * it. Data file names are never reused (a rewrite makes new ones), so equal text means equal answers, in any
   * process reading this store: what a shared price cache is keyed on. Reads only the catalog.
   */
  async latestKey(symbol: string): Promise<string> {
    const parts: string[] = [];
    for (const kind of TICK_KINDS) {
      let newest: { name: string; last: bigint } | undefined;
      for (const s of await this.sourcesOf(kind, symbol)) {
        for (const f of s.files) {
          const last = BigInt(f.last);
          if (newest === undefined || last > newest.last) newest = { name: f.name, last };
        }
      }
      parts.push(`${kind}=${newest?.name ?? ''}`);
    }
    return parts.join(',');
  }

  /** The kinds stored for a symbol (reads only the catalog). */
  async kindsOf(symbol: string): Promise<TickKind[]> {
    const sources = (await this.catalog()).sources;
    return TICK_KINDS.filter((k) => sources.some((s) => s.kind === k && s.symbol === symbol));
  }

  /** Reads data files the catalog names; a file replaced by a concurrent ingest is retried on the newer catalog. */
  private readFiles(paths: string[]): pl.DataFrame[] | undefined {
    const frames: pl.DataFrame[] = [];
    for (const path of paths) {
      try {
        frames.push(this.polars.readParquet(path));
      } catch (e) {
        if (!existsSync(path)) return undefined;
        throw new CiftError('STORE_CORRUPT', `tick store data file ${path} is damaged: ${(e as Error).message.split('\n')[0]}`, 'run `cift ingest --repair` to rebuild the catalog from the intact data files');
      }
    }
    return frames;
  }

  async read(kind: TickKind, symbol: string, range: TimeRange = {}): Promise<pl.DataFrame | undefined> {
    for (let attempt = 0; ; attempt++) {
      const sources = await this.sourcesOf(kind, symbol);
      if (sources.length === 0) return undefined;
      const paths: string[] = [];
      for (const s of sources) {
        for (const f of s.files) {
          if (range.from !== undefined && BigInt(f.last) < range.from) continue;
          if (range.to !== undefined && BigInt(f.first) > range.to) continue;
          paths.push(join(this.seriesDir(kind, symbol), f.name));
        }
      }
      const pl = this.polars;
      if (paths.length === 0) return kind === 'book' ? this.emptyBook(sources) : batchToFrame(pl, { kind, symbol, ts: new BigInt64Array(0), seq: new Float64Array(0), values: emptyValues(kind) });
      const frames = this.readFiles(paths);
      if (frames === undefined) {
        if (attempt < 3) continue;
        throw this.missingFile(paths);
      }
      const frame = frames.length === 1 ? frames[0] : pl.concat(frames);
      // Stable, so rows with the same (ts, seq) from two sources (`--append`) keep the catalog's order every time.
      const sorted = frames.length > 1 ? frame.sort({ by: ['ts', 'seq'], maintainOrder: true }) : frame;
      return sliceByTime(pl, sorted, range.from, range.to);
    }
  }

  /**
   * The rows read() gives, as frames of at most `chunkRows` rows, holding one group of data files in memory at a
   * time. Files are taken in order of their first time; files whose time spans overlap or touch (a source stored
   * with `--append` over another) are read and sorted together, so (ts, seq) order and the order of equal rows are
   * exactly read()'s. Trades and quotes are one file per UTC day and source, so a group is usually one day.
   * A file replaced by a concurrent ingest before the first row is yielded is retried on the newer catalog.
   */
  async *readChunks(kind: TickKind, symbol: string, range: TimeRange = {}, opts: ChunkOptions = {}): AsyncGenerator<pl.DataFrame> {
    const chunkRows = Math.max(1, opts.chunkRows ?? DEFAULT_CHUNK_ROWS);
    const pl = this.polars;
    for (let attempt = 0; ; attempt++) {
      const files: Array<{ path: string; first: bigint; last: bigint; order: number }> = [];
      for (const s of await this.sourcesOf(kind, symbol)) {
        for (const f of s.files) {
          const first = BigInt(f.first);
          const last = BigInt(f.last);
          if (range.from !== undefined && last < range.from) continue;
          if (range.to !== undefined && first > range.to) continue;
          files.push({ path: join(this.seriesDir(kind, symbol), f.name), first, last, order: files.length });
        }
      }
      const sortAll = files.length > 1; // read() leaves a lone file as it is and sorts any concatenation
      files.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.order - b.order));
      const groups: Array<typeof files> = [];
      let groupLast = 0n;
      for (const f of files) {
        if (groups.length > 0 && f.first <= groupLast) {
          groups[groups.length - 1].push(f);
          if (f.last > groupLast) groupLast = f.last;
        } else {
          groups.push([f]);
          groupLast = f.last;
        }
      }
      let yielded = false;
      let retry = false;
      for (const group of groups) {
        group.sort((a, b) => a.order - b.order); // concatenated in catalog order, as read() does
        const frames = this.readFiles(group.map((f) => f.path));
        if (frames === undefined) {
          if (!yielded && attempt < 3) {
            retry = true;
            break;
          }
          throw this.missingFile(group.map((f) => f.path));
        }
        const frame = frames.length === 1 ? frames[0] : pl.concat(frames);
        const sorted = sortAll ? frame.sort({ by: ['ts', 'seq'], maintainOrder: true }) : frame;
        const part = sliceByTime(pl, sorted, range.from, range.to);
        for (let start = 0; start < part.height; start += chunkRows) {
          yielded = true;
          yield part.slice(start, Math.min(chunkRows, part.height - start));
        }
      }
      if (!retry) return;
    }
  }

  /** No rows of a book in range: its columns depend on its levels, so they are taken from a stored file's schema. */
  private emptyBook(sources: CatalogSource[]): pl.DataFrame {
    const file = sources.flatMap((s) => s.files)[0];
    const path = join(this.seriesDir('book', sources[0].symbol), file.name);
    const frames = this.readFiles([path]);
    if (frames === undefined) throw this.missingFile([path]);
    return frames[0].head(0);
  }

  private missingFile(paths: string[]): CiftError {
    const missing = paths.find((p) => !existsSync(p)) ?? paths[0];
    return new CiftError('STORE_CORRUPT', `tick store catalog ${catalogPath(this.root)} names ${missing}, which is missing`, 'run `cift ingest --repair` to rebuild the catalog from the intact data files');
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    for (let attempt = 0; ; attempt++) {
      let newest: { path: string; last: bigint } | undefined;
      for (const s of await this.sourcesOf(kind, symbol)) {
        for (const f of s.files) {
          const last = BigInt(f.last);
          if (newest === undefined || last > newest.last) newest = { path: join(this.seriesDir(kind, symbol), f.name), last };
        }
      }
      if (newest === undefined) return undefined;
      // Data files never change once written (a rewrite makes new names), so their last row can be remembered.
      if (this.lastRows.has(newest.path)) return this.lastRows.get(newest.path);
      const frames = this.readFiles([newest.path]);
      if (frames === undefined) {
        if (attempt < 3) continue;
        throw this.missingFile([newest.path]);
      }
      const row = lastRowOf(this.polars, frames[0], kind);
      if (this.lastRows.size > 1000) this.lastRows.clear();
      this.lastRows.set(newest.path, row);
      return row;
    }
  }

  async list(): Promise<SeriesSummary[]> {
    const bySeries = new Map<string, SeriesSummary>();
    for (const s of (await this.catalog()).sources) {
      const key = `${s.symbol}\u0000${s.kind}`;
      const first = BigInt(s.first);
      const last = BigInt(s.last);
      const had = bySeries.get(key);
      if (had === undefined) bySeries.set(key, { kind: s.kind, symbol: s.symbol, rows: s.rows, first, last, sources: 1, builtin: false });
      else {
        had.rows += s.rows;
        had.sources += 1;
        if (first < had.first) had.first = first;
        if (last > had.last) had.last = last;
      }
    }
    return [...bySeries.values()].sort((a, b) => a.symbol.localeCompare(b.symbol) || TICK_KINDS.indexOf(a.kind) - TICK_KINDS.indexOf(b.kind));
  }
}

/** The last row of a frame in (ts, seq) order, as numbers. */
export function lastRowOf(polars: Polars, frame: pl.DataFrame, kind: TickKind): LatestRow | undefined {
  if (frame.height === 0) return undefined;
  const last = frame.sort(['ts', 'seq']).tail(1);
  const ts = (last.getColumn('ts').cast(polars.Int64).toTypedArray() as BigInt64Array)[0];
  const values: Record<string, number> = {};
  // A book's empty level is null: NaN here, as in a batch.
  for (const c of frameValueColumns(kind, last.columns)) values[c] = (last.select(polars.col(c).cast(polars.Float64).fillNull(polars.lit(NaN))).getColumn(c).toTypedArray() as Float64Array)[0];
  return { ts, values };
}

function emptyValues(kind: TickKind): Record<string, Float64Array> {
  return Object.fromEntries(frameValueColumns(kind, []).map((c) => [c, new Float64Array(0)]));
}
