/**
 * Read-through cache of account state (the account row, its positions) with invalidation that a racing read
 * cannot undo.
 *
 * Why generations and not only "delete after commit": a read that started before a fill (it read the old
 * positions from the ledger) can finish after the fill's delete and put the old positions back, stale until the
 * TTL. So every account has a generation key, and the whole cache a global one, stored alongside the entries.
 * A read takes both generations BEFORE it reads the ledger and stores what it read tagged with them; an entry
 * counts only while its tag equals the current generations. A write (submit, cancel, …) commits in the ledger
 * first, then moves the account's generation to a new random value (never reused, so a generation key that
 * expires and comes back cannot make an old entry valid again). Hence an entry read before a commit carries a
 * generation older than that commit's move: after a write returns, no read sees what was read before it; a read
 * concurrent with the write sees the state before or after it, as it would without a cache. Reading the
 * generations and the entry is one round trip (MGET).
 *
 * When moving a generation fails (the cache is down), the account is remembered as dirty, and this process
 * trusts no entry until the move has been made (retried on each read and on close). What that cannot cover: a
 * process that exits while Redis is unreachable leaves other processes' entries of that account valid until their
 * TTL (ACCOUNT_TTL_MS, kept short for that reason). Every process that writes the ledger must use the same cache.
 */
import { randomUUID } from 'node:crypto';
import { decode, encode } from './codec.js';
import { tolerant } from './faults.js';
import type { Cache } from './types.js';

/** How long an account entry lives: the bound on staleness if an invalidation is lost in an outage. */
export const ACCOUNT_TTL_MS = 30_000;
/** Generation keys outlive entries by far; an expired one only costs misses. */
const GENERATION_TTL_MS = 24 * 3600_000;

/** Marks everything dirty: a write whose account is unknown (e.g. a match over many accounts). */
export const ALL_ACCOUNTS = Symbol('all accounts');

/** An entry as written by read(); undefined for anything else under the key (e.g. written by another version). */
function decodeEntry<T>(text: string): { tag: string; value: T } | undefined {
  try {
    const e = decode<{ tag?: unknown; value?: T }>(text);
    return typeof e?.tag === 'string' && 'value' in e ? { tag: e.tag, value: e.value as T } : undefined;
  } catch {
    return undefined;
  }
}

export class AccountCache {
  /** Accounts whose invalidation did not reach the cache (ALL_ACCOUNTS: all of them). */
  private readonly dirty = new Set<string | typeof ALL_ACCOUNTS>();

  /** `namespace` separates ledgers sharing one cache (e.g. "l:<ledger id>:"). */
  constructor(
    readonly cache: Cache,
    private readonly namespace: string,
  ) {}

  private globalKey = () => `${this.namespace}gen`;
  private genKey = (account: string) => `${this.namespace}a:${account}:gen`;
  private valueKey = (account: string, part: string) => `${this.namespace}a:${account}:${part}`;

  /** The cached `part` of the account, or `load()`'s answer, cached tagged with the generations taken before it. */
  async read<T>(account: string, part: string, load: () => Promise<T>, cacheable: (v: T) => boolean = () => true): Promise<T> {
    if (!(await this.flush())) return load();
    const keys = [this.globalKey(), this.genKey(account), this.valueKey(account, part)];
    const got = await tolerant(this.cache.where, 'get', () => this.cache.mget(keys), () => undefined);
    if (got === undefined) return load();
    const tag = `${got[0] ?? ''}/${got[1] ?? ''}`;
    const entry = got[2] === undefined ? undefined : decodeEntry<T>(got[2]);
    if (entry !== undefined && entry.tag === tag) return entry.value;
    const value = await load();
    if (cacheable(value)) await tolerant(this.cache.where, 'set', () => this.cache.set(keys[2], encode({ tag, value }), ACCOUNT_TTL_MS), () => undefined);
    return value;
  }

  /** After a committed write: entries of `account` (of every account for ALL_ACCOUNTS) stop counting. */
  async invalidate(account: string | typeof ALL_ACCOUNTS): Promise<void> {
    this.dirty.add(account);
    await this.flush();
  }

  /** Moves the generations of dirty accounts; true when none is left dirty (the cache can be trusted). */
  async flush(): Promise<boolean> {
    for (const account of [...this.dirty]) {
      const key = account === ALL_ACCOUNTS ? this.globalKey() : this.genKey(account);
      const moved = await tolerant(this.cache.where, 'invalidate', () => this.cache.set(key, randomUUID(), GENERATION_TTL_MS).then(() => true), () => false);
      if (!moved) return false;
      this.dirty.delete(account);
    }
    return true;
  }
}
