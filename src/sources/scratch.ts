/**
 * Temporary files for bytes that must be unwrapped or transcoded before polars reads them (polars reads paths).
 * Each read gets its own folder in the system temp directory, removed when the read ends, whether it succeeded
 * or not; a folder still there when the process exits (an exit from inside the read) is removed then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
let hooked = false;

export interface Scratch {
  /** A fresh path inside the folder (not created). */
  file(hint: string): string;
  /** Removes one file early, so a long archive does not hold every member's bytes at once. */
  drop(path: string): void;
  /** Removes the folder and everything in it. */
  remove(): void;
}

export function openScratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'cift-read-'));
  live.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  let n = 0;
  return {
    // Only a safe tail of the name is kept: member names in an archive may hold anything, "../" included.
    file: (hint) => join(dir, `${++n}-${hint.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60)}`),
    drop: (path) => rmSync(path, { force: true }),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}
