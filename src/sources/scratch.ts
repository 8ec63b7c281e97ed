/**
 * Temporary files for bytes that must be unwrapped or transcoded before polars reads them (polars reads paths).
 * Each read gets its own folder in the system temp directory, removed when the read ends, whether it succeeded
 * or not; a folder still there when the process exits (an exit from inside the read) is removed then.
 *
 * A process killed mid-read (Ctrl-C, SIGKILL) leaves its folder behind: catching the signal would hold Ctrl-C
 * back until a long synchronous step (a scan, polars' read) ends. Instead, folders are named after the process
 * (cift-read-<pid>-…), and the first read of a later process removes those whose process is gone.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
let started = false;

const PREFIX = 'cift-read-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes folders left by cift processes that no longer run. */
function sweepOrphans(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(root, name), { recursive: true, force: true });
  }
}

export interface Scratch {
  /** A fresh path inside the folder (not created). */
  file(hint: string): string;
  /** Removes one file early, so a long archive does not hold every member's bytes at once. */
  drop(path: string): void;
  /** Removes the folder and everything in it. */
  remove(): void;
}

export function openScratch(): Scratch {
  const root = tmpdir();
  if (!started) {
    started = true;
    sweepOrphans(root);
    process.once('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
  live.add(dir);
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
