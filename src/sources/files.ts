/**
 * Files → canonical batches: the reading layer. A path (or `-` for standard input) is unwrapped into the plain
 * files it holds (containers.ts: gzip, zstd, every data member of a zip); each is CSV-like text or Parquet by its
 * content, not its name. Text is transcoded to UTF-8 where needed (encoding.ts), its dialect decided (dialect.ts:
 * delimiter, header lines, decimal mark), and then read by polars with every column as text, so validation (not
 * the reader) decides what is a number or a time (tabular.ts). What was decided is recorded in `decisions`.
 *
 * Before polars reads a text file, a streamed pass (csv-layout.ts) makes sure every row has exactly as many fields
 * as the header: polars would silently drop extra fields and read missing ones as nulls. A row with fewer fields
 * is an error even where the missing cells are optional columns, because a short row is what a truncated or
 * hand-edited file looks like; an empty cell (a,,c) is how a CSV says "no value". Blank lines at the end are
 * ignored; a blank line between rows is an error.
 */
import { copyFileSync, statSync, symlinkSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { CiftError } from '../errors.js';
import { loadPolars, type Polars } from '../polars.js';
import type { TickBatch } from '../schema.js';
import { unwrapInputs, type PlainInput } from './containers.js';
import { MAX_HEADER_BYTES, firstInvalidUtf8, notUtf8, scanCsvLayout } from './csv-layout.js';
import type { ReadDecisions } from './decisions.js';
import { sniffDialect, type Dialect } from './dialect.js';
import { decideEncoding, transcodeToUtf8 } from './encoding.js';
import { openScratch, type Scratch } from './scratch.js';
import { assertDataFile, assertParquetFile, assertTextFile, readBytes, SNIFF_BYTES } from './sniff.js';
import { batchesFromTable, type RawTable, type TabularOptions } from './tabular.js';

const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split('\n')[0];

/** What the user may say about reading, where sniffing cannot tell or should not be trusted. */
export interface OpenOptions {
  /** `--format`: what the bytes inside any container are, instead of sniffing them. */
  format?: 'csv' | 'parquet';
  /** `--encoding`, as a WHATWG name (see parseEncodingFlag). */
  encoding?: string;
  /** `--delimiter` (see parseDelimiterFlag). */
  delimiter?: string;
  /** `--decimal`. */
  decimal?: '.' | ',';
  /** What `-` reads (the command passes process.stdin; the core never reaches for it). */
  stdin?: Readable;
}

export type ReadOptions = TabularOptions & OpenOptions;

/** How one plain file is opened: its name in messages and what reached it. */
interface OpenContext extends Omit<OpenOptions, 'stdin' | 'format'> {
  /** How messages name the file (default: its path). */
  label?: string;
  /** `decisions.container`. */
  container?: string;
  /** Archive members beside this one that were not read. */
  skippedMembers?: string[];
}

/**
 * nodejs-polars takes a string as a path only when it ends in exactly ".csv" or ".tsv" (readCSV) or ".parquet"
 * (readParquet); any other string it parses as the file's content itself, so "prices.txt" would be read as a
 * one-line CSV holding its own name. A path without that ending is given one through a symbolic link (a copy
 * where links cannot be made).
 */
function pathPolarsReads(path: string, ext: '.csv' | '.parquet', scratch: () => Scratch): string {
  if (extname(path) === ext) return path;
  const link = scratch().file(`data${ext}`);
  try {
    symlinkSync(resolve(path), link);
  } catch {
    copyFileSync(path, link);
  }
  return link;
}

/**
 * The first 64 KB as text, cut after its last full line unless that is the whole file; up to 4 MB when the
 * first line is longer than 64 KB (a file with thousands of columns), so the sample holds at least that line.
 */
function readSample(path: string, label: string): { text: string; complete: boolean } {
  let head = readBytes(path, SNIFF_BYTES);
  if (head.indexOf(0x0a) < 0) head = readBytes(path, MAX_HEADER_BYTES);
  const complete = statSync(path).size <= head.length;
  const bytes = complete ? head : head.subarray(0, head.lastIndexOf(0x0a) + 1);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), complete };
  } catch {
    // The same error the streamed pass gives, before a dialect decision could be made on mangled text.
    const at = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    for (let k = 0; k < at; k++) if (bytes[k] === 0x0a) line++;
    throw notUtf8(label, line, bytes[at]);
  }
}

