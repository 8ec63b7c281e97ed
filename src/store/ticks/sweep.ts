/**
 * What a dead writer leaves behind: temp files, data files no catalog names, its entry in .writers/, and (after
 * the move to a catalog) the old per-source manifests and their files. A file is only swept when the process
 * named in it is gone (or it is older than STALE_AFTER_MS), so a sweep never removes a live writer's work.
 * Callers hold the store lock.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TICK_KINDS } from '../../schema.js';
import type { Catalog } from './catalog.js';
import { WRITERS_DIR, parseDataFileName, parseLegacyDataFileName, parseWriter, tempFileWriter, writerGone } from './names.js';
import { storeFs } from './steps.js';

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

const mtimeOf = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
};

/** Relative paths ({kind}/{SYMBOL}/{name}) of every data file a catalog names. */
export function namedFiles(catalog: Catalog): Set<string> {
  const named = new Set<string>();
  for (const s of catalog.sources) for (const f of s.files) named.add(`${s.kind}/${s.symbol}/${f.name}`);
  return named;
}

/** Writer entries whose process is gone: a cheap test (one readdir) of whether a sweep is due. */
export function deadWriters(root: string): string[] {
  const dir = join(root, WRITERS_DIR);
  return list(dir).filter((name) => {
    const w = parseWriter(name);
    return w !== undefined && writerGone(w.pid, mtimeOf(join(dir, name)));
  });
}

/** Removes a dead writer's leftovers; returns how many files went. */
export function sweep(root: string, catalog: Catalog): number {
  const named = namedFiles(catalog);
  let removed = 0;
  const drop = (path: string) => {
    storeFs.remove(path);
    removed++;
  };
  const sweepTemps = (dir: string, names: string[]) => {
    for (const name of names) {
      const pid = tempFileWriter(name);
      if (pid !== undefined && writerGone(pid, mtimeOf(join(dir, name)))) drop(join(dir, name));
    }
  };
  // Dead writers' entries are read first and removed last, so a crash during the sweep leaves them to trigger the next one.
  const dead = deadWriters(root);
  sweepTemps(root, list(root));
  for (const kind of TICK_KINDS) {
    const kindDir = join(root, kind);
    for (const symbol of list(kindDir)) {
      const dir = join(kindDir, symbol);
      const names = list(dir);
      sweepTemps(dir, names);
      for (const name of names) {
        const path = join(dir, name);
        if (named.has(`${kind}/${symbol}/${name}`)) continue;
        const data = parseDataFileName(name);
        if (data !== undefined) {
          if (writerGone(data.writer.pid, mtimeOf(path))) drop(path);
        } else if (parseLegacyDataFileName(name) !== undefined) {
          drop(path); // superseded by the catalog (migration links them under new names)
        } else if (name === '_sources') {
          storeFs.removeTree(path);
          removed++;
        }
      }
      storeFs.removeEmptyFolder(dir);
    }
  }
  for (const name of dead) drop(join(root, WRITERS_DIR, name));
  return removed;
}
