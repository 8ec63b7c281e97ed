/**
 * `cift serve` with CIFT_REDIS_URL: /ready checks the cache (a private redis-server the test starts, then kills),
 * and /metrics counts cache faults (reads that fell back to the ledger or the tick store). Without Redis there is
 * no cache check (the in-process cache always answers).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { resolveSettings } from '../../src/config.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars } from '../../src/polars.js';
import { reportCacheFault } from '../../src/store/cache/faults.js';
import { closeCaches } from '../../src/store/cache/open.js';
import { cacheProbes } from '../../src/usecases/stores.js';
import { tempDir } from '../helpers.js';
import { hasRedis } from '../services.js';
import { startPrivateRedis } from '../store/cache/private-redis.js';

const tmp = tempDir('cift-api-cache-');
afterAll(async () => {
  await closeCaches();
  tmp.cleanup();
});

async function appWith(redisUrl: string | undefined) {
  const settings = resolveSettings({ home: tmp.dir, redisUrl }, {});
  return buildApp({
    version: '9.9.9-test',
    polars: await loadPolars(),
    market: await MarketData.open(settings),
    marketFor: (source) => MarketData.open(settings, { source }),
    probes: cacheProbes(settings),
  });
}

describe('the cache in /ready and /metrics', () => {
  it('has no cache check without Redis', async () => {
    const app = await appWith(undefined);
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ status: 'ready', checks: { tick_store: 'ok' } });
    await app.close();
  });

  it.skipIf(!hasRedis)('reports Redis ok, then 503 naming the cache once it is gone', async () => {
    const server = await startPrivateRedis();
    const app = await appWith(server.url);
    try {
      expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ status: 'ready', checks: { tick_store: 'ok', cache: 'ok' } });
      await server.kill();
      const res = await app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', failing: ['cache'] });
      expect(res.json().checks.cache, 'says why, in words').toMatch(/^failing: not connected \(.+\); reconnecting in the background$/);
    } finally {
      await app.close();
      await server.kill();
    }
  });

  it('counts cache faults by operation on /metrics, and stops counting once the app is closed', async () => {
    const app = await appWith(undefined);
    reportCacheFault({ where: 'redis://127.0.0.1:1', op: 'get', message: 'ECONNREFUSED' });
    reportCacheFault({ where: 'redis://127.0.0.1:1', op: 'get', message: 'ECONNREFUSED' });
    reportCacheFault({ where: 'redis://127.0.0.1:1', op: 'invalidate', message: 'ECONNREFUSED' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^cift_cache_faults_total\{op="get"\} 2$/m);
    expect(text).toMatch(/^cift_cache_faults_total\{op="invalidate"\} 1$/m);
    await app.close();
    const other = await appWith(undefined);
    reportCacheFault({ where: 'redis://127.0.0.1:1', op: 'get', message: 'ECONNREFUSED' });
    expect((await other.inject({ method: 'GET', url: '/metrics' })).body, 'only faults after this app started').toMatch(/^cift_cache_faults_total\{op="get"\} 1$/m);
    await other.close();
  });
});
