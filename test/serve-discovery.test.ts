/**
 * serve.json / serve.key under $CIFT_HOME: written 0600 and atomically, connectable URLs, stale files of dead
 * processes ignored and replaced, a live server's files never taken over, removal only by their owner.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { announceServer, connectableUrl, findServer, newLocalKey, removeAnnouncement } from '../src/serve-discovery.js';
import { errorOf, homeMaker, tempDir } from './helpers.js';

const tmp = tempDir('cift-discovery-');
const newHome = homeMaker(tmp.dir);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp.cleanup();
});

const settingsOf = (home: string) => ({ home, homeFrom: 'CIFT_HOME' as const });

/** A process that runs until the test ends: its pid is alive and not ours. */
function livePid(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('serve discovery', () => {
  it('maps wildcard listen addresses to loopback and keeps others', () => {
    expect(connectableUrl('http://0.0.0.0:8123')).toBe('http://127.0.0.1:8123');
    expect(connectableUrl('http://[::]:8123')).toBe('http://[::1]:8123');
    expect(connectableUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    expect(connectableUrl('http://192.168.1.7:80')).toBe('http://192.168.1.7');
  });

  it('makes a fresh random key each time', () => {
    const a = newLocalKey();
    const b = newLocalKey();
    expect(a).toMatch(/^cift_local_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('writes serve.key with mode 0600 and serve.json naming pid, url, start and version, leaving no temp file', () => {
    const home = newHome();
    const pid = livePid();
    const a = announceServer(settingsOf(home), { address: 'http://0.0.0.0:4567', key: 'cift_local_abc', version: '9.9.9', pid, now: new Date('2026-01-02T03:04:05Z') });
    expect(statSync(join(home, 'serve.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'serve.key'), 'utf8')).toBe('cift_local_abc\n');
    expect(readJson(join(home, 'serve.json'))).toEqual({ pid, url: 'http://127.0.0.1:4567', started_at: '2026-01-02T03:04:05.000Z', version: '9.9.9' });
    expect(a.info.url).toBe('http://127.0.0.1:4567');
    expect(readdirSync(home).sort()).toEqual(['serve.json', 'serve.key']);
    expect(findServer(home)).toEqual({ pid, url: 'http://127.0.0.1:4567', started_at: '2026-01-02T03:04:05.000Z', version: '9.9.9', key: 'cift_local_abc' });
  });

  it('creates the home folder when it does not exist yet', () => {
    const home = join(newHome(), 'not-yet');
    announceServer(settingsOf(home), { address: 'http://127.0.0.1:1', key: 'k', version: '1.0.0', pid: livePid() });
    expect(existsSync(join(home, 'serve.json'))).toBe(true);
  });

  it('ignores a stale file of a dead process, and a new server replaces it (a world-readable old key file too)', async () => {
    const home = newHome();
    const dead = await deadPid();
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: dead, url: 'http://127.0.0.1:1', started_at: 'x', version: '0' }));
    writeFileSync(join(home, 'serve.key'), 'old-key\n');
    chmodSync(join(home, 'serve.key'), 0o644);
    expect(findServer(home), 'a dead pid is no server').toBeUndefined();
    const pid = livePid();
    announceServer(settingsOf(home), { address: 'http://127.0.0.1:2222', key: 'new-key', version: '1.0.0', pid });
    expect(readJson(join(home, 'serve.json')).pid).toBe(pid);
    expect(readFileSync(join(home, 'serve.key'), 'utf8')).toBe('new-key\n');
    expect(statSync(join(home, 'serve.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses to take over the files of another live server (LEDGER_LOCKED) and leaves them as they were', async () => {
    const home = newHome();
    const other = livePid();
    announceServer(settingsOf(home), { address: 'http://127.0.0.1:3333', key: 'their-key', version: '1.0.0', pid: other });
    const e = await errorOf(Promise.resolve().then(() => announceServer(settingsOf(home), { address: 'http://127.0.0.1:4444', key: 'my-key', version: '1.0.0', pid: livePid() })));
    expect(e.code).toBe('LEDGER_LOCKED');
    expect(e.message).toBe(`another cift serve (pid ${other}, http://127.0.0.1:3333) already serves ${home}`);
    expect(findServer(home)?.key).toBe('their-key');
  });

  it('finds nothing without serve.json, with a torn one, without the key, or when serve.json names this very process', () => {
    const home = newHome();
    expect(findServer(home)).toBeUndefined();
    writeFileSync(join(home, 'serve.json'), '{"pid": 12');
    expect(findServer(home)).toBeUndefined();
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: livePid(), url: 'http://127.0.0.1:5' }));
    expect(findServer(home), 'no key file').toBeUndefined();
    writeFileSync(join(home, 'serve.key'), 'k\n');
    expect(findServer(home)?.url).toBe('http://127.0.0.1:5');
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:5' }));
    expect(findServer(home), 'a server never forwards to itself').toBeUndefined();
  });

  it('removes both files when they are still its own, and nothing when another server has replaced them', () => {
    const home = newHome();
    const first = livePid();
    const a = announceServer(settingsOf(home), { address: 'http://127.0.0.1:6000', key: 'key-a', version: '1.0.0', pid: first });
    a.remove();
    expect(readdirSync(home)).toEqual([]);

    const b = announceServer(settingsOf(home), { address: 'http://127.0.0.1:6001', key: 'key-b', version: '1.0.0', pid: first });
    // The first server died without cleaning up; a second one replaced its files.
    const second = livePid();
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: second, url: 'http://127.0.0.1:6002', started_at: 'x', version: '1.0.0' }));
    writeFileSync(join(home, 'serve.key'), 'key-c\n', { mode: 0o600 });
    b.remove();
    expect(readJson(join(home, 'serve.json')).pid).toBe(second);
    expect(readFileSync(join(home, 'serve.key'), 'utf8')).toBe('key-c\n');

    // serve.json names us but serve.key is already a newer server's (it writes its key before its serve.json):
    // our serve.json goes, its key stays.
    removeAnnouncement(home, second, 'key-other');
    expect(readdirSync(home)).toEqual(['serve.key']);
  });
});
