/**
 * The ledger on PostgreSQL through a `pg` pool. Each transaction holds one pooled client from BEGIN to
 * COMMIT; concurrent submits for one account serialise on its row lock (SELECT … FOR UPDATE).
 */
import { CiftError } from '../../errors.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<SqlDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  const redact = url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new CiftError('STORE_UNAVAILABLE', `cannot reach PostgreSQL at ${redact}: ${(e as Error).message.split('\n')[0]}`, 'check CIFT_DATABASE_URL, or unset it to use the embedded ledger');
  }
  const rows = async (runner: { query: (sql: string, params?: unknown[]) => Promise<{ rows: Row[] }> }, sql: string, params: readonly unknown[] = []) =>
    (await runner.query(sql, [...params])).rows;
  return {
    dialect: 'postgres',
    exclusive: false,
    query: (sql, params) => rows(pool, sql, params),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: SqlRunner = { query: (sql, params) => rows(client, sql, params) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
