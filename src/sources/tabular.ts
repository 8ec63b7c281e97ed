/**
 * Columnar files (CSV, Parquet) → canonical batches. One place validates every row, so each source only says how
 * to open its file and how to name a row in an error ("line 5 (row 4)" for CSV, "row 4" for Parquet).
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { type TickBatch, type TickKind, VALUE_COLUMNS } from '../schema.js';
import { type AmbiguousRule, type NonexistentRule, assertTimeZone, parseTimestampText } from '../time.js';
import { resolveColumns, type MappingOptions } from './columns.js';
import { localizeNaiveTimes, type TimeColumn } from './local-times.js';
import type { ReadDecisions } from './decisions.js';
import { validateBatch, type RowLabeler } from './validate.js';

type Polars = typeof pl;

/** A file opened as columns; values are still as the file has them. */
export interface RawTable {
  /** The path as the user gave it, for messages. */
  file: string;
  frame: pl.DataFrame;
  rowLabel: RowLabeler;
  /** What opening the file decided (format, container, encoding, dialect, header). */
  decisions: ReadDecisions;
}

export interface TabularOptions extends MappingOptions {
  /** Symbol for every row (overrides a symbol column). */
  symbol?: string;
  /** Symbol for files without a symbol column, when `symbol` is not given. */
  defaultSymbol?: string;
  /** IANA zone for timestamps without an offset. */
  tz?: string;
  /** How to read a naive time that happens twice in `tz` (default: error). */
  ambiguous?: AmbiguousRule;
  /** How to read a naive time that never happens in `tz` (default: error). */
  nonexistent?: NonexistentRule;
}

/** A cell for a message: quoted and escaped (a NUL or a newline must not reach the terminal raw), and short. */
export function shown(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const fail = (table: RawTable, row: number, message: string): never => {
  throw new CiftError('INPUT_INVALID', `${table.file} ${table.rowLabel(row)}: ${message}`);
};

const fieldLabel = (column: string): string => (column === '' ? 'timestamp (unnamed first column)' : column);

/**
 * Reads the timestamp column, whatever its type: UTC ns where the value says so (an offset, an epoch, a zoned
 * Datetime), wall-clock ns where it is naive (strings without an offset, dates, naive Datetimes); those are
 * converted per symbol afterwards (local-times.ts).
 */
function readTimeColumn(polars: Polars, table: RawTable, column: string): TimeColumn {
  const series = table.frame.getColumn(column);
  const n = series.length;
  const variant = series.dtype.variant;
  const nulls = series.isNull().argTrue();
  if (nulls.length > 0) fail(table, nulls.get(0) as number, `${fieldLabel(column)} is empty`);
  if (variant === 'Datetime') {
    const zone = (series.dtype as unknown as { timeZone?: string }).timeZone;
    const ns = series.cast(polars.Datetime('ns')).cast(polars.Int64).toTypedArray() as BigInt64Array;
    // A zoned Datetime is an instant; a naive one (polars reports its zone as "") is a wall-clock time, which
    // its UTC reading holds as is.
    const naive = !zone ? new Uint8Array(n).fill(1) : undefined;
    return { ns, naive, text: (row) => String(series.cast(polars.String).get(row)) };
  }
  const texts = (variant === 'Date' ? series.cast(polars.String) : series.isNumeric() ? series.cast(polars.Int64).cast(polars.String) : series.cast(polars.String)).toArray() as string[];
  const ns = new BigInt64Array(n);
  let naive: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const parsed = parseTimestampText(texts[i]);
    if (parsed === undefined) fail(table, i, `${fieldLabel(column)} ${shown(texts[i])} is not a date or time`);
    ns[i] = parsed!.ns;
    if (parsed!.naive) (naive ??= new Uint8Array(n))[i] = 1;
  }
  return { ns, naive, text: (row) => texts[row] };
}

/**
 * Reads a numeric column; a cell that is not a number fails naming its row, and so does an empty one unless
 * `emptyIsUnknown` (quote sizes, where NaN means unknown).
 */
function readNumbers(polars: Polars, table: RawTable, column: string, emptyIsUnknown = false): Float64Array {
  const { col } = polars;
  const original = table.frame.getColumn(column);
  if (!emptyIsUnknown) {
    const empty = original.isNull().argTrue();
    if (empty.length > 0) fail(table, empty.get(0) as number, `${column} is empty`);
  }
  const checked = table.frame.select(
    col(column).cast(polars.Float64, false).fillNull(polars.lit(NaN)).alias('value'),
    col(column).cast(polars.Float64, false).isNull().and(col(column).isNotNull()).alias('bad'),
  );
  const bad = checked.getColumn('bad').argTrue();
  if (bad.length > 0) {
    const row = bad.get(0) as number;
    fail(table, row, `${column} ${shown(String(original.get(row)).trim())} is not a number`);
  }
  return checked.getColumn('value').toTypedArray() as Float64Array;
}

const SIDE_WORDS: Record<string, number> = { b: 1, buy: 1, bid: 1, '1': 1, s: -1, sell: -1, ask: -1, '-1': -1, '': 0, '0': 0, n: 0, unknown: 0 };

