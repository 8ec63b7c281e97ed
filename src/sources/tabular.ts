/**
 * Columnar files (CSV, Parquet) → canonical batches. One place decides what the columns mean and validates every
 * row, so each source only says how to open its file and how to name a row in an error ("line 5 (row 4)" for CSV,
 * "row 4" for Parquet). The steps, each in its own module:
 *   layout (layout.ts, vendors.ts): column names from --columns, --preset, a recognised vendor layout or the header;
 *   columns (columns.ts): which column is which canonical field;
 *   rows: Yahoo's all-null holiday rows are skipped and counted; symbols split (a ticker column) or given;
 *   time (timestamps.ts, local-times.ts): epoch units, date forms, Date + Time, trading dates, --tz;
 *   numbers (numbers.ts): the file's decimal mark and thousands separator, fixed-point scales, --adjusted;
 *   validate.ts: the checks every source shares.
 * Everything decided on the way is recorded in the table's `decisions`, which `cift ingest` prints.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { type TickBatch, type TickKind, VALUE_COLUMNS } from '../schema.js';
import { type AmbiguousRule, type NonexistentRule, EPOCH_UNIT_NAMES, assertTimeZone, compileDateFormat, type DateFormat } from '../time.js';
import { resolveColumns, type ColumnNames, type MappingOptions } from './columns.js';
import type { ReadDecisions } from './decisions.js';
import { layOut, type LaidOut } from './layout.js';
import { localizeNaiveTimes } from './local-times.js';
import { FIXED_POINT_SUSPECT, PLAIN_NUMBERS, describeNumberFormat, median, parseNumberColumn, scalePrices, writtenAsIntegers, type NumberFormat } from './numbers.js';
import { isDateOnlyText, looksLikeTimeOfDay, readTimeSeries, type TimeReading } from './timestamps.js';
import { validateBatch, type RowLabeler } from './validate.js';
import { VENDOR_LAYOUTS, symbolFromFileName } from './vendors.js';

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

/** A cell for a message: quoted and escaped (a NUL or a newline must not reach the terminal raw), and short. */
export function shown(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const fieldLabel = (column: string): string => (column === '' ? 'timestamp (unnamed first column)' : column);

/** The rows being read: the laid-out frame without skipped rows, each row labelled by its place in the file. */
interface Rows {
  file: string;
  frame: pl.DataFrame;
  /** Frame row → source row (undefined: the same). */
  sourceRow: Int32Array | undefined;
  label: RowLabeler;
  fail: (row: number, message: string, hint?: string) => never;
}

function rowsOf(table: RawTable, frame: pl.DataFrame, sourceRow: Int32Array | undefined): Rows {
  const label = (row: number) => table.rowLabel(sourceRow === undefined ? row : sourceRow[row]);
  const fail = (row: number, message: string, hint?: string): never => {
    throw new CiftError('INPUT_INVALID', `${table.file} ${label(row)}: ${message}`, hint);
  };
  return { file: table.file, frame, sourceRow, label, fail };
}

const PRICE_FIELDS: Record<TickKind, readonly string[]> = { bars: ['open', 'high', 'low', 'close'], trades: ['price'], quotes: ['bid', 'ask'] };

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

const isNullWord = (text: string): boolean => text.trim().toLowerCase() === 'null';

/**
 * Bars whose every value is null (Yahoo writes a holiday as `2024-01-15,null,null,null,null,null,null`) are not
 * bars: they are skipped and counted. A row with only some values null stays, and fails as it is read.
 */
function skipNullRows(polars: Polars, table: RawTable, laid: LaidOut, kind: TickKind, fields: Record<string, string>, decided: Partial<ReadDecisions>): Rows {
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

interface TimeChoices {
  dateFormat: DateFormat | undefined;
  /** The user named ts (--map ts=…): a date-only column beside an unused time column is their choice. */
  explicitTs: boolean;
  explicitTime: boolean;
  layout: LaidOut['layout'];
}

/** First cell of a column as text (for deciding a column's form from its first value). */
const firstText = (frame: pl.DataFrame, column: string): string => String(frame.getColumn(column).get(0));

/**
 * Reads ts (or Date + Time). A time-of-day column is never left unused where it matters: beside a date-only ts it
 * is combined with it (its header says `time`, or --map time= names it); a column whose values look like times of
 * day, beside a date-only ts, is an error until the user says what it is. (A Stooq intraday file read by its Date
 * alone stored each day as one "5-minute bar".)
 */
function readTime(polars: Polars, rows: Rows, fields: Record<string, string>, choices: TimeChoices): TimeReading {
  const { frame, fail } = rows;
  const field = fieldLabel(fields.ts);
  for (const column of [fields.ts, fields.time]) {
    if (column === undefined) continue;
    const nulls = frame.getColumn(column).isNull().argTrue();
    if (nulls.length > 0) fail(nulls.get(0) as number, `${fieldLabel(column)} is empty`);
  }
  const tsSeries = frame.getColumn(fields.ts);
  const dateOnly = tsSeries.dtype.variant === 'Date' || (tsSeries.dtype.variant !== 'Datetime' && isDateOnlyText(firstText(frame, fields.ts), choices.dateFormat));
  if (fields.time !== undefined && !dateOnly) {
    const holds = `${field} ${shown(firstText(frame, fields.ts))} already holds times`;
    if (choices.explicitTime) throw new CiftError('INPUT_INVALID', `${rows.file}: --map time=${fields.time} completes a date, but ${holds}`, `drop --map time=, or name the date column with --map ts=Column`);
    if (!choices.explicitTs) {
      throw new CiftError(
        'INPUT_INVALID',
        `${rows.file}: column "${fields.time}" is a time of day, but ${holds}; cift will not leave "${fields.time}" unused`,
        `--map ts=${fields.ts} to read ${field} alone, or --map ts=DateColumn --map time=${fields.time} to combine them`,
      );
    }
    delete fields.time;
  }
  if (fields.time === undefined && dateOnly && !choices.explicitTs) {
    const used = new Set(Object.values(fields));
    for (const column of frame.columns) {
      if (used.has(column) || frame.getColumn(column).isNumeric()) continue;
      const cell = frame.getColumn(column).get(0);
      if (cell !== null && looksLikeTimeOfDay(String(cell))) {
        throw new CiftError(
          'INPUT_INVALID',
          `${rows.file}: the dates are in "${field}" and column "${column}" looks like a time of day (${shown(cell)}), which would be left unused`,
          `--map time=${column} to combine them, or --map ts=${fields.ts} to read dates only`,
        );
      }
    }
  }
  const time = readTimeSeries(polars, tsSeries, { field, fail, dateFormat: choices.dateFormat }, fields.time === undefined ? undefined : { series: frame.getColumn(fields.time), field: fields.time });
  const units = choices.layout?.epochUnits;
  if (time.epochUnit !== undefined && units !== undefined && !units.includes(time.epochUnit)) {
    fail(0, `${field} ${shown(firstText(frame, fields.ts))} is in ${EPOCH_UNIT_NAMES[time.epochUnit]}, but ${choices.layout!.name} files are in ${units.map((u) => EPOCH_UNIT_NAMES[u]).join(' or ')}`, `check the file is a ${choices.layout!.name} file, or name its columns with --columns`);
  }
  return time;
}

/** The value columns read, what each canonical field came from (for decisions), and the source columns used. */
interface Values {
  values: Record<string, Float64Array>;
  columns: Record<string, string>;
  sources: string[];
}

function readValues(polars: Polars, rows: Rows, kind: TickKind, fields: Record<string, string>, format: NumberFormat, opts: TabularOptions, laid: LaidOut, decided: Partial<ReadDecisions>): Values {
  const n = rows.frame.height;
  const plain = format.decimal === PLAIN_NUMBERS.decimal && !format.thousands;
  const numbers = (column: string, emptyIsUnknown = false): Float64Array => {
    const parsed = parseNumberColumn(polars, rows.frame, column, format);
    if (!emptyIsUnknown && parsed.emptyRow >= 0) rows.fail(parsed.emptyRow, `${column} is empty`);
    if (parsed.badRow >= 0) {
      const text = String(rows.frame.getColumn(column).get(parsed.badRow)).trim();
      if (isNullWord(text)) rows.fail(parsed.badRow, `${column} is null but other values on the row are not`, 'only a row whose every value is null (a holiday) is skipped; fix or remove the row');
      rows.fail(parsed.badRow, `${column} ${shown(text)} is not a number${plain ? '' : ` (${describeNumberFormat(format)})`}`);
    }
    return parsed.values;
  };
  const values: Record<string, Float64Array> = {};
  const columns: Record<string, string> = {};
  const sources: string[] = [];
  const take = (field: string, column: string, emptyIsUnknown = false) => {
    values[field] = numbers(column, emptyIsUnknown);
    columns[field] = column;
    sources.push(column);
  };
  for (const name of VALUE_COLUMNS[kind]) {
    const column = fields[name];
    if (name === 'side') {
      if (column !== undefined) {
        values.side = readSides(rows, column);
        columns.side = column;
        sources.push(column);
      } else if (fields.is_buyer_maker !== undefined) {
        values.side = readBuyerMaker(rows, fields.is_buyer_maker);
        columns.side = `${fields.is_buyer_maker} (true: seller aggressor)`;
        sources.push(fields.is_buyer_maker);
      } else values.side = new Float64Array(n);
    } else if (column === undefined) values[name] = defaultColumn(kind, name, n);
    else take(name, column, kind === 'quotes' && (name === 'bid_size' || name === 'ask_size'));
  }
  const tickVolume = fields.tick_volume;
  if (kind === 'bars' && tickVolume !== undefined && (fields.volume === undefined || values.volume.every((v) => v === 0))) {
    const volumeColumn = fields.volume;
    take('volume', tickVolume);
    if (volumeColumn !== undefined) sources.splice(sources.indexOf(volumeColumn), 1);
    decided.warnings!.push(`volume is ${tickVolume} (a tick count)${volumeColumn === undefined ? '' : `: ${volumeColumn} is all 0`}`);
  }
  scaleAllPrices(polars, rows, kind, fields, values, columns, opts, laid, decided);
  if (opts.adjusted && kind === 'bars') adjust(rows, fields, values, columns, sources, numbers, decided);
  return { values, columns, sources };
}

/**
 * Fixed-point prices: --price-scale if given, else the layout's (Databento: 1e-9) when every price is written as a
 * whole number; Databento's pretty_px files write decimals and are read as they are. Without a scale, a price
 * column of whole numbers in the millions is what an unscaled fixed-point file looks like: a warning.
 */
function scaleAllPrices(polars: Polars, rows: Rows, kind: TickKind, fields: Record<string, string>, values: Record<string, Float64Array>, columns: Record<string, string>, opts: TabularOptions, laid: LaidOut, decided: Partial<ReadDecisions>): void {
  const priceFields = PRICE_FIELDS[kind].filter((f) => fields[f] !== undefined);
  let scale = 1;
  if (opts.priceScale !== undefined) scale = opts.priceScale;
  else if (laid.layout?.fixedPoint !== undefined) {
    if (priceFields.every((f) => writtenAsIntegers(polars, rows.frame, fields[f]))) scale = laid.layout.fixedPoint;
    else decided.warnings!.push(`${laid.layout.name} prices are written with decimals (pretty_px), so they are not scaled`);
  }
  if (opts.priceScale !== undefined || laid.layout?.fixedPoint !== undefined) decided.priceScale = scale;
  for (const f of priceFields) {
    scalePrices(values[f], scale);
    if (scale !== 1) columns[f] = `${fields[f]} × ${scale}`;
  }
  if (scale === 1 && opts.priceScale === undefined) {
    // Whole numbers first: a decimal price ends that check at its first row, so most files never sort a column.
    const suspects = priceFields.filter((f) => values[f].every(Number.isInteger) && median(values[f]) >= FIXED_POINT_SUSPECT);
    if (suspects.length > 0) {
      const names = suspects.map((f) => fields[f]).join(', ');
      decided.warnings!.push(`${names} ${suspects.length === 1 ? 'is' : 'are'} whole numbers around ${median(values[suspects[0]])}: if these are fixed-point prices (e.g. Databento's units of 1e-9), give --price-scale 1e-9`);
    }
  }
}

/**
 * --adjusted: every price scaled by Adj Close / Close and volume by its inverse, as a split- and dividend-adjusted
 * series is. One factor per row keeps high ≥ close ≥ low; the adjusted high and low are clamped to the adjusted
 * close where rounding alone would put them a unit in the last place on the wrong side.
 */
function adjust(rows: Rows, fields: Record<string, string>, values: Record<string, Float64Array>, columns: Record<string, string>, sources: string[], numbers: (c: string) => Float64Array, decided: Partial<ReadDecisions>): void {
  const adj = numbers(fields.adj_close);
  if (decided.priceScale !== undefined) scalePrices(adj, decided.priceScale);
  const { open, high, low, close, volume } = values;
  for (let i = 0; i < close.length; i++) {
    if (!(close[i] > 0)) rows.fail(i, `${fields.close} ${shown(close[i])} is not a positive price`);
    if (!(adj[i] > 0)) rows.fail(i, `${fields.adj_close} ${shown(adj[i])} is not a positive price`);
    const factor = adj[i] / close[i];
    const [h, l] = [high[i] * factor, low[i] * factor];
    high[i] = high[i] >= close[i] ? Math.max(h, adj[i]) : h;
    low[i] = low[i] <= close[i] ? Math.min(l, adj[i]) : l;
    open[i] *= factor;
    volume[i] /= factor;
    close[i] = adj[i];
  }
  for (const f of ['open', 'high', 'low']) columns[f] = `${fields[f]} × ${fields.adj_close}/${fields.close}`;
  columns.close = fields.adj_close;
  if (fields.volume !== undefined || columns.volume !== undefined) columns.volume = `${columns.volume ?? fields.volume} × ${fields.close}/${fields.adj_close}`;
  sources.push(fields.adj_close);
}

/** Side words: +1 buyer-initiated, −1 seller-initiated, 0 unknown. Databento writes A (sell aggressor), B, N. */
const SIDE_WORDS: Record<string, number> = { b: 1, buy: 1, bid: 1, '1': 1, s: -1, sell: -1, a: -1, ask: -1, '-1': -1, '': 0, '0': 0, n: 0, unknown: 0 };

function readSides(rows: Rows, column: string): Float64Array {
  const texts = rows.frame.getColumn(column).toArray() as unknown[];
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const word = texts[i] === null || texts[i] === undefined ? '' : String(texts[i]).trim().toLowerCase();
    const side = SIDE_WORDS[word];
    if (side === undefined) rows.fail(i, `${column} ${shown(texts[i])} is not a side (buy/sell/b/s/1/-1)`);
    out[i] = side;
  }
  return out;
}

/** Binance's is_buyer_maker: true means the buyer's order was resting, so the seller hit it: side −1. */
function readBuyerMaker(rows: Rows, column: string): Float64Array {
  const texts = rows.frame.getColumn(column).toArray() as unknown[];
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const word = texts[i] === null || texts[i] === undefined ? '' : String(texts[i]).trim().toLowerCase();
    if (word === 'true' || word === '1') out[i] = -1;
    else if (word === 'false' || word === '0') out[i] = 1;
    else rows.fail(i, `${column} ${shown(texts[i])} is not true or false`);
  }
  return out;
}

/** Missing optional columns: bars without volume get 0; quotes without sizes get NaN (unknown). */
function defaultColumn(kind: TickKind, name: string, n: number): Float64Array {
  const out = new Float64Array(n);
  if (kind === 'quotes') out.fill(NaN);
  return out;
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

/** Symbols are stored upper-case; they name directories, so only a safe alphabet is allowed. */
export function normalizeSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9._^=-]{0,31}$/.test(symbol)) {
    throw new CiftError('USAGE', `symbol "${text}" is not valid`, 'use letters, digits and . _ - ^ = (at most 32)');
  }
  return symbol;
}
