/**
 * The embedded ledger database: one DuckDB file in $CIFT_HOME. DuckDB's file lock keeps a second process out
 * (reported as LEDGER_LOCKED with the holder's pid); inside this process every statement goes through one queue,
 * so a transaction's statements never interleave with another caller's on the shared connection.
 */
import { dirname } from 'node:path';
import { CiftError } from '../../errors.js';
import { FolderError, makeDirectory } from '../../io/dirs.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';

type Reader = { getRowObjectsJson(): unknown[] };
type Prepared = { bind(values: unknown[]): void; clearBindings?(): void; runAndReadAll(): Promise<Reader> };
type DuckConnection = {
  runAndReadAll(sql: string, values?: unknown[]): Promise<Reader>;
  prepare(sql: string): Promise<Prepared>;
  closeSync?(): void;
  disconnectSync?(): void;
};

/** Files this process has open: DuckDB would hand a second open the same instance, and the ledger's remembered
 * state assumes it is the only writer. */
const openInProcess = new Set<string>();

export async function openDuckDb(path: string): Promise<SqlDatabase> {
  try {
    makeDirectory(dirname(path)); // not a recursive mkdirSync: that spins forever under /proc
  } catch (e) {
    if (e instanceof FolderError) throw new CiftError('STORE_UNAVAILABLE', `cannot create the ledger folder: ${e.reason}`, 'point CIFT_HOME (or --home) at a folder you can write to');
    throw e;
  }
  if (openInProcess.has(path)) {
    throw new CiftError('LEDGER_LOCKED', `the ledger ${path} is already open in this process (pid ${process.pid})`, 'share the open ledger instead of opening it twice');
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance: Awaited<ReturnType<typeof DuckDBInstance.create>>;
  try {
    // The ledger runs many tiny statements: one thread avoids DuckDB's parallel-scheduling overhead on each.
    instance = await DuckDBInstance.create(path, { threads: '1' });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pid = /PID (\d+)/.exec(message)?.[1];
    if (/lock/i.test(message)) {
      throw new CiftError('LEDGER_LOCKED', `the ledger ${path} is in use by another process${pid ? ` (pid ${pid})` : ''}`, 'wait for it to finish, or stop it (e.g. a running `cift serve`)');
    }
    throw new CiftError('STORE_UNAVAILABLE', `cannot open the ledger ${path}: ${message.split('\n')[0]}`);
  }
  const connection = (await instance.connect()) as unknown as DuckConnection;
  openInProcess.add(path);

  // Statements with parameters are prepared once and reused: DuckDB spends most of a small query parsing and
  // planning it.
  const prepared = new Map<string, Prepared>();
  const run = async (sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
    if (params.length === 0) return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Row[];
    let statement = prepared.get(sql);
    if (statement === undefined) {
      statement = await connection.prepare(sql);
      prepared.set(sql, statement);
    }
    statement.bind(params.map((p) => (p === null ? null : typeof p === 'number' && !Number.isInteger(p) ? String(p) : p)) as unknown[]);
    return (await statement.runAndReadAll()).getRowObjectsJson() as Row[];
  };
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const direct: SqlRunner = { query: run };

  return {
    dialect: 'duckdb',
    exclusive: true,
    query: (sql, params) => serialised(() => run(sql, params)),
    transaction: (fn) =>
      serialised(async () => {
        await run('BEGIN TRANSACTION');
        try {
          const result = await fn(direct);
          await run('COMMIT');
          return result;
        } catch (e) {
          await run('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    close: async () => {
      await queue;
      openInProcess.delete(path);
      connection.closeSync?.();
      connection.disconnectSync?.();
      (instance as unknown as { closeSync?(): void }).closeSync?.();
    },
  };
}
