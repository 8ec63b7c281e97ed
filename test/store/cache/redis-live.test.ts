/**
 * The cache on a real Redis (127.0.0.1:6379, or CIFT_TEST_REDIS_URL), under a random key prefix of this run,
 * deleted afterwards: the cached-ledger suite, prices read through and renewed by an ingest, a connection killed
 * mid-run (CLIENT KILL) and an outage of a redis-server the test starts and kills itself. Skips, saying why,
 * without a server; fails instead with CIFT_TEST_REQUIRE_SERVICES=1.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec, fmt } from '../../../src/money.js';
import { AccountCache } from '../../../src/store/cache/account-cache.js';
import { cachedLedger } from '../../../src/store/cache/cached-ledger.js';
import { withPriceCache } from '../../../src/store/cache/cached-market.js';
import { onCacheFault, type CacheFault } from '../../../src/store/cache/faults.js';
import { RedisCache } from '../../../src/store/cache/redis.js';
import { openLedger } from '../../../src/store/ledger/open.js';
import type { Ledger } from '../../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../../src/trading/orders.js';
import { latestPrice } from '../../../src/trading/prices.js';
import { tempDir } from '../../helpers.js';
import { hasRedis, REDIS_URL } from '../../services.js';
import { addBars, barsCsv, storesWith } from '../../usecases/fixture.js';
import { accountCacheSuite, bars100 } from './account-suite.js';
import { startPrivateRedis } from './private-redis.js';

const PREFIX = `cift-test-${randomBytes(6).toString('hex')}:`;

describe.skipIf(!hasRedis)('Redis cache (live)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    // Only this run's keys: SCAN by the random prefix, never FLUSHDB on a shared server.
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    admin.disconnect();
  });

  accountCacheSuite('Redis', () => RedisCache.open(REDIS_URL, { prefix: `${PREFIX}${randomBytes(3).toString('hex')}:` }));

  it('keeps account entries under its own prefix', async () => {
    const cache = await RedisCache.open(REDIS_URL, { prefix: PREFIX });
    const dir = tempDir('cift-cache-');
    const ledger = await openLedger({ home: join(dir.dir, 'home'), databaseUrl: undefined });
    try {
      await ledger.ensureAccount('paper', DEFAULT_ACCOUNT_SETTINGS);
      const cached = cachedLedger(ledger, new AccountCache(cache, 'own:'));
      await cached.positions('paper');
      expect(await admin.exists(`${PREFIX}own:a:paper:positions`)).toBe(1);
    } finally {
      await ledger.close();
      await cache.close();
      dir.cleanup();
    }
  });

  it('reads latest prices through Redis, and an ingest of newer bars is seen at once', async () => {
    const dir = tempDir('cift-cache-');
    const cache = await RedisCache.open(REDIS_URL, { prefix: PREFIX });
    try {
      const home = dir.dir;
      const stores = await storesWith(home, { 'ZZZ-a': barsCsv(['2024-01-02', '2024-01-03'], 50) });
      let storeReads = 0;
      const counted = new Proxy(stores.market, {
        get(t, p, r) {
          if (p === 'latest') return (...a: Parameters<typeof t.latest>) => (storeReads++, t.latest(...a));
          const v = Reflect.get(t, p, r) as unknown;
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
        },
      });
      const market = withPriceCache(counted, cache, 'prices:');
      // Bars only: latestPrice asks for quotes, trades, then bars; "none" is cached as well as the bar.
      expect((await latestPrice(market, 'ZZZ'))?.buy).toBe(50);
      expect(storeReads).toBe(3);
      expect((await latestPrice(market, 'ZZZ'))?.buy).toBe(50);
      expect(storeReads, 'the second read is answered by Redis').toBe(3);
      // A second process (another cache client, nothing in memory) gets the same answer from Redis.
      const other = await RedisCache.open(REDIS_URL, { prefix: PREFIX });
      expect((await latestPrice(withPriceCache(counted, other, 'prices:'), 'ZZZ'))?.buy).toBe(50);
      await other.close();
      expect(storeReads).toBe(3);
      await addBars(stores, home, 'ZZZ-b', barsCsv(['2024-01-04', '2024-01-05'], 60));
      expect((await latestPrice(market, 'ZZZ'))?.buy, 'the newer file changes the key').toBe(60);
      expect(storeReads).toBe(6);
      await stores.close();
    } finally {
      await cache.close();
      dir.cleanup();
    }
  });

  it('stays correct when its connection is killed mid-run (CLIENT KILL), and uses Redis again once reconnected', async () => {
    const dir = tempDir('cift-cache-');
    const cache = await RedisCache.open(REDIS_URL, { prefix: PREFIX });
    const real = await openLedger({ home: join(dir.dir, 'home'), databaseUrl: undefined });
    const faults: CacheFault[] = [];
    const stop = onCacheFault((f) => faults.push(f));
    try {
      await real.ensureAccount('paper', DEFAULT_ACCOUNT_SETTINGS);
      let ledgerReads = 0;
      const counting = new Proxy(real, {
        get(t, p, r) {
          if (p === 'positions') return (a: string) => (ledgerReads++, t.positions(a));
          const v = Reflect.get(t, p, r) as unknown;
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
        },
      }) as Ledger;
      const cached = cachedLedger(counting, new AccountCache(cache, 'kill:'));
      expect(await cached.positions('paper')).toEqual([]);
      const id = await cache.clientId();
      // The connection this cache uses, as the server lists it, is the one killed.
      expect(await admin.client('LIST', 'ID', String(id))).toMatch(new RegExp(`^id=${id} `));
      expect(await admin.client('KILL', 'ID', String(id))).toBe(1);
      // Right after the kill: the fill's invalidation may not reach Redis; the reads must still show the fill.
      const r = await submitOrder(cached, bars100, { account: 'paper', symbol: 'GOOG', side: 'buy', quantity: dec('10') });
      expect(r.order.status).toBe('filled');
      expect(fmt((await cached.positions('paper'))[0].quantity)).toBe('10.000000');
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('99000.000000');
      // ioredis reconnects by itself; then reads are cached again (one more ledger read at most, then hits).
      const deadline = Date.now() + 10_000;
      let newId: number | undefined;
      while (newId === undefined && Date.now() < deadline) {
        newId = await cache.clientId().catch(() => undefined);
        if (newId === undefined) await new Promise((res) => setTimeout(res, 50));
      }
      expect(newId, 'reconnected with a new connection').not.toBe(id);
      expect(fmt((await cached.positions('paper'))[0].quantity)).toBe('10.000000');
      const before = ledgerReads;
      expect(fmt((await cached.positions('paper'))[0].quantity)).toBe('10.000000');
      expect(ledgerReads, 'answered by Redis again').toBe(before);
    } finally {
      stop();
      await real.close();
      await cache.close();
      dir.cleanup();
    }
  });

  it('answers from the ledger when its Redis dies (a private redis-server, killed), reporting the fault', async () => {
    const server = await startPrivateRedis();
    const dir = tempDir('cift-cache-');
    const cache = await RedisCache.open(server.url, { prefix: PREFIX, timeoutMs: 500 });
    const real = await openLedger({ home: join(dir.dir, 'home'), databaseUrl: undefined });
    const faults: CacheFault[] = [];
    const stop = onCacheFault((f) => faults.push(f));
    try {
      await real.ensureAccount('paper', DEFAULT_ACCOUNT_SETTINGS);
      const cached = cachedLedger(real, new AccountCache(cache, 'dead:'));
      expect(await cached.positions('paper')).toEqual([]);
      await server.kill();
      const t0 = Date.now();
      const r = await submitOrder(cached, bars100, { account: 'paper', symbol: 'GOOG', side: 'buy', quantity: dec('10') });
      expect(r.order.status).toBe('filled');
      expect(fmt((await cached.positions('paper'))[0].quantity)).toBe('10.000000');
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('99000.000000');
      expect(Date.now() - t0, 'a dead Redis fails fast: no offline queue, no retries per request').toBeLessThan(2000);
      expect(faults.length).toBeGreaterThan(0);
      expect(faults.every((f) => f.where === `${server.url}`), 'faults name the URL').toBe(true);
    } finally {
      stop();
      await real.close();
      await cache.close();
      await server.kill();
      dir.cleanup();
    }
  });
});
