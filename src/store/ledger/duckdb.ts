/**
 * The embedded ledger database: one DuckDB file in $CIFT_HOME. DuckDB lets one process at a time open the file,
 * so a second `cift order …` waits its turn (commands hold the file for milliseconds) and reports LEDGER_LOCKED,
 * naming the holder's pid and command line, only when the file stays held past the lock timeout.
 *
 * Inside the process there are two connections on the one instance, as PostgreSQL has a pool: transactions run
 * one at a time on the first (a queue keeps their statements from interleaving), and plain queries run on the
 * second, so a query issued while a transaction is open resolves and sees only committed data.
 */
import { dirname } from 'node:path';
import type * as DuckDBApi from '@duckdb/node-api';
import { CiftError } from '../../errors.js';
import { FolderError, makeDirectory } from '../../io/dirs.js';
import { requireClient } from '../require-client.js';
import { claimLockFile, describeHolder, releaseLockFile, tryTakeLockFile } from './lock-holder.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';

type DuckValue = unknown;
type DuckChunk = { readonly rowCount: number; visitRowValues(row: number, visit: (value: DuckValue, row: number, column: number, type: unknown) => void): void };
/** A result the engine has already materialised: its chunks are read synchronously, no further round trip. */
type Materialized = { readonly chunkCount: number; getChunk(index: number): DuckChunk; deduplicatedColumnNames(): string[] };
/** A parameter's type as the statement's plan expects it (width and scale: DECIMAL only). */
type ParameterType = { readonly typeId: number; readonly width?: number; readonly scale?: number };
type Prepared = {
  readonly parameterCount: number;
  parameterType(index: number): ParameterType;
  bindValue(index: number, value: unknown, type?: ParameterType): void;
  run(): Promise<Materialized>;
};
/** The package's DECIMAL value, whose width and scale say exactly which DECIMAL type it is. */
type DecimalValueClass = new (value: bigint, width: number, scale: number) => unknown;
type Converter = (value: DuckValue, type: unknown, converter: Converter) => unknown;
type DuckConnection = {
  run(sql: string): Promise<Materialized>;
  prepare(sql: string): Promise<Prepared>;
  disconnectSync(): void;
};
type DuckInstance = { connect(): Promise<unknown>; closeSync(): void };
type DuckInstanceFactory = { create(path: string, options: Record<string, string>): Promise<unknown> };

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

export interface DuckDbOptions {
  /** How long to wait for another process to release the file (0: try once). */
  lockTimeoutMs?: number;
}

/** Files this process has open: DuckDB would hand a second open the same instance, and the ledger's remembered
 * state assumes it is the only writer. */
const openInProcess = new Set<string>();

/** How often a waiter polls the lock file (cheap: one failed link(2)). */
const LOCK_FILE_POLL_MS = 5;
/** How often a waiter tries DuckDB itself (a failed open costs a few ms of CPU). */
const DIRECT_PROBE_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLockConflict = (message: string): boolean => /could not set lock|conflicting lock/i.test(message);

function lockedError(path: string, message: string, timeoutMs: number): CiftError {
  const reported = /PID (\d+)/.exec(message)?.[1];
  const holder = describeHolder(path, reported === undefined ? undefined : Number(reported));
  const who = holder ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : 'another process';
  return new CiftError(
    'LEDGER_LOCKED',
    `LEDGER_LOCKED: the ledger ${path} is held by ${who}, still busy after the ${timeoutMs / 1000} s lock timeout`,
    'wait for it to finish or stop it, or wait longer with --lock-timeout SECONDS',
  );
}

/**
 * Opens the file, waiting while another process holds it. Waiters take turns through the lock file (cheap to
 * poll, see lock-holder.ts); the lock file's holder retries DuckDB's open with short jittered waits, and every
 * waiter also probes DuckDB directly now and then, so a stale or foreign lock file never blocks it.
 *
 * The timeout bounds how long one holder stays busy, not the length of the queue: while the ledger changes
 * hands the waiter is making progress, so fifty processes started together all get their turn, and only a
 * holder that keeps the ledger past the timeout is reported (LEDGER_LOCKED).
 */
