/**
 * A TickBatch as one binary blob: a JSON header, then each column's raw little-endian bytes (ts, seq, then the
 * value columns in header order). What the shipped CSVs are parsed to once and kept in the data folder, so a later
 * process reads a shipped series with one file read instead of the CSV parser (issue 14: `cift bars GOOG` from cron).
 *
 * Layout: MAGIC (8 bytes) · header length (uint32 LE) · header JSON (UTF-8) · zero padding to a multiple of 8 ·
 * ts (int64 × rows) · seq (float64 × rows) · each value column (float64 × rows).
 * `key` in the header names what the blob was made from; decode returns undefined for another key, a damaged or
 * truncated blob, or another machine's byte order, so a caller parses the source again instead of trusting it.
 */
import type { TickBatch, TickKind } from '../schema.js';

const MAGIC = 'CIFTBT01';
const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface BatchHeader {
  key: string;
  kind: TickKind;
  symbol: string;
  rows: number;
  columns: string[];
}

export function encodeBatch(batch: TickBatch, key: string): Uint8Array {
  const rows = batch.ts.length;
  const columns = Object.keys(batch.values);
  const header: BatchHeader = { key, kind: batch.kind, symbol: batch.symbol, rows, columns };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align8(MAGIC.length + 4 + headerBytes.length);
  const out = Buffer.alloc(dataStart + 8 * rows * (2 + columns.length));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, MAGIC.length + 4);
  let at = dataStart;
  const put = (column: BigInt64Array | Float64Array) => {
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at);
    at += column.byteLength;
  };
  put(batch.ts);
  put(batch.seq);
  for (const name of columns) put(batch.values[name]!);
  return out;
}

/** The batch `bytes` holds when it was encoded with `key`; undefined for anything else (see the module comment). */
export function decodeBatch(bytes: Uint8Array, key: string): TickBatch | undefined {
  if (!LITTLE_ENDIAN || bytes.length < MAGIC.length + 4) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > buf.length) return undefined;
  let header: BatchHeader;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, headerEnd)) as BatchHeader;
  } catch {
    return undefined;
  }
  if (header.key !== key || !Number.isInteger(header.rows) || header.rows < 0 || !Array.isArray(header.columns)) return undefined;
  // Column names become object keys: only the canonical snake_case names are taken (never "__proto__").
  if (!header.columns.every((c) => typeof c === 'string' && COLUMN_NAME.test(c))) return undefined;
  const rows = header.rows;
  const dataStart = align8(headerEnd);
  if (buf.length !== dataStart + 8 * rows * (2 + header.columns.length)) return undefined;
  // Copied out: the file's buffer need not be 8-byte aligned, and the batch must not pin it.
  let at = dataStart;
  const take = () => {
    const copy = new ArrayBuffer(8 * rows);
    new Uint8Array(copy).set(buf.subarray(at, at + 8 * rows));
    at += 8 * rows;
    return copy;
  };
  const ts = new BigInt64Array(take());
  const seq = new Float64Array(take());
  const values: Record<string, Float64Array> = {};
  for (const name of header.columns) values[name] = new Float64Array(take());
  return { kind: header.kind, symbol: header.symbol, ts, seq, values };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
