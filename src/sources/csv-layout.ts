/**
 * One streamed pass over a delimited text file's bytes, before polars reads it, to catch what polars would read
 * silently wrong or choke on: a row with more fields than the header (polars drops the extras), a row with fewer
 * (polars fills nulls), a blank line between rows (a row of nulls), NUL bytes (binary content), bytes that are not
 * UTF-8 (polars would fail without a line, or in lossy mode replace them), bare CR line endings, an unclosed quote,
 * and a first line with no line break. Memory stays bounded (one 1 MB chunk at a time), so a 1 GB bad file fails
 * in the time it takes to reach its first bad byte.
 *
 * The delimiter and the number of header lines (0 for a headerless file, 3 for yfinance's) come from dialect.ts.
 * Quoting follows RFC 4180 as polars reads it: a field that starts with `"` runs to the next lone `"` (a doubled
 * `""` is a quote inside it) and may hold delimiters and line breaks; a `"` inside an unquoted field is literal.
 * The pass also maps each data row to the line it starts on, so errors name the right line even after a quoted
 * field spanning several lines.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CiftError } from '../errors.js';

export interface CsvLayout {
  /** Fields in the header line (in the first row of a headerless file). */
  fields: number;
  /** Data rows (blank lines at the end are not rows). */
  rows: number;
  /** Blank lines after the last row; polars reads each as a row of nulls. */
  trailingBlankLines: number;
  /** 1-based line on which data row `row` (0-based) starts. */
  lineOf(row: number): number;
}

/** A header longer than this is not a header: the file has no line breaks where a CSV has them. */
export const MAX_HEADER_BYTES = 4 << 20;
const CHUNK_BYTES = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const HIGH = 0x80;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A `"` inside a quoted field: either the closing quote or the first half of `""`. */
const QUOTE_IN_QUOTED = 3;

export interface ScanOptions {
  /** How messages name the file (default: its path). */
  label?: string;
  /** One ASCII character (default ","). */
  delimiter?: string;
  /** Lines before the first row: 0 (headerless), 1 (default) or 3 (yfinance). */
  headerLines?: number;
}

export function scanCsvLayout(path: string, opts: ScanOptions = {}): CsvLayout {
  const fd = openSync(path, 'r');
  try {
    return scan(fd, opts.label ?? path, (opts.delimiter ?? ',').charCodeAt(0), opts.headerLines ?? 1);
  } finally {
    closeSync(fd);
  }
}

/** The error for bytes that are not UTF-8: the file needs `--encoding`. `byte` is undefined at a cut-off end. */
export function notUtf8(label: string, line: number, byte: number | undefined): CiftError {
  return new CiftError(
    'INPUT_INVALID',
    `${label} line ${line}: not UTF-8 text (${byte !== undefined && byte >= HIGH ? `byte 0x${byte.toString(16).toUpperCase()}` : 'it ends in the middle of a character'})`,
    'give its encoding, e.g. --encoding cp1252 (Windows, Excel) or --encoding latin1',
  );
}

