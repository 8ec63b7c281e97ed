/**
 * A source is identified by what it yields, not where it came from: the same rows ingested from a copy, a moved
 * file or a second download are the same source, so they replace each other instead of doubling every bar.
 * The id hashes kind, symbol, and each row's ts and values in order. `seq` (a row's position in its file) is left
 * out: it says how a file was laid out, not what it holds.
 */
import { createHash } from 'node:crypto';
import type pl from 'nodejs-polars';
import type { Polars } from '../../polars.js';
import { frameValueColumns, valueColumnsOf, type TickBatch, type TickKind } from '../../schema.js';

const bytesOf = (a: BigInt64Array | Float64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function contentId(kind: TickKind, symbol: string, ts: BigInt64Array, values: Record<string, Float64Array>): string {
  const h = createHash('sha256');
  h.update(`cift-source-v1\n${kind}\n${symbol}\n${ts.length}\n`);
  h.update(bytesOf(ts));
  for (const name of valueColumnsOf({ kind, values })) {
    h.update(`\n${name}\n`);
    h.update(bytesOf(values[name]));
  }
  return h.digest('hex').slice(0, 16);
}

export const batchContentId = (b: TickBatch): string => contentId(b.kind, b.symbol, b.ts, b.values);

/** The content id of stored rows (a frame in ts, seq order with the canonical columns). */
export function frameContentId(polars: Polars, kind: TickKind, symbol: string, frame: pl.DataFrame): string {
  const ts = frame.getColumn('ts').cast(polars.Int64).toTypedArray() as BigInt64Array;
  const values: Record<string, Float64Array> = {};
  // A book's empty levels are stored as null and hashed as the NaN its batch held, so a repair finds the same id.
  for (const name of frameValueColumns(kind, frame.columns)) values[name] = frame.select(polars.col(name).cast(polars.Float64).fillNull(polars.lit(NaN))).getColumn(name).toTypedArray() as Float64Array;
  return contentId(kind, symbol, ts, values);
}
