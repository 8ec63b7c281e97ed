/**
 * The cached ledger's behaviour on any Cache (the in-process LRU here, Redis in redis-live.test.ts): read-through,
 * invalidation after a fill, a read racing a fill, writes the decorator does not know, and a cache that fails.
 * The ledger is a real embedded DuckDB ledger; prices are a stub whose only row is a bar closing at 100, so
 * every figure is worked out by hand: buying 10 costs 1,000 of the 100,000 opening cash (no fee), leaving cash
 * 99,000, equity 100,000 (cash + 10 × 100), gross 1,000 and buying power 100,000 × 1 − 1,000 = 99,000.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dec, fmt } from '../../../src/money.js';
import { AccountCache } from '../../../src/store/cache/account-cache.js';
import { cachedLedger } from '../../../src/store/cache/cached-ledger.js';
import { onCacheFault, type CacheFault } from '../../../src/store/cache/faults.js';
import type { Cache } from '../../../src/store/cache/types.js';
import { openLedger } from '../../../src/store/ledger/open.js';
import type { Ledger, Position } from '../../../src/store/ledger/types.js';
import type { LatestRow } from '../../../src/store/ticks/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../../src/trading/orders.js';
import { getBuyingPower } from '../../../src/usecases/portfolio.js';
import { tempDir } from '../../helpers.js';

export const bars100 = {
  latest: async (kind: string): Promise<LatestRow | undefined> => (kind === 'bars' ? { ts: 1_700_000_000_000_000_000n, values: { open: 100, high: 100, low: 100, close: 100, volume: 1000 } } : undefined),
};

/** A cache that fails every call while `down` is set (an outage), and otherwise is `inner`. */
export function flaky(inner: Cache): Cache & { down: boolean } {
  const c = { down: false } as Cache & { down: boolean };
  for (const name of ['get', 'mget', 'set', 'del', 'ping', 'close'] as const) {
    (c as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (c.down) return Promise.reject(new Error('connect ECONNREFUSED (test outage)'));
      return (inner[name] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    };
  }
  Object.defineProperty(c, 'kind', { value: inner.kind });
  Object.defineProperty(c, 'where', { value: inner.where });
  return c;
}

/** The real ledger, counting positions() reads and able to hold one read's answer until released. */
function instrumented(real: Ledger) {
  const counts = { positions: 0 };
  let hold: { release: () => void; gate: Promise<void>; readDone: () => void; read: Promise<void> } | undefined;
  const ledger = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'positions') {
        return async (account: string): Promise<Position[]> => {
          counts.positions++;
          const answer = await target.positions(account);
          const h = hold;
          hold = undefined;
          if (h) {
            h.readDone();
            await h.gate;
          }
          return answer;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  /** The next positions() read reads the ledger at once, then waits for release() before answering. */
  const holdNextRead = () => {
    let release!: () => void;
    let readDone!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const read = new Promise<void>((r) => (readDone = r));
    hold = { release, gate, readDone, read };
    return hold;
  };
  return { ledger, counts, holdNextRead };
}

const qty = (ps: Position[], symbol = 'GOOG') => fmt(ps.find((p) => p.symbol === symbol)?.quantity ?? dec('0'));

export function accountCacheSuite(name: string, makeCache: () => Promise<Cache>, dropCache: (c: Cache) => Promise<void> = (c) => c.close()): void {
  describe(`cached ledger over ${name}`, () => {
    let dir: { dir: string; cleanup: () => void };
    let real: Ledger;
    let cache: Cache;
    let faults: CacheFault[];
    let stop: () => void;

    beforeEach(async () => {
      dir = tempDir('cift-cache-');
      real = await openLedger({ home: join(dir.dir, 'home'), databaseUrl: undefined });
      await real.ensureAccount('paper', DEFAULT_ACCOUNT_SETTINGS);
      cache = await makeCache();
      faults = [];
      stop = onCacheFault((f) => faults.push(f));
    });
    afterEach(async () => {
      stop();
      await real.close();
      await dropCache(cache);
      dir.cleanup();
    });

    const buy10 = (ledger: Ledger) => submitOrder(ledger, bars100, { account: 'paper', symbol: 'GOOG', side: 'buy', quantity: dec('10') });

    it('reads positions through the cache: the second read does not reach the ledger', async () => {
      const { ledger, counts } = instrumented(real);
      const cached = cachedLedger(ledger, new AccountCache(cache, 'ns1:'));
      expect(await cached.positions('paper')).toEqual([]);
      expect(await cached.positions('paper')).toEqual([]);
      expect(counts.positions, 'one ledger read for two positions() calls').toBe(1);
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('100000.000000');
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('100000.000000');
    });

    it('shows a fill in positions and buying power read right after a market order through the cached ledger', async () => {
      const cached = cachedLedger(real, new AccountCache(cache, 'ns2:'));
      const stores = { withLedger: <T>(work: (l: Ledger) => Promise<T>) => work(cached), market: bars100 };
      expect((await getBuyingPower(stores, 'paper')).buying_power, 'before: all cash').toBe('100000.000000');
      expect(qty(await cached.positions('paper'))).toBe('0.000000');
      const r = await buy10(cached);
      expect(r.order.status).toBe('filled');
      expect(qty(await cached.positions('paper'))).toBe('10.000000');
      const bp = await getBuyingPower(stores, 'paper');
      expect(bp).toMatchObject({ cash: '99000.000000', equity: '100000.000000', gross_exposure: '1000.000000', buying_power: '99000.000000' });
    });

    it('never caches a positions read that started before a fill and finished after it', async () => {
      const { ledger, holdNextRead } = instrumented(real);
      const cached = cachedLedger(ledger, new AccountCache(cache, 'ns3:'));
      const held = holdNextRead();
      const racing = cached.positions('paper');
      await held.read; // the racing read has read the ledger: no fill yet
      expect((await buy10(cached)).order.status).toBe('filled');
      held.release();
      expect(qty(await racing), 'a read concurrent with the fill may see the state before it').toBe('0.000000');
      expect(qty(await cached.positions('paper')), 'but what it read was not cached over the fill').toBe('10.000000');
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('99000.000000');
    });

    it('treats a method it does not know as a write to every account', async () => {
      // A Ledger method added later (say, matching resting orders across accounts), writing through the inner ledger.
      const extended = Object.assign(Object.create(real) as Ledger, { matchEverything: () => buy10(real) });
      const cached = cachedLedger(extended, new AccountCache(cache, 'ns4:')) as Ledger & { matchEverything(): Promise<unknown> };
      expect(qty(await cached.positions('paper'))).toBe('0.000000');
      await cached.matchEverything();
      expect(qty(await cached.positions('paper'))).toBe('10.000000');
    });

    it('keeps answering from the ledger while the cache fails, and serves nothing stale once it is back', async () => {
      const broken = flaky(cache);
      const cached = cachedLedger(real, new AccountCache(broken, 'ns5:'));
      expect(qty(await cached.positions('paper'))).toBe('0.000000'); // cached: 0
      broken.down = true;
      expect((await buy10(cached)).order.status, 'a fill does not need the cache').toBe('filled');
      expect(qty(await cached.positions('paper')), 'from the ledger during the outage').toBe('10.000000');
      expect(faults.some((f) => f.op === 'invalidate'), 'the lost invalidation is reported').toBe(true);
      broken.down = false;
      // The entry cached before the fill is still in the cache: the account stayed dirty, so the generation moves first.
      expect(qty(await cached.positions('paper')), 'never the pre-fill entry').toBe('10.000000');
      expect(fmt((await cached.getAccount('paper'))!.cash)).toBe('99000.000000');
    });
  });
}
