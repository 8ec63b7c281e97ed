/** The tick store port: what `ingest` writes and `bars`, `features`, `backtest` and `order` read. */
import type pl from 'nodejs-polars';
import type { TickBatch, TickKind } from '../../schema.js';
import type { OverlapPolicy } from './plan.js';

export type { OverlapPolicy };

/** Where a batch came from. Not its identity: a source is identified by its content (see content-id.ts). */
export interface SourceRef {
  /** Where the rows came from, e.g. the real path of the file; named in conflict errors and `--list`. */
  id: string;
  /** What to show people (a file name). */
  label: string;
}

export interface SeriesSummary {
  kind: TickKind;
  symbol: string;
  rows: number;
  /** UTC ns of the first and last row. */
  first: bigint;
  last: bigint;
  /** Number of sources that wrote it; 0 for the shipped catalog. */
  sources: number;
  /** True for read-only shipped sample data. */
  builtin: boolean;
}

/** One stored source: the rows one input yielded for one symbol and kind. */
export interface StoredSource {
  /** Content id (16 hex digits); `--rm` takes it or a unique prefix. */
  id: string;
  kind: TickKind;
  symbol: string;
  label: string;
  /** Where it came from (a file's real path, a generator), or "" when recovered by `--repair`. */
  origin: string;
  rows: number;
  first: bigint;
  last: bigint;
  files: number;
  writtenAt: string;
}

export interface IngestItem {
  batch: TickBatch;
  source: SourceRef;
}

export interface IngestOptions {
  /** What to do when a new source overlaps a stored one of the same symbol and kind (default: refuse). */
  overlap?: OverlapPolicy;
}

export interface IngestOutcome {
  id: string;
  kind: TickKind;
  symbol: string;
  label: string;
  rows: number;
  /** UTC ns of the first/last row (0n when empty). */
  first: bigint;
  last: bigint;
  /** stored: new rows; unchanged: identical content was already stored (it stays, relabelled); duplicate: same content as an earlier input; empty: no rows. */
  action: 'stored' | 'unchanged' | 'duplicate' | 'empty';
  /** Stored sources this one took the place of (identical content, or dropped by --replace). */
  replaced: StoredSource[];
  /** Rows of the symbol and kind stored after the ingest. */
  seriesRows: number;
}

export interface WriteSummary extends SeriesSummary {
  /** Rows of stored sources the write replaced. */
  replacedRows: number;
}

export interface RepairReport {
  sources: number;
  files: number;
  /** Data files left out, with why (incomplete, unreadable, content does not match its name). */
  skipped: string[];
}

export interface ChunkOptions {
  /** Most rows per yielded frame (default DEFAULT_CHUNK_ROWS). */
  chunkRows?: number;
}

export const DEFAULT_CHUNK_ROWS = 10_000;

export interface TimeRange {
  from?: bigint;
  /** Inclusive. */
  to?: bigint;
}

export interface TickStore {
  /** Stores every batch of one ingest, all visible at once or not at all; conflicts are refused before writing. */
  ingest(items: IngestItem[], opts?: IngestOptions): Promise<IngestOutcome[]>;
  /** One batch as its own ingest (refusing overlaps). */
  write(batch: TickBatch, source: SourceRef): Promise<WriteSummary>;
  /**
   * Rows of one symbol and kind in (ts, seq) order, ts as Datetime('ns'); undefined when nothing is stored.
   * Columns: ts, seq, then the kind's value columns.
   */
  read(kind: TickKind, symbol: string, range?: TimeRange): Promise<pl.DataFrame | undefined>;
  /**
   * The same rows as read(), in the same order, as frames of at most `chunkRows` rows each, reading the store a
   * part at a time (for streamed downloads); nothing when nothing is stored or the range holds no rows.
   */
  readChunks(kind: TickKind, symbol: string, range?: TimeRange, opts?: ChunkOptions): AsyncIterable<pl.DataFrame>;
  list(): Promise<SeriesSummary[]>;
  sources(): Promise<StoredSource[]>;
  /** Removes a source (by id or unique id prefix) or every source of a symbol; returns what went. */
  remove(selector: string): Promise<StoredSource[]>;
  /** Rebuilds the catalog from the data files. */
  repair(): Promise<RepairReport>;
  /** The last row of one symbol and kind (reads only the newest file), or undefined when nothing is stored. */
  latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined>;
}

export interface LatestRow {
  ts: bigint;
  /** The kind's value columns. */
  values: Record<string, number>;
}
