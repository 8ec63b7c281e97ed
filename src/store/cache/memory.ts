/**
 * The in-process cache: a least-recently-used map with a time to live per entry and a bound on the number of
 * entries, so a long-running server never grows without limit. Map keeps insertion order, so re-inserting on
 * every hit makes the first key the least recently used one: eviction is O(1).
 */
import type { Cache } from './types.js';

export interface MemoryCacheOptions {
  /** At most this many entries (default 10,000); the least recently used goes first. */
  maxEntries?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryCache implements Cache {
  readonly kind = 'memory';
  readonly where = 'in-process';
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: MemoryCacheOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, or undefined when absent or expired; a hit becomes the most recently used entry. */
  private read(key: string): string | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  private write(key: string, value: string, ttlMs: number): void {
    this.entries.delete(key);
    if (!(ttlMs > 0)) return;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async mget(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.read(k));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async del(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}
