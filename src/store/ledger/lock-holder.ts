/**
 * Taking turns at the embedded ledger. DuckDB lets one process at a time open the file, but a failed open costs
 * milliseconds of CPU, so fifty processes retrying it starve the one holding it. Waiters therefore queue on a
 * cheap lock file beside the database (`ledger.duckdb.holder.json`, created atomically with link(2)), which also
 * records the holder's pid and command line: DuckDB alone tells a waiter only "/usr/bin/node (PID n)".
 *
 * The lock file is a courtesy, never the guarantee: DuckDB's own file lock still decides who writes. A lock file
 * left by a dead process is removed; one naming a live process that does not hold the database (a reused pid)
 * costs no more than the periodic direct probe the waiter makes.
 */
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { pidAlive } from '../pid.js';

export interface LockHolder {
  pid: number;
  /** The holder's command line, e.g. `node /…/bin/cift.js order buy AAPL 1`. */
  command: string | undefined;
}

export const lockFilePath = (dbPath: string): string => `${dbPath}.holder.json`;

const quoteArg = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
export const commandLine = (argv: readonly string[]): string => argv.map(quoteArg).join(' ');

function parseLockFile(text: string): { pid: number; argv: string[] } | undefined {
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; argv?: unknown };
    if (typeof parsed.pid !== 'number' || !Array.isArray(parsed.argv)) return undefined;
    return { pid: parsed.pid, argv: parsed.argv.map(String) };
  } catch {
    return undefined;
  }
}

function readLockFile(path: string): { pid: number; argv: string[] } | undefined {
  try {
    return parseLockFile(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const content = (): string => JSON.stringify({ pid: process.pid, argv: process.argv, since: new Date().toISOString() });

/**
 * Tries once to take the lock file. Returns true when this process now holds it, else the lock file's text (who
 * holds it and since when; undefined when there is none to read). A lock file of a dead process is removed on
 * the way, so the next try takes it.
 */
export function tryTakeLockFile(dbPath: string): true | { holder: string | undefined } {
  const path = lockFilePath(dbPath);
  // Written whole under a private name, then linked into place: link fails if the lock file exists, and a reader
  // never sees a half-written one.
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content());
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { holder: undefined };
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return { holder: undefined };
    }
    const holder = parseLockFile(text);
    if (holder && !pidAlive(holder.pid)) rmSync(path, { force: true });
    return { holder: text };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Marks this process as the holder whatever the lock file said (it holds the database itself now). */
export function claimLockFile(dbPath: string): void {
  const path = lockFilePath(dbPath);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content());
    rmSync(path, { force: true });
    linkSync(temp, path);
  } catch {
    // The lock file only spares CPU and names the holder; the database's own lock is what counts.
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Removes the lock file if it is this process's. */
export function releaseLockFile(dbPath: string): void {
  const path = lockFilePath(dbPath);
  if (readLockFile(path)?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The command line the operating system reports for a pid (Linux /proc), when it is readable. */
function osCommandLine(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length ? commandLine(argv) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The holder as best known: the live lock file's pid and command when it agrees with the pid DuckDB reported
 * (`reportedPid`), else the reported pid with the command the OS gives for it.
 */
export function describeHolder(dbPath: string, reportedPid: number | undefined): LockHolder | undefined {
  const recorded = readLockFile(lockFilePath(dbPath));
  if (recorded && recorded.pid !== process.pid && pidAlive(recorded.pid) && (reportedPid === undefined || reportedPid === recorded.pid)) {
    return { pid: recorded.pid, command: commandLine(recorded.argv) };
  }
  if (reportedPid === undefined) return undefined;
  return { pid: reportedPid, command: osCommandLine(reportedPid) };
}
