/**
 * The Redis cache (ioredis), for several processes (servers, CLI runs) sharing one cache. It must never make a
 * command hang or fail: no offline queue (a command while disconnected fails at once instead of waiting), one try
 * per request, short connect and command timeouts; ioredis reconnects in the background, so the cache comes back
 * by itself after an outage. Callers treat every failure as a miss (faults.ts). Every key gets this cache's prefix.
 *
 * ioredis is imported when a cache is opened, not when this module is: commands that use no cache never load it.
 */
import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { requireClient } from '../require-client.js';
import { CiftError } from '../../errors.js';
import { reportCacheFault } from './faults.js';
import type { Cache } from './types.js';

export interface RedisCacheOptions {
  /** Put before every key, e.g. "cift:" (tests use a random one). */
  prefix: string;
  /** Connect and command timeouts (default 1000 ms): a dead or frozen Redis fails a read this fast. */
  timeoutMs?: number;
}

/** The URL to show: the password replaced. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Throws USAGE naming the setting when the URL is no redis:// or rediss:// URL. */
export function checkRedisUrl(url: string, from = 'CIFT_REDIS_URL'): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '') {
    throw new CiftError('USAGE', `${from} "${redactRedisUrl(url)}" is not a Redis URL`, 'use redis://HOST:PORT[/DB] (rediss:// for TLS), e.g. redis://127.0.0.1:6379');
  }
}

export class RedisCache implements Cache {
  readonly kind = 'redis';

  /** The last connection error, to say why a command was not sent. */
  private lastError = 'not connected yet';

  private constructor(
    private readonly client: Redis,
    readonly where: string,
    private readonly prefix: string,
  ) {
    client.on('error', (e: Error) => (this.lastError = e.message.split('\n')[0]));
  }

  private notConnected(): Error {
    return new Error(`not connected (${this.lastError}); reconnecting in the background`);
  }

  /**
   * Runs a command when connected; else, or when the connection dropped while the command was sent, a clear error
   * (ioredis's own is "Stream isn't writeable and enableOfflineQueue options is false").
   */
  private async call<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') throw this.notConnected();
    try {
      return await command(this.client);
    } catch (e) {
      if (/Stream isn't writeable/.test((e as Error).message ?? '')) throw this.notConnected();
      throw e;
    }
  }

  /**
   * Connects (waiting at most the timeout). A Redis that does not answer is no error: the fault is reported, reads
   * miss, and the client keeps reconnecting in the background until close().
   */
  static async open(url: string, opts: RedisCacheOptions): Promise<RedisCache> {
    checkRedisUrl(url);
    const where = redactRedisUrl(url);
    const timeout = opts.timeoutMs ?? 1000;
    const { Redis: Client } = requireClient('ioredis') as typeof IoRedis;
    const client = new Client(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeout,
      commandTimeout: timeout,
      // How long close() lets a socket end before destroying it; ioredis's 2 s would keep a CLI run alive that long
      // after an outage (the dead socket never reports its close again).
      disconnectTimeout: 50,
      // Back off up to 2 s between reconnects; never give up (a server keeps trying; the CLI closes the client).
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    });
    // Without a listener ioredis prints every connection error itself.
    client.on('error', (e: Error) => reportCacheFault({ where, op: 'connection', message: e.message.split('\n')[0] }));
    const cache = new RedisCache(client, where, opts.prefix);
    try {
      await client.connect();
    } catch {
      // Reported by the 'error' listener; reconnecting in the background.
    }
    return cache;
  }

  /** The connection's id on the server (CLIENT ID), for tests that kill it. */
  async clientId(): Promise<number> {
    return (await this.call((r) => r.client('ID'))) as number;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.call((r) => r.get(this.prefix + key))) ?? undefined;
  }

  async mget(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    return (await this.call((r) => r.mget(keys.map((k) => this.prefix + k)))).map((v) => v ?? undefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.call((r) => r.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async del(keys: readonly string[]): Promise<void> {
    if (keys.length) await this.call((r) => r.del(...keys.map((k) => this.prefix + k)));
  }

  /** Deletes every key under this cache's prefix (SCAN, never FLUSHDB: the server may be shared). For tests and benches. */
  async dropAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.call((r) => r.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000));
      if (keys.length) await this.call((r) => r.del(...keys));
      cursor = next;
    } while (cursor !== '0');
  }

  async ping(): Promise<void> {
    await this.call((r) => r.ping());
  }

  async close(): Promise<void> {
    // disconnect(), not quit(): quit waits for an answer a dead server never sends.
    this.client.disconnect();
  }
}
