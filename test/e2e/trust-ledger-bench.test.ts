/**
 * `cift bench --suite trading` leaves nothing behind (issue 8, items 7 and 15): it used to write 520 orders into
 * the database CIFT_DATABASE_URL named, and to skip PostgreSQL without a word when it could not connect.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import pg from 'pg';
import { withScratchPostgres } from '../../src/store/ledger/scratch.js';
import { cift, tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres, PG_URL } from '../services.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

async function sql<T extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const userTables = (url: string) => sql<{ name: string }>(url, "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
const benchDatabases = () => sql<{ datname: string }>(PG_URL, "SELECT datname FROM pg_database WHERE datname LIKE 'cift_bench_%' ORDER BY 1");
const benchSchemas = (url: string) => sql<{ nspname: string }>(url, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cift_bench_%'");

describe.skipIf(!hasPostgres)('the trading bench on PostgreSQL', () => {
  it('benches in a scratch database it drops: the target database gains no rows, the server no databases', { timeout: 180_000 }, async () => {
    const target = await freshPostgresDatabase();
    try {
      const databasesBefore = await benchDatabases();
      const r = cift(['bench', '--suite', 'trading', '--repeat', '1', '--warmup', '0', '--json'], { home: join(tmp.dir, 'home'), env: { CIFT_DATABASE_URL: target.url } });
      expect(r.status, r.stderr).toBe(0);
      const names = JSON.parse(r.stdout).cases.map((c: { name: string }) => c.name);
      expect(names, 'PostgreSQL was benched, not skipped').toContain('order submit (PostgreSQL)');
      expect(await userTables(target.url), 'no ledger tables (and so no orders) in the database the user named').toEqual([]);
      expect(await benchDatabases(), 'the scratch database was dropped').toEqual(databasesBefore);
    } finally {
      await target.drop();
    }
  });

  it('drops its scratch database when the work fails', async () => {
    let scratchName = '';
    await expect(
      withScratchPostgres(PG_URL, async (url) => {
        scratchName = new URL(url).pathname.slice(1);
        await sql(url, 'CREATE TABLE half_done (x INTEGER)');
        throw new Error('bench case failed its check');
      }),
    ).rejects.toThrow('bench case failed its check');
    expect(scratchName).toMatch(/^cift_bench_[0-9a-f]{12}$/);
    expect(await sql(PG_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [scratchName]), 'dropped despite the failure').toEqual([]);
  });

  it('uses and drops a schema of its own when the role may not create databases', async () => {
    const target = await freshPostgresDatabase();
    const role = `cift_nocreatedb_${Math.random().toString(36).slice(2, 10)}`;
    const dbName = new URL(target.url).pathname.slice(1);
    await sql(PG_URL, `CREATE ROLE ${role} LOGIN NOCREATEDB`);
    try {
      await sql(PG_URL, `GRANT CREATE ON DATABASE ${dbName} TO ${role}`);
      const asRole = new URL(target.url);
      asRole.username = role;
      let schemaSeen = '';
      await withScratchPostgres(asRole.toString(), async (url) => {
        schemaSeen = /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1] ?? '';
        await sql(url, 'CREATE TABLE orders (x INTEGER)');
        expect(await userTables(target.url), 'the work landed in the scratch schema').toEqual([{ name: `${schemaSeen}.orders` }]);
      });
      expect(schemaSeen).toMatch(/^cift_bench_/);
      expect(await benchSchemas(target.url), 'the schema was dropped').toEqual([]);
      expect(await userTables(target.url)).toEqual([]);
    } finally {
      await target.drop();
      await sql(PG_URL, `DROP ROLE IF EXISTS ${role}`);
    }
  });
});

describe('the trading bench when PostgreSQL cannot be reached', () => {
  it('fails saying so (and how to bench the embedded ledger only) instead of silently skipping', { timeout: 120_000 }, () => {
    const r = cift(['bench', '--suite', 'trading', '--repeat', '1', '--warmup', '0'], { home: join(tmp.dir, 'home-down'), env: { CIFT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'cift: trading bench: cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/nowhere: connect ECONNREFUSED 127.0.0.1:1\nhint: start PostgreSQL or set CIFT_DATABASE_URL; CIFT_BENCH_POSTGRES=off benches the embedded ledger only\n',
    );
  });
});
