/**
 * Key/value metadata in exported Parquet and Arrow IPC files. Every check reads the file back through a reader
 * that shares no code with the writer: a Thrift compact decoder and a FlatBuffers walker written here from the
 * format specs (parquet.thrift's FileMetaData/KeyValue; Arrow's Schema.fbs, Message.fbs, File.fbs), and polars'
 * own readParquet/readIPC for the data. Expected values are the literals the frames are built from.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { CiftError } from '../../src/errors.js';
import { frameToBytes, withParquetMetadata, writeFrame, type FrameMetadata } from '../../src/io/export.js';
import { withArrowFileMetadata } from '../../src/io/arrow-schema-metadata.js';
import { rewriteParquetKeyValues } from '../../src/io/parquet-footer.js';
import { tempDir, thrownBy } from '../helpers.js';
import { arrowFile, arrowSchemaInParquet, parquetFooter, type Thrift } from './format-readers.js';

const tmp = tempDir('cift-export-meta-');
afterAll(tmp.cleanup);

// ── frames ───────────────────────────────────────────────────────────────────────────────────────────────────
const TS_NS = [1_700_000_000_000_000_000n, 1_700_000_000_000_000_001n, 1_700_000_060_000_000_000n];

function sampleFrame(): pl.DataFrame {
  return pl.DataFrame([
    pl.Series('ts', TS_NS as unknown as number[]).cast(pl.Datetime('ns')),
    pl.Series('mlofi_5_l1', [1.5, null, Number.NaN], pl.Float64),
    pl.Series('label', ['a', null, 'c,"d"']),
  ]);
}

/** The sample frame's data, checked against the literals it was built from. */
function expectSampleData(frame: pl.DataFrame): void {
  expect(frame.columns).toEqual(['ts', 'mlofi_5_l1', 'label']);
  expect(frame.dtypes.map(String)).toEqual(sampleFrame().dtypes.map(String));
  expect(Array.from(frame.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array)).toEqual(TS_NS);
  const x = frame.getColumn('mlofi_5_l1').toArray() as Array<number | null>;
  expect(x[0]).toBe(1.5);
  expect(x[1]).toBeNull();
  expect(Number.isNaN(x[2])).toBe(true);
  expect(frame.getColumn('label').toArray()).toEqual(['a', null, 'c,"d"']);
}

const FEATURE_META: FrameMetadata = {
  schema: { 'cift.features': JSON.stringify({ set: ['mlofi:5'], target: 'fwd_ret:10' }) },
  fields: { mlofi_5_l1: { 'cift.kernel': 'mlofi', 'cift.params': '{"levels":5}', 'cift.warmup': '1', 'cift.target': 'false' } },
};

