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

/**
 * Serialises submits that use the same client order id in different accounts (their account row locks do not
 * meet), so two of them cannot both find the id unused. Taken after the account lock, always in that order.
 * DuckDB: its transactions already run one at a time in the one process that has the file.
 */
export const clientIdLock = (d: Dialect): string | undefined => (d === 'postgres' ? 'SELECT pg_advisory_xact_lock(4242002, hashtext($1))' : undefined);
