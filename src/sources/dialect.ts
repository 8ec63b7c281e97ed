/**
 * The dialect of a delimited text file, decided from its first 64 KB: the delimiter, whether line 1 is a header,
 * and the decimal mark and thousands separator of its number cells. Each is decided only where the text leaves
 * one answer; `--delimiter` and `--decimal` say what cannot be told, and what was decided is recorded.
 *
 * - Delimiter: of `,` `;` tab `|`, the one that splits every sampled record (quotes respected) into the same
 *   number of fields, more than one. When several do, the one giving the most fields; on a tie, tab, then `;`,
 *   then `|`, then `,` (a headerless `;` file with decimal commas splits into as many fields on `,` as on `;`,
 *   and a `;` in every line of a comma file, header included, does not happen).
 * - Header: a first row whose every cell is a number, a date or a time (no letters) is data, never a header
 *   (Binance, HistData and MetaTrader 4 files have none); its columns are named column_1 … column_N.
 *   yfinance's three header lines (`Price,…` / `Ticker,…` / `Date,,,`) are read as one header.
 * - Decimal mark (files not delimited by `,`, where a decimal comma would need quotes), from the columns whose
 *   every sampled cell is a number: "12,5" or "1.234,56" is a decimal comma, "1.5" or "1,234.5" a decimal point.
 *   "1,234" and "1.234" alone could be either: "." is kept and a warning says so. Both marks in one file is an
 *   error.
 */
import { CiftError } from '../errors.js';

export interface Dialect {
  delimiter: string;
  /** Lines before the first data row: 0 (headerless), 1, or 3 (yfinance). */
  headerLines: 0 | 1 | 3;
  /** What `decisions.header` records. */
  header: string;
  /** Column names the reader must set itself (yfinance); otherwise the header line's, or column_1 … column_N. */
  names?: string[];
  /** The ticker a yfinance header names. */
  ticker?: string;
  decimal: '.' | ',';
  thousands?: '.' | ',';
  warnings: string[];
}

export interface DialectOptions {
  /** `--delimiter`: skips sniffing it. */
  delimiter?: string;
  /** `--decimal`: skips sniffing it. */
  decimal?: '.' | ',';
}

/** Candidate delimiters, in the order that breaks a tie. */
const DELIMITERS = ['\t', ';', '|', ','] as const;

export const HEADERLESS = 'none: the first row is data';
export const YFINANCE_HEADER = 'yfinance (3 header lines)';

interface SampleRecord {
  cells: string[];
  /** 1-based line the record starts on. */
  line: number;
}

/**
 * Splits `text` into records of fields on `delimiter`, quotes as RFC 4180 (and polars) read them. Blank lines
 * are left out. A record cut off by the end of the sample (inside quotes) is dropped unless `complete`.
 */
export function sampleRecords(text: string, delimiter: string, complete: boolean, limit = 200): SampleRecord[] {
  const records: SampleRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0].trim() !== '') records.push({ cells, line: recordLine });
    cells = [];
    cell = '';
    atFieldStart = true;
  };
  for (let i = 0; i < text.length && records.length < limit; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '\n') {
      if (cell.endsWith('\r')) cell = cell.slice(0, -1);
      line++;
      endRecord();
      recordLine = line;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      atFieldStart = true;
    } else if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else {
      cell += ch;
      atFieldStart = false;
    }
  }
  if (records.length < limit && !quoted && (cell !== '' || cells.length > 0)) endRecord();
  else if (quoted && complete) endRecord();
  return records;
}

/** The delimiter of a sample; see the module comment for the rule. */
export function sniffDelimiter(text: string, complete: boolean): string {
  let best: { delimiter: string; fields: number } | undefined;
  let widestHeader: { delimiter: string; fields: number } | undefined;
  for (const delimiter of DELIMITERS) {
    const records = sampleRecords(text, delimiter, complete);
    if (records.length === 0) continue;
    const fields = records[0].cells.length;
    if (fields > 1 && (widestHeader === undefined || fields > widestHeader.fields)) widestHeader = { delimiter, fields };
    if (fields > 1 && records.every((r) => r.cells.length === fields) && (best === undefined || fields > best.fields)) best = { delimiter, fields };
  }
  // No delimiter is consistent: the file is ragged; the one that splits line 1 widest lets the ragged-row check
  // name the bad line with the right field counts.
  return (best ?? widestHeader)?.delimiter ?? ',';
}