describe('Parquet export with metadata', () => {
  const plain = Buffer.from(sampleFrame().writeParquet({ compression: 'zstd' }));
  const path = join(tmp.dir, 'features.parquet');
  writeFrame(pl, sampleFrame(), 'parquet', path, FEATURE_META);
  const file = readFileSync(path);

  it('puts the schema entries in the footer key/value metadata, next to the ARROW:schema polars wrote', () => {
    const { keyValues } = parquetFooter(file);
    expect(parquetFooter(plain).keyValues.map((e) => e.key)).toEqual(['ARROW:schema']);
    expect(keyValues.map((e) => e.key)).toEqual(['ARROW:schema', 'cift.features']);
    expect(keyValues[1]!.value).toBe('{"set":["mlofi:5"],"target":"fwd_ret:10"}');
  });

  it('puts the schema and per-column entries in the stored Arrow schema, other columns untouched', () => {
    const schema = arrowSchemaInParquet(parquetFooter(file).keyValues);
    expect(schema.metadata).toEqual({ 'cift.features': '{"set":["mlofi:5"],"target":"fwd_ret:10"}' });
    expect(schema.fields).toEqual([
      { name: 'ts', metadata: {} },
      { name: 'mlofi_5_l1', metadata: { 'cift.kernel': 'mlofi', 'cift.params': '{"levels":5}', 'cift.warmup': '1', 'cift.target': 'false' } },
      { name: 'label', metadata: {} },
    ]);
  });

  it('leaves the data pages and every other footer field as polars wrote them', () => {
    const before = parquetFooter(plain);
    const after = parquetFooter(file);
    expect(after.body.equals(before.body)).toBe(true);
    const others = (m: Map<number, Thrift>) => [...m].filter(([id]) => id !== 5);
    expect(others(after.fileMetaData)).toEqual(others(before.fileMetaData));
  });

  it('reads back in polars with the same columns, dtypes and values (nulls, NaN, ns timestamps)', () => {
    expectSampleData(pl.readParquet(file));
  });

  it('replaces an existing key in place and keeps the others', () => {
    const again = Buffer.from(withParquetMetadata(file, { schema: { 'cift.features': 'v2', extra: 'e' }, fields: { mlofi_5_l1: { 'cift.warmup': '7' }, label: { note: 'x' } } }));
    const { keyValues } = parquetFooter(again);
    expect(keyValues.map((e) => [e.key, e.key === 'ARROW:schema' ? '…' : e.value])).toEqual([
      ['ARROW:schema', '…'],
      ['cift.features', 'v2'],
      ['extra', 'e'],
    ]);
    const schema = arrowSchemaInParquet(keyValues);
    expect(schema.metadata).toEqual({ 'cift.features': 'v2', extra: 'e' });
    expect(Object.entries(schema.fields[1]!.metadata)).toEqual([
      ['cift.kernel', 'mlofi'],
      ['cift.params', '{"levels":5}'],
      ['cift.warmup', '7'],
      ['cift.target', 'false'],
    ]);
    expect(schema.fields[2]!.metadata).toEqual({ note: 'x' });
    expectSampleData(pl.readParquet(again));
  });

  it('adds key/value metadata to a footer that has none, and refuses per-column entries with no Arrow schema to hold them', () => {
    const bare = Buffer.from(rewriteParquetKeyValues(plain, () => []));
    expect(parquetFooter(bare).fileMetaData.has(5)).toBe(false);
    const withSchemaOnly = Buffer.from(withParquetMetadata(bare, { schema: { a: 'b' } }));
    expect(parquetFooter(withSchemaOnly).keyValues).toEqual([{ key: 'a', value: 'b' }]);
    const others = (m: Map<number, Thrift>) => [...m].filter(([id]) => id !== 5);
    expect(others(parquetFooter(withSchemaOnly).fileMetaData)).toEqual(others(parquetFooter(bare).fileMetaData));
    expect(pl.readParquet(withSchemaOnly).getColumn('label').toArray()).toEqual(['a', null, 'c,"d"']);
    expect(thrownBy(() => withParquetMetadata(bare, FEATURE_META)).message).toContain('no ARROW:schema entry');
  });

  it('writes long lists and long values (multi-byte Thrift varints and list sizes)', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'é'.repeat(200 + i)]));
    const bytes = Buffer.from(frameToBytes(sampleFrame(), 'parquet', { schema: many }));
    const { keyValues } = parquetFooter(bytes);
    expect(keyValues).toHaveLength(41);
    expect(keyValues[40]).toEqual({ key: 'k39', value: 'é'.repeat(239) });
    expectSampleData(pl.readParquet(bytes));
  });
});

