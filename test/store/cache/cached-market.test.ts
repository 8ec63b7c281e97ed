/**
 * Latest prices through the in-process cache (the same code runs on Redis in redis-live.test.ts): a repeated read
 * does not reach the store, an ingest of newer bars is seen at once, stored and shipped origins never share an
 * entry, and a market that cannot name its data is not cached.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../src/config.js';
import { MarketData } from '../../../src/market-data.js';
import { withPriceCache, type KeyedMarket } from '../../../src/store/cache/cached-market.js';
import { MemoryCache } from '../../../src/store/cache/memory.js';
import { latestPrice } from '../../../src/trading/prices.js';
import { ROOT, tempDir } from '../../helpers.js';
import { addBars, barsCsv, storesWith } from '../../usecases/fixture.js';
import { bars100 } from './account-suite.js';

const tmp = tempDir('cift-prices-');
afterAll(tmp.cleanup);

function counting<M extends KeyedMarket>(market: M): { market: M; reads: () => number } {
  let n = 0;
  const m = new Proxy(market, {
    get(t, p, r) {
      if (p === 'latest') return (...a: Parameters<M['latest']>) => (n++, t.latest(...a));
      const v = Reflect.get(t, p, r) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { market: m, reads: () => n };
}

describe('latest prices through the cache', () => {
  it('reads the store once, then from the cache, and sees newer bars as soon as they are stored', async () => {
    const stores = await storesWith(tmp.dir, { 'ZZP-a': barsCsv(['2024-01-02', '2024-01-03'], 50) });
    const { market, reads } = counting(stores.market);
    const cached = withPriceCache(market, new MemoryCache(), 't:');
    expect((await latestPrice(cached, 'ZZP'))?.buy).toBe(50);
    expect(reads(), 'bars only: quotes and trades are asked first').toBe(3);
    expect((await latestPrice(cached, 'ZZP'))?.buy).toBe(50);
    expect(reads()).toBe(3);
    await addBars(stores, tmp.dir, 'ZZP-b', barsCsv(['2024-01-04', '2024-01-05'], 60));
    expect((await latestPrice(cached, 'ZZP'))?.buy).toBe(60);
    expect(reads()).toBe(6);
    await stores.close();
  });

  it('keeps stored and shipped answers apart (GOOG: stored bars in this home, shipped bars in data/)', async () => {
    const home = `${tmp.dir}/origins`;
    mkdirSync(home);
    const stores = await storesWith(home, { 'GOOG-a': barsCsv(['2024-01-02', '2024-01-03'], 1234) });
    const cache = new MemoryCache();
    const shipped = await MarketData.open(resolveSettings({ home }, {}), { source: 'shipped' });
    expect((await latestPrice(withPriceCache(stores.market, cache, 't:'), 'GOOG'))?.buy).toBe(1234);
    const fromShipped = (await latestPrice(withPriceCache(shipped, cache, 't:'), 'GOOG'))?.buy;
    expect(fromShipped, 'the shipped GOOG, not the stored entry').not.toBe(1234);
    // The last close of data/GOOG.csv (columns: date, Open, High, Low, Close, Volume), read here.
    const lastRow = readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8').trim().split('\n').at(-1)!;
    expect(fromShipped).toBe(Number(lastRow.split(',')[4]));
    await stores.close();
  });

  it('does not cache a market without latestKey', async () => {
    const { market, reads } = counting(bars100);
    const cache = new MemoryCache();
    const cached = withPriceCache(market, cache, 't:');
    await latestPrice(cached, 'ANY');
    await latestPrice(cached, 'ANY');
    expect(reads()).toBe(6);
    expect(cache.size).toBe(0);
  });
});
