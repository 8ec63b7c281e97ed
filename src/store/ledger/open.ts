/** Opens the ledger the settings ask for: PostgreSQL when CIFT_DATABASE_URL is set, else DuckDB in $CIFT_HOME. */
import { join } from 'node:path';
import type { Settings } from '../../config.js';
import { openDuckDb } from './duckdb.js';
import { migrate } from './migrate.js';
import { openPostgres } from './postgres.js';
import { SqlLedger } from './sql-ledger.js';
import type { Ledger } from './types.js';

export async function openLedger(settings: Pick<Settings, 'home' | 'databaseUrl'>): Promise<Ledger> {
  const db = settings.databaseUrl ? await openPostgres(settings.databaseUrl) : await openDuckDb(join(settings.home, 'ledger.duckdb'));
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return new SqlLedger(db);
}
