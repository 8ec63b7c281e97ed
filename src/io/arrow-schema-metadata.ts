/**
 * Schema-level and per-field custom metadata written into Arrow IPC bytes without an Arrow library.
 *
 * Arrow's schema is a FlatBuffers table (format/Schema.fbs: Schema {endianness, fields, custom_metadata,
 * features}, Field {name, nullable, type_type, type, dictionary, children, custom_metadata}, KeyValue {key,
 * value}), carried in a Message (format/Message.fbs) at the start of an IPC stream/file and again in an IPC
 * file's Footer (format/File.fbs), whose Blocks hold absolute file offsets of the record-batch messages
 * (format/Columnar.rst, "IPC File Format"). Parquet files written from Arrow carry the same schema message,
 * base64-encoded, under the footer key "ARROW:schema".
 *
 * The rewrite keeps the original FlatBuffer bytes whole and puts new tables in front of them: FlatBuffers
 * offsets are relative and point forward (flatbuffers/docs "Internals"), so the new Schema/Field/Message/Footer
 * tables can reference the old ones' type tables, names, children and vectors untouched. Only the tables on the
 * path to a changed custom_metadata are rebuilt, which means no knowledge of the ~25 Arrow type tables is needed.
 * Tables are rebuilt from a list of their slots (offset or scalar of a size); a table carrying slots this module
 * does not know is refused rather than silently truncated.
 */
import { CiftError } from '../errors.js';
import { mergeKeyValues, type FrameMetadata, type KeyValue } from './key-value-metadata.js';

const corrupt = (what: string): CiftError => new CiftError('INPUT_INVALID', `Arrow IPC data is corrupt: ${what}`);

const CONTINUATION = 0xffffffff;
const FILE_MAGIC = 'ARROW1';
const MESSAGE_HEADER_SCHEMA = 1;

/** A slot is an offset to another object, or a scalar of this many bytes. */
type SlotKind = 'offset' | 1 | 2 | 4 | 8;

const MESSAGE_SLOTS: SlotKind[] = [2, 1, 'offset', 8, 'offset']; // version, header_type, header, bodyLength, custom_metadata
const SCHEMA_SLOTS: SlotKind[] = [2, 'offset', 'offset', 'offset']; // endianness, fields, custom_metadata, features
const FIELD_SLOTS: SlotKind[] = ['offset', 1, 1, 'offset', 'offset', 'offset', 'offset']; // name, nullable, type_type, type, dictionary, children, custom_metadata
const FOOTER_SLOTS: SlotKind[] = [2, 'offset', 'offset', 'offset', 'offset']; // version, schema, dictionaries, recordBatches, custom_metadata
const MESSAGE = { header_type: 1, header: 2, bodyLength: 3 };
const SCHEMA = { fields: 1, custom_metadata: 2 };
const FIELD = { name: 0, custom_metadata: 6 };
const FOOTER = { schema: 1, dictionaries: 2, recordBatches: 3 };
const KEY_VALUE = { key: 0, value: 1 };
/** Block {offset: long; metaDataLength: int; bodyLength: long} with 4 bytes of padding: 24 bytes, 8-aligned. */
const BLOCK_SIZE = 24;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Reads a FlatBuffer; every access is bounds-checked so a bad buffer is an error, not garbage. */
class FbReader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(pos: number, size: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.bytes.length) throw corrupt(`a read of ${size} bytes at ${pos} falls outside its ${this.bytes.length}-byte FlatBuffer`);
  }
  u8(pos: number): number {
    this.check(pos, 1);
    return this.view.getUint8(pos);
  }
  u16(pos: number): number {
    this.check(pos, 2);
    return this.view.getUint16(pos, true);
  }
  u32(pos: number): number {
    this.check(pos, 4);
    return this.view.getUint32(pos, true);
  }
  i32(pos: number): number {
    this.check(pos, 4);
    return this.view.getInt32(pos, true);
  }
  /** A copy (Buffer#slice would share memory, and callers patch the copy). */
  copy(pos: number, size: number): Uint8Array {
    this.check(pos, size);
    return Uint8Array.prototype.slice.call(this.bytes, pos, pos + size);
  }

  root(): number {
    return this.deref(0);
  }
  deref(pos: number): number {
    const target = pos + this.u32(pos);
    this.check(target, 4);
    return target;
  }
  private vtable(table: number): number {
    return table - this.i32(table);
  }
  /** How many slots the table's vtable describes. */
  slotCount(table: number): number {
    return Math.max(0, (this.u16(this.vtable(table)) - 4) >> 1);
  }
  /** Position of a slot's value, or undefined when the slot is absent (default value). */
  slot(table: number, index: number): number | undefined {
    const vt = this.vtable(table);
    if (4 + 2 * index >= this.u16(vt)) return undefined;
    const at = this.u16(vt + 4 + 2 * index);
    return at === 0 ? undefined : table + at;
  }
  /** The object a slot's offset points to, or undefined when the slot is absent. */
  slotTarget(table: number, index: number): number | undefined {
    const pos = this.slot(table, index);
    return pos === undefined ? undefined : this.deref(pos);
  }
  vectorLength(vector: number, elementSize: number): number {
    const n = this.u32(vector);
    this.check(vector + 4, n * elementSize);
    return n;
  }
  /** The tables (or strings) a vector of offsets points to. */
  offsetVector(vector: number): number[] {
    const n = this.vectorLength(vector, 4);
    return Array.from({ length: n }, (_, i) => this.deref(vector + 4 + 4 * i));
  }
  string(pos: number): string {
    const n = this.u32(pos);
    this.check(pos + 4, n);
    return utf8Decoder.decode(this.bytes.subarray(pos + 4, pos + 4 + n));
  }
}

