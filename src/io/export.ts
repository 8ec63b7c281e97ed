/**
 * Frames → files or text: CSV, JSON, Parquet, Arrow IPC. Timestamps leave as ISO-8601 UTC strings in CSV/JSON
 * and as Datetime('ns') in Parquet/Arrow; NaN and null are an empty CSV cell and JSON null.
 *
 * Parquet and Arrow can also carry key/value metadata (FrameMetadata), which nodejs-polars cannot write: the
 * bytes polars writes are patched. In Parquet, `schema` entries go into the footer's key_value_metadata (what any
 * Parquet reader lists) and, with the per-column `fields` entries, into the Arrow schema stored under
 * "ARROW:schema" (what pyarrow and polars turn into schema and field metadata). In Arrow IPC both go into the
 * schema's custom_metadata and each field's. CSV and JSON have no place for it and ignore it.
 */
import type pl from 'nodejs-polars';
import { extname } from 'node:path';
import { CiftError } from '../errors.js';
import type { Polars } from '../polars.js';
import { isoTimestamps } from '../ns-times.js';

/** The column formatter lives with NsTimes (the backtest's trade records use it too); exported here as before. */
export { isoTimestamps };
import { withArrowFileMetadata, withSchemaMessageMetadata } from './arrow-schema-metadata.js';
import { writeAtomically, writeFileAtomic } from './atomic.js';
import { isEmptyMetadata, mergeKeyValues, type FrameMetadata } from './key-value-metadata.js';
import { rewriteParquetKeyValues } from './parquet-footer.js';
import { checkOutputPath, writeFailure } from './output-path.js';

export const EXPORT_FORMATS = ['csv', 'json', 'parquet', 'arrow'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function parseExportFormat(text: string): ExportFormat {
  const f = text.toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) {
    throw new CiftError('USAGE', `--export "${text}" is not a format`, `use one of ${EXPORT_FORMATS.join(', ')}`);
  }
  return f as ExportFormat;
}

/** The format a path's extension implies, if any. */
export function formatFromPath(path: string): ExportFormat | undefined {
  const ext = extname(path).toLowerCase().slice(1);
  if (ext === 'pq') return 'parquet';
  if (ext === 'ipc' || ext === 'feather') return 'arrow';
  return (EXPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ExportFormat) : undefined;
}

/** Column values as JS values: ts as ISO strings, NaN as null. One pass per column, no per-cell frame access. */
export function frameColumns(polars: Polars, frame: pl.DataFrame): Array<{ name: string; values: Array<string | number | null> }> {
  return frame.columns.map((name) => {
    const s = frame.getColumn(name);
    const variant = s.dtype.variant;
    if (variant === 'Datetime') {
      const ns = s.cast(polars.Datetime('ns')).cast(polars.Int64);
      const nullAt = new Set((ns.isNull().argTrue().toArray() as number[]));
      const raw = nullAt.size ? (ns.fillNull('zero').toTypedArray() as BigInt64Array) : (ns.toTypedArray() as BigInt64Array);
      const iso = isoTimestamps(raw);
      return { name, values: nullAt.size ? iso.map((v, i) => (nullAt.has(i) ? null : v)) : iso };
    }
    if (s.isNumeric()) {
      const nullAt = s.isNull().argTrue();
      const values = (nullAt.length ? s.cast(polars.Float64).fillNull('zero') : s.cast(polars.Float64)).toTypedArray() as Float64Array;
      const out: Array<number | null> = Array.from(values, (v) => (Number.isNaN(v) ? null : v));
      for (const i of nullAt.toArray() as number[]) out[i] = null;
      return { name, values: out };
    }
    return { name, values: (s.toArray() as unknown[]).map((v) => (v === null || v === undefined ? null : String(v))) };
  });
}

const csvCell = (v: string | number | null): string => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

/** One column's CSV cells: ts as ISO strings, numbers as JS prints them, null and NaN as an empty cell. */
function csvCells(polars: Polars, frame: pl.DataFrame, name: string): string[] {
  const s = frame.getColumn(name);
  if (!s.isNumeric()) return frameColumns(polars, frame.select(name))[0].values.map(csvCell);
  // One typed array with nulls as NaN (a single polars expression), then one string per cell: no boxed
  // intermediate array and no per-row array of cells.
  const x = s.nullCount() ? frame.select(polars.col(name).cast(polars.Float64).fillNull(polars.lit(NaN))).getColumn(name) : s.cast(polars.Float64);
  const values = x.toTypedArray() as Float64Array;
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === v ? String(v) : '';
  }
  return out;
}

