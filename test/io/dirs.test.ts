import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FolderError, makeDirectory, unusableFolder } from '../../src/io/dirs.js';
import { ROOT, tempDir, thrownBy } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('makeDirectory', () => {
  it('creates every missing level and reports each one', () => {
    const made: string[] = [];
    const target = join(tmp.dir, 'a', 'b', 'c');
    makeDirectory(target, (d) => made.push(relative(tmp.dir, d)));
    expect(statSync(target).isDirectory()).toBe(true);
    expect(made).toEqual(['a', join('a', 'b'), join('a', 'b', 'c')]);
    makeDirectory(target, (d) => made.push(d));
    expect(made.length, 'nothing to do the second time').toBe(3);
  });

  it('names the file that stands where a folder should be', () => {
    const file = join(tmp.dir, 'plain-file');
    writeFileSync(file, 'x');
    const e = thrownBy<FolderError>(() => makeDirectory(join(file, 'x', 'y')));
    expect(e.reason).toBe(`${file} is a file, not a folder`);
    expect(unusableFolder(join(file, 'x'))).toBe(`${file} is a file, not a folder`);
    expect(unusableFolder(join(tmp.dir, 'not-yet', 'there')), 'a folder that does not exist yet is fine to read from').toBeUndefined();
  });

  it.runIf(existsSync('/proc/self'))('fails at once under /proc, where Node’s recursive mkdir loops forever', () => {
    const e = thrownBy<FolderError>(() => makeDirectory('/proc/nope/ticks/trades'));
    expect(e.reason).toBe('the file system does not allow creating /proc/nope');
  });

  it('is the only way folders are made: no recursive mkdirSync anywhere in the program', () => {
    const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
    const offenders = ['src', 'commands', 'bench'].flatMap((d) => files(join(ROOT, d))).filter((f) => /mkdirSync\([^)]*recursive:\s*true/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f)), 'use makeDirectory (src/io/dirs.ts)').toEqual([]);
  });
});
