/**
 * The tick store as commands see it: what the user stored, over the read-only sample data shipped in data/.
 * By default stored rows win: once a user ingests trades or bars for GOOG, the shipped GOOG bars are not read.
 * A command can ask for one origin (`--source stored|shipped`), and `originOf` says which one a symbol's data
 * comes from, with a one-line notice when both exist so the choice is never silent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type pl from 'nodejs-polars';
import { assertHomeReadable, ensureHomeFolder, type Settings } from './config.js';
import { CiftError, didYouMean, isCiftError } from './errors.js';
import { lazyPolars, type Polars } from './polars.js';
import { writeFileAtomic } from './io/atomic.js';
import { makeDirectory } from './io/dirs.js';
import { decodeBatch, encodeBatch } from './io/batch-file.js';
import { SYMBOL_PATTERN, type TickBatch, type TickKind } from './schema.js';
import { sliceByTime } from './frames.js';
import { formatTs } from './time.js';
import { VERSION } from './version.js';
import { ParquetTickStore, batchToFrame, lastRowOf } from './store/ticks/parquet.js';
import { DEFAULT_CHUNK_ROWS } from './store/ticks/types.js';
import type {
  ChunkOptions,
  IngestItem,
  IngestOptions,
  IngestOutcome,
  LatestRow,
  RepairReport,
  SeriesSummary,
  SourceRef,
  StoredSource,
  TickStore,
  TimeRange,
  WriteSummary,
} from './store/ticks/types.js';

/** Where a symbol's data comes from: the user's tick store, or the sample bars shipped in data/. */
export type DataOrigin = 'stored' | 'shipped';
export const DATA_ORIGINS: readonly DataOrigin[] = ['stored', 'shipped'];

export interface MarketDataOptions {
  /** Read only this origin; default: stored data when there is any, else shipped. */
  source?: DataOrigin;
}

export interface OriginReport {
  origin: DataOrigin;
  /** One line for stderr when the symbol has both and no origin was asked for; undefined otherwise. */
  notice?: string;
}

/** Kinds that make bars (what `bars`, `features` and `backtest` read; quotes through their mid price). */
export const BAR_KINDS: readonly TickKind[] = ['trades', 'bars', 'quotes'];
/** Kinds a price can come from (what `order` reads: quote, else trade, else bar). */
export const PRICE_KINDS: readonly TickKind[] = ['quotes', 'trades', 'bars'];

/** In the data folder: the last bar of each shipped series, remembered across processes (BuiltinCatalog.lastBar). */
export const SHIPPED_LAST_BARS_FILE = 'shipped-last-bars.json';
/** In the data folder: each shipped series as parsed, one SYMBOL.batch per series (BuiltinCatalog.batch). */
export const SHIPPED_BATCH_DIR = 'shipped-parsed';

/** Shipped CSVs of daily (or other) bars, one symbol per file named SYMBOL.csv. */
class BuiltinCatalog {
  private readonly cache = new Map<string, TickBatch>();

  /**
   * `lastFile`: a JSON file (in the data folder) remembering each shipped series' last bar across processes, so
   * `cift order buy AAPL 10` on the shipped bars does not parse the CSV (and load polars) every run. An entry
   * counts only for the same package version and the same file size and modification time.
   * `batchDir`: the same, for each whole series as parsed (src/io/batch-file.ts), so `cift bars GOOG` in a later
   * process reads one binary file instead of running the CSV parser.
   */
  constructor(
    private readonly dir: string,
    private readonly lastFile?: string,
    private readonly batchDir?: string,
  ) {}

