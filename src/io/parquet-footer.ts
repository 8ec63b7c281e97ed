/**
 * Key/value metadata in a Parquet file's footer, read and rewritten without a Parquet library.
 *
 * A Parquet file ends with FileMetaData (Thrift compact protocol), its length as a 4-byte little-endian integer,
 * and "PAR1" (parquet-format, README "File format" and parquet.thrift). Field 5 of FileMetaData is
 * `key_value_metadata: list<KeyValue>` with KeyValue {1: required string key, 2: optional string value}.
 * Row-group, column-chunk and page-index offsets all point before the footer, so only the footer and its length
 * change when field 5 is rewritten; every other footer field is copied byte for byte. Its header is re-encoded
 * because compact field headers hold the id as a delta from the previous field, which changes when field 5 is
 * inserted. Encrypted footers ("PARE") are refused.
 *
 * Thrift compact encoding (thrift/doc/specs/thrift-compact-protocol.md): a field header is one byte
 * `delta << 4 | type` when 1 ≤ delta ≤ 15, else `type` followed by the id as a zigzag varint; integers are zigzag
 * varints, binary is a varint length then bytes, a list header is `size << 4 | elemType` (size < 15) or
 * `0xF0 | elemType` then a varint size; booleans as struct fields live in the header's type (1 true, 2 false)
 * and as list elements are one byte each; a struct ends with a 0 byte.
 */
import { CiftError } from '../errors.js';
import type { KeyValue } from './key-value-metadata.js';

const MAGIC = 'PAR1';
const KEY_VALUE_METADATA = 5;

const T_BOOL_TRUE = 1;
const T_BOOL_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

/** A deeply nested or looping footer is corrupt long before this; the cap keeps a bad file from exhausting the stack. */
const MAX_DEPTH = 64;

const corrupt = (what: string): CiftError => new CiftError('INPUT_INVALID', `Parquet footer is corrupt: ${what}`);

