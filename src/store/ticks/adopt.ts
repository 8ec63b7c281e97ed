/**
 * Taking data files written under other names into the catalog (the per-source manifests of the store's first
 * format, or files a repair finds): read them, compute the content id, and hard-link each under its catalog name.
 * Linking (not copying) costs no space, and the old names stay until the new catalog is committed.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type pl from 'nodejs-polars';
import type { Polars } from '../../polars.js';
import type { TickKind } from '../../schema.js';
import type { CatalogFile } from './catalog.js';
import { frameContentId } from './content-id.js';
import { dataFileName, type WriterToken } from './names.js';
import { step, storeFs } from './steps.js';

export interface ReadPart {
  name: string;
  frame: pl.DataFrame;
  first: bigint;
  last: bigint;
}

/** Reads one data file; throws (polars' error) when it is damaged. */
export function readPart(polars: Polars, dir: string, name: string): ReadPart {
  const frame = polars.readParquet(join(dir, name));
  const ts = frame.getColumn('ts').cast(polars.Int64).toTypedArray() as BigInt64Array;
  if (ts.length === 0) return { name, frame, first: 0n, last: 0n };
  return { name, frame, first: ts[0], last: ts[ts.length - 1] };
}

/** The content id of a source stored as these parts (in time order). */
export function partsContentId(polars: Polars, kind: TickKind, symbol: string, parts: ReadPart[]): string {
  const frame = parts.length === 1 ? parts[0].frame : polars.concat(parts.map((p) => p.frame)).sort(['ts', 'seq']);
  return frameContentId(polars, kind, symbol, frame);
}

/** Links each part under its catalog name for source `id`; returns the catalog's file entries. */
export function linkParts(dir: string, id: string, writer: WriterToken, parts: ReadPart[]): CatalogFile[] {
  return parts.map((p, k) => {
    const name = dataFileName(p.first, p.last, id, writer.token, k + 1, parts.length);
    try {
      storeFs.link(join(dir, p.name), join(dir, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return { name, first: p.first.toString(), last: p.last.toString(), rows: p.frame.height };
      // File systems without hard links: copy (the catalog commit still decides what is visible).
      copyFileSync(join(dir, p.name), join(dir, name));
      step(`copy ${name}`);
    }
    return { name, first: p.first.toString(), last: p.last.toString(), rows: p.frame.height };
  });
}