  symbols(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => basename(f, '.csv').toUpperCase())
      .sort();
  }

  /** The shipped file names, listed once: shipped data is read-only, and a served quote asks on every request. */
  private names: Set<string> | undefined;

  /** Existence only (one listing, kept), so a command does not parse every shipped CSV. */
  has(symbol: string): boolean {
    this.names ??= new Set(existsSync(this.dir) ? readdirSync(this.dir).filter((f) => f.endsWith('.csv')) : []);
    return this.names.has(`${symbol}.csv`);
  }

  /** The last bar of a shipped series, computed once: shipped data is read-only, and a served quote asks for it on every request. */
  private readonly lastBars = new Map<string, LatestRow | undefined>();
  async lastBar(symbol: string, compute: (batch: TickBatch) => LatestRow | undefined): Promise<LatestRow | undefined> {
    if (!this.lastBars.has(symbol)) {
      const key = this.has(symbol) ? this.fileKey(symbol) : undefined;
      const remembered = key === undefined ? undefined : this.rememberedLastBar(symbol, key);
      if (remembered !== undefined) this.lastBars.set(symbol, remembered);
      else {
        const batch = await this.batch(symbol);
        const last = batch === undefined ? undefined : compute(batch);
        this.lastBars.set(symbol, last);
        if (key !== undefined && last !== undefined) this.rememberLastBar(symbol, key, last);
      }
    }
    return this.lastBars.get(symbol);
  }

  private fileKey(symbol: string): string | undefined {
    try {
      const st = statSync(join(this.dir, `${symbol}.csv`));
      return `${VERSION}:${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  private readLastFile(): Record<string, RememberedBar> {
    if (this.lastFile === undefined) return {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.lastFile, 'utf8'));
      return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, RememberedBar>) : {};
    } catch {
      return {}; // missing or unreadable: computed again (and rewritten)
    }
  }

  private rememberedLastBar(symbol: string, key: string): LatestRow | undefined {
    const entry = this.readLastFile()[symbol];
    if (entry === undefined || entry.key !== key || typeof entry.ts !== 'string' || entry.values === null || typeof entry.values !== 'object') return undefined;
    // Non-finite values (NaN for a missing vwap or trade count) are kept as text: JSON has no NaN.
    const values: Record<string, number> = {};
    for (const [name, v] of Object.entries(entry.values)) values[name] = Number(v);
    return { ts: BigInt(entry.ts), values };
  }

  /** Best effort: a data folder that is missing or read-only just means the CSV is parsed again next time. */
  private rememberLastBar(symbol: string, key: string, last: LatestRow): void {
    if (this.lastFile === undefined || !existsSync(dirname(this.lastFile))) return;
    const values: Record<string, number | string> = {};
    for (const [name, v] of Object.entries(last.values)) values[name] = Number.isFinite(v) ? v : String(v);
    try {
      writeFileAtomic(this.lastFile, `${JSON.stringify({ ...this.readLastFile(), [symbol]: { key, ts: String(last.ts), values } })}\n`);
    } catch {
      // not remembered: the next process computes it again
    }
  }

  async batch(symbol: string): Promise<TickBatch | undefined> {
    if (!this.has(symbol)) return undefined;
    let batch = this.cache.get(symbol);
    if (!batch) {
      const key = this.fileKey(symbol);
      batch = key === undefined ? undefined : this.rememberedBatch(symbol, key);
      if (batch === undefined) {
        // Loaded here only: with the parsed series remembered, a process never loads the CSV reader's modules.
        const { readTabularFile } = await import('./sources/files.js');
        [batch] = await readTabularFile(join(this.dir, `${symbol}.csv`), { symbol });
        if (key !== undefined) this.rememberBatch(symbol, key, batch!);
      }
      this.cache.set(symbol, batch!);
    }
    return batch;
  }

  private rememberedBatch(symbol: string, key: string): TickBatch | undefined {
    if (this.batchDir === undefined) return undefined;
    try {
      return decodeBatch(readFileSync(join(this.batchDir, `${symbol}.batch`)), key);
    } catch {
      return undefined; // missing or unreadable: parsed again (and rewritten)
    }
  }

  /** Best effort, as rememberLastBar: without a writable data folder the CSV is parsed again next time. */
  private rememberBatch(symbol: string, key: string, batch: TickBatch): void {
    if (this.batchDir === undefined || !existsSync(dirname(this.batchDir))) return;
    try {
      makeDirectory(this.batchDir);
      writeFileAtomic(join(this.batchDir, `${symbol}.batch`), encodeBatch(batch, key));
    } catch {
      // not remembered
    }
  }
}

interface RememberedBar {
  key: string;
  ts: string;
  values: Record<string, number | string>;
}

/** The user's tick store as MarketData needs it: the TickStore port plus which kinds a symbol has (catalog only). */
export type StoredTicks = TickStore & {
  kindsOf(symbol: string): Promise<TickKind[]>;
  /** An opaque token that stays the same object while reads answer the same (the Parquet store: its catalog). */
  revision?(): Promise<object>;
  /** Text naming what latest(…, symbol) answers from; equal text, equal answers (see ParquetTickStore.latestKey). */
  latestKey?(symbol: string): Promise<string>;
};

export class MarketData implements TickStore {
  private constructor(
    private readonly polars: Polars,
    private readonly stored: StoredTicks,
    private readonly builtin: BuiltinCatalog,
    private readonly source: DataOrigin | undefined,
  ) {}

  static async open(settings: Settings, opts: MarketDataOptions = {}): Promise<MarketData> {
    assertHomeReadable(settings);
    // Loaded on the first frame read: an order on the shipped bars (remembered last bar) and a catalog look-up read none.
    const polars = lazyPolars();
    const stored = new ParquetTickStore(polars, settings.ticksDir, { makeFolder: (dir, onCreate) => ensureHomeFolder(settings, dir, onCreate) });
    return new MarketData(polars, stored, new BuiltinCatalog(settings.builtinDataDir, join(settings.home, SHIPPED_LAST_BARS_FILE), join(settings.home, SHIPPED_BATCH_DIR)), opts.source);
  }

  /** Over any tick store adapter (the Parquet one is what open() uses), with the shipped samples of `builtinDataDir`. */
  static over(polars: Polars, stored: StoredTicks, builtinDataDir: string, opts: MarketDataOptions = {}): MarketData {
    return new MarketData(polars, stored, new BuiltinCatalog(builtinDataDir), opts.source);
  }

  // ---- writing: always the user's store ----------------------------------------------------------------------

  ingest(items: IngestItem[], opts?: IngestOptions): Promise<IngestOutcome[]> {
    return this.stored.ingest(items, opts);
  }

  write(batch: TickBatch, source: SourceRef): Promise<WriteSummary> {
    return this.stored.write(batch, source);
  }

  async remove(selector: string): Promise<StoredSource[]> {
    try {
      return await this.stored.remove(selector);
    } catch (e) {
      const symbol = selector.trim().toUpperCase();
      if (isCiftError(e) && e.code === 'UNKNOWN_SOURCE' && SYMBOL_PATTERN.test(symbol) && this.builtin.has(symbol)) {
        throw new CiftError('UNKNOWN_SOURCE', `nothing stored for "${symbol}": its data is the shipped sample (read-only)`, '`cift ingest --list` shows stored sources and their ids');
      }
      throw e;
    }
  }

  repair(): Promise<RepairReport> {
    return this.stored.repair();
  }

  sources(): Promise<StoredSource[]> {
    return this.stored.sources();
  }

  // ---- reading: stored, shipped, or as chosen ----------------------------------------------------------------

  async read(kind: TickKind, symbol: string, range: TimeRange = {}): Promise<pl.DataFrame | undefined> {
    const stored = this.source === 'shipped' ? undefined : await this.stored.read(kind, symbol, range);
    if (stored !== undefined || kind !== 'bars' || this.source === 'stored') return stored;
    const batch = await this.builtin.batch(symbol);
    if (batch === undefined) return undefined;
    const pl = this.polars;
    return sliceByTime(pl, batchToFrame(pl, batch), range.from, range.to);
  }

  /**
   * The rows read() gives, in the same order, as frames of at most `chunkRows` rows, from the same origin read()
   * would use; the stored store is read a part at a time (shipped samples are small and read whole).
   */
  async *readChunks(kind: TickKind, symbol: string, range: TimeRange = {}, opts: ChunkOptions = {}): AsyncGenerator<pl.DataFrame> {
    if (this.source !== 'shipped') {
      // read() falls back to the shipped bars only when nothing of the kind is stored (the catalog says so).
      const storedKinds = await this.stored.kindsOf(symbol);
      if (storedKinds.includes(kind) || kind !== 'bars' || this.source === 'stored') {
        yield* this.stored.readChunks(kind, symbol, range, opts);
        return;
      }
    }
    if (kind !== 'bars') return;
    const batch = await this.builtin.batch(symbol);
    if (batch === undefined) return;
    const pl = this.polars;
    const frame = sliceByTime(pl, batchToFrame(pl, batch), range.from, range.to);
    const chunkRows = Math.max(1, opts.chunkRows ?? DEFAULT_CHUNK_ROWS);
    for (let start = 0; start < frame.height; start += chunkRows) yield frame.slice(start, Math.min(chunkRows, frame.height - start));
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    const stored = this.source === 'shipped' ? undefined : await this.stored.latest(kind, symbol);
    if (stored !== undefined || kind !== 'bars' || this.source === 'stored') return stored;
    return this.builtin.lastBar(symbol, (batch) => lastRowOf(this.polars, batchToFrame(this.polars, batch), 'bars'));
  }

  /**
   * An opaque token that is the same object for as long as latest() and kindsOf() answer the same (for any symbol:
   * the store's revision covers them all), and a new one
   * once the store commits a change (shipped data is read-only); undefined when the store cannot tell, so a caller
   * keyed on it must not cache. Cheap: the store's catalog check, no data read.
   */
  revision(_symbol?: string): Promise<object | undefined> {
    return this.stored.revision?.() ?? Promise.resolve(undefined);
  }

  /**
   * Text that is the same whenever latest(…, symbol) answers the same, in any process on this data folder
   * (undefined when the store cannot tell: nothing may be cached): the origin asked for, the stored files
   * latest() reads, and the package version (shipped bars change only with it). What cached prices are keyed on.
   */
  async latestKey(symbol: string): Promise<string | undefined> {
    if (this.source === 'shipped') return `shipped:${VERSION}`;
    const stored = await this.stored.latestKey?.(symbol);
    return stored === undefined ? undefined : `${this.source ?? 'auto'}:${stored}:${VERSION}`;
  }

  /** Stored series and every shipped sample series (`builtin`), including shipped ones that stored data shadows. */
  /**
   * Resolves when the tick store answers (its catalog reads); for readiness. Shipped data is package files and is
   * not checked: parsing every shipped CSV would make a fresh server's first /ready slow for nothing.
   */
  async checkStore(): Promise<void> {
    await this.stored.list();
  }

  async list(): Promise<SeriesSummary[]> {
    const stored = await this.stored.list();
    const shipped: SeriesSummary[] = [];
    for (const symbol of this.builtin.symbols()) {
      const b = (await this.builtin.batch(symbol))!;
      shipped.push({ kind: 'bars', symbol, rows: b.ts.length, first: b.ts[0], last: b.ts[b.ts.length - 1], sources: 0, builtin: true });
    }
    return [...stored, ...shipped].sort((a, b) => a.symbol.localeCompare(b.symbol) || a.kind.localeCompare(b.kind) || Number(a.builtin) - Number(b.builtin));
  }

  private async unknownSymbol(symbol: string): Promise<CiftError> {
    const known = [...new Set([...(await this.stored.list()).map((s) => s.symbol), ...this.builtin.symbols()])].sort();
    const guess = didYouMean(symbol, known);
    return new CiftError(
      'UNKNOWN_SYMBOL',
      `no data for symbol "${symbol}"`,
      guess ? `did you mean ${guess}?` : known.length ? `stored: ${known.join(', ')}; add data with \`cift ingest\`` : 'add data with `cift ingest FILE --symbol SYMBOL`',
    );
  }

  /** The kinds a symbol has in the chosen origin, or an UNKNOWN_SYMBOL / NO_DATA error. Reads only the catalog. */
  async kindsOf(symbol: string): Promise<TickKind[]> {
    const storedKinds = await this.stored.kindsOf(symbol);
    const shipped = this.builtin.has(symbol);
    if (storedKinds.length === 0 && !shipped) throw await this.unknownSymbol(symbol);
    if (this.source === 'stored') {
      if (storedKinds.length === 0) throw new CiftError('NO_DATA', `--source stored: nothing is stored for "${symbol}"`, `its data is the shipped sample: drop --source, or ingest data with \`cift ingest FILE --symbol ${symbol}\``);
      return storedKinds;
    }
    if (this.source === 'shipped') {
      if (!shipped) throw new CiftError('NO_DATA', `--source shipped: there is no shipped sample data for "${symbol}"`, `shipped symbols: ${this.builtin.symbols().join(', ')}`);
      return ['bars'];
    }
    // Stored data wins whole: mixing a stored kind with the shipped bars would read two different sources as one.
    return storedKinds.length > 0 ? storedKinds : ['bars'];
  }

  /**
   * Which origin reads of `symbol` use, for a command that reads the given kinds (BAR_KINDS, PRICE_KINDS), and a
   * notice when both origins could serve it and none was asked for. Errors as kindsOf.
   */
  async originOf(symbol: string, reads: readonly TickKind[] = BAR_KINDS): Promise<OriginReport> {
    await this.kindsOf(symbol);
    if (this.source !== undefined) return { origin: this.source };
    const stored = (await this.stored.list()).filter((s) => s.symbol === symbol && reads.includes(s.kind));
    const shipped = reads.includes('bars') && this.builtin.has(symbol);
    if (stored.length === 0) return { origin: 'shipped' };
    if (!shipped) return { origin: 'stored' };
    const what = stored.map((s) => `${s.kind} ${formatTs(s.first)} … ${formatTs(s.last)}`).join(', ');
    return {
      origin: 'stored',
      notice: `${symbol} has stored data (${what}) and shipped sample bars; using the stored data (choose with --source stored|shipped)`,
    };
  }
}
