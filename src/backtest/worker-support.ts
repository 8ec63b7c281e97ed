/**
 * What the backtest's worker threads share: where a compiled worker script lives, how a worker loads the strategy
 * the user named, the bars in shared memory, and errors carried across the thread boundary.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiftError, type CiftErrorCode } from '../errors.js';
import { loadStrategy, type AnyStrategy } from './strategy.js';
import type { BarArrays } from './types.js';

/**
 * The compiled worker `name` (e.g. 'optimize-worker.js') beside this module (dist/src/backtest/). Run from the .ts
 * sources (vitest), this module is in src/backtest and the worker is taken from dist/, which `tsc` builds before the
 * tests run.
 */
export function workerScript(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/src/backtest', name) : resolve(dirname(here), name);
}

/** A worker loads the strategy itself, by `--strategy` as given (a built-in name, or a file made absolute). */
export async function loadWorkerStrategy(spec: string, builtinsModule: string | undefined, builtinsExport: string): Promise<AnyStrategy> {
  const builtins = builtinsModule ? ((await import(builtinsModule)) as Record<string, Record<string, AnyStrategy>>)[builtinsExport] : {};
  return (await loadStrategy(spec, builtins ?? {})).strategy;
}

function sharedF64(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/** The bars in shared memory: one copy here, then every worker reads the same bytes. */
export function sharedBars(b: BarArrays): BarArrays {
  let ts = b.ts;
  if (!(ts.buffer instanceof SharedArrayBuffer)) {
    ts = new BigInt64Array(new SharedArrayBuffer(b.ts.byteLength));
    ts.set(b.ts);
  }
  return { ts, open: sharedF64(b.open), high: sharedF64(b.high), low: sharedF64(b.low), close: sharedF64(b.close), volume: sharedF64(b.volume) };
}

/** A CiftError (or anything thrown) as plain data a worker can post. */
export type WorkerError = { code: CiftErrorCode; message: string; hint?: string };

export const workerError = (e: unknown): WorkerError => (e instanceof CiftError ? { code: e.code, message: e.message, hint: e.hint } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) });

export const fromWorkerError = (e: WorkerError): CiftError => new CiftError(e.code, e.message, e.hint);