type TableField = { slot: number; target: number } | { slot: number; scalar: Uint8Array };

/**
 * Builds a FlatBuffer back to front, as the reference builder does: positions are distances from the buffer's
 * end, so an object's address is fixed the moment it is written and parents (written later) sit before children.
 */
class FbBuilder {
  private buf = new Uint8Array(256);
  private space = this.buf.length;

  /** Bytes written so far; also the position of the last object written, counted from the end. */
  used(): number {
    return this.buf.length - this.space;
  }
  private reserve(n: number): void {
    if (this.space >= n) return;
    const used = this.used();
    let size = this.buf.length;
    while (size - used < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.space), size - used);
    this.buf = next;
    this.space = size - used;
  }
  private view(n: number): DataView {
    this.reserve(n);
    this.space -= n;
    return new DataView(this.buf.buffer, this.space, n);
  }
  /** Zero padding so that after `additional` more bytes the position is a multiple of `align`. */
  prep(align: number, additional: number): void {
    const pad = -(this.used() + additional) & (align - 1);
    this.reserve(pad);
    this.space -= pad;
    this.buf.fill(0, this.space, this.space + pad);
  }
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.space -= bytes.length;
    this.buf.set(bytes, this.space);
  }
  u16(v: number): void {
    this.view(2).setUint16(0, v, true);
  }
  u32(v: number): void {
    this.view(4).setUint32(0, v, true);
  }
  /** A uoffset to an object already written (given by its `used()` position). */
  offsetTo(target: number): void {
    this.prep(4, 4);
    this.u32(this.used() + 4 - target);
  }
  string(text: string): number {
    const bytes = utf8Encoder.encode(text);
    this.prep(4, bytes.length + 1);
    this.raw(new Uint8Array(1));
    this.raw(bytes);
    this.u32(bytes.length);
    return this.used();
  }
  offsetVector(targets: readonly number[]): number {
    this.prep(4, 4 * targets.length);
    for (let i = targets.length - 1; i >= 0; i--) this.offsetTo(targets[i]!);
    this.u32(targets.length);
    return this.used();
  }
  structVector(structs: readonly Uint8Array[], size: number, align: number): number {
    this.prep(4, size * structs.length);
    this.prep(align, size * structs.length);
    for (let i = structs.length - 1; i >= 0; i--) this.raw(structs[i]!);
    this.u32(structs.length);
    return this.used();
  }
  /** A table with the given slots; larger values first so padding stays small. */
  table(fields: readonly TableField[]): number {
    const start = this.used();
    const width = (f: TableField): number => ('target' in f ? 4 : f.scalar.length);
    const at = new Map<number, number>();
    for (const f of [...fields].sort((a, b) => width(b) - width(a))) {
      if ('target' in f) this.offsetTo(f.target);
      else {
        this.prep(f.scalar.length, 0);
        this.raw(f.scalar);
      }
      at.set(f.slot, this.used());
    }
    this.prep(4, 4);
    this.u32(0); // soffset to the vtable, filled in below
    const table = this.used();
    const slots = fields.reduce((most, f) => (f.slot + 1 > most ? f.slot + 1 : most), 0);
    for (let s = slots - 1; s >= 0; s--) this.u16(at.has(s) ? table - at.get(s)! : 0);
    this.u16(table - start);
    this.u16(4 + 2 * slots);
    const vtable = this.used();
    new DataView(this.buf.buffer).setInt32(this.buf.length - table, vtable - table, true);
    return table;
  }
  /** The finished buffer, its root offset first; its length is a multiple of 8 so embedded 8-byte values stay aligned. */
  finish(root: number): Uint8Array {
    this.prep(8, 4);
    this.offsetTo(root);
    return this.buf.slice(this.space);
  }
}

