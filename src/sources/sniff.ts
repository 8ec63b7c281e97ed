/**
 * Checks on an input path before any reader sees it, each reading at most a few bytes: the path is a regular,
 * readable file; it is not empty; what its first bytes say it is. Content decides, not the name: a `.txt`, a
 * `.dat` or a file with no extension is read like a `.csv`, and a gzip, zstd or zip container is opened whatever
 * it is called (containers.ts). What cift cannot read (bzip2, xz, binary content) fails at once, in one line,
 * instead of after a reader has spent minutes and gigabytes on it.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../errors.js';

/** Fails unless `file` is a regular file this process can open; returns its size in bytes. */
export function assertDataFile(file: string): number {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CiftError('FILE_NOT_FOUND', `${file}: no such file`);
    throw new CiftError('INPUT_INVALID', `${file}: cannot be read (${code ?? String(e)})`);
  }
  if (stat.isDirectory()) {
    throw new CiftError('INPUT_INVALID', `${file}: is a directory, not a data file`, `give the files in it, e.g. ${join(file, '*.csv')}`);
  }
  if (!stat.isFile()) throw new CiftError('INPUT_INVALID', `${file}: not a regular file`, 'give a CSV or Parquet file on disk, or - to read standard input');
  try {
    closeSync(openSync(file, 'r'));
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return stat.size;
}

/** Up to `length` bytes from `position` (negative: from the end). */
export function readBytes(file: string, length: number, position = 0): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const start = position < 0 ? Math.max(0, size + position) : position;
    const buf = Buffer.alloc(Math.min(length, Math.max(0, size - start)));
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export const startsWith = (buf: Uint8Array, bytes: readonly number[]): boolean => buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);

export const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** What the first bytes of a file say it is. */
export type Content = 'gzip' | 'zstd' | 'zip' | 'parquet' | 'text';

/** Magic numbers of what cift opens (RFC 1952, RFC 8878, PKWARE APPNOTE 4.3.7 and 4.3.16, Apache Parquet). */
const OPENED: Array<{ magic: number[]; content: Content }> = [
  { magic: [0x1f, 0x8b], content: 'gzip' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], content: 'zstd' },
  { magic: [0x50, 0x4b, 0x03, 0x04], content: 'zip' },
  // An empty archive is only its end record; opening it says it holds no file.
  { magic: [0x50, 0x4b, 0x05, 0x06], content: 'zip' },
  { magic: PARQUET_MAGIC, content: 'parquet' },
];

/** Formats cift does not open, and what to tell the user. */
const REFUSED: Array<{ magic: number[]; what: string; hint: string }> = [
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed', hint: 'decompress it first (bunzip2), or recompress it with gzip or zstd' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed', hint: 'decompress it first (unxz), or recompress it with gzip or zstd' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive', hint: 'extract it first, or pack it as .zip' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an Excel .xls workbook', hint: 'export the sheet as CSV' },
];

/** What `file` holds, from its first bytes; `label` names it in messages. Fails on an empty file or a refused format. */
export function sniffContent(file: string, label = file): Content {
  const head = readBytes(file, 8);
  if (head.length === 0) throw new CiftError('INPUT_INVALID', `${label}: empty file`);
  for (const { magic, content } of OPENED) if (startsWith(head, magic)) return content;
  for (const { magic, what, hint } of REFUSED) {
    if (startsWith(head, magic)) throw new CiftError('INPUT_INVALID', `${label}: not a file cift reads: it is ${what}`, hint);
  }
  return 'text';
}

/** First bytes that are not text (what assertTextFile refuses), and what to tell the user. */
const NOT_TEXT: Array<{ magic: number[]; what: string; hint: string }> = [
  { magic: [0x1f, 0x8b], what: 'gzip-compressed', hint: 'decompress it first (gunzip)' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (or an Excel .xlsx workbook)', hint: 'unzip it, or export the sheet as CSV' },
  { magic: PARQUET_MAGIC, what: 'a Parquet file', hint: 'name it .parquet' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed', hint: 'decompress it first (unzstd)' },
  { magic: [0xff, 0xfe], what: 'UTF-16 text', hint: 'save it as UTF-8' },
  { magic: [0xfe, 0xff], what: 'UTF-16 text', hint: 'save it as UTF-8' },
  ...REFUSED,
];

/** How many leading bytes are checked for binary content. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Fails when a file that should be plain text (`kind` names it in the message) is empty, starts like a known
 * binary format, or has a NUL byte in its first 64 KB; readers that stream the rest check NUL bytes as they go.
 * The tabular path calls it on text it has already unwrapped and transcoded to UTF-8 (containers.ts,
 * encoding.ts), so there a NUL is binary content or UTF-16 without a byte-order mark; LOBSTER files, which are
 * read as they are, get the format named.
 */
export function assertTextFile(file: string, kind: string, label = file): void {
  const head = readBytes(file, SNIFF_BYTES);
  if (head.length === 0) throw new CiftError('INPUT_INVALID', `${label}: empty file`);
  for (const { magic, what, hint } of NOT_TEXT) {
    if (startsWith(head, magic)) throw new CiftError('INPUT_INVALID', `${label}: not a text ${kind} file: it is ${what}`, hint);
  }
  const nul = head.indexOf(0);
  if (nul >= 0) {
    // UTF-16 without a byte-order mark has a NUL beside every ASCII character.
    const utf16 = head.length >= 4 && ((head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0) || (head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0));
    throw new CiftError(
      'INPUT_INVALID',
      `${label}: not a text ${kind} file: NUL byte at byte ${nul + 1}`,
      utf16 ? 'it looks like UTF-16 text without a byte-order mark: give --encoding utf-16le (or utf-16be)' : 'is it binary, or UTF-16 text? cift reads UTF-8 text, or the encoding given with --encoding',
    );
  }
}

/** A Parquet file starts and ends with "PAR1" (and holds at least a footer length between them). */
export function assertParquetFile(file: string, label = file): void {
  const size = statSync(file).size;
  if (size === 0) throw new CiftError('INPUT_INVALID', `${label}: empty file`);
  const head = readBytes(file, 4);
  const tail = readBytes(file, 4, -4);
  if (size < 12 || !startsWith(head, PARQUET_MAGIC) || !startsWith(tail, PARQUET_MAGIC)) {
    const truncated = startsWith(head, PARQUET_MAGIC);
    throw new CiftError(
      'INPUT_INVALID',
      `${label}: not a Parquet file (${truncated ? 'it starts like one but its end is missing: truncated?' : 'it does not start with PAR1'})`,
      truncated ? 'write or copy the file again' : 'cift reads Parquet files written by polars, pandas, Arrow or Spark; for text give --format csv',
    );
  }
}
