/** Paths and small utilities shared by tests. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import { CiftError } from '../src/errors.js';

export const ROOT = resolve(import.meta.dirname, '..');
/** ../shared beside the checkout (CI lays a copy there); CIFT_SHARED_DIR overrides. */
export const SHARED = resolve(process.env.CIFT_SHARED_DIR ?? join(ROOT, '..', 'shared'));
export const LOBSTER_DIR = join(SHARED, 'data', 'lobster');
export const REAL_DIR = join(SHARED, 'data', 'real');
export const VECTORS_DIR = join(SHARED, 'data', 'vectors');

export const AAPL_MESSAGE = join(LOBSTER_DIR, 'AAPL_2012-06-21_34200000_57600000_message_1.csv');
export const AAPL_ORDERBOOK = join(LOBSTER_DIR, 'AAPL_2012-06-21_34200000_57600000_orderbook_1.csv');
/** The deeper LOBSTER files of the same day: GOOG at 10 levels, AMZN at 5 (SOURCE.md). */
export const GOOG_MESSAGE_10 = join(LOBSTER_DIR, 'GOOG_2012-06-21_34200000_57600000_message_10.csv');
export const GOOG_ORDERBOOK_10 = join(LOBSTER_DIR, 'GOOG_2012-06-21_34200000_57600000_orderbook_10.csv');
export const AMZN_MESSAGE_5 = join(LOBSTER_DIR, 'AMZN_2012-06-21_34200000_57600000_message_5.csv');
export const AMZN_ORDERBOOK_5 = join(LOBSTER_DIR, 'AMZN_2012-06-21_34200000_57600000_orderbook_5.csv');
/**
 * Tests that read ../shared skip, saying why, when it is absent (a clone on its own). CI has it and sets
 * CIFT_TEST_REQUIRE_SHARED=1, which turns each such skip into a failure, as CIFT_TEST_REQUIRE_SERVICES does for
 * the servers.
 */
export const REQUIRE_SHARED = process.env.CIFT_TEST_REQUIRE_SHARED === '1';

function sharedData(what: string, present: boolean, path: string): boolean {
  if (present) return true;
  if (REQUIRE_SHARED) throw new Error(`CIFT_TEST_REQUIRE_SHARED=1 but ${what} is not at ${path} (set CIFT_SHARED_DIR or lay ../shared beside the checkout)`);
  console.warn(`skipping tests that need ${what}: not found at ${path}`);
  return false;
}

export const hasLobster = sharedData('the LOBSTER sample day (research-only, never shipped)', existsSync(AAPL_MESSAGE) && existsSync(AAPL_ORDERBOOK), LOBSTER_DIR);
export const hasLobsterGoog10 = sharedData('the LOBSTER GOOG level-10 files', existsSync(GOOG_MESSAGE_10) && existsSync(GOOG_ORDERBOOK_10), LOBSTER_DIR);
export const hasLobsterAmzn5 = sharedData('the LOBSTER AMZN level-5 files', existsSync(AMZN_MESSAGE_5) && existsSync(AMZN_ORDERBOOK_5), LOBSTER_DIR);
export const hasReal = sharedData('the real daily bars of ../shared/data/real', existsSync(join(REAL_DIR, 'GOOG.csv')), REAL_DIR);
export const hasVectors = sharedData('the reference vectors of ../shared/data/vectors', existsSync(join(VECTORS_DIR, 'talib_goog.csv')), VECTORS_DIR);

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'cift-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeText(dir: string, name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/cift.js) with a given CIFT_HOME. */
export function cift(args: string[], opts: { home: string; env?: Record<string, string>; cwd?: string }): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'cift.js'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CIFT_HOME: opts.home, NO_COLOR: '1', FORCE_COLOR: '', ...opts.env },
    encoding: 'utf8',
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Minimal RFC-4180-free CSV reader for files the test itself controls (no quoted commas). */
export function parseSimpleCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** A function giving a new, empty CIFT_HOME under `dir` on each call. */
export function homeMaker(dir: string): () => string {
  let count = 0;
  return () => {
    const home = join(dir, `home${++count}`);
    mkdirSync(home);
    return home;
  };
}

/** The CiftError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function errorOf(promise: Promise<unknown>): Promise<CiftError> {
  try {
    await promise;
  } catch (e) {
    expect(e, 'a CiftError, not a crash').toBeInstanceOf(CiftError);
    return e as CiftError;
  }
  throw new Error('expected a CiftError, but it succeeded');
}

/** The project's seeded generator (mulberry32), so a failing property test names a seed that reproduces it. */
export { seededRandom as rng } from '../src/sources/synthetic.js';

export interface ServeProcess {
  child: ChildProcess;
  /** The URL `cift serve --json` printed. */
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the server wrote on stderr so far. */
  stderr: () => string;
}

/**
 * Spawns `cift serve --port 0 --json …args` on `home` and resolves once it printed its URL line; rejects with its
 * stderr when it exits first. The caller SIGTERMs `child` and awaits `exit`.
 */
export async function startServe(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'cift.js'), 'serve', '--port', '0', '--json', ...args], {
    cwd: ROOT,
    env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1', ...env },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const first = await Promise.race([
    new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
    exit.then(({ code }) => {
      throw new Error(`cift serve exited (${code}) before printing its URL: ${err}`);
    }),
  ]);
  return { child, url: JSON.parse(first).url as string, exit, stderr: () => err };
}

/**
 * Two quotes of the made-up symbol QQZ, written by hand: 14:30:00 bid 10.5 / ask 10.75 (sizes 100 / 200), then
 * 14:30:01 bid 10.25 / ask 10.5 (300 / 400). The serve tests work their expected prices out from these rows.
 */
export const QQZ_QUOTES = 'ts,bid,ask,bid_size,ask_size\n2024-01-02T14:30:00Z,10.5,10.75,100,200\n2024-01-02T14:30:01Z,10.25,10.5,300,400\n';

/** Creates `home` and ingests QQZ_QUOTES into it as QQZ (the file is written beside it, in `dir`). */
export function storeQqzQuotes(dir: string, home: string): void {
  mkdirSync(home);
  const quotes = writeText(dir, 'quotes.csv', QQZ_QUOTES);
  expect(cift(['ingest', quotes, '--symbol', 'QQZ'], { home }).status).toBe(0);
}

/** The error `f` throws, typed as the caller expects; fails the test when it throws nothing (errorOf's synchronous twin). */
export function thrownBy<E = CiftError>(f: () => unknown): E {
  try {
    f();
  } catch (e) {
    return e as E;
  }
  throw new Error('expected an error');
}
