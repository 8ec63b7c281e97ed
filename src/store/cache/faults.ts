/**
 * Cache faults: a cache that fails (Redis refused, reset, timed out) is never an error for a command. The read
 * falls back to the ledger or the tick store, and the fault is reported here. The core never prints: the CLI
 * (commands/main.ts) turns the first fault into one stderr line, and `cift serve` counts them as a metric.
 */
export interface CacheFault {
  /** Where the cache is (a Redis URL without password). */
  where: string;
  /** What failed: get, set, invalidate, connect … */
  op: string;
  message: string;
}

type Listener = (fault: CacheFault) => void;
const listeners = new Set<Listener>();

/** Calls `listener` on every fault from now on; returns the function that stops it. */
export function onCacheFault(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportCacheFault(fault: CacheFault): void {
  for (const l of listeners) l(fault);
}

/** `work` on the cache, or `fallback()` (with the fault reported) when the cache fails. */
export async function tolerant<T>(where: string, op: string, work: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await work();
  } catch (e) {
    reportCacheFault({ where, op, message: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    return fallback();
  }
  return value;
}