async function openWhenFree(factory: DuckInstanceFactory, path: string, timeoutMs: number): Promise<DuckInstance> {
  let deadline = Date.now() + timeoutMs;
  let holder: string | undefined;
  const seeHolder = (who: string | undefined) => {
    if (who === undefined || who === holder) return;
    holder = who;
    deadline = Date.now() + timeoutMs;
  };
  let holdsLockFile = false;
  let nextDirectProbe = Date.now() + DIRECT_PROBE_MS;
  let backoff = 2;
  let lastConflict = '';
  const tryOpen = async (): Promise<DuckInstance | undefined> => {
    try {
      // The ledger runs many tiny statements: one thread avoids DuckDB's parallel-scheduling overhead on each.
      return (await factory.create(path, { threads: '1' })) as DuckInstance;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!isLockConflict(message)) throw new CiftError('STORE_UNAVAILABLE', `cannot open the ledger ${path}: ${message.split('\n')[0]}`);
      lastConflict = message;
      // Once this process is next in line, the holder that matters is the one DuckDB names.
      if (holdsLockFile) seeHolder(/PID (\d+)/.exec(message)?.[0]);
      return undefined;
    }
  };
  try {
    for (;;) {
      if (!holdsLockFile) {
        const taken = tryTakeLockFile(path);
        if (taken === true) {
          holdsLockFile = true;
          seeHolder(`lock file taken by ${process.pid}`); // the previous holder is done: progress
        } else seeHolder(taken.holder);
      }
      const now = Date.now();
      if (holdsLockFile || now >= nextDirectProbe || now >= deadline) {
        const instance = await tryOpen();
        if (instance) {
          if (!holdsLockFile) claimLockFile(path);
          holdsLockFile = false; // handed to the open database, which releases it on close
          return instance;
        }
        nextDirectProbe = now + DIRECT_PROBE_MS;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw lockedError(path, lastConflict, timeoutMs);
      // Jittered, so that waiters started together spread out instead of retrying in step.
      const wait = holdsLockFile ? backoff : LOCK_FILE_POLL_MS;
      await sleep(Math.min(left, wait * (0.5 + Math.random())));
      if (holdsLockFile) backoff = Math.min(backoff * 2, 40);
    }
  } finally {
    if (holdsLockFile) releaseLockFile(path);
  }
}

/** DuckDB's type ids (DuckDBTypeId in @duckdb/node-api) of the parameter types the ledger binds. */
const BOOLEAN = 1;
const INTEGER = 4;
const BIGINT = 5;
const DOUBLE = 11;
const VARCHAR = 17;
const DECIMAL = 19;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * `value` as the JS value node-api binds as exactly the parameter's type, or undefined when it cannot say so
 * exactly (the value is then bound as it is and DuckDB casts it, as it always did). Why this matters: DuckDB
 * re-plans a prepared statement on every run whose bound value types differ from its parameter types (a DECIMAL
 * given as text, a BIGINT as text or as INTEGER), which costs as much as not preparing it.
 */