export function frameToCsv(polars: Polars, frame: pl.DataFrame): string {
  const cols = frame.columns.map((name) => csvCells(polars, frame, name));
  const lines = new Array<string>(frame.height + 1);
  lines[0] = frame.columns.map(csvCell).join(',');
  const width = cols.length;
  for (let i = 0; i < frame.height; i++) {
    let line = cols[0][i];
    for (let k = 1; k < width; k++) line += `,${cols[k][i]}`;
    lines[i + 1] = line;
  }
  return `${lines.join('\n')}\n`;
}

export function frameToRecords(polars: Polars, frame: pl.DataFrame): Array<Record<string, string | number | null>> {
  const cols = frameColumns(polars, frame);
  const out = new Array(frame.height);
  for (let i = 0; i < frame.height; i++) {
    const rec: Record<string, string | number | null> = {};
    for (const c of cols) rec[c.name] = c.values[i];
    out[i] = rec;
  }
  return out;
}

/** Text of a CSV or JSON export (for stdout). */
export function frameToText(polars: Polars, frame: pl.DataFrame, format: ExportFormat): string {
  if (format === 'csv') return frameToCsv(polars, frame);
  if (format === 'json') return `${JSON.stringify(frameToRecords(polars, frame))}\n`;
  throw new CiftError('USAGE', `--export ${format} writes binary data`, 'give --out FILE or pipe the output');
}

export type { FrameMetadata } from './key-value-metadata.js';

/** The Parquet footer key under which Arrow writers (polars, pyarrow) store the Arrow schema, base64-encoded. */
const ARROW_SCHEMA_KEY = 'ARROW:schema';

function checkMetadataColumns(frame: pl.DataFrame, metadata: FrameMetadata): void {
  const columns = new Set(frame.columns);
  for (const name of Object.keys(metadata.fields ?? {})) {
    if (!columns.has(name)) throw new CiftError('INPUT_INVALID', `metadata names column "${name}", which the frame does not have`, `columns: ${frame.columns.join(', ')}`);
  }
}

/** Parquet bytes with the metadata in the footer and in its stored Arrow schema. */
export function withParquetMetadata(file: Uint8Array, metadata: FrameMetadata): Uint8Array {
  return rewriteParquetKeyValues(file, (existing) => {
    const hasFieldEntries = Object.values(metadata.fields ?? {}).some((entries) => Object.keys(entries).length > 0);
    if (hasFieldEntries && !existing.some((e) => e.key === ARROW_SCHEMA_KEY && e.value !== undefined)) {
      // Parquet has no per-column key/value metadata of its own; it lives only in the stored Arrow schema.
      throw new CiftError('INPUT_INVALID', `Parquet file has no ${ARROW_SCHEMA_KEY} entry to hold per-column metadata`);
    }
    const entries = existing.map((e) => {
      if (e.key !== ARROW_SCHEMA_KEY || e.value === undefined) return e;
      const schema = withSchemaMessageMetadata(Buffer.from(e.value, 'base64'), metadata);
      return { key: e.key, value: Buffer.from(schema).toString('base64') };
    });
    return mergeKeyValues(entries, metadata.schema ?? {});
  });
}

/** Parquet or Arrow IPC bytes of a frame (for stdout when it is not a terminal), with optional metadata. */
export function frameToBytes(frame: pl.DataFrame, format: 'parquet' | 'arrow', metadata?: FrameMetadata): Uint8Array {
  const bytes = format === 'parquet' ? frame.writeParquet({ compression: 'zstd' }) : frame.writeIPC();
  if (isEmptyMetadata(metadata)) return bytes;
  checkMetadataColumns(frame, metadata!);
  return format === 'parquet' ? withParquetMetadata(bytes, metadata!) : withArrowFileMetadata(bytes, metadata!);
}

/**
 * Writes a frame to `path` atomically in the given format, into a folder that must already exist. `metadata`
 * goes into Parquet and Arrow files (see the module comment); a file whose metadata cannot be written is not
 * written at all.
 */
export function writeFrame(polars: Polars, frame: pl.DataFrame, format: ExportFormat, path: string, metadata?: FrameMetadata): void {
  checkOutputPath(path);
  try {
    if ((format === 'parquet' || format === 'arrow') && !isEmptyMetadata(metadata)) writeFileAtomic(path, frameToBytes(frame, format, metadata));
    else if (format === 'parquet') writeAtomically(path, (temp) => frame.writeParquet(temp, { compression: 'zstd' }));
    else if (format === 'arrow') writeAtomically(path, (temp) => frame.writeIPC(temp));
    else writeFileAtomic(path, frameToText(polars, frame, format));
  } catch (e) {
    throw writeFailure(e, path);
  }
}
