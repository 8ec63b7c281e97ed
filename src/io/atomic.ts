/** Files appear whole or not at all: write beside the target, then rename (atomic within one filesystem). */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Runs `write(tempPath)` and renames the result onto `target`; on failure nothing is left behind. */
export function writeAtomically(target: string, write: (tempPath: string) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    write(temp);
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  writeAtomically(target, (temp) => writeFileSync(temp, data));
}