/** A cursor over the footer bytes; every read checks the end so a truncated footer is an error, not garbage. */
class CompactReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw corrupt(`runs past its end at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned varint, up to 64 bits (as a Number: lengths and ids here are far below 2^53). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw corrupt(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  skipBytes(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw corrupt(`a ${n}-byte value runs past its end at byte ${this.pos}`);
    this.pos += n;
  }

  binary(): Uint8Array {
    const n = this.varint();
    const start = this.pos;
    this.skipBytes(n);
    return this.bytes.subarray(start, start + n);
  }

  /** A list or set header: element type and count. */
  listHeader(): { elemType: number; size: number } {
    const h = this.byte();
    const size = h >> 4 === 15 ? this.varint() : h >> 4;
    return { elemType: h & 0x0f, size };
  }

  /** A struct field header, or undefined at the struct's stop byte. `lastId` is the previous field's id. */
  fieldHeader(lastId: number): { id: number; type: number } | undefined {
    const h = this.byte();
    if (h === 0) return undefined;
    const type = h & 0x0f;
    const delta = h >> 4;
    const id = delta === 0 ? this.zigzag() : lastId + delta;
    return { id, type };
  }

  /** Skips one value of a type, whatever it holds. `inList`: booleans inside lists/maps take a byte. */
  skip(type: number, depth: number, inList = false): void {
    if (depth > MAX_DEPTH) throw corrupt(`nested deeper than ${MAX_DEPTH} levels`);
    switch (type) {
      case T_BOOL_TRUE:
      case T_BOOL_FALSE:
        if (inList) this.byte();
        return;
      case T_BYTE:
        this.byte();
        return;
      case T_I16:
      case T_I32:
      case T_I64:
        this.varint();
        return;
      case T_DOUBLE:
        this.skipBytes(8);
        return;
      case T_BINARY:
        this.skipBytes(this.varint());
        return;
      case T_LIST:
      case T_SET: {
        const { elemType, size } = this.listHeader();
        for (let i = 0; i < size; i++) this.skip(elemType, depth + 1, true);
        return;
      }
      case T_MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4, depth + 1, true);
          this.skip(kv & 0x0f, depth + 1, true);
        }
        return;
      }
      case T_STRUCT: {
        let lastId = 0;
        for (let f = this.fieldHeader(lastId); f; f = this.fieldHeader(lastId)) {
          this.skip(f.type, depth + 1);
          lastId = f.id;
        }
        return;
      }
      default:
        throw corrupt(`unknown Thrift type ${type} at byte ${this.pos}`);
    }
  }
}

class CompactWriter {
  private readonly chunks: number[] = [];
  private readonly parts: Uint8Array[] = [];

  private flush(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks.length = 0;
    }
  }

  byte(b: number): void {
    this.chunks.push(b & 0xff);
  }

  varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  raw(bytes: Uint8Array): void {
    this.flush();
    this.parts.push(bytes);
  }

  binary(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  fieldHeader(id: number, lastId: number, type: number): void {
    const delta = id - lastId;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.varint(id >= 0 ? id * 2 : -id * 2 - 1);
    }
  }

  listHeader(size: number, elemType: number): void {
    if (size < 15) this.byte((size << 4) | elemType);
    else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
  }

  bytes(): Uint8Array {
    this.flush();
    return Buffer.concat(this.parts);
  }
}

interface FooterField {
  id: number;
  type: number;
  /** The value's encoded bytes (empty for a boolean field, whose value is its type). */
  value: Uint8Array;
}

interface Footer {
  /** Where FileMetaData starts in the file. */
  start: number;
  fields: FooterField[];
}

function parseFooter(file: Uint8Array): Footer {
  const minimum = MAGIC.length * 2 + 4;
  if (file.length < minimum) throw corrupt(`the file is ${file.length} bytes, shorter than an empty Parquet file`);
  const tail = Buffer.from(file.buffer, file.byteOffset, file.length);
  const endMagic = tail.toString('latin1', file.length - 4);
  if (endMagic === 'PARE') throw new CiftError('INPUT_INVALID', 'Parquet footer is encrypted: its metadata cannot be rewritten');
  if (tail.toString('latin1', 0, 4) !== MAGIC || endMagic !== MAGIC) throw corrupt('it does not start and end with "PAR1"');
  const length = tail.readUInt32LE(file.length - 8);
  const start = file.length - 8 - length;
  if (start < MAGIC.length) throw corrupt(`its length (${length} bytes) is larger than the file`);
  const reader = new CompactReader(file, start, file.length - 8);
  const fields: FooterField[] = [];
  let lastId = 0;
  for (let f = reader.fieldHeader(lastId); f; f = reader.fieldHeader(lastId)) {
    const valueStart = reader.pos;
    reader.skip(f.type, 1);
    fields.push({ id: f.id, type: f.type, value: file.subarray(valueStart, reader.pos) });
    lastId = f.id;
  }
  if (reader.pos !== reader.end) throw corrupt(`FileMetaData ends at byte ${reader.pos} but its length says ${reader.end}`);
  return { start, fields };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, entry: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw corrupt(`key_value_metadata entry ${entry} is not UTF-8 text`);
  }
}

function decodeKeyValues(value: Uint8Array): KeyValue[] {
  const reader = new CompactReader(value, 0, value.length);
  const { elemType, size } = reader.listHeader();
  if (elemType !== T_STRUCT) throw corrupt(`key_value_metadata holds type ${elemType}, not structs`);
  const out: KeyValue[] = [];
  for (let i = 0; i < size; i++) {
    let key: string | undefined;
    let val: string | undefined;
    let lastId = 0;
    for (let f = reader.fieldHeader(lastId); f; f = reader.fieldHeader(lastId)) {
      if ((f.id === 1 || f.id === 2) && f.type === T_BINARY) {
        const text = decodeUtf8(reader.binary(), i);
        if (f.id === 1) key = text;
        else val = text;
      } else reader.skip(f.type, 2);
      lastId = f.id;
    }
    if (key === undefined) throw corrupt(`key_value_metadata entry ${i} has no key`);
    out.push(val === undefined ? { key } : { key, value: val });
  }
  return out;
}

function encodeKeyValues(entries: readonly KeyValue[]): Uint8Array {
  const w = new CompactWriter();
  const enc = new TextEncoder();
  w.listHeader(entries.length, T_STRUCT);
  for (const e of entries) {
    w.fieldHeader(1, 0, T_BINARY);
    w.binary(enc.encode(e.key));
    if (e.value !== undefined) {
      w.fieldHeader(2, 1, T_BINARY);
      w.binary(enc.encode(e.value));
    }
    w.byte(0);
  }
  return w.bytes();
}

/** The footer's key/value metadata, in file order (empty when the file has none). */
export function readParquetKeyValues(file: Uint8Array): KeyValue[] {
  const field = parseFooter(file).fields.find((f) => f.id === KEY_VALUE_METADATA);
  if (!field) return [];
  if (field.type !== T_LIST) throw corrupt(`key_value_metadata has Thrift type ${field.type}, not a list`);
  return decodeKeyValues(field.value);
}

/**
 * A copy of a Parquet file whose footer metadata is `update(existing entries)`; data pages and every other footer
 * field are unchanged. Throws a one-line CiftError for a file whose footer cannot be read.
 */
export function rewriteParquetKeyValues(file: Uint8Array, update: (existing: KeyValue[]) => KeyValue[]): Uint8Array {
  const footer = parseFooter(file);
  const old = footer.fields.find((f) => f.id === KEY_VALUE_METADATA);
  if (old && old.type !== T_LIST) throw corrupt(`key_value_metadata has Thrift type ${old.type}, not a list`);
  const entries = update(old ? decodeKeyValues(old.value) : []);
  // Field 5 keeps its place, or goes before the first higher id; the other fields keep their order.
  const fields = footer.fields.filter((f) => f.id !== KEY_VALUE_METADATA);
  if (entries.length) {
    const at = old ? footer.fields.indexOf(old) : fields.findIndex((f) => f.id > KEY_VALUE_METADATA);
    fields.splice(at < 0 ? fields.length : at, 0, { id: KEY_VALUE_METADATA, type: T_LIST, value: encodeKeyValues(entries) });
  }

  const w = new CompactWriter();
  let lastId = 0;
  for (const f of fields) {
    w.fieldHeader(f.id, lastId, f.type);
    w.raw(f.value);
    lastId = f.id;
  }
  w.byte(0);
  const metadata = w.bytes();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metadata.length);
  return Buffer.concat([file.subarray(0, footer.start), metadata, length, Buffer.from(MAGIC, 'latin1')]);
}
