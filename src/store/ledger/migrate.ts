/** Applies migrations/*.sql in order, once each, recording them in cift_migrations. Runs on first connect. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../config.js';
import { CiftError } from '../../errors.js';
import { migrationLock } from './dialect.js';
import type { SqlDatabase } from './sql.js';

const MIGRATIONS_DIR = join(packageRoot(), 'src', 'store', 'ledger', 'migrations');

/** Migration files are named VERSION_what.sql. */
const migrationNames = (): string[] =>
  readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
const versionOf = (name: string): number => Number(name.split('_')[0]);

export function migrationFiles(): Array<{ version: number; name: string; sql: string }> {
  return migrationNames().map((f) => ({ version: versionOf(f), name: f, sql: readFileSync(join(MIGRATIONS_DIR, f), 'utf8') }));
}

/** Splits a migration into statements (no semicolons inside strings in our migrations). */
const statements = (sql: string): string[] =>
  sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);

export async function migrate(db: SqlDatabase): Promise<number[]> {
  // The usual open finds every migration applied: one read says so, without the migration transaction (its lock,
  // DDL and commit cost every `cift order` a few ms). Migrations are only ever added, so "all applied" stays true.
  if (await allApplied(db)) return [];
  return db.transaction(async (tx) => {
    const lock = migrationLock(db.dialect);
    if (lock) await tx.query(lock);
    await tx.query('CREATE TABLE IF NOT EXISTS cift_migrations (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_ns BIGINT NOT NULL)');
    const done = new Set((await tx.query('SELECT version FROM cift_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrationFiles()) {
      if (done.has(m.version)) continue;
      try {
        for (const s of statements(m.sql)) await tx.query(s);
      } catch (e) {
        // A migration the stored data refuses (say, duplicate client order ids for a new unique index): name it
        // rather than fail with the database's bare message. The transaction rolls back, leaving the ledger as it was.
        throw new CiftError('STORE_UNAVAILABLE', `cannot upgrade the ledger with ${m.name}: ${(e as Error).message.split('\n')[0]}`, 'the ledger is unchanged; fix or export the conflicting rows, or use a new CIFT_HOME / database');
      }
      await tx.query('INSERT INTO cift_migrations (version, name, applied_ns) VALUES ($1, $2, $3)', [m.version, m.name, String(BigInt(Date.now()) * 1_000_000n)]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Whether cift_migrations lists every migration file's version (false when the table does not exist yet). */
async function allApplied(db: SqlDatabase): Promise<boolean> {
  let rows;
  try {
    rows = await db.query('SELECT version FROM cift_migrations');
  } catch {
    return false; // a new ledger: the transaction creates the table
  }
  const done = new Set(rows.map((r) => Number(r.version)));
  return migrationNames().every((f) => done.has(versionOf(f)));
}
