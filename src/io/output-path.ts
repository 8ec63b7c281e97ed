/**
 * Checks a path the user asked cift to write (`--out`, `--trades`, `--equity`, `--save`) before any work: its
 * folder must already exist (cift never creates folders the user did not ask for) and the path must not be a
 * folder itself. Each problem is one line naming the flag and the path.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CiftError } from '../errors.js';

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export function checkOutputPath(path: string, flag?: string): void {
  const what = flag ? `${flag} ${path}` : path;
  if (path.trim() === '') throw new CiftError('USAGE', `${flag ?? 'the output path'} is empty`, 'give a file name');
  if (/[/\\]$/.test(path)) throw new CiftError('USAGE', `${what} names a folder`, `give a file name inside it, e.g. ${path}out.csv`);
  try {
    if (statSync(path).isDirectory()) throw new CiftError('USAGE', `${what} is a folder`, `give a file name inside it, e.g. ${path}/out.csv`);
  } catch (e) {
    if (e instanceof CiftError) throw e;
    // ENOENT: a new file, which is the usual case; anything else is judged from the folder below.
  }
  const folder = dirname(path);
  let isFolder: boolean;
  try {
    isFolder = statSync(resolve(folder)).isDirectory();
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') {
      throw new CiftError('FILE_NOT_FOUND', `${what}: folder ${folder} does not exist`, `create it first (mkdir -p ${folder}) or write somewhere else`);
    }
    throw new CiftError('WRITE_FAILED', `${what}: cannot use folder ${folder} (${errnoOf(e) ?? String(e)})`);
  }
  if (!isFolder) throw new CiftError('FILE_NOT_FOUND', `${what}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new CiftError('WRITE_FAILED', `${what}: folder ${folder} is not writable`);
  }
}

/** A failed write as one line naming the path (EACCES, ENOSPC, EROFS …), anything else unchanged. */
export function writeFailure(e: unknown, path: string): unknown {
  const code = errnoOf(e);
  if (typeof code !== 'string' || !code.startsWith('E')) return e;
  const reason = code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'EISDIR' ? 'it is a folder' : code;
  return new CiftError('WRITE_FAILED', `cannot write ${path}: ${reason}`);
}
