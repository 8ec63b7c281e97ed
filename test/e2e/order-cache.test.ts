/**
 * `cift order` with CIFT_REDIS_URL: orders and positions through the shared Redis (a fill in one process is seen
 * by the next, whose cached positions it invalidated), a dead Redis (a private redis-server, killed) noted once on
 * stderr while the answer still comes from the ledger, and a bad URL refused naming the flag. GOOG ships in data/,
 * so a fresh CIFT_HOME has prices; the expected fill is the last close of data/GOOG.csv, read here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_PREFIX, ledgerNamespace, ticksNamespace } from '../../src/store/cache/open.js';
import { ROOT, cift, tempDir } from '../helpers.js';
import { hasRedis, REDIS_URL } from '../services.js';
import { startPrivateRedis } from '../store/cache/private-redis.js';

const tmp = tempDir();
const homes: string[] = [];
afterAll(async () => {
  if (hasRedis) {
    // The keys these homes' runs wrote, by their namespaces; nothing else on the shared server.
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    for (const home of homes) {
      for (const ns of [ledgerNamespace({ home, databaseUrl: undefined }), ticksNamespace({ home })]) {
        const keys = await admin.keys(`${REDIS_PREFIX}${ns}*`);
        if (keys.length) await admin.del(...keys);
      }
    }
    admin.disconnect();
  }
  tmp.cleanup();
});

/** The last close of the shipped GOOG bars, read from the CSV (header: ,Open,High,Low,Close,Volume). */
const lastClose = Number(readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8').trim().split('\n').at(-1)!.split(',')[4]);
const money = (x: number) => x.toFixed(6);

describe.skipIf(!hasRedis)('cift order with CIFT_REDIS_URL', () => {
  it('buys GOOG and shows the position, and a later fill in another process is never hidden by the cache', () => {
    const home = join(tmp.dir, 'shared-redis');
    homes.push(home);
    const env = { CIFT_REDIS_URL: REDIS_URL };
    const buy = cift(['order', 'buy', 'GOOG', '10', '--json'], { home, env });
    expect(buy.status, buy.stderr).toBe(0);
    expect(buy.stderr).toBe('');
    expect(JSON.parse(buy.stdout).fill.price).toBe(money(lastClose));
    const positions = () => JSON.parse(cift(['order', 'positions', '--json'], { home, env }).stdout);
    expect(positions()).toEqual([{ symbol: 'GOOG', quantity: '10.000000', avg_cost: money(lastClose), realized_pnl: '0.000000' }]);
    expect(positions(), 'now from the cache: the same').toEqual([{ symbol: 'GOOG', quantity: '10.000000', avg_cost: money(lastClose), realized_pnl: '0.000000' }]);
    expect(cift(['order', 'buy', 'GOOG', '5'], { home, env }).status).toBe(0);
    expect(positions()[0].quantity, 'the second fill invalidated the cached positions').toBe('15.000000');
    const portfolio = JSON.parse(cift(['order', 'portfolio', '--json'], { home, env }).stdout);
    // Cash account (leverage 1): buying power = equity − gross = 100000 − 15 × close (marked at the same close).
    expect(portfolio.buying_power).toBe(money(100000 - 15 * lastClose));
  });

  it('answers from the ledger when Redis is gone, saying so once on stderr', async () => {
    const server = await startPrivateRedis();
    const home = join(tmp.dir, 'dead-redis');
    const env = { CIFT_REDIS_URL: server.url };
    try {
      expect(cift(['order', 'buy', 'GOOG', '10'], { home, env }).status).toBe(0);
      expect(cift(['order', 'positions', '--json'], { home, env }).status).toBe(0); // cached now
      await server.kill();
      expect(cift(['order', 'buy', 'GOOG', '2'], { home, env }).status).toBe(0);
      const r = cift(['order', 'positions', '--json'], { home, env });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)[0].quantity).toBe('12.000000');
      const lines = r.stderr.trim().split('\n');
      expect(lines, 'one note').toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^cift: cache ${server.url.replace(/[.]/g, '\\.')} unavailable \\(.*ECONNREFUSED.*\\); reading from the ledger and the tick store$`));
    } finally {
      await server.kill();
    }
  });
});

describe('--redis-url', () => {
  it('refuses a URL that is not redis://, naming the flag, exit 2', () => {
    const r = cift(['--redis-url', 'http://127.0.0.1:6379', 'order', 'positions'], { home: join(tmp.dir, 'bad-url') });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('cift: --redis-url is not a Redis URL');
  });
});
