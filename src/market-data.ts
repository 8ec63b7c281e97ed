/**
 * The tick store as commands see it: what the user stored, over the read-only sample data shipped in data/.
 * Stored rows win: once a user ingests bars for GOOG, the shipped GOOG file is no longer read.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type pl from 'nodejs-polars';
import type { Settings } from './config.js';
import { CiftError, didYouMean } from './errors.js';
import { loadPolars, type Polars } from './polars.js';
import { TICK_KINDS, type TickBatch, type TickKind } from './schema.js';
import { readTabularFile } from './sources/files.js';
import { sliceByTime } from './frames.js';
import { ParquetTickStore, batchToFrame, lastRowOf } from './store/ticks/parquet.js';
import type { LatestRow, SeriesSummary, SourceRef, TickStore, TimeRange, WriteSummary } from './store/ticks/types.js';

/** Shipped CSVs of daily (or other) bars, one symbol per file named SYMBOL.csv. */
class BuiltinCatalog {
  private readonly cache = new Map<string, TickBatch>();

  constructor(private readonly dir: string) {}

  symbols(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => basename(f, '.csv').toUpperCase())
      .sort();
  }

  async batch(symbol: string): Promise<TickBatch | undefined> {
    if (!this.symbols().includes(symbol)) return undefined;
    let batch = this.cache.get(symbol);
    if (!batch) {
      [batch] = await readTabularFile(join(this.dir, `${symbol}.csv`), { symbol });
      this.cache.set(symbol, batch);
    }
    return batch;
  }
}

export class MarketData implements TickStore {
  private constructor(
    private readonly polars: Polars,
    private readonly stored: ParquetTickStore,
    private readonly builtin: BuiltinCatalog,
  ) {}

  static async open(settings: Settings): Promise<MarketData> {
    const polars = await loadPolars();
    return new MarketData(polars, new ParquetTickStore(polars, settings.ticksDir), new BuiltinCatalog(settings.builtinDataDir));
  }

  write(batch: TickBatch, source: SourceRef): Promise<WriteSummary> {
    return this.stored.write(batch, source);
  }

  async read(kind: TickKind, symbol: string, range: TimeRange = {}): Promise<pl.DataFrame | undefined> {
    const stored = await this.stored.read(kind, symbol, range);
    if (stored !== undefined || kind !== 'bars') return stored;
    const batch = await this.builtin.batch(symbol);
    if (batch === undefined) return undefined;
    const pl = this.polars;
    return sliceByTime(pl, batchToFrame(pl, batch), range.from, range.to);
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    const stored = await this.stored.latest(kind, symbol);
    if (stored !== undefined || kind !== 'bars') return stored;
    const batch = await this.builtin.batch(symbol);
    return batch === undefined ? undefined : lastRowOf(this.polars, batchToFrame(this.polars, batch), 'bars');
  }

  async list(): Promise<SeriesSummary[]> {
    const stored = await this.stored.list();
    const storedBars = new Set(stored.filter((s) => s.kind === 'bars').map((s) => s.symbol));
    const shipped: SeriesSummary[] = [];
    for (const symbol of this.builtin.symbols()) {
      if (storedBars.has(symbol)) continue;
      const b = (await this.builtin.batch(symbol))!;
      shipped.push({ kind: 'bars', symbol, rows: b.ts.length, first: b.ts[0], last: b.ts[b.ts.length - 1], sources: 0, builtin: true });
    }
    return [...stored, ...shipped].sort((a, b) => a.symbol.localeCompare(b.symbol) || a.kind.localeCompare(b.kind));
  }

  /** The kinds stored for a symbol, or an UNKNOWN_SYMBOL error with a did-you-mean hint. */
  async kindsOf(symbol: string): Promise<TickKind[]> {
    // Existence only: summarising everything (list()) would parse every shipped CSV on each command.
    const shipped = this.builtin.symbols().includes(symbol);
    const kinds = TICK_KINDS.filter((k) => this.stored.has(k, symbol) || (k === 'bars' && shipped));
    if (kinds.length === 0) {
      const all = await this.list();
      const known = [...new Set(all.map((s) => s.symbol))];
      const guess = didYouMean(symbol, known);
      throw new CiftError(
        'UNKNOWN_SYMBOL',
        `no data for symbol "${symbol}"`,
        guess ? `did you mean ${guess}?` : known.length ? `stored: ${known.join(', ')}; add data with \`cift ingest\`` : 'add data with `cift ingest FILE --symbol SYMBOL`',
      );
    }
    return kinds;
  }
}
