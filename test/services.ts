/**
 * Real servers for store tests. PostgreSQL: each suite gets a freshly created database, dropped afterwards.
 * Without a server the suite skips and says why; with CIFT_TEST_REQUIRE_SERVICES=1 (CI) it fails instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.CIFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_SERVICES = process.env.CIFT_TEST_REQUIRE_SERVICES === '1';

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = await reachable(PG_URL);
if (pgProblem && REQUIRE_SERVICES) throw new Error(`CIFT_TEST_REQUIRE_SERVICES=1 but PostgreSQL at ${PG_URL} is unreachable: ${pgProblem}`);
if (pgProblem) console.warn(`skipping PostgreSQL tests: ${PG_URL} is unreachable (${pgProblem})`);
export const hasPostgres = pgProblem === undefined;

/** Creates an empty database and returns its URL and a function that drops it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cift_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Redis for the cache (and bus) live suites: the shared server; tests use their own key prefix and never stop it. */
export const REDIS_URL = process.env.CIFT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(url: string): Promise<string | undefined> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    client.disconnect();
  }
}

const redisProblem = await redisReachable(REDIS_URL);
if (redisProblem && REQUIRE_SERVICES) throw new Error(`CIFT_TEST_REQUIRE_SERVICES=1 but Redis at ${REDIS_URL} is unreachable: ${redisProblem}`);
if (redisProblem) console.warn(`skipping Redis tests: ${REDIS_URL} is unreachable (${redisProblem})`);
export const hasRedis = redisProblem === undefined;
