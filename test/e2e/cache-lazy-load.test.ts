/** ioredis (~60 ms to load) is loaded only by a run that uses Redis: never without CIFT_REDIS_URL. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';
import { hasRedis, REDIS_URL } from '../services.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Runs `cift order positions` in-process and answers whether ioredis (CommonJS: it lands in require.cache) was loaded. */
function loadsIoredis(env: Record<string, string>): boolean {
  const script = `
    import { createRequire } from 'node:module';
    const { run } = await import(${JSON.stringify(join(ROOT, 'dist', 'commands', 'main.js'))});
    await run(['node', 'cift', 'order', 'positions', '--json']);
    const cache = createRequire(import.meta.url).cache;
    process.stdout.write('\\n' + String(Object.keys(cache).some((k) => k.includes('/node_modules/ioredis/'))));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CIFT_REDIS_URL: '', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').at(-1) === 'true';
}

describe('loading ioredis', () => {
  it('does not happen without CIFT_REDIS_URL', () => {
    expect(loadsIoredis({ CIFT_HOME: join(tmp.dir, 'a') })).toBe(false);
  });
  it.skipIf(!hasRedis)('happens with it (the probe above would be vacuous otherwise)', () => {
    expect(loadsIoredis({ CIFT_HOME: join(tmp.dir, 'b'), CIFT_REDIS_URL: REDIS_URL })).toBe(true);
  });
});
