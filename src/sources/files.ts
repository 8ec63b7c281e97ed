/**
 * CSV and Parquet files → canonical batches. The format comes from the extension; everything after opening the
 * file is shared (tabular.ts).
 *
 * Before polars reads a file, cheap checks make sure it is what it claims (sniff.ts) and, for CSV, that every row
 * has exactly as many fields as the header (csv-layout.ts): polars would silently drop extra fields and read
 * missing ones as nulls. A row with fewer fields is an error even where the missing cells are optional columns,
 * because a short row is what a truncated or hand-edited file looks like; an empty cell (a,,c) is how a CSV says
 * "no value". Blank lines at the end are ignored; a blank line between rows is an error.
 */
import { extname } from 'node:path';
import { CiftError } from '../errors.js';
import { loadPolars, type Polars } from '../polars.js';
import type { TickBatch } from '../schema.js';
import { scanCsvLayout } from './csv-layout.js';
import { assertDataFile, assertParquetFile, assertTextFile } from './sniff.js';
import type { ReadDecisions } from './decisions.js';
import { batchesFromTable, type RawTable, type TabularOptions } from './tabular.js';

const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split('\n')[0];

/** Opens a CSV with every column as text, so validation (not the reader) decides what is a number or a time. */
export function openCsv(polars: Polars, file: string): RawTable {
  assertDataFile(file);
  assertTextFile(file, 'CSV');
  const layout = scanCsvLayout(file);
  let frame;
  try {
    frame = polars.readCSV(file, { inferSchemaLength: 0, hasHeader: true, truncateRaggedLines: false });
  } catch (e) {
    const reason = firstLine(e);
    throw new CiftError('INPUT_INVALID', `${file}: not a readable CSV (${reason})`, /utf-?8/i.test(reason) ? 'cift reads UTF-8 text; save the file as UTF-8 (it may be Latin-1 or Windows-1252)' : undefined);
  }
  // Each blank line at the end comes back as a row of nulls; any other difference means the two readers
  // disagree on where rows start, and then no line number could be trusted.
  if (frame.height !== layout.rows + layout.trailingBlankLines) {
    throw new CiftError('INPUT_INVALID', `${file}: ${layout.rows} rows by line count, but polars read ${frame.height}`, 'check the file for unusual quoting');
  }
  if (layout.trailingBlankLines > 0) frame = frame.head(layout.rows);
  return { file, frame, rowLabel: (i) => `line ${layout.lineOf(i)} (row ${i + 1})`, decisions: { format: 'csv', encoding: 'utf-8', delimiter: ',', decimal: '.', header: 'line 1' } };
}

export function openParquet(polars: Polars, file: string): RawTable {
  assertDataFile(file);
  assertParquetFile(file);
  let frame;
  try {
    frame = polars.readParquet(file);
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${file}: not a readable Parquet file (${firstLine(e)})`);
  }
  return { file, frame, rowLabel: (i) => `row ${i + 1}`, decisions: { format: 'parquet' } };
}

/** The batches one file yields (one per symbol) and what reading it decided. */
export interface TabularSource {
  batches: TickBatch[];
  decisions: ReadDecisions;
}

/** Reads one CSV or Parquet file of bars, trades or quotes into one batch per symbol. */
export async function readTabularFile(file: string, opts: TabularOptions = {}): Promise<TickBatch[]> {
  return (await readTabularSource(file, opts)).batches;
}

/** Reads one file and says what it decided on the way (for `cift ingest`'s summary). */
export async function readTabularSource(file: string, opts: TabularOptions = {}): Promise<TabularSource> {
  // The path is checked before its extension, so a directory or a missing file is named as such.
  assertDataFile(file);
  const ext = extname(file).toLowerCase();
  const polars = await loadPolars();
  const read = (table: RawTable): TabularSource => ({ batches: batchesFromTable(polars, table, opts), decisions: table.decisions });
  if (ext === '.csv') return read(openCsv(polars, file));
  if (ext === '.parquet' || ext === '.pq') return read(openParquet(polars, file));
  throw new CiftError('USAGE', `${file}: unknown file type "${ext || '(none)'}"`, 'cift reads .csv and .parquet files; for LOBSTER use `cift ingest lobster MESSAGE ORDERBOOK`');
}