describe('Arrow IPC export with metadata', () => {
  const path = join(tmp.dir, 'features.arrow');
  writeFrame(pl, sampleFrame(), 'arrow', path, FEATURE_META);
  const file = readFileSync(path);

  it('puts the metadata in the schema of both the leading message and the footer', () => {
    const { footerSchema, messageSchema, batchHeaderTypes } = arrowFile(file);
    const expected: ArrowSchema = {
      metadata: { 'cift.features': '{"set":["mlofi:5"],"target":"fwd_ret:10"}' },
      fields: [
        { name: 'ts', metadata: {} },
        { name: 'mlofi_5_l1', metadata: { 'cift.kernel': 'mlofi', 'cift.params': '{"levels":5}', 'cift.warmup': '1', 'cift.target': 'false' } },
        { name: 'label', metadata: {} },
      ],
    };
    expect(footerSchema).toEqual(expected);
    expect(messageSchema).toEqual(expected);
    expect(batchHeaderTypes).toEqual([3]);
  });

  it('reads back in polars with the same columns, dtypes and values', () => {
    expectSampleData(pl.readIPC(file));
  });

  it('shifts the footer blocks of several record batches and dictionary batches', () => {
    const chunk = pl.DataFrame([pl.Series('c', ['u', 'v', 'u']).cast(pl.Categorical), pl.Series('n', [1, 2, 3], pl.Float64)]);
    const frame = chunk.vstack(chunk);
    const plain = Buffer.from(frame.writeIPC());
    const plainCopy = Buffer.from(plain);
    const bytes = Buffer.from(withArrowFileMetadata(plain, { schema: { k: 'v' }, fields: { n: { unit: 'shares' } } }));
    expect(plain.equals(plainCopy)).toBe(true); // the input is read, never patched in place
    const { footerSchema, batchHeaderTypes } = arrowFile(bytes);
    expect(footerSchema.fields.map((f) => [f.name, f.metadata.unit])).toEqual([
      ['c', undefined],
      ['n', 'shares'],
    ]);
    expect(batchHeaderTypes.filter((t) => t === 3)).toHaveLength(2);
    const back = pl.readIPC(bytes);
    expect(back.getColumn('c').cast(pl.String).toArray()).toEqual(['u', 'v', 'u', 'u', 'v', 'u']);
    expect(back.getColumn('n').toArray()).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('replaces an existing key in place and keeps the others', () => {
    const again = Buffer.from(withArrowFileMetadata(file, { schema: { 'cift.features': 'v2' }, fields: { mlofi_5_l1: { 'cift.target': 'true' } } }));
    const { footerSchema, messageSchema } = arrowFile(again);
    expect(footerSchema).toEqual(messageSchema);
    expect(footerSchema.metadata).toEqual({ 'cift.features': 'v2' });
    expect(Object.entries(footerSchema.fields[1]!.metadata)).toEqual([
      ['cift.kernel', 'mlofi'],
      ['cift.params', '{"levels":5}'],
      ['cift.warmup', '1'],
      ['cift.target', 'true'],
    ]);
    expectSampleData(pl.readIPC(again));
  });
});

describe('metadata that cannot be written', () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

  it('a corrupt Parquet footer is a one-line error and no file, and an existing file is kept', () => {
    const frame = sampleFrame();
    const good = Buffer.from(frame.writeParquet({ compression: 'zstd' }));
    const bad = Buffer.from(good);
    bad.writeUInt32LE(good.length * 2, good.length - 8); // a footer length longer than the file
    const truncated = Buffer.concat([good.subarray(0, good.length - 8 - 5), good.subarray(good.length - 8)]);
    truncated.writeUInt32LE(good.readUInt32LE(good.length - 8) - 5, truncated.length - 8); // FileMetaData cut short
    for (const corrupt of [bad, truncated]) {
      const e = thrownBy(() => withParquetMetadata(corrupt, FEATURE_META));
      expect(e).toBeInstanceOf(CiftError);
      expect(e.code).toBe('INPUT_INVALID');
      expect(e.message).toMatch(/^Parquet footer is corrupt: [^\n]+$/);
    }

    const target = join(tmp.dir, 'kept.parquet');
    writeFileSync(target, 'old content');
    // A frame whose polars writer hands back bytes with that broken footer (polars' frames are proxies: no spyOn).
    const broken = { columns: frame.columns, writeParquet: () => truncated } as unknown as pl.DataFrame;
    const e = thrownBy(() => writeFrame(pl, broken, 'parquet', target, FEATURE_META));
    expect(e).toBeInstanceOf(CiftError);
    expect(readFileSync(target, 'utf8')).toBe('old content');
    expect(existsSync(join(tmp.dir, 'new.parquet'))).toBe(false);
    expect(thrownBy(() => writeFrame(pl, broken, 'parquet', join(tmp.dir, 'new.parquet'), FEATURE_META))).toBeInstanceOf(CiftError);
    expect(existsSync(join(tmp.dir, 'new.parquet'))).toBe(false);
    expect(leftovers(tmp.dir)).toEqual([]);
  });

  it('a corrupt Arrow footer is a one-line error', () => {
    const good = Buffer.from(sampleFrame().writeIPC());
    const bad = Buffer.from(good);
    const footerStart = good.length - 10 - good.readInt32LE(good.length - 10);
    bad.writeInt32LE(0x7fff0000, footerStart + 4); // the root table's vtable offset points far outside the footer
    const e = thrownBy(() => withArrowFileMetadata(bad, FEATURE_META));
    expect(e).toBeInstanceOf(CiftError);
    expect(e.message).toMatch(/^Arrow IPC data is corrupt: [^\n]+$/);
    expect(thrownBy(() => withArrowFileMetadata(good.subarray(0, 40), FEATURE_META)).message).toMatch(/^Arrow IPC data is corrupt/);
  });

  it('metadata for a column the frame does not have is an error, not a silent no-op', () => {
    const path = join(tmp.dir, 'typo.arrow');
    const e = thrownBy(() => writeFrame(pl, sampleFrame(), 'arrow', path, { fields: { mlofi_5_l9: { a: 'b' } } }));
    expect(e.message).toContain('mlofi_5_l9');
    expect(existsSync(path)).toBe(false);
  });

  it('CSV ignores the metadata', () => {
    const withMeta = join(tmp.dir, 'with.csv');
    const without = join(tmp.dir, 'without.csv');
    writeFrame(pl, sampleFrame(), 'csv', withMeta, FEATURE_META);
    writeFrame(pl, sampleFrame(), 'csv', without);
    expect(readFileSync(withMeta, 'utf8')).toBe(readFileSync(without, 'utf8'));
  });
});
