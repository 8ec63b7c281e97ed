/** The cached ledger over the in-process LRU (the default cache); the same suite runs on Redis in redis-live.test.ts. */
import { MemoryCache } from '../../../src/store/cache/memory.js';
import { accountCacheSuite } from './account-suite.js';

accountCacheSuite('the in-process LRU', async () => new MemoryCache());
