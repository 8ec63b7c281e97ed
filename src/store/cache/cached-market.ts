/**
 * Latest prices read through the cache. A market's latest(kind, symbol) is what every price read goes through
 * (trading/prices.ts latestPrice for orders, portfolios and risk; the quote routes; the server's LiveMarket
 * overlay sits on top and still wins with replayed rows), so the cache wraps exactly that.
 *
 * Key: the symbol, the kind and the market's latestKey(symbol), a text naming the data the answer comes from
 * (for the Parquet store, the newest data file of each kind: names are never reused, a new ingest makes new
 * ones). An ingest therefore changes the key, and a cached answer is never stale, only unused; the TTL only
 * bounds memory. A market without latestKey (or one that answers undefined) is not cached. "No row" is cached
 * too, so a symbol with bars only does not ask the store for quotes and trades every time.
 */
import { createHash } from 'node:crypto';
import type { TickKind } from '../../schema.js';
import type { LatestRow } from '../ticks/types.js';
import { decode, encode } from './codec.js';
import { tolerant } from './faults.js';
import type { Cache } from './types.js';

export interface KeyedMarket {
  latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined>;
  /** Same text ⇒ latest() answers the same, in every process reading the same store; undefined: do not cache. */
  latestKey?(symbol: string): Promise<string | undefined>;
}

const PRICE_TTL_MS = 3600_000;

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/**
 * The market with latest() read through the cache under `namespace` (e.g. "t:<home id>:"); all else unchanged.
 * `cacheOf` is called on the first price read, so a caller that reads none never opens the cache.
 */
export function withPriceCache<M extends KeyedMarket>(market: M, cacheOf: Cache | (() => Promise<Cache>), namespace: string): M {
  let opened: Cache | undefined = typeof cacheOf === 'function' ? undefined : cacheOf;
  const latest = async (kind: TickKind, symbol: string): Promise<LatestRow | undefined> => {
    const revision = await market.latestKey?.(symbol);
    if (revision === undefined) return market.latest(kind, symbol);
    const cache = (opened ??= await (cacheOf as () => Promise<Cache>)());
    const key = `${namespace}latest:${kind}:${symbol}:${digest(revision)}`;
    const hit = await tolerant(cache.where, 'get', () => cache.get(key), () => undefined);
    if (hit !== undefined) return decode<{ row?: LatestRow }>(hit).row;
    const row = await market.latest(kind, symbol);
    await tolerant(cache.where, 'set', () => cache.set(key, encode({ row }), PRICE_TTL_MS), () => undefined);
    return row;
  };
  return new Proxy(market, {
    get(target, prop, receiver) {
      if (prop === 'latest') return latest;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
