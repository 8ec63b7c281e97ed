/**
 * The cache port: string values under string keys, each with a time to live. Two adapters: memory.ts (an
 * in-process LRU, the default) and redis.ts (ioredis, with CIFT_REDIS_URL). What is cached and how it is kept
 * correct lives above the port: account-cache.ts (generation-guarded account state) and cached-market.ts (prices).
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  /** For messages: "in-process", or the Redis URL without its password. */
  readonly where: string;
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip, in order; a missing key is undefined. */
  mget(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** Resolves when the cache answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
