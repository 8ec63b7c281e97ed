/**
 * Columnar files (CSV, Parquet) → canonical batches. One place decides what the columns mean and validates every
 * row, so each source only says how to open its file and how to name a row in an error ("line 5 (row 4)" for CSV,
 * "row 4" for Parquet). The steps, each in its own module:
 *   layout (layout.ts, vendors.ts): column names from --columns, --preset, a recognised vendor layout or the header;
 *   columns (columns.ts): which column is which canonical field;
 *   rows (rows.ts): Yahoo's all-null holiday rows are skipped and counted; symbols split (a ticker column) or given;
 *   time (time-fields.ts, timestamps.ts, local-times.ts): epoch units, date forms, Date + Time, trading dates, --tz;
 *   values (values.ts, numbers.ts): the file's decimal mark and thousands separator, fixed-point scales, --adjusted;
 *   validate.ts: the checks every source shares.
 * Everything decided on the way is recorded in the table's `decisions`, which `cift ingest` prints.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { type TickBatch, type TickKind, VALUE_COLUMNS, normalizeSymbol } from '../schema.js';
import { type AmbiguousRule, type NonexistentRule, assertTimeZone, compileDateFormat } from '../time.js';
import { resolveColumns, type ColumnNames, type MappingOptions } from './columns.js';
import type { ReadDecisions } from './decisions.js';
import { layOut } from './layout.js';
import { localizeNaiveTimes } from './local-times.js';
import { fieldLabel, skipNullRows, type Rows } from './rows.js';
import { readTime } from './time-fields.js';
import { validateBatch, type RowLabeler } from './validate.js';
import type { NumberFormat } from './numbers.js';
import { readValues } from './values.js';
import { VENDOR_LAYOUTS, symbolFromFileName } from './vendors.js';

export { shown } from './rows.js';

type Polars = typeof pl;

/** A file opened as columns; values are still as the file has them. */
export interface RawTable {
  /** The path as the user gave it (for a zip member, "archive.zip:member.csv"), for messages and layout names. */
  file: string;
  frame: pl.DataFrame;
  rowLabel: RowLabeler;
  /** What opening the file decided (format, container, encoding, dialect, header); batchesFromTable adds the rest. */
  decisions: ReadDecisions;
}

export interface TabularOptions extends MappingOptions {
  /** Symbol for every row (overrides a symbol column that holds one symbol). */
  symbol?: string;
  /** Symbol for files without a symbol column, when `symbol` is not given. */
  defaultSymbol?: string;
  /** IANA zone for timestamps without an offset. */
  tz?: string;
  /** How to read a naive time that happens twice in `tz` (default: error). */
  ambiguous?: AmbiguousRule;
  /** How to read a naive time that never happens in `tz` (default: error). */
  nonexistent?: NonexistentRule;
  /** --columns: a field (or undefined: skip) for each column, in order. */
  columns?: ColumnNames;
  /** --preset: a layout from vendors.ts. */
  preset?: string;
  /** --date-format, strftime syntax (time.ts compileDateFormat). */
  dateFormat?: string;
  /** --price-scale: prices are multiplied by this (fixed-point files). */
  priceScale?: number;
}

/**
 * Canonical batches (one per symbol, rows in file order) from an opened table. Throws on the first bad row.
 * Adds what it decided (columns used and ignored, layout, epoch unit, price scale, rows skipped, warnings) to
 * `table.decisions`.
 */
