/**
 * The ledger contract on the cached ledger: the decorator must change no answer. In-process cache over the
 * embedded ledger (what `cift` uses without Redis), and Redis over PostgreSQL (several opens share the cache, as
 * processes do), under a random key prefix deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { AccountCache } from '../../../src/store/cache/account-cache.js';
import { cachedLedger } from '../../../src/store/cache/cached-ledger.js';
import { MemoryCache } from '../../../src/store/cache/memory.js';
import { RedisCache } from '../../../src/store/cache/redis.js';
import { openLedger } from '../../../src/store/ledger/open.js';
import { ledgerContract } from '../../contracts/ledger.contract.js';
import { tempDir } from '../../helpers.js';
import { freshPostgresDatabase, hasPostgres, hasRedis, REDIS_URL } from '../../services.js';

ledgerContract('embedded DuckDB, cached in-process', async () => {
  const tmp = tempDir();
  return {
    open: async () => cachedLedger(await openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined }), new AccountCache(new MemoryCache(), '')),
    cleanup: async () => tmp.cleanup(),
  };
});

const redisCaches: RedisCache[] = [];
afterAll(async () => {
  for (const c of redisCaches) {
    await c.dropAll();
    await c.close();
  }
});

ledgerContract(
  'PostgreSQL, cached in Redis',
  async () => {
    const db = await freshPostgresDatabase();
    const cache = await RedisCache.open(REDIS_URL, { prefix: `cift-test-${randomBytes(6).toString('hex')}:` });
    redisCaches.push(cache);
    return { open: async () => cachedLedger(await openLedger({ home: '/nonexistent', databaseUrl: db.url }), new AccountCache(cache, 'l:')), cleanup: db.drop };
  },
  { skip: !(hasPostgres && hasRedis) },
);