/** An old FlatBuffer embedded at the end of a builder, so new tables can point into it. */
class Embedded {
  readonly reader: FbReader;
  private readonly end: number;
  constructor(
    readonly builder: FbBuilder,
    bytes: Uint8Array,
  ) {
    this.reader = new FbReader(bytes);
    // Padded to 8 at its end so its first byte lands on an 8-byte boundary of the finished buffer.
    builder.prep(8, bytes.length);
    builder.raw(bytes);
    this.end = builder.used();
  }
  /** The builder position of a byte of the old buffer. */
  at(pos: number): number {
    return this.end - pos;
  }

  /** A copy of an old table with some slots pointing elsewhere (`undefined` drops the slot). */
  copyTable(table: number, kinds: readonly SlotKind[], what: string, replace: ReadonlyMap<number, number | undefined>): number {
    const r = this.reader;
    for (let s = kinds.length; s < r.slotCount(table); s++) {
      if (r.slot(table, s) !== undefined) throw new CiftError('INPUT_INVALID', `Arrow ${what} has a field (slot ${s}) newer than cift knows; its metadata cannot be rewritten`);
    }
    const fields: TableField[] = [];
    kinds.forEach((kind, slot) => {
      if (replace.has(slot)) {
        const target = replace.get(slot);
        if (target !== undefined) fields.push({ slot, target });
        return;
      }
      const pos = r.slot(table, slot);
      if (pos === undefined) return;
      fields.push(kind === 'offset' ? { slot, target: this.at(r.deref(pos)) } : { slot, scalar: r.copy(pos, kind) });
    });
    return this.builder.table(fields);
  }

  keyValues(vector: number | undefined): KeyValue[] {
    if (vector === undefined) return [];
    const r = this.reader;
    return r.offsetVector(vector).map((kv) => {
      const key = r.slotTarget(kv, KEY_VALUE.key);
      const value = r.slotTarget(kv, KEY_VALUE.value);
      const entry: KeyValue = { key: key === undefined ? '' : r.string(key) };
      if (value !== undefined) entry.value = r.string(value);
      return entry;
    });
  }
}

function writeKeyValues(b: FbBuilder, entries: readonly KeyValue[]): number {
  const tables = entries.map((e) => {
    const value = e.value === undefined ? undefined : b.string(e.value);
    const key = b.string(e.key);
    const fields: TableField[] = [{ slot: KEY_VALUE.key, target: key }];
    if (value !== undefined) fields.push({ slot: KEY_VALUE.value, target: value });
    return b.table(fields);
  });
  return b.offsetVector(tables);
}

