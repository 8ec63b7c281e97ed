/**
 * CSV and Parquet files → canonical batches. The format comes from the extension; everything after opening the
 * file is shared (tabular.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { CiftError } from '../errors.js';
import { loadPolars, type Polars } from '../polars.js';
import type { TickBatch } from '../schema.js';
import { batchesFromTable, type RawTable, type TabularOptions } from './tabular.js';

export function assertReadableFile(file: string): void {
  if (!existsSync(file)) throw new CiftError('FILE_NOT_FOUND', `${file}: no such file`);
  if (!statSync(file).isFile()) throw new CiftError('INPUT_INVALID', `${file}: not a file`);
}

const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split('\n')[0];

/** Opens a CSV with every column as text, so validation (not the reader) decides what is a number or a time. */
export function openCsv(polars: Polars, file: string): RawTable {
  assertReadableFile(file);
  let frame;
  try {
    frame = polars.readCSV(file, { inferSchemaLength: 0, hasHeader: true });
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${file}: not a readable CSV (${firstLine(e)})`);
  }
  // Line 1 is the header, so data row r (1-based) is on line r + 1.
  return { file, frame, rowLabel: (i) => `line ${i + 2} (row ${i + 1})` };
}

export function openParquet(polars: Polars, file: string): RawTable {
  assertReadableFile(file);
  let frame;
  try {
    frame = polars.readParquet(file);
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${file}: not a readable Parquet file (${firstLine(e)})`);
  }
  return { file, frame, rowLabel: (i) => `row ${i + 1}` };
}

/** Reads one CSV or Parquet file of bars, trades or quotes into one batch per symbol. */
export async function readTabularFile(file: string, opts: TabularOptions = {}): Promise<TickBatch[]> {
  const polars = await loadPolars();
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return batchesFromTable(polars, openCsv(polars, file), opts);
  if (ext === '.parquet' || ext === '.pq') return batchesFromTable(polars, openParquet(polars, file), opts);
  throw new CiftError('USAGE', `${file}: unknown file type "${ext || '(none)'}"`, 'cift reads .csv and .parquet files; for LOBSTER use `cift ingest lobster MESSAGE ORDERBOOK`');
}
