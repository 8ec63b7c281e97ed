/**
 * The ledger on PostgreSQL through a `pg` pool. Each transaction holds one pooled client from BEGIN to
 * COMMIT; concurrent submits for one account serialise on its row lock (SELECT … FOR UPDATE). A query outside a
 * transaction takes another pooled client, so it runs while a transaction is open and sees committed data only.
 *
 * As on the embedded ledger, a writer waits for a lock at most the lock timeout (PostgreSQL's lock_timeout) and
 * then fails with LEDGER_LOCKED naming the session holding the account rows; every cift session labels itself
 * with its pid and command line (application_name) so that name says which process to stop.
 */
import type * as PgApi from 'pg';
import { CiftError } from '../../errors.js';
import { requireClient } from '../require-client.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './duckdb.js';
import { commandLine } from './lock-holder.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';

export interface PostgresOptions {
  max?: number;
  lockTimeoutMs?: number;
}

/** The sessions holding row locks on accounts (SELECT … FOR UPDATE takes ROW SHARE on the table while it lasts). */
const ACCOUNT_LOCK_HOLDERS = `SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.relation = to_regclass('accounts') AND l.mode = 'RowShareLock' AND l.granted AND a.pid <> pg_backend_pid()`;

/** `createdb …` for the database a URL names, when the URL is one we can read. */
function createDbHint(url: string): string | undefined {
  try {
    const u = new URL(url);
    const name = decodeURIComponent(u.pathname.slice(1));
    if (!name || !u.hostname) return undefined;
    return `create it first: createdb -h ${u.hostname} -p ${u.port || 5432}${u.username ? ` -U ${decodeURIComponent(u.username)}` : ''} ${name}`;
  } catch {
    return undefined;
  }
}

/** Per pooled connection, the statements it has prepared (see SqlDatabase.script). */
const preparedOn = new WeakMap<object, Set<string>>();

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<SqlDatabase> {
  const pg = requireClient('pg') as typeof PgApi;
  const lockTimeoutMs = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // lock_timeout 0 means "wait forever" to PostgreSQL; the smallest real bound is 1 ms, the largest 2^31 − 1.
    lock_timeout: Math.min(2 ** 31 - 1, Math.max(1, Math.round(lockTimeoutMs))),
    fallback_application_name: `cift[${process.pid}] ${commandLine(process.argv.slice(2))}`.slice(0, 63),
  } as ConstructorParameters<typeof pg.Pool>[0]);
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  const redact = url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  // A server with every connection slot taken (53300) or still starting (57P03) is busy, not absent: wait for
  // it as a writer waits for the embedded ledger, up to the lock timeout.
  const deadline = Date.now() + lockTimeoutMs;
  for (let backoff = 20; ; backoff = Math.min(backoff * 2, 500)) {
    try {
      await pool.query('SELECT 1');
      break;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code === '53300' || code === '57P03') && Date.now() + backoff < deadline) {
        await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random())));
        continue;
      }
      await pool.end().catch(() => undefined);
      // 3D000 invalid_catalog_name: the server is there but the database is not; cift does not create it for you.
      const hint = (code === '3D000' && createDbHint(url)) || 'check CIFT_DATABASE_URL, or unset it to use the embedded ledger';
      throw new CiftError('STORE_UNAVAILABLE', `cannot reach PostgreSQL at ${redact}: ${(e as Error).message.split('\n')[0]}`, hint);
    }
  }
  const rows = async (runner: { query: (sql: string, params?: unknown[]) => Promise<{ rows: Row[] }> }, sql: string, params: readonly unknown[] = []) =>
    (await runner.query(sql, [...params])).rows;

  const lockedError = async (): Promise<CiftError> => {
    const holders = await rows(pool, ACCOUNT_LOCK_HOLDERS).catch(() => []);
    const who = holders.length ? holders.map((h) => `pid ${h.pid}${h.application_name ? ` (${h.application_name})` : ''}`).join(', ') : 'another session';
    return new CiftError(
      'LEDGER_LOCKED',
      `LEDGER_LOCKED: the ledger at ${redact} is locked by PostgreSQL session ${who}, still busy after the ${lockTimeoutMs / 1000} s lock timeout`,
      'wait for it to finish or end that session (pg_terminate_backend), or wait longer with --lock-timeout SECONDS',
    );
  };

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
        // 55P03 lock_not_available: lock_timeout expired while waiting for another session's lock.
        if ((e as { code?: string }).code === '55P03') throw await lockedError();
        throw e;
      } finally {
        client.release();
      }
    },
    script: async (sql, prepared = []) => {
      const client = await pool.connect();
      let broken = false;
      try {
        const done = preparedOn.get(client) ?? new Set<string>();
        const missing = prepared.filter((p) => !done.has(p.name));
        const text = [...missing.map((p) => `PREPARE ${p.name} ${p.definition}`), sql].join(';\n');
        // No parameters: the simple-query protocol, which takes several statements in one message.
        const results = (await client.query(text)) as unknown as { rows: Row[] } | Array<{ rows: Row[] }>;
        for (const p of missing) done.add(p.name);
        preparedOn.set(client, done);
        return (Array.isArray(results) ? results : [results]).slice(missing.length).map((r) => r.rows);
      } catch (e) {
        // The error left the script's transaction open and aborted, and which statements got prepared is unclear:
        // the connection is closed rather than returned to the pool.
        broken = true;
        if ((e as { code?: string }).code === '55P03') throw await lockedError();
        throw e;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
