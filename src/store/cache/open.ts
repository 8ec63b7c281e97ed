/**
 * The process's cache, chosen from Settings: Redis with CIFT_REDIS_URL (--redis-url), else in-process. One per
 * process and URL, opened on first use (ioredis is loaded then, not before), closed by closeCaches() when the
 * command ends. Keys are namespaced by what they describe: prices by the data folder (its tick store), account
 * state by the ledger (two folders on one PostgreSQL share accounts, so they must share invalidations too).
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../../config.js';
import { MemoryCache } from './memory.js';
import { closeCaches, opened } from './opened.js';
import type { Cache } from './types.js';

export type CacheSettings = Pick<Settings, 'home'> & { redisUrl?: string };

/** Every Redis key cift writes starts with this. */
export const REDIS_PREFIX = 'cift:';


/** The shared cache for these settings: Redis when a URL is set, else the process's in-process LRU. */
export function sharedCache(settings: { redisUrl?: string }): Promise<Cache> {
  const id = settings.redisUrl ?? 'memory';
  let cache = opened.get(id);
  if (cache === undefined) {
    cache = settings.redisUrl === undefined ? Promise.resolve(new MemoryCache()) : import('./redis.js').then((m) => m.RedisCache.open(settings.redisUrl!, { prefix: REDIS_PREFIX }));
    opened.set(id, cache);
  }
  return cache;
}

export { closeCaches };

const id = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Without the password: the same database whatever credentials reach it. */
function databaseIdentity(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return `${u.hostname}:${u.port}${u.pathname}`;
  } catch {
    return url;
  }
}

/** Namespace of the ledger's account entries: the PostgreSQL database, or the embedded ledger's folder. */
export const ledgerNamespace = (s: Pick<Settings, 'home' | 'databaseUrl'>): string => `l:${id(s.databaseUrl ? `pg:${databaseIdentity(s.databaseUrl)}` : `duckdb:${s.home}`)}:`;

/** Namespace of the tick store's prices: the data folder. */
export const ticksNamespace = (s: Pick<Settings, 'home'>): string => `t:${id(s.home)}:`;