/** A new Schema table with the metadata merged in; fields without new metadata stay the old tables. */
function rebuildSchema(old: Embedded, schema: number, meta: FrameMetadata): number {
  const r = old.reader;
  const b = old.builder;
  const fieldsVector = r.slotTarget(schema, SCHEMA.fields);
  const fieldTables = fieldsVector === undefined ? [] : r.offsetVector(fieldsVector);
  const names = new Set<string>();
  const fieldTargets = fieldTables.map((field) => {
    const nameAt = r.slotTarget(field, FIELD.name);
    const name = nameAt === undefined ? '' : r.string(nameAt);
    names.add(name);
    const entries = meta.fields?.[name];
    if (!entries || Object.keys(entries).length === 0) return old.at(field);
    const merged = mergeKeyValues(old.keyValues(r.slotTarget(field, FIELD.custom_metadata)), entries);
    const kv = writeKeyValues(b, merged);
    return old.copyTable(field, FIELD_SLOTS, 'field', new Map([[FIELD.custom_metadata, kv]]));
  });
  for (const name of Object.keys(meta.fields ?? {})) {
    if (!names.has(name)) throw new CiftError('INPUT_INVALID', `metadata names column "${name}", which the Arrow schema does not have`);
  }
  const replace = new Map<number, number | undefined>([[SCHEMA.fields, b.offsetVector(fieldTargets)]]);
  if (meta.schema && Object.keys(meta.schema).length) {
    const merged = mergeKeyValues(old.keyValues(r.slotTarget(schema, SCHEMA.custom_metadata)), meta.schema);
    replace.set(SCHEMA.custom_metadata, writeKeyValues(b, merged));
  }
  return old.copyTable(schema, SCHEMA_SLOTS, 'schema', replace);
}

/** Re-raises anything a malformed buffer makes the reader throw (RangeError, bad UTF-8) as one CiftError line. */
function guarded<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof CiftError) throw e;
    throw corrupt(`${what}: ${(e as Error).message}`);
  }
}

/** A Schema message FlatBuffer (no framing) with the metadata merged into its schema. */
function rewriteSchemaMessage(message: Uint8Array, meta: FrameMetadata): Uint8Array {
  return guarded('schema message', () => {
    const b = new FbBuilder();
    const old = new Embedded(b, message);
    const root = old.reader.root();
    const headerTypeAt = old.reader.slot(root, MESSAGE.header_type);
    if (headerTypeAt === undefined || old.reader.u8(headerTypeAt) !== MESSAGE_HEADER_SCHEMA) throw corrupt('the first message is not a schema');
    const bodyAt = old.reader.slot(root, MESSAGE.bodyLength);
    if (bodyAt !== undefined && (old.reader.u32(bodyAt) !== 0 || old.reader.u32(bodyAt + 4) !== 0)) throw corrupt('the schema message has a body');
    const schema = old.reader.slotTarget(root, MESSAGE.header);
    if (schema === undefined) throw corrupt('the schema message has no schema');
    const newSchema = rebuildSchema(old, schema, meta);
    return b.finish(old.copyTable(root, MESSAGE_SLOTS, 'message', new Map([[MESSAGE.header, newSchema]])));
  });
}

interface FramedMessage {
  /** The message FlatBuffer. */
  flatbuffer: Uint8Array;
  /** Whether it was preceded by the 0xFFFFFFFF continuation marker (format ≥ 0.15). */
  continuation: boolean;
  /** Offset just past the framed message (the schema message has no body). */
  end: number;
}

