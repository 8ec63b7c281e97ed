/**
 * Readers of Parquet footers and Arrow schemas that share no code with src/io: a Thrift compact decoder and a
 * FlatBuffers walker written from the format specs (parquet.thrift's FileMetaData/KeyValue; Arrow's Schema.fbs,
 * Message.fbs, File.fbs). Used by the export tests to check what a file says about itself.
 */
import { expect } from 'vitest';

// ── an independent Thrift compact decoder (thrift-compact-protocol.md) ─────────────────────────────────────────
export type Thrift = boolean | number | bigint | Buffer | Thrift[] | Map<number, Thrift> | Array<[Thrift, Thrift]>;

export function decodeThrift(buf: Buffer, start: number): { struct: Map<number, Thrift>; end: number } {
  let pos = start;
  const uvarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  const zigzag = (): bigint => {
    const n = uvarint();
    return (n >> 1n) ^ -(n & 1n);
  };
  const value = (type: number, inList: boolean): Thrift => {
    switch (type) {
      case 1:
      case 2:
        return inList ? buf[pos++] === 1 : type === 1;
      case 3:
        return buf.readInt8(pos++);
      case 4:
      case 5:
        return Number(zigzag());
      case 6:
        return zigzag();
      case 7:
        pos += 8;
        return buf.readDoubleLE(pos - 8);
      case 8: {
        const n = Number(uvarint());
        pos += n;
        return buf.subarray(pos - n, pos);
      }
      case 9:
      case 10: {
        const h = buf[pos++]!;
        const n = h >> 4 === 15 ? Number(uvarint()) : h >> 4;
        return Array.from({ length: n }, () => value(h & 15, true));
      }
      case 11: {
        const n = Number(uvarint());
        if (n === 0) return [];
        const kv = buf[pos++]!;
        return Array.from({ length: n }, () => [value(kv >> 4, true), value(kv & 15, true)] as [Thrift, Thrift]);
      }
      case 12:
        return struct();
      default:
        throw new Error(`thrift type ${type}`);
    }
  };
  const struct = (): Map<number, Thrift> => {
    const out = new Map<number, Thrift>();
    let id = 0;
    for (;;) {
      const h = buf[pos++]!;
      if (h === 0) return out;
      id = h >> 4 ? id + (h >> 4) : Number(zigzag());
      out.set(id, value(h & 15, false));
    }
  };
  const s = struct();
  return { struct: s, end: pos };
}

export interface ParquetFooter {
  fileMetaData: Map<number, Thrift>;
  /** Bytes before FileMetaData: "PAR1" and the data pages. */
  body: Buffer;
  keyValues: Array<{ key: string; value?: string }>;
}

export function parquetFooter(file: Buffer): ParquetFooter {
  expect(file.toString('latin1', 0, 4)).toBe('PAR1');
  expect(file.toString('latin1', file.length - 4)).toBe('PAR1');
  const length = file.readUInt32LE(file.length - 8);
  const start = file.length - 8 - length;
  const { struct, end } = decodeThrift(file, start);
  expect(end).toBe(file.length - 8);
  const kv = (struct.get(5) as Array<Map<number, Thrift>> | undefined) ?? [];
  const keyValues = kv.map((m) => {
    const entry: { key: string; value?: string } = { key: (m.get(1) as Buffer).toString('utf8') };
    if (m.has(2)) entry.value = (m.get(2) as Buffer).toString('utf8');
    return entry;
  });
  return { fileMetaData: struct, body: file.subarray(0, start), keyValues };
}

// ── an independent FlatBuffers walker for Arrow's schema (Schema.fbs, Message.fbs, File.fbs) ──────────────────
export interface ArrowSchema {
  metadata: Record<string, string>;
  fields: Array<{ name: string; metadata: Record<string, string> }>;
}

export function fb(buf: Buffer) {
  const field = (table: number, slot: number): number | undefined => {
    const vtable = table - buf.readInt32LE(table);
    if (4 + 2 * slot >= buf.readUInt16LE(vtable)) return undefined;
    const at = buf.readUInt16LE(vtable + 4 + 2 * slot);
    return at ? table + at : undefined;
  };
  const ref = (pos: number): number => pos + buf.readUInt32LE(pos);
  const child = (table: number, slot: number): number | undefined => {
    const at = field(table, slot);
    return at === undefined ? undefined : ref(at);
  };
  const str = (pos: number): string => buf.toString('utf8', pos + 4, pos + 4 + buf.readUInt32LE(pos));
  const tables = (vector: number | undefined): number[] => (vector === undefined ? [] : Array.from({ length: buf.readUInt32LE(vector) }, (_, i) => ref(vector + 4 + 4 * i)));
  const keyValues = (vector: number | undefined): Record<string, string> => Object.fromEntries(tables(vector).map((kv) => [str(child(kv, 0)!), str(child(kv, 1)!)]));
  const schema = (table: number): ArrowSchema => ({
    metadata: keyValues(child(table, 2)),
    fields: tables(child(table, 1)).map((f) => ({ name: str(child(f, 0)!), metadata: keyValues(child(f, 6)) })),
  });
  return { field, ref, child, schema, root: ref(0) };
}

/** The schema in a framed IPC message (continuation marker, length, Message) and the message's header type. */
export function messageAt(buf: Buffer, at: number): { headerType: number; schema?: ArrowSchema } {
  expect(buf.readUInt32LE(at)).toBe(0xffffffff);
  const length = buf.readInt32LE(at + 4);
  const r = fb(buf.subarray(at + 8, at + 8 + length));
  const headerType = buf.subarray(at + 8, at + 8 + length)[r.field(r.root, 1)!]!;
  return headerType === 1 ? { headerType, schema: r.schema(r.child(r.root, 2)!) } : { headerType };
}

export function arrowFile(file: Buffer): { footerSchema: ArrowSchema; messageSchema: ArrowSchema; batchHeaderTypes: number[] } {
  expect(file.toString('latin1', 0, 6)).toBe('ARROW1');
  expect(file.toString('latin1', file.length - 6)).toBe('ARROW1');
  const length = file.readInt32LE(file.length - 10);
  const footer = file.subarray(file.length - 10 - length, file.length - 10);
  const r = fb(footer);
  const blocks = (slot: number): number[] => {
    const v = r.child(r.root, slot);
    return v === undefined ? [] : Array.from({ length: footer.readUInt32LE(v) }, (_, i) => Number(footer.readBigInt64LE(v + 4 + 24 * i)));
  };
  return {
    footerSchema: r.schema(r.child(r.root, 1)!),
    messageSchema: messageAt(file, 8).schema!,
    // Each block must land on a message: dictionary batches are header type 2, record batches 3.
    batchHeaderTypes: [...blocks(2), ...blocks(3)].map((offset) => messageAt(file, offset).headerType),
  };
}

export function arrowSchemaInParquet(keyValues: Array<{ key: string; value?: string }>): ArrowSchema {
  const encoded = keyValues.find((e) => e.key === 'ARROW:schema')?.value;
  expect(encoded).toBeDefined();
  return messageAt(Buffer.from(encoded!, 'base64'), 0).schema!;
}

