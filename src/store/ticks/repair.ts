/**
 * `cift ingest --repair`: rebuilds the catalog from the data files when it is damaged. Every data file's name says
 * which source it belongs to, which writer wrote it and which part k of n it is, so a source is taken back only
 * when all its parts are there, readable, span the times in their names and hash to the id in their names. When a
 * source was written more than once, the newest complete copy wins. Labels come from the old catalog when it can
 * still be read, else "recovered". The caller holds the lock.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Polars } from '../../polars.js';
import { TICK_KINDS, type TickKind } from '../../schema.js';
import { linkParts, partsContentId, readPart, type ReadPart } from './adopt.js';
import { type Catalog, type CatalogSource, emptyCatalog } from './catalog.js';
import { parseDataFileName, parseLegacyDataFileName, type WriterToken } from './names.js';

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

interface Candidate {
  source: CatalogSource;
  /** ms when its writer started; legacy files count as oldest. */
  writtenMs: number;
}

export interface Rebuilt {
  catalog: Catalog;
  skipped: string[];
}

export function rebuildCatalog(polars: Polars, root: string, writer: WriterToken, previous: Catalog | undefined): Rebuilt {
  const skipped: string[] = [];
  const best = new Map<string, Candidate>();
  const known = new Map((previous?.sources ?? []).map((s) => [`${s.kind}/${s.symbol}/${s.id}`, s]));
  const offer = (c: Candidate) => {
    const key = `${c.source.kind}/${c.source.symbol}/${c.source.id}`;
    const had = best.get(key);
    if (had === undefined || c.writtenMs > had.writtenMs) best.set(key, c);
  };
  const sourceOf = (kind: TickKind, symbol: string, id: string, files: CatalogSource['files']): CatalogSource => {
    const old = known.get(`${kind}/${symbol}/${id}`);
    return {
      id,
      kind,
      symbol,
      label: old?.label ?? 'recovered',
      origin: old?.origin ?? '',
      rows: files.reduce((n, f) => n + f.rows, 0),
      first: files[0].first,
      last: files[files.length - 1].last,
      files,
      writtenAt: old?.writtenAt ?? new Date().toISOString(),
    };
  };
  const readAll = (dir: string, names: string[], what: string): ReadPart[] | undefined => {
    try {
      return names.map((n) => readPart(polars, dir, n));
    } catch (e) {
      skipped.push(`${what}: unreadable (${(e as Error).message.split('\n')[0]})`);
      return undefined;
    }
  };

  for (const kind of TICK_KINDS) {
    for (const symbol of list(join(root, kind))) {
      const dir = join(root, kind, symbol);
      const groups = new Map<string, string[]>();
      const legacy = new Map<string, string[]>();
      for (const name of list(dir)) {
        const d = parseDataFileName(name);
        if (d) {
          const key = `${d.sourceId}_${d.writer.token}`;
          groups.set(key, [...(groups.get(key) ?? []), name]);
          continue;
        }
        const l = parseLegacyDataFileName(name);
        if (l) legacy.set(`${l.sourceId}_${l.generation}`, [...(legacy.get(`${l.sourceId}_${l.generation}`) ?? []), name]);
      }
      for (const names of groups.values()) {
        const parsed = names.map((n) => parseDataFileName(n)!).sort((a, b) => a.part - b.part);
        const { sourceId, writer: w, parts: n } = parsed[0];
        const what = `${kind}/${symbol} source ${sourceId.slice(0, 12)} (${names.length} file${names.length === 1 ? '' : 's'})`;
        if (parsed.length !== n || parsed.some((p, k) => p.part !== k + 1 || p.parts !== n)) {
          skipped.push(`${what}: incomplete, ${parsed.length} of ${n} parts`);
          continue;
        }
        const parts = readAll(dir, parsed.map((p) => p.name), what);
        if (!parts) continue;
        if (parts.some((p, k) => p.frame.height === 0 || p.first !== parsed[k].first || p.last !== parsed[k].last)) {
          skipped.push(`${what}: rows do not span the times in the file names`);
          continue;
        }
        if (partsContentId(polars, kind, symbol, parts) !== sourceId) {
          skipped.push(`${what}: content does not match its id`);
          continue;
        }
        const files = parts.map((p) => ({ name: p.name, first: p.first.toString(), last: p.last.toString(), rows: p.frame.height }));
        offer({ source: sourceOf(kind, symbol, sourceId, files), writtenMs: w.startedMs });
      }
      for (const names of legacy.values()) {
        const what = `${kind}/${symbol} files ${names[0]}…`;
        const parts = readAll(dir, names, what)?.filter((p) => p.frame.height > 0);
        if (!parts || parts.length === 0) continue;
        parts.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
        const id = partsContentId(polars, kind, symbol, parts);
        if (best.has(`${kind}/${symbol}/${id}`)) continue;
        offer({ source: sourceOf(kind, symbol, id, linkParts(dir, id, writer, parts)), writtenMs: -1 });
      }
    }
  }
  const catalog = emptyCatalog();
  catalog.sources = [...best.values()].map((c) => c.source).sort((a, b) => a.symbol.localeCompare(b.symbol) || a.kind.localeCompare(b.kind) || (BigInt(a.first) < BigInt(b.first) ? -1 : 1));
  return { catalog, skipped };
}
