/** Every place the ledger's SQL differs between DuckDB and PostgreSQL. */
import type { Dialect } from './sql.js';

/**
 * Row lock for the account being traded. PostgreSQL locks the row until commit, serialising submits per account
 * across connections and processes. DuckDB has no row locks; its ledger serialises transactions in-process and
 * its file lock keeps other processes out.
 */
export const forUpdate = (d: Dialect): string => (d === 'postgres' ? ' FOR UPDATE' : '');

/** Serialises concurrent first connects while migrations run (DuckDB: the file lock already does). */
export const migrationLock = (d: Dialect): string | undefined => (d === 'postgres' ? 'SELECT pg_advisory_xact_lock(4242001)' : undefined);
