/** The tick store port: what `ingest` writes and `bars`, `features` and `backtest` read. */
import type pl from 'nodejs-polars';
import type { TickBatch, TickKind } from '../../schema.js';

/** Who wrote a set of rows: re-writing from the same source replaces exactly those rows. */
export interface SourceRef {
  /** Stable identity, e.g. the absolute path of the source file. */
  id: string;
  /** What to show people. */
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

export interface WriteSummary extends SeriesSummary {
  /** Rows this source had written before and that were replaced. */
  replacedRows: number;
}

export interface TimeRange {
  from?: bigint;
  /** Inclusive. */
  to?: bigint;
}

export interface TickStore {
  /** Stores a batch as the rows of `source` for its symbol and kind, replacing what that source wrote before. */
  write(batch: TickBatch, source: SourceRef): Promise<WriteSummary>;
  /**
   * Rows of one symbol and kind in (ts, seq) order, ts as Datetime('ns'); undefined when nothing is stored.
   * Columns: ts, seq, then the kind's value columns.
   */
  read(kind: TickKind, symbol: string, range?: TimeRange): Promise<pl.DataFrame | undefined>;
  list(): Promise<SeriesSummary[]>;
  /** The last row of one symbol and kind (reads only the newest file), or undefined when nothing is stored. */
  latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined>;
}

export interface LatestRow {
  ts: bigint;
  /** The kind's value columns. */
  values: Record<string, number>;
}
