/**
 * Creating folders without Node's recursive `mkdirSync`: on Linux it loops forever when the kernel
 * answers ENOENT for a child of an existing folder (e.g. anything under /proc), which made
 * `CIFT_HOME=/proc/nope cift ingest …` spin at 100 % CPU. Here each missing level is created once, in order, and
 * the first refusal becomes one line that names the folder and the reason.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why a folder cannot be used, in words, from an errno code. */
export function folderProblem(code: string | undefined, path: string): string {
  switch (code) {
    case 'ENOTDIR':
      return `${path} is a file, not a folder`;
    case 'EEXIST':
      return `${path} exists and is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied creating ${path}`;
    case 'EROFS':
      return `${path} is on a read-only file system`;
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return `the file system does not allow creating ${path}`;
    default:
      return `cannot create ${path} (${code ?? 'unknown error'})`;
  }
}

export class FolderError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** What is at `path`: a folder, something else, nothing (ENOENT, or ENOTDIR: an ancestor is a file), or an error. */
function probe(path: string): { kind: 'dir' | 'file' | 'missing' | 'error'; code?: string } {
  try {
    return { kind: statSync(path).isDirectory() ? 'dir' : 'file' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing', code } : { kind: 'error', code };
  }
}

/**
 * Makes `path` and its missing parents; throws FolderError naming the first level that could not be made.
 * `onCreate` runs after each folder is created (the tick store counts file operations for its crash test).
 */
export function makeDirectory(path: string, onCreate?: (dir: string) => void): void {
  const missing: string[] = [];
  let dir = path;
  for (;;) {
    const found = probe(dir);
    if (found.kind === 'dir') break;
    if (found.kind === 'file') throw new FolderError(dir, folderProblem('ENOTDIR', dir));
    if (found.kind === 'error') throw new FolderError(dir, folderProblem(found.code, dir));
    missing.push(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && probe(level).kind === 'dir') continue; // made by someone else meanwhile
      throw new FolderError(level, folderProblem(code, level));
    }
    onCreate?.(level);
  }
}

/** Whether `path` can serve as a folder to read from: a folder, or missing (nothing stored yet); else why not. */
export function unusableFolder(path: string): string | undefined {
  let dir = path;
  for (;;) {
    const found = probe(dir);
    if (found.kind === 'dir') return undefined;
    if (found.kind === 'file') return folderProblem('ENOTDIR', dir);
    if (found.kind === 'error') return `cannot read ${dir} (${found.code})`;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
