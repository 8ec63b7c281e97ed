/**
 * The stores a command or a route works on, opened from Settings in one place: the tick store (market data) and
 * the ledger. The ledger is opened only when asked for, so a market-data-only caller never takes the embedded
 * ledger's file lock; and withLedger() lets a one-shot caller (the CLI) hold it only for the work that needs it,
 * while a long-lived caller (the server) keeps one open ledger from ledger() until close().
 */
import type { Settings } from '../config.js';
import { MarketData, type DataOrigin } from '../market-data.js';
import type { Ledger } from '../store/ledger/types.js';
import { withPriceCache, type KeyedMarket } from '../store/cache/cached-market.js';
import { MemoryCache } from '../store/cache/memory.js';
import { ledgerNamespace, sharedCache, ticksNamespace, type CacheSettings } from '../store/cache/open.js';

export interface StoreOptions {
  /** Read only this origin of market data (`--source`); default: stored data when there is any, else shipped. */
  source?: DataOrigin;
  /** How long opening the ledger waits for another process's lock before LEDGER_LOCKED (default 10 s). */
  lockTimeoutMs?: number;
}

export interface LedgerStores {
  /** The ledger, opened on first call and kept until close(). */
  ledger(): Promise<Ledger>;
  /**
   * Runs `work` on the ledger. When ledger() already holds it (a server), that one is used and kept; otherwise
   * one is opened for `work` alone and closed after it, so the embedded ledger's lock is held no longer.
   */
  withLedger<T>(work: (ledger: Ledger) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Stores extends LedgerStores {
  market: MarketData;
}

type LedgerSettings = Pick<Settings, 'home' | 'databaseUrl'> & Partial<Pick<Settings, 'redisUrl'>>;

/**
 * The ledger with account rows and positions read through the cache (src/store/cache/cached-ledger.ts). With
 * Redis, the shared cache (every process writing the ledger invalidates it). Without, an in-process cache that
 * lives as long as this open ledger: the embedded ledger's file lock makes this process its only writer meanwhile.
 * PostgreSQL without Redis is not cached: other processes write it and nothing would tell this one.
 */
async function withAccountCache(ledger: Ledger, settings: LedgerSettings): Promise<Ledger> {
  if (settings.databaseUrl && !settings.redisUrl) return ledger;
  const [{ AccountCache }, { cachedLedger }] = await Promise.all([import('../store/cache/account-cache.js'), import('../store/cache/cached-ledger.js')]);
  if (settings.redisUrl) return cachedLedger(ledger, new AccountCache(await sharedCache({ redisUrl: settings.redisUrl }), ledgerNamespace(settings)));
  return cachedLedger(ledger, new AccountCache(new MemoryCache({ maxEntries: 1000 }), ''));
}

/** The market with latest prices read through the shared cache (opened on the first price read). */
export function withCachedPrices<M extends KeyedMarket>(market: M, settings: CacheSettings): M {
  return withPriceCache(market, () => sharedCache(settings), ticksNamespace(settings));
}

/** Readiness of the cache when it is a server (Redis); the in-process one always answers. */
export function cacheProbes(settings: { redisUrl?: string }): Record<string, () => Promise<unknown>> {
  return settings.redisUrl ? { cache: async () => (await sharedCache(settings)).ping() } : {};
}

/** Ledger access alone: for commands that never read market data (no nodejs-polars load). */
export function openLedgerStores(settings: LedgerSettings, opts: StoreOptions = {}): LedgerStores {
  let held: Promise<Ledger> | undefined;
  const open = async () => {
    // Imported here: a market-data-only command (bars, features, backtest) never loads the ledger's modules.
    const { openLedger } = await import('../store/ledger/open.js');
    const ledger = await openLedger(settings, { lockTimeoutMs: opts.lockTimeoutMs });
    try {
      return await withAccountCache(ledger, settings);
    } catch (e) {
      await ledger.close();
      throw e;
    }
  };
  return {
    ledger() {
      held ??= open();
      return held;
    },
    async withLedger(work) {
      if (held) return work(await held);
      const ledger = await open();
      try {
        return await work(ledger);
      } finally {
        await ledger.close();
      }
    },
    async close() {
      const pending = held;
      held = undefined;
      // A ledger that failed to open has nothing to close.
      if (pending) await pending.then((l) => l.close(), () => undefined);
    },
  };
}

/** Market data (opened now: it holds no lock) and the ledger (opened lazily, see LedgerStores). */
export async function openStores(settings: Settings, opts: StoreOptions = {}): Promise<Stores> {
  const market = withCachedPrices(await MarketData.open(settings, { source: opts.source }), settings);
  return { market, ...openLedgerStores(settings, opts) };
}
