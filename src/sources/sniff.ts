/**
 * Checks on an input path before any reader sees it, each reading at most a few bytes: the path is a regular,
 * readable file; it is not empty; its first bytes are what its name says (a Parquet file starts and ends with
 * PAR1; a CSV is not compressed, zipped, Parquet or UTF-16). A reader handed the wrong kind of file can spend
 * minutes and gigabytes before failing with a message about its own internals; these fail at once, in one line.
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
  if (!stat.isFile()) throw new CiftError('INPUT_INVALID', `${file}: not a regular file`, 'give a CSV or Parquet file on disk');
  try {
    closeSync(openSync(file, 'r'));
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return stat.size;
}

/** Up to `length` bytes from `position` (negative: from the end). */
function readBytes(file: string, length: number, position = 0): Buffer {
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

const startsWith = (buf: Buffer, bytes: number[]): boolean => buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);

/** Formats whose first bytes are unmistakable, and what to tell the user. */
const NOT_TEXT: Array<{ magic: number[]; what: string; hint: string }> = [
  { magic: [0x1f, 0x8b], what: 'gzip-compressed', hint: 'decompress it first (gunzip)' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (or an Excel .xlsx workbook)', hint: 'unzip it, or export the sheet as CSV' },
  { magic: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file', hint: 'name it .parquet' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed', hint: 'decompress it first (bunzip2)' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed', hint: 'decompress it first (unxz)' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed', hint: 'decompress it first (unzstd)' },
  { magic: [0xff, 0xfe], what: 'UTF-16 text', hint: 'save it as UTF-8' },
  { magic: [0xfe, 0xff], what: 'UTF-16 text', hint: 'save it as UTF-8' },
];

/** How many leading bytes are checked for binary content. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Fails when a file that should be text (`kind` names it in the message) is empty, starts like a known binary
 * format, or has a NUL byte in its first 64 KB. Readers that stream the rest check NUL bytes as they go.
 */
export function assertTextFile(file: string, kind: string): void {
  const head = readBytes(file, SNIFF_BYTES);
  if (head.length === 0) throw new CiftError('INPUT_INVALID', `${file}: empty file`);
  for (const { magic, what, hint } of NOT_TEXT) {
    if (startsWith(head, magic)) throw new CiftError('INPUT_INVALID', `${file}: not a text ${kind} file: it is ${what}`, hint);
  }
  const nul = head.indexOf(0);
  if (nul >= 0) throw new CiftError('INPUT_INVALID', `${file}: not a text ${kind} file: NUL byte at byte ${nul + 1}`, 'is it binary, or UTF-16 text? cift reads UTF-8 text');
}

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** A Parquet file starts and ends with "PAR1" (and holds at least a footer length between them). */
export function assertParquetFile(file: string): void {
  const size = statSync(file).size;
  if (size === 0) throw new CiftError('INPUT_INVALID', `${file}: empty file`);
  const head = readBytes(file, 4);
  const tail = readBytes(file, 4, -4);
  if (size < 12 || !startsWith(head, PARQUET_MAGIC) || !startsWith(tail, PARQUET_MAGIC)) {
    const truncated = startsWith(head, PARQUET_MAGIC);
    throw new CiftError(
      'INPUT_INVALID',
      `${file}: not a Parquet file (${truncated ? 'it starts like one but its end is missing: truncated?' : 'it does not start with PAR1'})`,
      truncated ? 'write or copy the file again' : 'cift reads .parquet files written by polars, pandas, Arrow or Spark; for text use .csv',
    );
  }
}