/**
 * Opens delimited text with every column as text. `file` is UTF-8 or in `ctx.encoding` (or UTF-16 with a
 * byte-order mark); anything else is transcoded into a scratch file first, removed before this returns.
 */
export function openCsv(polars: Polars, file: string, ctx: OpenContext = {}): RawTable {
  const label = ctx.label ?? file;
  const encoding = decideEncoding(file, label, ctx.encoding);
  let scratch: Scratch | undefined;
  const scratchDir = () => (scratch ??= openScratch());
  try {
    let path = file;
    if (encoding.transcodeFrom) {
      path = scratchDir().file('utf-8.csv');
      transcodeToUtf8(file, path, encoding.transcodeFrom, label);
    }
    // Byte offsets in transcoded text are not the file's own: there the streamed pass names NUL bytes by line.
    if (!encoding.transcodeFrom) assertTextFile(path, 'CSV', label);
    const sample = readSample(path, label);
    const dialect = sniffDialect(sample.text, sample.complete, label, { delimiter: ctx.delimiter, decimal: ctx.decimal });
    const layout = scanCsvLayout(path, { label, delimiter: dialect.delimiter, headerLines: dialect.headerLines });
    let frame = readDelimited(polars, pathPolarsReads(path, '.csv', scratchDir), label, dialect);
    // Each blank line at the end comes back as a row of nulls; any other difference means the two readers
    // disagree on where rows start, and then no line number could be trusted.
    if (frame.height !== layout.rows + layout.trailingBlankLines) {
      throw new CiftError('INPUT_INVALID', `${label}: ${layout.rows} rows by line count, but polars read ${frame.height}`, 'check the file for unusual quoting');
    }
    if (layout.trailingBlankLines > 0) frame = frame.head(layout.rows);
    const decisions: ReadDecisions = {
      format: 'csv',
      ...(ctx.container ? { container: ctx.container } : {}),
      encoding: encoding.name,
      delimiter: dialect.delimiter,
      decimal: dialect.decimal,
      ...(dialect.thousands ? { thousands: dialect.thousands } : {}),
      header: dialect.header,
      ...(dialect.ticker ? { ticker: dialect.ticker } : {}),
    };
    const warnings = [...dialect.warnings, ...skippedWarning(ctx.skippedMembers)];
    if (warnings.length) decisions.warnings = warnings;
    return { file: label, frame, rowLabel: (i) => `line ${layout.lineOf(i)} (row ${i + 1})`, decisions };
  } finally {
    scratch?.remove();
  }
}

function readDelimited(polars: Polars, path: string, label: string, dialect: Dialect) {
  let frame;
  try {
    frame = polars.readCSV(path, {
      inferSchemaLength: 0,
      hasHeader: dialect.headerLines > 0,
      sep: dialect.delimiter,
      // yfinance: names from line 1, lines 2 and 3 (Ticker, Date) skipped.
      skipRowsAfterHeader: dialect.headerLines > 1 ? dialect.headerLines - 1 : 0,
      truncateRaggedLines: false,
    });
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${label}: not a readable CSV (${firstLine(e)})`);
  }
  if (dialect.names && dialect.names.length === frame.width) {
    frame = frame.rename(Object.fromEntries(frame.columns.map((c, i) => [c, dialect.names![i]])));
  }
  return frame;
}

const skippedWarning = (members: string[] | undefined): string[] =>
  members?.length ? [`the archive also holds ${members.slice(0, 5).join(', ')}${members.length > 5 ? ` and ${members.length - 5} more` : ''}: not read (not CSV or Parquet)`] : [];

export function openParquet(polars: Polars, file: string, ctx: OpenContext = {}): RawTable {
  const label = ctx.label ?? file;
  assertParquetFile(file, label);
  let scratch: Scratch | undefined;
  let frame;
  try {
    frame = polars.readParquet(pathPolarsReads(file, '.parquet', () => (scratch ??= openScratch())));
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${label}: not a readable Parquet file (${firstLine(e)})`);
  } finally {
    scratch?.remove();
  }
  const decisions: ReadDecisions = { format: 'parquet', ...(ctx.container ? { container: ctx.container } : {}) };
  const warnings = skippedWarning(ctx.skippedMembers);
  if (warnings.length) decisions.warnings = warnings;
  return { file: label, frame, rowLabel: (i) => `row ${i + 1}`, decisions };
}

