/**
 * One writer at a time commits to the catalog. The lock is a file created atomically with its content (written to
 * a temp file, then hard-linked to `.lock`, which fails if it exists), holding the holder's pid and command. A lock
 * whose pid is gone is broken, so a killed ingest never blocks the store.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../errors.js';
import { tempPathFor } from '../../io/atomic.js';
import { pidAlive } from '../pid.js';
import { LOCK_FILE } from './names.js';
import { step, storeFs } from './steps.js';

interface Holder {
  pid: number;
  command: string;
  since: string;
}

/** A lock file nobody wrote completely (only possible if the link fallback was used) is stale after this long. */
const UNREADABLE_STALE_MS = 10_000;
export const DEFAULT_LOCK_WAIT_MS = 30_000;

function readHolder(path: string): { holder?: Holder; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    try {
      const h = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      return Number.isInteger(h.pid) ? { holder: h, mtimeMs } : { mtimeMs };
    } catch {
      return { mtimeMs };
    }
  } catch {
    return undefined; // released meanwhile
  }
}

/** Creates the lock file; false when someone holds it. */
function tryCreate(path: string): boolean {
  const temp = tempPathFor(path);
  const holder: Holder = { pid: process.pid, command: ['cift', ...process.argv.slice(2)].join(' ').slice(0, 200), since: new Date().toISOString() };
  storeFs.writeFile(temp, JSON.stringify(holder));
  try {
    storeFs.link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    return createExclusive(path, JSON.stringify(holder));
  } finally {
    storeFs.remove(temp);
  }
}

/** For file systems without hard links: exclusive create, then write (a crash between leaves an unreadable lock, broken after UNREADABLE_STALE_MS). */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  step('create lock');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  step('write lock');
  return true;
}

/** Removes a lock whose holder is gone. Renaming it aside first means two breakers cannot both delete a fresh lock. */
function breakIfStale(path: string): boolean {
  const seen = readHolder(path);
  if (seen === undefined) return true;
  const stale = seen.holder ? !pidAlive(seen.holder.pid) : Date.now() - seen.mtimeMs > UNREADABLE_STALE_MS;
  if (!stale) return false;
  const aside = `${tempPathFor(path)}`;
  try {
    renameSync(path, aside);
    step('move stale lock aside');
  } catch {
    return true; // someone else moved it first
  }
  const moved = readHolder(aside);
  if (moved?.holder && seen.holder && moved.holder.pid !== seen.holder.pid && pidAlive(moved.holder.pid)) {
    // We moved a fresh lock taken between our read and our rename: put it back.
    try {
      storeFs.link(aside, path);
    } catch {
      /* a third writer holds it now; the moved one's owner will find its lock gone at release */
    }
  }
  storeFs.remove(aside);
  return true;
}

export type Release = () => void;

function releaser(path: string): Release {
  return () => {
    const seen = readHolder(path);
    if (seen?.holder?.pid === process.pid) storeFs.remove(path);
  };
}

/** Takes the lock if it is free (breaking a dead holder's); undefined when a live process holds it. */
export function tryLock(root: string): Release | undefined {
  const path = join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path)) return releaser(path);
    if (!breakIfStale(path)) return undefined;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) for the lock; STORE_UNAVAILABLE naming the holder when it stays busy. */
export async function lock(root: string, waitMs = DEFAULT_LOCK_WAIT_MS): Promise<Release> {
  const path = join(root, LOCK_FILE);
  const deadline = Date.now() + waitMs;
  let pause = 10;
  for (;;) {
    const release = tryLock(root);
    if (release) return release;
    if (Date.now() >= deadline) {
      const h = readHolder(path)?.holder;
      throw new CiftError(
        'STORE_UNAVAILABLE',
        `the tick store ${root} is busy: ${h ? `pid ${h.pid} (${h.command}) has held its lock since ${h.since}` : 'its lock is held'}`,
        'wait for that command to finish and try again',
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}