function readFramedMessage(bytes: Uint8Array, at: number): FramedMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + 8 > bytes.length) throw corrupt(`no message at byte ${at}`);
  const continuation = view.getUint32(at, true) === CONTINUATION;
  const lengthAt = continuation ? at + 4 : at;
  const length = view.getInt32(lengthAt, true);
  const start = lengthAt + 4;
  if (length <= 0 || start + length > bytes.length) throw corrupt(`message at byte ${at} claims ${length} bytes`);
  return { flatbuffer: bytes.subarray(start, start + length), continuation, end: start + length };
}

function frameMessage(flatbuffer: Uint8Array, continuation: boolean): Uint8Array {
  // The FlatBuffer's length is a multiple of 8 (FbBuilder.finish), so the framed message keeps 8-byte alignment.
  const prefix = Buffer.alloc(continuation ? 8 : 4);
  if (continuation) prefix.writeUInt32LE(CONTINUATION, 0);
  prefix.writeInt32LE(flatbuffer.length, continuation ? 4 : 0);
  return Buffer.concat([prefix, flatbuffer]);
}

/**
 * An encapsulated Arrow schema message (as in an IPC stream's start, or Parquet's decoded "ARROW:schema") with
 * the metadata merged in: `schema` entries into the schema's custom_metadata, `fields` entries into each named
 * field's. An existing key takes the new value in place; other entries are kept.
 */
export function withSchemaMessageMetadata(framed: Uint8Array, meta: FrameMetadata): Uint8Array {
  const message = readFramedMessage(framed, 0);
  return frameMessage(rewriteSchemaMessage(message.flatbuffer, meta), message.continuation);
}

/**
 * An Arrow IPC file with the metadata merged into its schema, both in the leading schema message and in the
 * footer; record batches and dictionaries are copied byte for byte and the footer's block offsets shifted.
 */
export function withArrowFileMetadata(file: Uint8Array, meta: FrameMetadata): Uint8Array {
  const text = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 8 + 10 || text.toString('latin1', 0, 6) !== FILE_MAGIC || text.toString('latin1', file.length - 6) !== FILE_MAGIC) {
    throw corrupt('not an Arrow IPC file (no "ARROW1" at both ends)');
  }
  const footerLength = text.readInt32LE(file.length - 10);
  const footerStart = file.length - 10 - footerLength;
  const schemaMessage = readFramedMessage(file, 8);
  if (footerLength <= 0 || footerStart < schemaMessage.end) throw corrupt(`footer length ${footerLength} does not fit the file`);

  const newMessage = frameMessage(rewriteSchemaMessage(schemaMessage.flatbuffer, meta), schemaMessage.continuation);
  const shift = newMessage.length - (schemaMessage.end - 8);
  const footer = guarded('footer', () => {
    const b = new FbBuilder();
    const old = new Embedded(b, file.subarray(footerStart, footerStart + footerLength));
    const r = old.reader;
    const root = r.root();
    const schema = r.slotTarget(root, FOOTER.schema);
    if (schema === undefined) throw corrupt('the footer has no schema');
    const replace = new Map<number, number | undefined>();
    for (const slot of [FOOTER.dictionaries, FOOTER.recordBatches]) {
      const vector = r.slotTarget(root, slot);
      if (vector === undefined) continue;
      const n = r.vectorLength(vector, BLOCK_SIZE);
      const blocks = Array.from({ length: n }, (_, i) => {
        const block = r.copy(vector + 4 + BLOCK_SIZE * i, BLOCK_SIZE);
        const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
        view.setBigInt64(0, view.getBigInt64(0, true) + BigInt(shift), true);
        return block;
      });
      replace.set(slot, b.structVector(blocks, BLOCK_SIZE, 8));
    }
    replace.set(FOOTER.schema, rebuildSchema(old, schema, meta));
    return b.finish(old.copyTable(root, FOOTER_SLOTS, 'footer', replace));
  });
  const length = Buffer.alloc(4);
  length.writeInt32LE(footer.length);
  return Buffer.concat([file.subarray(0, 8), newMessage, file.subarray(schemaMessage.end, footerStart), footer, length, Buffer.from(FILE_MAGIC, 'latin1')]);
}
