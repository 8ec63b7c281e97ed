/**
 * The catalog: one JSON file naming every stored source and its data files. It is the store's single commit
 * point: an ingest writes its data files first, then swaps in a new catalog (temp file, fsync, rename, fsync the
 * folder), so everything one ingest writes (a LOBSTER day's trades and quotes, every symbol of a file) appears in
 * one step or not at all. Readers read only files the catalog names.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../errors.js';
import { SYMBOL_PATTERN, isTickKind, type TickKind } from '../../schema.js';
import { CATALOG_FILE, parseDataFileName } from './names.js';
import { storeFs } from './steps.js';
import type { StoredSource } from './types.js';

export interface CatalogFile {
  name: string;
  /** UTC ns of the file's first and last row, as decimal text (JSON has no 64-bit integers). */
  first: string;
  last: string;
  rows: number;
}

export interface CatalogSource {
  /** Content id: hash of the rows (kind, symbol, ts, values); see content-id.ts. */
  id: string;
  kind: TickKind;
  symbol: string;
  /** What to show people (a file name). */
  label: string;
  /** Where the rows came from: a file's real path, or a generator's description. */
  origin: string;
  rows: number;
  first: string;
  last: string;
  files: CatalogFile[];
  writtenAt: string;
}

export interface Catalog {
  format: 'cift-tick-catalog';
  version: 1;
  sources: CatalogSource[];
}

export const emptyCatalog = (): Catalog => ({ format: 'cift-tick-catalog', version: 1, sources: [] });

export const catalogPath = (root: string): string => join(root, CATALOG_FILE);

export function damaged(path: string, why: string): CiftError {
  return new CiftError('STORE_CORRUPT', `tick store catalog ${path} is damaged: ${why}`, 'run `cift ingest --repair` to rebuild it from the data files');
}

const NS_RE = /^-?\d+$/;
const ID_RE = /^[0-9a-f]{16}$/;

/** Checks the shape of a parsed catalog; the message names the first problem. */
function check(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const c = value as Partial<Catalog>;
  if (c.format !== 'cift-tick-catalog') return 'format is not "cift-tick-catalog"';
  if (c.version !== 1) return `version ${JSON.stringify(c.version)} is not 1`;
  if (!Array.isArray(c.sources)) return 'sources is not a list';
  for (let i = 0; i < c.sources.length; i++) {
    const s = c.sources[i] as Partial<CatalogSource> | null;
    const at = `source ${i + 1}`;
    if (typeof s !== 'object' || s === null) return `${at} is not an object`;
    if (typeof s.id !== 'string' || !ID_RE.test(s.id)) return `${at}: id is not 16 hex digits`;
    if (typeof s.kind !== 'string' || !isTickKind(s.kind)) return `${at}: kind is not trades, quotes, bars or book`;
    if (typeof s.symbol !== 'string' || !SYMBOL_PATTERN.test(s.symbol)) return `${at}: symbol is not valid`;
    if (typeof s.label !== 'string' || typeof s.origin !== 'string' || typeof s.writtenAt !== 'string') return `${at}: label, origin or writtenAt is not text`;
    if (!Number.isInteger(s.rows) || s.rows! < 0) return `${at}: rows is not a count`;
    if (typeof s.first !== 'string' || !NS_RE.test(s.first) || typeof s.last !== 'string' || !NS_RE.test(s.last)) return `${at}: first/last are not ns timestamps`;
    if (!Array.isArray(s.files)) return `${at}: files is not a list`;
    for (const f of s.files as Array<Partial<CatalogFile> | null>) {
      if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || parseDataFileName(f.name)?.sourceId !== s.id) return `${at}: a file name is not one of its data files`;
      if (typeof f.first !== 'string' || !NS_RE.test(f.first) || typeof f.last !== 'string' || !NS_RE.test(f.last) || !Number.isInteger(f.rows)) return `${at}: file ${f.name} has no first/last/rows`;
    }
  }
  return undefined;
}

export interface LoadedCatalog {
  catalog: Catalog;
  /** Changes whenever the file is replaced (a new inode) or rewritten. */
  stamp: string;
}

/** The stamp of the catalog file as it is now (one stat), or undefined when there is none yet. */
export function catalogStamp(root: string): string | undefined {
  const path = catalogPath(root);
  try {
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CiftError('STORE_UNAVAILABLE', `cannot read the tick store catalog ${path} (${code})`, 'check that CIFT_HOME (or --home) is a folder you can read');
  }
}

/** The catalog, or undefined when there is none yet; STORE_CORRUPT naming the file when it is damaged. */
export function readCatalog(root: string): LoadedCatalog | undefined {
  const path = catalogPath(root);
  const stamp = catalogStamp(root);
  if (stamp === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw damaged(path, 'it is a folder');
    throw e;
  }
  if (text.trim() === '') throw damaged(path, 'the file is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw damaged(path, `not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const problem = check(value);
  if (problem !== undefined) throw damaged(path, problem);
  return { catalog: value as Catalog, stamp };
}

/** The commit point: replaces the catalog atomically and durably. */
export function writeCatalog(root: string, catalog: Catalog): void {
  storeFs.writeFileAtomic(catalogPath(root), `${JSON.stringify(catalog, null, 1)}\n`);
}

export const toStoredSource = (s: CatalogSource): StoredSource => ({
  id: s.id,
  kind: s.kind,
  symbol: s.symbol,
  label: s.label,
  origin: s.origin,
  rows: s.rows,
  first: BigInt(s.first),
  last: BigInt(s.last),
  files: s.files.length,
  writtenAt: s.writtenAt,
});