/** Where the first invalid UTF-8 sequence in `buf` starts (-1 if none), by the lead and continuation byte rules. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (i + need >= buf.length) return -1; // cut off by the chunk's end: the next chunk decides
    for (let k = 1; k <= need; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points above U+10FFFF.
    const b1 = buf[i + 1];
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) return i;
    i += need + 1;
  }
  return -1;
}

function scan(fd: number, file: string, DELIM: number, headerLines: number): CsvLayout {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let line = 1; // the line being read
  let recordLine = 1; // where the current record started
  let state = FIELD_START;
  let fields = 1;
  let blank = true; // the record so far is only spaces, tabs or CR
  let pendingCr = false;
  let headerFields = -1;
  let headerRecords = 0; // header lines read so far
  let rows = 0;
  let firstBlankLine = 0; // first of the blank lines since the last record, 0 if none
  let blankLines = 0;
  let bytesRead = 0;
  let first = true;
  // Rows whose line is not "row + 2" (after multi-line quoted fields): [row, line] at each change of offset.
  const breaks: number[] = [];
  const delim = DELIM === TAB ? '<TAB>' : String.fromCharCode(DELIM);
  const delimName = DELIM === COMMA ? 'comma' : DELIM === TAB ? 'tab' : `"${delim}"`;
  const plainOffset = headerLines + 1;
  let offset = plainOffset;
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  /** `where` is " line 5 (row 4)" or ""; the message follows a colon. */
  const fail = (where: string, message: string, hint?: string): never => {
    throw new CiftError('INPUT_INVALID', `${file}${where}: ${message}`, hint);
  };
  const rowLabel = () => ` line ${recordLine} (row ${rows + 1})`;

  const endRecord = () => {
    if (blank) {
      if (headerFields < 0) fail(` line ${recordLine}`, `the first line is blank; a CSV starts with its ${headerLines === 0 ? 'first row' : 'header'}`);
      if (headerRecords < headerLines) fail(` line ${recordLine}`, `blank line inside the ${headerLines} header lines`);
      if (firstBlankLine === 0) firstBlankLine = recordLine;
      blankLines++;
    } else if (headerRecords < headerLines) {
      if (headerFields < 0) headerFields = fields;
      else if (fields !== headerFields) fail(` line ${recordLine}`, `${fields} field${fields === 1 ? '' : 's'} but header line 1 has ${headerFields}`);
      headerRecords++;
    } else {
      if (firstBlankLine !== 0) fail(` line ${firstBlankLine}`, 'blank line between rows', 'remove it; a blank line is not a row (blank lines at the end are fine)');
      // A headerless file's first row sets the count every other row must have.
      if (headerFields < 0) headerFields = fields;
      if (fields !== headerFields) {
        fail(
          rowLabel(),
          `${fields} field${fields === 1 ? '' : 's'} but the ${headerLines === 0 ? 'first row' : 'header'} has ${headerFields}`,
          fields > headerFields
            ? `every row needs one value per column; a value with a ${delimName} in it must be quoted ("1${delim}000")`
            : `every row needs one value per column; write a missing value as an empty cell (a${delim}${delim}c)`,
        );
      }
      if (recordLine - rows !== offset) {
        offset = recordLine - rows;
        breaks.push(rows, recordLine);
      }
      rows++;
    }
    fields = 1;
    state = FIELD_START;
    blank = true;
    recordLine = line;
  };

  /**
   * Validates a chunk as UTF-8, carrying a sequence cut by the chunk's end into the next. The decoder is native
   * and fast; only on failure is the chunk walked byte by byte to name the line of the bad byte.
   */
  const checkUtf8 = (bytes: Uint8Array, more: boolean) => {
    try {
      utf8.decode(bytes, { stream: more });
    } catch {
      const at = Math.max(0, firstInvalidUtf8(bytes));
      let badLine = line;
      for (let k = 0; k < at; k++) if (bytes[k] === LF) badLine++;
      throw notUtf8(file, badLine, bytes[at]);
    }
  };

  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
    if (n === 0) break;
    let i = 0;
    if (first) {
      first = false;
      if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3; // UTF-8 byte-order mark
    }
    checkUtf8(buf.subarray(i, n), true);
    for (; i < n; i++) {
      const b = buf[i];
      // Most bytes are digits, letters and punctuation above the comma: one comparison, then the next byte.
      if (b > COMMA && b !== DELIM && state === UNQUOTED && !blank && !pendingCr) continue;
      if (state === QUOTED) {
        if (b === QUOTE) state = QUOTE_IN_QUOTED;
        else if (b === LF) line++;
        else if (b === 0) fail(` line ${line}`, 'NUL byte: not a text CSV file');
        continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (b !== LF) fail(` line ${line}`, 'carriage return (CR) without a line feed', 'save the file with LF or CRLF line endings');
      }
      if (b === LF) {
        line++;
        endRecord();
      } else if (b === CR) {
        pendingCr = true;
      } else if (b === DELIM) {
        fields++;
        state = FIELD_START;
        blank = false;
      } else if (b === QUOTE) {
        if (state === FIELD_START || state === QUOTE_IN_QUOTED) state = QUOTED;
        blank = false;
      } else if (b === 0) {
        fail(` line ${line}`, 'NUL byte: not a text CSV file');
      } else {
        if (state === QUOTE_IN_QUOTED) fail(` line ${line}`, `text after a closing quote in field ${fields}`, 'a quote inside a quoted field is written twice ("")');
        state = UNQUOTED;
        if (b !== SPACE && b !== TAB) blank = false;
      }
    }
    bytesRead += n;
    if (headerFields < 0 && bytesRead >= MAX_HEADER_BYTES) {
      fail('', `no line break in the first ${MAX_HEADER_BYTES >> 20} MB, so no header line: not a CSV file`);
    }
  }
  checkUtf8(new Uint8Array(0), false);
  if (state === QUOTED) fail(` line ${recordLine}`, 'a quoted field opened on this line never closes');
  if (!blank || fields > 1 || state !== FIELD_START) {
    line++;
    endRecord();
  }
  if (headerFields < 0) fail('', 'empty file');
  const lineOf = (row: number): number => {
    // The last break at or before `row` sets its offset; none means the plain "row + 2".
    let lo = 0;
    let hi = breaks.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (breaks[2 * mid] <= row) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? row + plainOffset : breaks[2 * (lo - 1) + 1] + (row - breaks[2 * (lo - 1)]);
  };
  return { fields: headerFields, rows, trailingBlankLines: blankLines, lineOf };
}
