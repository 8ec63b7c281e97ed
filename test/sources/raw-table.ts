/**
 * Builds a RawTable the way the reading layer hands one over (every cell text, empty cells null), from lines a test
 * writes out in a vendor's layout. Used for what the CSV reader of this branch does not open itself: tab-separated
 * exports, headerless files (the reading layer names their columns column_1 … column_N), decimal commas.
 */
import { loadPolars } from '../../src/polars.js';
import type { ReadDecisions } from '../../src/sources/decisions.js';
import type { RawTable } from '../../src/sources/tabular.js';

export interface RawTableOptions {
  delimiter?: string;
  /** The first line is data: columns are named column_1 … column_N. */
  headerless?: boolean;
  decisions?: Partial<ReadDecisions>;
}

export async function rawTable(file: string, lines: readonly string[], opts: RawTableOptions = {}): Promise<RawTable> {
  const pl = await loadPolars();
  const delimiter = opts.delimiter ?? ',';
  const rows = lines.map((l) => l.split(delimiter));
  const header = opts.headerless ? rows[0].map((_, i) => `column_${i + 1}`) : rows.shift()!;
  const frame = pl.DataFrame(header.map((h, j) => pl.Series(h, rows.map((r) => (r[j] === '' ? null : r[j])), pl.String)));
  const firstDataLine = opts.headerless ? 1 : 2;
  return {
    file,
    frame,
    rowLabel: (i) => `line ${i + firstDataLine} (row ${i + 1})`,
    decisions: { format: 'csv', delimiter, decimal: '.', header: opts.headerless ? 'none: the first row is data' : 'line 1', ...opts.decisions },
  };
}