export function batchesFromTable(polars: Polars, table: RawTable, opts: TabularOptions = {}): TickBatch[] {
  const tz = opts.tz ?? 'UTC';
  assertTimeZone(tz);
  if (opts.priceScale !== undefined && !(opts.priceScale > 0 && Number.isFinite(opts.priceScale))) {
    throw new CiftError('USAGE', `--price-scale ${opts.priceScale} is not a positive number`, 'e.g. --price-scale 1e-9 for prices in units of a billionth');
  }
  const dateFormat = opts.dateFormat === undefined ? undefined : compileDateFormat(opts.dateFormat);
  const laid = layOut(table, opts);
  const userMap = opts.map ?? {};
  if (opts.kind !== undefined && laid.layout !== undefined && opts.kind !== laid.layout.kind) {
    throw new CiftError('USAGE', `--kind ${opts.kind} contradicts layout ${laid.layout.name}, which holds ${laid.layout.kind}`);
  }
  const mapping = resolveColumns(table.file, laid.frame.columns, { map: { ...laid.map, ...userMap }, adjusted: opts.adjusted, kind: opts.kind ?? laid.layout?.kind });
  const { kind, fields } = mapping;
  if (laid.frame.height === 0) throw new CiftError('INPUT_INVALID', `${table.file}: no data rows`);
  const decided: Partial<ReadDecisions> = { warnings: [] };
  if (laid.header !== undefined) decided.header = laid.header;
  if (laid.layout !== undefined) decided.layout = laid.layout.name;

  const rows = skipNullRows(polars, table, laid, kind, fields, decided);
  // A Binance-style file name (BTCUSDT-1m-2024-01.csv) names the symbol whichever way the columns were named.
  const nameSymbol = VENDOR_LAYOUTS.map((l) => symbolFromFileName(l, table.file)).find((s) => s !== undefined);
  const fallbackSymbol = nameSymbol ?? table.decisions.ticker ?? opts.defaultSymbol;
  const symbols = symbolPerRow(rows, fields.symbol, opts.symbol ?? (fields.symbol === undefined ? fallbackSymbol : undefined), opts.symbol !== undefined);

  const time = readTime(polars, rows, fields, { dateFormat, explicitTs: userMap.ts !== undefined, explicitTime: userMap.time !== undefined, layout: laid.layout });
  const rules = { ambiguous: opts.ambiguous ?? 'error', nonexistent: opts.nonexistent ?? 'error' } as const;
  for (const symbolRows of symbols.values()) {
    localizeNaiveTimes(time, symbolRows, {
      tz,
      rules,
      field: fieldLabel(fields.ts),
      where: (row) => `${table.file} ${rows.label(row)}`,
      repeatStartsSecondPass: kind === 'bars',
    });
  }
  if (time.naive !== undefined) time.notes.push(tz === 'UTC' ? 'times without an offset read as UTC' : `times without an offset read in ${tz}`);

  const format: NumberFormat = { decimal: table.decisions.decimal ?? '.', thousands: table.decisions.thousands };
  const { values, columns, sources } = readValues(polars, rows, kind, fields, format, opts, laid, decided);

  const columnNames: Record<string, string> = { ts: fieldLabel(fields.ts) };
  for (const name of VALUE_COLUMNS[kind]) columnNames[name] = fields[name] ?? name;
  if (columns.volume !== undefined) columnNames.volume = columns.volume;
  const batches: TickBatch[] = [];
  for (const [symbol, symbolRows] of symbols) {
    const batch = symbolRows === undefined ? wholeBatch(kind, symbol, time.ns, values, rows.sourceRow) : pickRows(kind, symbol, time.ns, values, symbolRows, rows.sourceRow);
    validateBatch(batch, columnNames, (i) => `${table.file} ${rows.label(symbolRows === undefined ? i : symbolRows[i])}`);
    batches.push(batch);
  }

  decided.columns = { ts: fields.time === undefined ? fieldLabel(fields.ts) : `${fields.ts} + ${fields.time}`, ...columns };
  const read = new Set([fields.ts, fields.time, fields.symbol, ...sources]);
  decided.ignored = [...laid.skipped, ...rows.frame.columns.filter((c) => !read.has(c))];
  if (time.epochUnit !== undefined) decided.epochUnit = time.epochUnit;
  if (time.notes.length > 0) decided.time = time.notes.join('; ');
  if (decided.warnings!.length === 0) delete decided.warnings;
  Object.assign(table.decisions, decided);
  return batches;
}

/** seq is each row's place in the source file, so skipped rows leave gaps rather than renumbering. */
const seqOf = (row: number, sourceRow: Int32Array | undefined): number => (sourceRow === undefined ? row : sourceRow[row]);

function wholeBatch(kind: TickKind, symbol: string, ts: BigInt64Array, values: Record<string, Float64Array>, sourceRow: Int32Array | undefined): TickBatch {
  const seq = new Float64Array(ts.length);
  for (let i = 0; i < seq.length; i++) seq[i] = seqOf(i, sourceRow);
  return { kind, symbol, ts, seq, values };
}

function pickRows(kind: TickKind, symbol: string, ts: BigInt64Array, values: Record<string, Float64Array>, rows: number[], sourceRow: Int32Array | undefined): TickBatch {
  const picked: Record<string, Float64Array> = {};
  for (const [name, col] of Object.entries(values)) picked[name] = Float64Array.from(rows, (r) => col[r]);
  return { kind, symbol, ts: BigInt64Array.from(rows, (r) => ts[r]), seq: Float64Array.from(rows, (r) => seqOf(r, sourceRow)), values: picked };
}

/**
 * symbol → row indexes (undefined = every row), in order of first appearance. `given` (--symbol) names a file's
 * one symbol; on a file whose symbol column holds several it is an error, since storing them as one series would
 * interleave their times.
 */
function symbolPerRow(rows: Rows, column: string | undefined, given: string | undefined, givenByUser: boolean): Map<string, number[] | undefined> {
  if (given !== undefined && column === undefined) return new Map([[normalizeSymbol(given), undefined]]);
  if (column === undefined) {
    throw new CiftError('USAGE', `${rows.file} has no symbol column`, 'give one with --symbol, e.g. --symbol GOOG');
  }
  const texts = rows.frame.getColumn(column).toArray() as unknown[];
  const groups = new Map<string, number[] | undefined>();
  for (let i = 0; i < texts.length; i++) {
    if (texts[i] === null || String(texts[i]).trim() === '') rows.fail(i, `${column} is empty`);
    const symbol = normalizeSymbol(String(texts[i]));
    let symbolRows = groups.get(symbol);
    if (symbolRows === undefined) groups.set(symbol, (symbolRows = []));
    symbolRows!.push(i);
  }
  if (given !== undefined && givenByUser) {
    if (groups.size > 1) {
      const names = [...groups.keys()];
      throw new CiftError(
        'USAGE',
        `${rows.file} holds ${groups.size} symbols in column "${column}" (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); --symbol ${given} would store them as one`,
        'drop --symbol: each symbol is stored under its own name',
      );
    }
    return new Map([[normalizeSymbol(given), undefined]]);
  }
  return groups;
}

