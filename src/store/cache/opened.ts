/**
 * The caches this process has opened, by id, so one place can close them all at exit. Kept apart from open.ts
 * (which needs node:crypto, the settings and the in-process LRU) so the CLI's exit path loads nothing for a
 * command that never opened a cache (`cift --help`).
 */
import type { Cache } from './types.js';

export const opened = new Map<string, Promise<Cache>>();

/** Closes every cache this process opened (a Redis client would otherwise keep reconnecting and the process alive). */
export async function closeCaches(): Promise<void> {
  const all = [...opened.values()];
  opened.clear();
  await Promise.all(all.map((c) => c.then((x) => x.close(), () => undefined)));
}
