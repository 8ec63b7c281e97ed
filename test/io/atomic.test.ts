import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';

/** Every fsync, rename and open, in order, with the path each was for. */
const calls: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const paths = new Map<number, string>();
  return {
    ...fs,
    openSync: (path: string, flags: string) => {
      const fd = fs.openSync(path, flags);
      paths.set(fd, String(path));
      return fd;
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${paths.get(fd)}`);
      return fs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      calls.push(`rename ${from} -> ${to}`);
      return fs.renameSync(from, to);
    },
  };
});

const { writeFileAtomic } = await import('../../src/io/atomic.js');

const tmp = tempDir();
afterAll(tmp.cleanup);
beforeEach(() => {
  calls.length = 0;
});

describe('writeFileAtomic', () => {
  it('fsyncs the temp file before the rename and the folder after it', () => {
    const target = join(tmp.dir, 'out.json');
    writeFileAtomic(target, '{"a":1}');
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}');
    expect(calls.length, calls.join('\n')).toBe(3);
    const [syncTemp, rename, syncDir] = calls;
    expect(syncTemp, 'the data is on disk before its name is').toMatch(/^fsync .*\/\.out\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(rename).toBe(`rename ${syncTemp.slice('fsync '.length)} -> ${target}`);
    expect(syncDir, 'then the rename itself is made durable').toBe(`fsync ${tmp.dir}`);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to write into a folder that does not exist, and creates none', () => {
    const target = join(tmp.dir, 'no', 'such', 'dir', 'out.csv');
    expect(() => writeFileAtomic(target, 'x')).toThrow(`cannot write ${target}: folder ${join(tmp.dir, 'no', 'such', 'dir')} does not exist`);
    expect(existsSync(join(tmp.dir, 'no'))).toBe(false);
  });

  it('refuses to replace a folder with a file', () => {
    const target = join(tmp.dir, 'a-folder');
    mkdirSync(target);
    expect(() => writeFileAtomic(target, 'x')).toThrow('it is a folder');
  });
});
