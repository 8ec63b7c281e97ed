/** Opens the ledger the settings ask for: PostgreSQL when CIFT_DATABASE_URL is set, else DuckDB in $CIFT_HOME. */
import { join } from 'node:path';
import type { Settings } from '../../config.js';
import { openDuckDb } from './duckdb.js';
import { migrate } from './migrate.js';
import { openPostgres } from './postgres.js';
import { SqlLedger } from './sql-ledger.js';
import type { Ledger } from './types.js';

export interface LedgerOptions {
  /** How long a writer waits for another process's lock before LEDGER_LOCKED (default 10 s). */
  lockTimeoutMs?: number;
}

export async function openLedger(settings: Pick<Settings, 'home' | 'databaseUrl'>, opts: LedgerOptions = {}): Promise<Ledger> {
  const db = settings.databaseUrl ? await openPostgres(settings.databaseUrl, opts) : await openDuckDb(join(settings.home, 'ledger.duckdb'), opts);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return new SqlLedger(db);
}
