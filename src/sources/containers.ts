/**
 * Containers → the plain files inside them. A gzip or zstd stream is decompressed, and a zip member extracted,
 * by streaming into a scratch file (scratch.ts), so memory stays bounded however large the data; the readers then
 * see an ordinary file. What a container is comes from its first bytes (sniff.ts), never from its name, and
 * containers nest (a .csv.gz inside a .zip). Standard input (`-`) is copied to a scratch file first and then
 * treated like any other file.
 *
 * The libraries for zstd and zip are loaded only on those paths, so `cift --help` does not pay for them.
 */
import { closeSync, createReadStream, createWriteStream, openSync, realpathSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';
import { CiftError } from '../errors.js';
import type { Scratch } from './scratch.js';
import { assertDataFile, sniffContent } from './sniff.js';

/** One plain file to read: CSV-like text or Parquet, on disk. */
export interface PlainInput {
  /** Where its bytes are: the user's file, or a scratch file holding what was unwrapped. */
  path: string;
  /** How messages name it: the path as given, `archive.zip:member.csv`, or `stdin`. */
  label: string;
  /** Where the rows came from, stable across runs: the real path (plus `:member`), or `stdin:<sha256>`. */
  id: string;
  /** What to show people as the source: the file name (plus `:member`), or `stdin`. */
  name: string;
  /** How the bytes were reached, e.g. "gzip", "zip:klines.csv", "stdin → gzip"; absent for a plain file. */
  container?: string;
  /** The innermost file name (`prices.parquet` for `prices.parquet.gz`), whose extension is a claim to check. */
  innerName: string;
  /** What the first bytes say. */
  content: 'parquet' | 'text';
  /** Archive members that were not read (not data files), so the summary can say so. */
  skippedMembers?: string[];
}

interface Context {
  label: string;
  id: string;
  name: string;
  chain: string[];
  innerName: string;
  skippedMembers?: string[];
}

/** Containers inside containers beyond this are refused (a zip bomb's favourite shape). */
const MAX_DEPTH = 4;
const CHUNK_BYTES = 1 << 20;

/**
 * Every plain file `path` holds, in order: one for a plain file or a compressed one, one per data member of a zip.
 * Scratch files are dropped as soon as the consumer asks for the next input; the caller removes `scratch` at the end.
 */
export async function* unwrapInputs(path: string, scratch: Scratch, opts: { stdin?: Readable } = {}): AsyncGenerator<PlainInput> {
  if (path === '-') {
    if (opts.stdin === undefined) throw new CiftError('USAGE', '- (standard input) cannot be read here', 'give a file path');
    const copy = scratch.file('stdin');
    const sha = await copyStream(opts.stdin, copy);
    yield* unwrap(copy, { label: 'stdin', id: `stdin:${sha}`, name: 'stdin', chain: ['stdin'], innerName: '' }, scratch, 0);
    scratch.drop(copy);
    return;
  }
  assertDataFile(path);
  yield* unwrap(path, { label: path, id: realpathSync(path), name: basename(path), chain: [], innerName: basename(path) }, scratch, 0);
}

async function* unwrap(file: string, ctx: Context, scratch: Scratch, depth: number): AsyncGenerator<PlainInput> {
  const content = sniffContent(file, ctx.label);
  if (content === 'parquet' || content === 'text') {
    const container = ctx.chain.length ? ctx.chain.join(' → ') : undefined;
    yield { path: file, label: ctx.label, id: ctx.id, name: ctx.name, container, innerName: ctx.innerName, content, skippedMembers: ctx.skippedMembers };
    return;
  }
  if (depth >= MAX_DEPTH) throw new CiftError('INPUT_INVALID', `${ctx.label}: containers nested more than ${MAX_DEPTH} deep`, 'extract it first');
  if (content === 'zip') {
    yield* unzip(file, ctx, scratch, depth);
    return;
  }
  const inner = scratch.file(ctx.innerName || content);
  if (content === 'gzip') await gunzip(file, inner, ctx.label);
  else await unzstd(file, inner, ctx.label);
  yield* unwrap(inner, { ...ctx, chain: [...ctx.chain, content], innerName: stripCompression(ctx.innerName) }, scratch, depth + 1);
  scratch.drop(inner);
}

const stripCompression = (name: string): string => name.replace(/\.(gz|gzip|zst|zstd)$/i, '');

/** Copies a stream to `dest`, returning the SHA-256 of what was copied (the identity of data with no path). */
async function copyStream(source: Readable, dest: string): Promise<string> {
  const hash = createHash('sha256');
  const fd = openSync(dest, 'w');
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      hash.update(bytes);
      writeAll(fd, bytes);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

const damaged = (label: string, what: string, e: unknown): CiftError =>
  e instanceof CiftError ? e : new CiftError('INPUT_INVALID', `${label}: ${what} data is damaged or cut short (${e instanceof Error ? e.message : String(e)})`, 'download or copy the file again');

async function gunzip(file: string, dest: string, label: string): Promise<void> {
  try {
    // Node's gunzip reads concatenated members (what `cat a.gz b.gz` and parallel gzip tools write) as one stream.
    await pipeline(createReadStream(file, { highWaterMark: CHUNK_BYTES }), zlib.createGunzip(), createWriteStream(dest));
  } catch (e) {
    throw damaged(label, 'gzip', e);
  }
}

async function unzstd(file: string, dest: string, label: string): Promise<void> {
  // Node 20's zlib has no zstd (it came in Node 22.15); fzstd is a small pure-JS streaming decoder.
  const { Decompress } = await import('fzstd');
  const fd = openSync(dest, 'w');
  try {
    const decoder = new Decompress((chunk) => writeAll(fd, chunk));
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) decoder.push(chunk as Buffer);
    decoder.push(new Uint8Array(0), true);
  } catch (e) {
    throw damaged(label, 'zstd', e);
  } finally {
    closeSync(fd);
  }
}

/** Members read by default; when an archive has none of these, its .txt, .dat and extensionless members are. */
const DATA_EXTENSIONS = new Set(['.csv', '.tsv', '.psv', '.parquet', '.pq']);
const TEXT_EXTENSIONS = new Set(['.txt', '.dat', '']);

/** Directories and what macOS and editors leave in archives: never data. */
const isJunk = (name: string): boolean => name.endsWith('/') || name.startsWith('__MACOSX/') || basename(name).startsWith('.');

/**
 * Which members to read: every CSV or Parquet member (a HistData zip holds its CSV and a .txt status report:
 * the report is not read); failing those, the text members.
 */
export function chooseMembers(names: readonly string[]): { read: string[]; skipped: string[] } {
  const candidates = names.filter((n) => !isJunk(n));
  const ext = (n: string) => extname(stripCompression(n)).toLowerCase();
  let read = candidates.filter((n) => DATA_EXTENSIONS.has(ext(n)));
  if (read.length === 0) read = candidates.filter((n) => TEXT_EXTENSIONS.has(ext(n)));
  return { read, skipped: candidates.filter((n) => !read.includes(n)) };
}

async function* unzip(file: string, ctx: Context, scratch: Scratch, depth: number): AsyncGenerator<PlainInput> {
  const yauzl = (await import('yauzl')).default;
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${ctx.label}: not a readable zip archive (${e instanceof Error ? e.message : String(e)})`, 'download or copy the file again');
  }
  try {
    const entries = new Map<string, Entry>();
    try {
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
    } catch (e) {
      throw new CiftError('INPUT_INVALID', `${ctx.label}: not a readable zip archive (${e instanceof Error ? e.message : String(e)})`, 'download or copy the file again');
    }
    const names = [...entries.keys()];
    const { read, skipped } = chooseMembers(names);
    if (read.length === 0) {
      const excel = names.some((n) => n.startsWith('xl/'));
      const shown = names.filter((n) => !isJunk(n)).slice(0, 5).join(', ');
      throw new CiftError(
        'INPUT_INVALID',
        excel ? `${ctx.label}: an Excel .xlsx workbook, not a CSV file` : `${ctx.label}: the zip archive holds no CSV or Parquet file${shown ? ` (it holds ${shown})` : ' (it is empty)'}`,
        excel ? 'export the sheet as CSV' : 'cift reads the .csv, .tsv, .txt and .parquet members of a zip',
      );
    }
    for (const name of read) {
      const entry = entries.get(name)!;
      const label = `${ctx.label}:${name}`;
      const dest = scratch.file(basename(name));
      await extract(zip, entry, dest, label);
      const member: Context = {
        label,
        id: `${ctx.id}:${name}`,
        name: `${ctx.name}:${name}`,
        chain: [...ctx.chain, `zip:${name}`],
        innerName: basename(name),
        skippedMembers: skipped.length ? skipped : undefined,
      };
      yield* unwrap(dest, member, scratch, depth + 1);
      scratch.drop(dest);
    }
  } finally {
    zip.close();
  }
}

let crcTable: Int32Array | undefined;
/** zlib.crc32 came in Node 20.15; package.json allows 20.11, so a table-driven fallback (IEEE 802.3, as zip uses). */
const crc32: (data: Uint8Array, value: number) => number =
  typeof zlib.crc32 === 'function'
    ? zlib.crc32
    : (data, value) => {
        crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
          let c = n;
          for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
          return c;
        });
        let c = ~value;
        for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
        return ~c >>> 0;
      };

/** Streams one member to `dest`, checking its CRC-32 (yauzl checks sizes, not contents). */
async function extract(zip: ZipFile, entry: Entry, dest: string, label: string): Promise<void> {
  let crc = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    await pipeline(
      stream,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          crc = crc32(chunk, crc);
          yield chunk;
        }
      },
      createWriteStream(dest),
    );
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new CiftError('INPUT_INVALID', `${label}: cannot be unzipped (${reason})`, /encrypt|compression method/i.test(reason) ? 'extract it with a zip tool first' : 'download or copy the file again');
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new CiftError('INPUT_INVALID', `${label}: damaged in the archive (CRC-32 does not match)`, 'download or copy the file again');
}
