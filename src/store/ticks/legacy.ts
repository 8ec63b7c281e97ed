/**
 * The store's first format kept one manifest per source, {kind}/{SYMBOL}/_sources/{pathHash}.json, listing that
 * source's files. On first open they become one catalog (the caller holds the lock), so an existing store stays
 * visible. Sources that turn out to hold identical rows (the same file ingested from two paths, which the old
 * format stored twice) are kept once. The old manifests and names are swept after the catalog is committed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../errors.js';
import type { Polars } from '../../polars.js';
import { TICK_KINDS, isTickKind } from '../../schema.js';
import { linkParts, partsContentId, readPart } from './adopt.js';
import { type Catalog, type CatalogSource, emptyCatalog } from './catalog.js';
import type { WriterToken } from './names.js';

const LEGACY_DIR = '_sources';

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Paths of the old per-source manifests (cheap: only run when there is no catalog). */
export function legacyManifests(root: string): string[] {
  const out: string[] = [];
  for (const kind of TICK_KINDS) {
    for (const symbol of list(join(root, kind))) {
      const dir = join(root, kind, symbol, LEGACY_DIR);
      if (existsSync(dir)) for (const f of list(dir)) if (f.endsWith('.json')) out.push(join(dir, f));
    }
  }
  return out.sort();
}

interface LegacyManifest {
  source: string;
  label: string;
  kind: string;
  symbol: string;
  rows: number;
  writtenAt?: string;
  files: Array<{ name: string }>;
}

function readManifest(path: string): LegacyManifest {
  const bad = (why: string) =>
    new CiftError('STORE_CORRUPT', `tick store manifest ${path} is damaged: ${why}`, 'run `cift ingest --repair` to rebuild the catalog from the data files');
  let m: LegacyManifest;
  try {
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '') throw bad('the file is empty');
    m = JSON.parse(text) as LegacyManifest;
  } catch (e) {
    if (e instanceof CiftError) throw e;
    throw bad(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof m !== 'object' || m === null || !isTickKind(String(m.kind)) || typeof m.symbol !== 'string' || !Array.isArray(m.files)) throw bad('missing kind, symbol or files');
  return m;
}

/** Builds the catalog from the old manifests. */
export function migrateLegacy(polars: Polars, root: string, writer: WriterToken): Catalog {
  const catalog = emptyCatalog();
  const seen = new Set<string>();
  for (const path of legacyManifests(root)) {
    const m = readManifest(path);
    if (m.files.length === 0) continue;
    const kind = m.kind as CatalogSource['kind'];
    const dir = join(root, kind, m.symbol);
    let parts;
    try {
      parts = m.files.map((f) => readPart(polars, dir, f.name)).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    } catch (e) {
      throw new CiftError('STORE_CORRUPT', `tick store manifest ${path} names a missing or unreadable data file (${(e as Error).message.split('\n')[0]})`, 'run `cift ingest --repair` to rebuild the catalog from the data files');
    }
    parts = parts.filter((p) => p.frame.height > 0);
    if (parts.length === 0) continue;
    const id = partsContentId(polars, kind, m.symbol, parts);
    if (seen.has(`${kind}/${m.symbol}/${id}`)) continue;
    seen.add(`${kind}/${m.symbol}/${id}`);
    const files = linkParts(dir, id, writer, parts);
    const rows = files.reduce((n, f) => n + f.rows, 0);
    catalog.sources.push({
      id,
      kind,
      symbol: m.symbol,
      label: String(m.label ?? ''),
      origin: String(m.source ?? ''),
      rows,
      first: files[0].first,
      last: files[files.length - 1].last,
      files,
      writtenAt: m.writtenAt ?? new Date().toISOString(),
    });
  }
  return catalog;
}
