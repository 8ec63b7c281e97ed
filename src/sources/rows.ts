/**
 * The rows a table's meaning is read from: the laid-out frame without the rows that are skipped (Yahoo's all-null
 * holidays), each still labelled by its place in the file, and one way to fail naming a row.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { TickKind } from '../schema.js';
import type { ReadDecisions } from './decisions.js';
import type { LaidOut } from './layout.js';
import type { RawTable } from './tabular.js';
import type { RowLabeler } from './validate.js';

type Polars = typeof pl;

/** A cell for a message: quoted and escaped (a NUL or a newline must not reach the terminal raw), and short. */
export function shown(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export const fieldLabel = (column: string): string => (column === '' ? 'timestamp (unnamed first column)' : column);

/** The rows being read: the laid-out frame without skipped rows, each row labelled by its place in the file. */
export interface Rows {
  file: string;
  frame: pl.DataFrame;
  /** Frame row → source row (undefined: the same). */
  sourceRow: Int32Array | undefined;
  label: RowLabeler;
  fail: (row: number, message: string, hint?: string) => never;
}

export function rowsOf(table: RawTable, frame: pl.DataFrame, sourceRow: Int32Array | undefined): Rows {
  const label = (row: number) => table.rowLabel(sourceRow === undefined ? row : sourceRow[row]);
  const fail = (row: number, message: string, hint?: string): never => {
    throw new CiftError('INPUT_INVALID', `${table.file} ${label(row)}: ${message}`, hint);
  };
  return { file: table.file, frame, sourceRow, label, fail };
}

export const isNullWord = (text: string): boolean => text.trim().toLowerCase() === 'null';

/**
 * Bars whose every value is null (Yahoo writes a holiday as `2024-01-15,null,null,null,null,null,null`) are not
 * bars: they are skipped and counted. A row with only some values null stays, and fails as it is read.
 */
export function skipNullRows(polars: Polars, table: RawTable, laid: LaidOut, kind: TickKind, fields: Record<string, string>, decided: Partial<ReadDecisions>): Rows {
  const valueColumns = kind === 'bars' ? ['open', 'high', 'low', 'close', 'adj_close', 'volume'].map((f) => fields[f]).filter((c): c is string => c !== undefined) : [];
  const frame = laid.frame;
  if (valueColumns.length === 0) return rowsOf(table, frame, undefined);
  const { col, lit } = polars;
  const nullCell = (c: string) => col(c).isNull().or(col(c).cast(polars.String).str.strip().str.toLowerCase().eq(lit('null')));
  const allNull = valueColumns.slice(1).reduce((acc, c) => acc.and(nullCell(c)), nullCell(valueColumns[0]));
  const flags = frame.select(allNull.alias('skip'), allNull.not().alias('keep'));
  const skipped = flags.getColumn('skip').argTrue().length;
  if (skipped === 0) return rowsOf(table, frame, undefined);
  decided.skipped = { 'all-null rows (holidays)': skipped };
  if (skipped === frame.height) throw new CiftError('INPUT_INVALID', `${table.file}: no data rows (all ${skipped} rows are null)`);
  const keep = flags.getColumn('keep');
  const sourceRow = Int32Array.from(keep.argTrue().toArray() as number[]);
  return rowsOf(table, frame.filter(keep), sourceRow);
}

