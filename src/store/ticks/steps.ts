/**
 * Every file operation the tick store makes goes through here, so a test can crash a write at each one.
 * CIFT_TEST_CRASH_AFTER=N kills this process with SIGKILL (as `kill -9` would: no cleanup, no finally) right
 * after the store's N-th file operation. Unset, it costs one comparison per operation.
 */
import { linkSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { writeAtomically, writeFileAtomic } from '../../io/atomic.js';

const crashAfter = Number(process.env.CIFT_TEST_CRASH_AFTER ?? '0');
let done = 0;

/** Records one completed file operation. */
export function step(_what: string): void {
  done++;
  if (crashAfter > 0 && done === crashAfter) process.kill(process.pid, 'SIGKILL');
}

export const storeFs = {
  writeFileAtomic(target: string, data: string): void {
    writeFileAtomic(target, data, { onStep: step });
  },
  writeAtomically(target: string, write: (temp: string) => void): void {
    writeAtomically(target, write, { onStep: step });
  },
  /** A small file whose content does not need to survive a crash (its name carries the information). */
  writeFile(path: string, data: string): void {
    writeFileSync(path, data);
    step(`write ${path}`);
  },
  link(existing: string, path: string): void {
    linkSync(existing, path);
    step(`link ${path}`);
  },
  rename(from: string, to: string): void {
    renameSync(from, to);
    step(`rename ${to}`);
  },
  remove(path: string): void {
    rmSync(path, { force: true });
    step(`remove ${path}`);
  },
  removeTree(path: string): void {
    rmSync(path, { recursive: true, force: true });
    step(`remove ${path}`);
  },
  /** Removes a folder if it is empty; true when it was removed. */
  removeEmptyFolder(path: string): boolean {
    try {
      rmdirSync(path);
    } catch {
      return false;
    }
    step(`rmdir ${path}`);
    return true;
  },
};