function exactly(value: unknown, type: ParameterType, Decimal: DecimalValueClass): unknown {
  switch (type.typeId) {
    case VARCHAR:
      return typeof value === 'string' ? value : undefined;
    case BOOLEAN:
      return typeof value === 'boolean' ? value : undefined;
    case DOUBLE:
      return typeof value === 'number' ? value : undefined;
    case INTEGER:
      return typeof value === 'number' && Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647 ? value : undefined;
    case BIGINT: {
      const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : typeof value === 'string' && INTEGER_TEXT.test(value) ? BigInt(value) : undefined;
      return big !== undefined && big >= INT64_MIN && big <= INT64_MAX ? big : undefined;
    }
    case DECIMAL: {
      const { width, scale } = type;
      if (width === undefined || scale === undefined) return undefined;
      const text = typeof value === 'string' ? value : typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
      const m = text === undefined ? null : DECIMAL_TEXT.exec(text);
      // More fraction digits than the scale (DuckDB rounds them) or more digits than the width (DuckDB reports the
      // overflow): left to DuckDB's own cast.
      if (!m || (m[3] ?? '').length > scale) return undefined;
      const digits = `${m[2]}${(m[3] ?? '').padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
      return digits.length > width ? undefined : new Decimal(BigInt(`${m[1]}${digits}`), width, scale);
    }
    default:
      return undefined;
  }
}

/**
 * The statement rewritten so DuckDB can run its prepared plan as it is (see exactly): each NULL parameter becomes
 * a NULL literal (a NULL is bound with no type, never the parameter's), and a parameter used twice becomes one
 * parameter per use (DuckDB re-plans a statement that uses a parameter more than once on every run). Returns the
 * new text and the values in its order. The same statement: a NULL parameter and a NULL literal mean the same in
 * every expression, and both uses of a parameter still take the one value.
 */
function planStable(sql: string, params: readonly unknown[]): { sql: string; params: unknown[] } {
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    // A missing value stays an error, as DuckDB reports it, rather than becoming a NULL.
    if (Number(n) > params.length) throw new Error(`no value for parameter $${n} (${params.length} given)`);
    const value = params[Number(n) - 1];
    if (value === null || value === undefined) return 'NULL';
    values.push(value);
    return `$${values.length}`;
  });
  return { sql: text, params: values };
}

/** Whether the statement needs planStable's rewrite: a NULL value, or a parameter written more than once. */
function needsRewrite(sql: string, params: readonly unknown[]): boolean {
  if (params.length === 0) return false;
  for (const p of params) if (p === null || p === undefined) return true;
  return (sql.match(/\$\d+/g)?.length ?? 0) !== params.length;
}

/** A value bound with no declared type, as the port always bound them: fractions as text (DECIMAL columns). */
const untyped = (p: unknown): unknown => (p === null ? null : typeof p === 'number' && !Number.isInteger(p) ? String(p) : p);

/**
 * One connection's statement runner: statements with parameters are prepared once and reused (DuckDB spends
 * most of a small query parsing and planning it), and calls run one after another. A prepared INSERT then runs
 * without planning, when its values are bound as exactly its parameter types (exactly, planStable). DuckDB 1.5
 * plans an UPDATE with parameters, and a statement with a parameter in its WHERE clause, again on every run
 * whatever the binding (~0.2 ms each); nothing here avoids that, and a literal statement costs the same.
 */
function runnerOn(connection: DuckConnection, json: Converter, Decimal: DecimalValueClass) {
  const prepared = new Map<string, { statement: Prepared; types: Array<ParameterType | undefined> }>();
  // What getRowObjectsJson() gives (DECIMAL and BIGINT as strings), read from the materialised chunks directly:
  // runAndReadAll() would fetch each chunk, and the final empty one, through the thread pool (~0.1 ms a statement).
  const rowsOf = (result: Materialized): Row[] => {
    const names = result.deduplicatedColumnNames();
    const rows: Row[] = [];
    for (let c = 0; c < result.chunkCount; c++) {
      const chunk = result.getChunk(c);
      for (let r = 0; r < chunk.rowCount; r++) {
        const row: Row = {};
        chunk.visitRowValues(r, (value, _row, column, type) => {
          row[names[column]] = json(value, type, json) as Row[string];
        });
        rows.push(row);
      }
    }
    return rows;
  };
  /** `prepare`: keep the statement prepared even without parameters (BEGIN and COMMIT: no parse each time). */
  const run = async (sql: string, params: readonly unknown[] = [], prepare = params.length > 0): Promise<Row[]> => {
    if (!prepare) return rowsOf(await connection.run(sql));
    if (needsRewrite(sql, params)) ({ sql, params } = planStable(sql, params));
    let entry = prepared.get(sql);
    if (entry === undefined) {
      const statement = await connection.prepare(sql);
      const types: Array<ParameterType | undefined> = [];
      for (let k = 1; k <= statement.parameterCount; k++) {
        try {
          types.push(statement.parameterType(k));
        } catch {
          types.push(undefined); // a type DuckDB could not infer (`SELECT $1`): the value is bound as it is
        }
      }
      entry = { statement, types };
      prepared.set(sql, entry);
    }
    const { statement, types } = entry;
    for (let k = 0; k < params.length; k++) {
      const type = types[k];
      const exact = type === undefined ? undefined : exactly(params[k], type, Decimal);
      if (exact === undefined) statement.bindValue(k + 1, untyped(params[k]));
      else statement.bindValue(k + 1, exact, type);
    }
    return rowsOf(await statement.run());
  };
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return { run, serialised, drained: () => queue };
}

export async function openDuckDb(path: string, opts: DuckDbOptions = {}): Promise<SqlDatabase> {
  try {
    makeDirectory(dirname(path)); // not a recursive mkdirSync: that spins forever under /proc
  } catch (e) {
    if (e instanceof FolderError) throw new CiftError('STORE_UNAVAILABLE', `cannot create the ledger folder: ${e.reason}`, 'point CIFT_HOME (or --home) at a folder you can write to');
    throw e;
  }
  if (openInProcess.has(path)) {
    throw new CiftError('LEDGER_LOCKED', `LEDGER_LOCKED: the ledger ${path} is already open in this process (pid ${process.pid})`, 'share the open ledger instead of opening it twice');
  }
  const { DuckDBInstance, DuckDBDecimalValue, JsonDuckDBValueConverter } = requireClient('@duckdb/node-api') as typeof DuckDBApi;
  const instance = await openWhenFree(DuckDBInstance as unknown as DuckInstanceFactory, path, opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  let writer: DuckConnection;
  let reader: DuckConnection;
  try {
    writer = (await instance.connect()) as DuckConnection;
    reader = (await instance.connect()) as DuckConnection;
  } catch (e) {
    instance.closeSync();
    releaseLockFile(path);
    throw e;
  }
  openInProcess.add(path);

  const json = JsonDuckDBValueConverter as unknown as Converter;
  const Decimal = DuckDBDecimalValue as unknown as DecimalValueClass;
  const transactions = runnerOn(writer, json, Decimal);
  const queries = runnerOn(reader, json, Decimal);
  const inTransaction: SqlRunner = { query: (sql, params) => transactions.run(sql, params) };

  return {
    dialect: 'duckdb',
    exclusive: true,
    query: (sql, params) => queries.serialised(() => queries.run(sql, params)),
    transaction: (fn) =>
      transactions.serialised(async () => {
        await transactions.run('BEGIN TRANSACTION', [], true);
        try {
          const result = await fn(inTransaction);
          await transactions.run('COMMIT', [], true);
          return result;
        } catch (e) {
          // Not prepared: the rare path, and it must work in a transaction a failed statement aborted.
          await transactions.run('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    close: async () => {
      await Promise.all([transactions.drained(), queries.drained()]);
      openInProcess.delete(path);
      reader.disconnectSync();
      writer.disconnectSync();
      instance.closeSync();
      // After the database is closed, so the next in line finds it free at its first try.
      releaseLockFile(path);
    },
  };
}