function readSides(table: RawTable, column: string): Float64Array {
  const texts = table.frame.getColumn(column).toArray() as unknown[];
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const word = texts[i] === null || texts[i] === undefined ? '' : String(texts[i]).trim().toLowerCase();
    const side = SIDE_WORDS[word];
    if (side === undefined) fail(table, i, `${column} ${shown(texts[i])} is not a side (buy/sell/b/s/1/-1)`);
    out[i] = side;
  }
  return out;
}

/** Canonical batches (one per symbol, rows in file order) from an opened table. Throws on the first bad row. */
export function batchesFromTable(polars: Polars, table: RawTable, opts: TabularOptions = {}): TickBatch[] {
  const tz = opts.tz ?? 'UTC';
  assertTimeZone(tz);
  const mapping = resolveColumns(table.file, table.frame.columns, opts);
  const { kind, fields } = mapping;
  const n = table.frame.height;
  if (n === 0) throw new CiftError('INPUT_INVALID', `${table.file}: no data rows`);
  const symbols = symbolPerRow(table, fields.symbol, opts.symbol ?? (fields.symbol === undefined ? opts.defaultSymbol : undefined));
  const time = readTimeColumn(polars, table, fields.ts);
  const rules = { ambiguous: opts.ambiguous ?? 'error', nonexistent: opts.nonexistent ?? 'error' } as const;
  for (const rows of symbols.values()) {
    localizeNaiveTimes(time, rows, {
      tz,
      rules,
      field: fieldLabel(fields.ts),
      where: (row) => `${table.file} ${table.rowLabel(row)}`,
      repeatStartsSecondPass: kind === 'bars',
    });
  }
  const ts = time.ns;
  const values: Record<string, Float64Array> = {};
  for (const name of VALUE_COLUMNS[kind]) {
    const column = fields[name];
    if (column === undefined) values[name] = defaultColumn(kind, name, n);
    else values[name] = name === 'side' ? readSides(table, column) : readNumbers(polars, table, column, kind === 'quotes' && (name === 'bid_size' || name === 'ask_size'));
  }
  const columnNames: Record<string, string> = { ts: fieldLabel(fields.ts) };
  for (const name of VALUE_COLUMNS[kind]) columnNames[name] = fields[name] ?? name;

  const batches: TickBatch[] = [];
  for (const [symbol, rows] of symbols) {
    const batch = rows === undefined ? wholeBatch(kind, symbol, ts, values) : pickRows(kind, symbol, ts, values, rows);
    validateBatch(batch, columnNames, (i) => `${table.file} ${table.rowLabel(rows === undefined ? i : rows[i])}`);
    batches.push(batch);
  }
  return batches;
}

/** Missing optional columns: bars without volume get 0; quotes without sizes get NaN (unknown), trades unknown side 0. */
function defaultColumn(kind: TickKind, name: string, n: number): Float64Array {
  const out = new Float64Array(n);
  if (kind === 'quotes') out.fill(NaN);
  return out;
}

function wholeBatch(kind: TickKind, symbol: string, ts: BigInt64Array, values: Record<string, Float64Array>): TickBatch {
  const seq = new Float64Array(ts.length);
  for (let i = 0; i < seq.length; i++) seq[i] = i;
  return { kind, symbol, ts, seq, values };
}

function pickRows(kind: TickKind, symbol: string, ts: BigInt64Array, values: Record<string, Float64Array>, rows: number[]): TickBatch {
  const picked: Record<string, Float64Array> = {};
  for (const [name, col] of Object.entries(values)) picked[name] = Float64Array.from(rows, (r) => col[r]);
  return { kind, symbol, ts: BigInt64Array.from(rows, (r) => ts[r]), seq: Float64Array.from(rows), values: picked };
}

/** symbol → row indexes (undefined = every row), in order of first appearance. */
function symbolPerRow(table: RawTable, column: string | undefined, given: string | undefined): Map<string, number[] | undefined> {
  if (given !== undefined) return new Map([[normalizeSymbol(given), undefined]]);
  if (column === undefined) {
    throw new CiftError('USAGE', `${table.file} has no symbol column`, 'give one with --symbol, e.g. --symbol GOOG');
  }
  const texts = table.frame.getColumn(column).toArray() as unknown[];
  const groups = new Map<string, number[] | undefined>();
  for (let i = 0; i < texts.length; i++) {
    if (texts[i] === null || String(texts[i]).trim() === '') fail(table, i, `${column} is empty`);
    const symbol = normalizeSymbol(String(texts[i]));
    let rows = groups.get(symbol);
    if (rows === undefined) groups.set(symbol, (rows = []));
    rows!.push(i);
  }
  return groups;
}

/** Symbols are stored upper-case; they name directories, so only a safe alphabet is allowed. */
export function normalizeSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9._^=-]{0,31}$/.test(symbol)) {
    throw new CiftError('USAGE', `symbol "${text}" is not valid`, 'use letters, digits and . _ - ^ = (at most 32)');
  }
  return symbol;
}
