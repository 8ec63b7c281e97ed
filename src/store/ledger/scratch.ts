/**
 * A throwaway PostgreSQL ledger for benchmarks: a new database on the server the URL names (or, for a role that
 * may not create databases, a new schema in the URL's database), dropped again whether the work succeeds or
 * throws. A benchmark must never leave orders in the database a user trades in.
 */
import { randomBytes } from 'node:crypto';
import type * as PgApi from 'pg';
import { CiftError } from '../../errors.js';
import { requireClient } from '../require-client.js';

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');

export async function withScratchPostgres<T>(url: string, work: (scratchUrl: string) => Promise<T>): Promise<T> {
  const pg = requireClient('pg') as typeof PgApi;
  const name = `cift_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (e) {
    await admin.end().catch(() => undefined);
    throw new CiftError('STORE_UNAVAILABLE', `cannot reach PostgreSQL at ${redact(url)}: ${(e as Error).message.split('\n')[0]}`, 'start it, or point CIFT_DATABASE_URL at a server where cift may create a scratch database');
  }
  try {
    const scratch = new URL(url);
    let drop: string;
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      scratch.pathname = `/${name}`;
      // FORCE: a connection the work failed to close must not keep the database alive.
      drop = `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;
    } catch (e) {
      // 42501 insufficient_privilege: no CREATEDB, so a schema of our own in the URL's database instead.
      if ((e as { code?: string }).code !== '42501') throw e;
      await admin.query(`CREATE SCHEMA ${name}`).catch((schemaError: Error) => {
        throw new CiftError('STORE_UNAVAILABLE', `cannot create a scratch database or schema at ${redact(url)}: ${schemaError.message.split('\n')[0]}`, 'grant the role CREATEDB, or CREATE on its database');
      });
      scratch.searchParams.set('options', `-c search_path=${name}`);
      drop = `DROP SCHEMA IF EXISTS ${name} CASCADE`;
    }
    try {
      return await work(scratch.toString());
    } finally {
      await admin.query(drop);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}
