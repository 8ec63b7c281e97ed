/**
 * Files appear whole or not at all, and stay after a power cut: write a temp file beside the target, fsync it,
 * rename it onto the target (atomic within one filesystem), then fsync the folder so the rename itself is on disk.
 * Without the two fsyncs a crash can leave the new name pointing at an empty or truncated file.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CiftError } from '../errors.js';

/** `.{name}.{pid}.{random}.tmp`: the writer's pid lets a sweep tell a dead writer's leftovers from a live one's. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The pid in a name made by tempPathFor, or undefined for any other name. */
export function tempFileWriter(name: string): number | undefined {
  const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Flushes a file's data to disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries (a rename or unlink in it) to disk; a no-op where folders cannot be opened (Windows). */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /** Called after each file operation (written, synced, renamed, folder synced); the tick store's crash test counts them. */
  onStep?: (what: string) => void;
}

/**
 * Runs `write(tempPath)` and renames the durable result onto `target`; on failure nothing is left behind.
 * The folder must exist: creating folders the user did not ask for is the caller's decision.
 */
export function writeAtomically(target: string, write: (tempPath: string) => void, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(target);
  if (!existsSync(dir)) throw new CiftError('FILE_NOT_FOUND', `cannot write ${target}: folder ${dir} does not exist`, 'create the folder first, or write somewhere else');
  if (!statSync(dir).isDirectory()) throw new CiftError('INPUT_INVALID', `cannot write ${target}: ${dir} is not a folder`);
  if (existsSync(target) && statSync(target).isDirectory()) throw new CiftError('INPUT_INVALID', `cannot write ${target}: it is a folder`);
  const step = opts.onStep ?? (() => {});
  const temp = tempPathFor(target);
  try {
    write(temp);
    step(`write ${basename(target)}`);
    fsyncFile(temp);
    step(`fsync ${basename(target)}`);
    renameSync(temp, target);
    step(`rename ${basename(target)}`);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  fsyncDirectory(dir);
  step(`fsync folder of ${basename(target)}`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  writeAtomically(target, (temp) => writeFileSync(temp, data), opts);
}