const NUMBER = /^[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$/;
const DIGITS_AND_SEPARATORS = /^[+-]?\d[\d.,:/ _-]*$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** A cell that is a number, a date or a time: nothing a header would be named. */
export function isDataLike(cell: string): boolean {
  const text = cell.trim();
  // Booleans count as data too: Binance trades files are headerless rows ending in true/false flags.
  return text !== '' && (NUMBER.test(text) || GROUPED_NUMBER.test(text) || DIGITS_AND_SEPARATORS.test(text) || ISO_TIME.test(text) || /^(true|false)$/i.test(text));
}

/** yfinance ≥ 0.2.51 writes `Price,Close,…` / `Ticker,AAPL,…` / `Date,,,` before the rows. */
function yfinanceHeader(records: SampleRecord[], label: string): { names: string[]; ticker: string } | undefined {
  if (records.length < 3) return undefined;
  const [price, ticker, date] = records.map((r) => r.cells.map((c) => c.trim()));
  const isIt =
    price[0] === 'Price' && ticker[0] === 'Ticker' && /^(Date|Datetime)$/.test(date[0]) && date.slice(1).every((c) => c === '') && ticker.length === price.length && date.length === price.length;
  if (!isIt) return undefined;
  const tickers = [...new Set(ticker.slice(1).filter((t) => t !== ''))];
  if (tickers.length !== 1) {
    throw new CiftError(
      'INPUT_INVALID',
      `${label}: a yfinance file with ${tickers.length === 0 ? 'no ticker' : `${tickers.length} tickers side by side (${tickers.slice(0, 4).join(', ')})`} in its Ticker line`,
      'download one ticker per file (yf.download("AAPL", multi_level_index=False)), or save each ticker\'s columns separately',
    );
  }
  return { names: [date[0], ...price.slice(1)], ticker: tickers[0] };
}

interface MarkEvidence {
  /** Cells only a decimal comma explains ("12,5", "1.234,56", "1.234.567"), and where the first was. */
  comma: number;
  commaExample?: { cell: string; line: number };
  dot: number;
  dotExample?: { cell: string; line: number };
  /** "1,234": 1.234 with a decimal comma, or 1234 with a thousands comma. */
  ambiguousComma: number;
  ambiguousCommaExample?: string;
  ambiguousDot: number;
  ambiguousDotExample?: string;
  /** Grouped cells seen ("1.234,56" / "1,234.56" / "1.234.567" / "1,234,567"). */
  groupedDot: boolean;
  groupedComma: boolean;
}

/** A number as a column of them writes it: digits, one decimal mark, thousands groups. */
const NUMBERISH = /^[+-]?(\d+|\d*[.,]\d+|\d{1,3}([.,]\d{3})+([.,]\d+)?)$/;

/**
 * Sorts the cells of number columns (every non-empty sampled cell a number) into what each says about the decimal
 * mark. A text column is left out, so a note reading "1,5" beside prices like "1.5" is not a contradiction.
 */
function markEvidence(records: SampleRecord[]): MarkEvidence {
  const ev: MarkEvidence = { comma: 0, dot: 0, ambiguousComma: 0, ambiguousDot: 0, groupedDot: false, groupedComma: false };
  const width = records.reduce((w, r) => Math.max(w, r.cells.length), 0);
  const numberColumn = Array.from({ length: width }, (_, col) =>
    records.every((r) => {
      const cell = (r.cells[col] ?? '').trim();
      return cell === '' || NUMBERISH.test(cell);
    }),
  );
  for (const { cells, line } of records) {
    for (let col = 0; col < cells.length; col++) {
      if (!numberColumn[col]) continue;
      const raw = cells[col];
      const cell = raw.trim().replace(/^[+-]/, '');
      let says: ',' | '.' | 'ambiguous,' | 'ambiguous.' | undefined;
      if (/^\d{1,3}(\.\d{3})+,\d+$/.test(cell) || /^\d{1,3}(\.\d{3}){2,}$/.test(cell)) {
        says = ',';
        ev.groupedDot = true;
      } else if (/^\d{1,3}(,\d{3})+\.\d+$/.test(cell) || /^\d{1,3}(,\d{3}){2,}$/.test(cell)) {
        says = '.';
        ev.groupedComma = true;
      } else if (/^[1-9]\d{0,2},\d{3}$/.test(cell)) says = 'ambiguous,';
      else if (/^[1-9]\d{0,2}\.\d{3}$/.test(cell)) says = 'ambiguous.';
      else if (/^\d*,\d+$/.test(cell)) says = ',';
      else if (/^\d*\.\d+$/.test(cell)) says = '.';
      if (says === ',') {
        ev.comma++;
        ev.commaExample ??= { cell: raw.trim(), line };
      } else if (says === '.') {
        ev.dot++;
        ev.dotExample ??= { cell: raw.trim(), line };
      } else if (says === 'ambiguous,') {
        ev.ambiguousComma++;
        ev.ambiguousCommaExample ??= raw.trim();
      } else if (says === 'ambiguous.') {
        ev.ambiguousDot++;
        ev.ambiguousDotExample ??= raw.trim();
      }
    }
  }
  return ev;
}

function decideMarks(records: SampleRecord[], delimiter: string, label: string, forced: '.' | ',' | undefined): Pick<Dialect, 'decimal' | 'thousands' | 'warnings'> {
  const ev = markEvidence(records);
  const thousandsFor = (decimal: '.' | ','): '.' | ',' | undefined =>
    decimal === ',' ? (ev.groupedDot || ev.ambiguousDot > 0 ? '.' : undefined) : ev.groupedComma || (delimiter !== ',' && ev.ambiguousComma > 0) ? ',' : undefined;
  if (forced !== undefined) return { decimal: forced, thousands: thousandsFor(forced), warnings: [] };
  // In a comma-delimited file a decimal comma needs quotes; "1,000" there is read as it is, like pandas and polars do.
  if (delimiter === ',') return { decimal: '.', warnings: [] };
  if (ev.comma > 0 && ev.dot > 0) {
    throw new CiftError(
      'INPUT_INVALID',
      `${label}: number cells use both decimal marks: ${JSON.stringify(ev.commaExample!.cell)} on line ${ev.commaExample!.line} and ${JSON.stringify(ev.dotExample!.cell)} on line ${ev.dotExample!.line}`,
      'say which is the decimal mark with --decimal , or --decimal .',
    );
  }
  if (ev.comma > 0) return { decimal: ',', thousands: thousandsFor(','), warnings: [] };
  if (ev.dot > 0) return { decimal: '.', thousands: thousandsFor('.'), warnings: [] };
  const warnings: string[] = [];
  if (ev.ambiguousDot > 0) {
    warnings.push(`decimal mark "." assumed: a cell like ${JSON.stringify(ev.ambiguousDotExample)} could also be a whole number with "." between thousands; --decimal , says so`);
  }
  if (ev.ambiguousComma > 0) {
    warnings.push(`decimal mark "." assumed: a cell like ${JSON.stringify(ev.ambiguousCommaExample)} is not read as a number; --decimal , reads "," as the decimal mark`);
  }
  return { decimal: '.', warnings };
}

/**
 * The dialect of a text sample (the file's first 64 KB, or all of it when `complete`). `label` names the file
 * in errors.
 */
export function sniffDialect(sample: string, complete: boolean, label: string, opts: DialectOptions = {}): Dialect {
  const text = sample.startsWith('\ufeff') ? sample.slice(1) : sample;
  const delimiter = opts.delimiter ?? sniffDelimiter(text, complete);
  const records = sampleRecords(text, delimiter, complete);
  const yf = yfinanceHeader(records, label);
  let headerLines: Dialect['headerLines'] = 1;
  let header = 'line 1';
  if (yf) {
    headerLines = 3;
    header = YFINANCE_HEADER;
  } else if (records.length > 0 && records[0].cells.every(isDataLike)) {
    headerLines = 0;
    header = HEADERLESS;
  }
  const marks = decideMarks(records.slice(headerLines), delimiter, label, opts.decimal);
  return { delimiter, headerLines, header, ...(yf ? { names: yf.names, ticker: yf.ticker } : {}), ...marks };
}

const NAMED_DELIMITERS: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' };

/** `--delimiter`: one printable ASCII character, or tab / \t / comma / semicolon / pipe / space. */
export function parseDelimiterFlag(text: string): string {
  const delimiter = NAMED_DELIMITERS[text.toLowerCase()] ?? text;
  const code = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || delimiter === '"' || (code < 0x20 && delimiter !== '\t') || code > 0x7e) {
    throw new CiftError('USAGE', `--delimiter "${text}" is not one character`, 'e.g. --delimiter ";" or --delimiter tab');
  }
  return delimiter;
}