/** A name ending .parquet is a claim: a file so named that does not start with PAR1 is a broken Parquet file. */
const claimsParquet = (name: string): boolean => ['.parquet', '.pq'].includes(extname(name).toLowerCase());

/** Opens one plain input as the format its content (or `--format`) says. */
function openInput(polars: Polars, input: PlainInput, opts: OpenOptions): RawTable {
  const format = opts.format ?? (input.content === 'parquet' || claimsParquet(input.innerName) ? 'parquet' : 'csv');
  const ctx: OpenContext = { label: input.label, container: input.container, skippedMembers: input.skippedMembers, encoding: opts.encoding, delimiter: opts.delimiter, decimal: opts.decimal };
  return format === 'parquet' ? openParquet(polars, input.path, ctx) : openCsv(polars, input.path, ctx);
}

/** The batches one plain file yields (one per symbol), where they came from, and what reading it decided. */
export interface TabularSource {
  /** How messages name it: the path as given, `archive.zip:member.csv`, or `stdin`. */
  file: string;
  /** Where the rows came from, stable across runs: the real path (plus `:member`), or `stdin:<sha256>`. */
  id: string;
  /** What to show people: the file name (plus `:member`), or `stdin`. */
  name: string;
  batches: TickBatch[];
  decisions: ReadDecisions;
}

/** One plain file a path holds, opened: its table (values still as text) and where it came from. */
export interface OpenedTable {
  table: RawTable;
  /** Where the rows came from, stable across runs: the real path (plus `:member`), or `stdin:<sha256>`. */
  id: string;
  /** What to show people: the file name (plus `:member`), or `stdin`. */
  name: string;
}

/**
 * Opens every plain file a path holds (one, or one per data member of a zip), in order, without reading meaning
 * into the columns. `-` reads `opts.stdin`. Scratch files are gone once the loop over it ends, however it ends.
 */
export async function* openRawTables(path: string, opts: OpenOptions = {}): AsyncGenerator<OpenedTable> {
  // The path is checked before anything else, so a directory or a missing file is named as such.
  if (path !== '-') assertDataFile(path);
  const polars = await loadPolars();
  const scratch = openScratch();
  try {
    for await (const input of unwrapInputs(path, scratch, { stdin: opts.stdin })) {
      yield { table: openInput(polars, input, opts), id: input.id, name: input.name };
    }
  } finally {
    scratch.remove();
  }
}

/**
 * Reads every plain file a path holds into batches (one per symbol), each with what reading it decided.
 * Every file is validated before this returns; nothing is kept on disk.
 */
export async function readTabularSources(path: string, opts: ReadOptions = {}): Promise<TabularSource[]> {
  const polars = await loadPolars();
  const sources: TabularSource[] = [];
  for await (const { table, id, name } of openRawTables(path, opts)) {
    sources.push({ file: table.file, id, name, batches: batchesFromTable(polars, table, opts), decisions: table.decisions });
  }
  return sources;
}

/** Reads one file and says what it decided on the way; a zip holding several data files is an error here. */
export async function readTabularSource(path: string, opts: ReadOptions = {}): Promise<TabularSource> {
  const sources = await readTabularSources(path, opts);
  if (sources.length !== 1) {
    throw new CiftError('USAGE', `${path} holds ${sources.length} data files (${sources.map((s) => s.name).join(', ')})`, '`cift ingest` reads each as its own source');
  }
  return sources[0];
}

/** Reads one file (every data file in it, for a zip) of bars, trades or quotes into one batch per symbol. */
export async function readTabularFile(path: string, opts: ReadOptions = {}): Promise<TickBatch[]> {
  return (await readTabularSources(path, opts)).flatMap((s) => s.batches);
}
