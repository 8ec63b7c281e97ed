/** The latest price as a quote, from the store's quotes, else its trades, else its bars; all written here. */
import { afterAll, describe, expect, it } from 'vitest';
import { getBars } from '../../src/usecases/bars.js';
import { resolveSettings } from '../../src/config.js';
import { LiveMarket } from '../../src/live/live-market.js';
import { getQuote, getQuotes } from '../../src/usecases/quotes.js';
import { openStores } from '../../src/usecases/stores.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';
import { addBars, barsCsv, storesWith } from './fixture.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);

describe('quotes', async () => {
  const stores = await storesWith(newHome(), {
    XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50),
    QQ: 'timestamp,bid,ask,bid_size,ask_size\n2024-01-03T14:30:00Z,49.5,50.5,100,200\n2024-01-03T14:31:00Z,49.75,50.25,300,400\n',
    TT: 'timestamp,price,size\n2024-01-03T14:30:00Z,10.5,7\n2024-01-03T14:30:01.5Z,10.75,3\n',
  });
  afterAll(() => stores.close());

  it('gives the last stored quote with its sizes, its mid as the price, and exact ns', async () => {
    expect(await getQuote(stores.market, 'QQ')).toEqual({ symbol: 'QQ', source: 'quote', bid: 49.75, ask: 50.25, bid_size: 300, ask_size: 400, price: 50, size: null, ts: '2024-01-03T14:31:00.000Z', ts_ns: '1704292260000000000' });
  });

  it('falls back to the last trade, then the last bar close, saying which', async () => {
    expect(await getQuote(stores.market, 'TT')).toEqual({ symbol: 'TT', source: 'trade', bid: null, ask: null, bid_size: null, ask_size: null, price: 10.75, size: 3, ts: '2024-01-03T14:30:01.500Z', ts_ns: '1704292201500000000' });
    expect(await getQuote(stores.market, 'XYZ')).toMatchObject({ source: 'bar', bid: null, ask: null, price: 50, ts_ns: '1704240000000000000' });
  });

  it('answers an unknown symbol alone as UNKNOWN_SYMBOL, and in a batch lists it as missing', async () => {
    expect((await errorOf(getQuote(stores.market, 'NOPE'))).code).toBe('UNKNOWN_SYMBOL');
    const batch = await getQuotes(stores.market, ['XYZ', 'NOPE', 'QQ', 'XYZ']);
    expect([batch.quotes.map((q) => [q.symbol, q.source]), batch.missing]).toEqual([[['XYZ', 'bar'], ['QQ', 'quote']], ['NOPE']]);
  });
});

describe('a quote asked again (remembered until what it is made of changes)', async () => {
  const home = newHome();
  const stores = await storesWith(home, { XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50) });
  afterAll(() => stores.close());
  const jan = (day: number, hh = 0) => BigInt(Date.UTC(2024, 0, day, hh)) * 1_000_000n;

  it('moves at once to a replayed row (LiveMarket.set), to a later one, and back to the store when cleared', async () => {
    const live = new LiveMarket(stores.market);
    expect(await getQuote(live, 'XYZ')).toMatchObject({ source: 'bar', price: 50 });
    expect(await getQuote(live, 'XYZ')).toMatchObject({ source: 'bar', price: 50 });
    live.set('quotes', 'XYZ', { ts: jan(4, 15), values: { bid: 60, ask: 61, bid_size: 1, ask_size: 2 } });
    expect(await getQuote(live, 'XYZ')).toEqual({ symbol: 'XYZ', source: 'quote', bid: 60, ask: 61, bid_size: 1, ask_size: 2, price: 60.5, size: null, ts: '2024-01-04T15:00:00.000Z', ts_ns: jan(4, 15).toString() });
    live.set('quotes', 'XYZ', { ts: jan(4, 16), values: { bid: 70, ask: 71, bid_size: 3, ask_size: 4 } });
    expect(await getQuote(live, 'XYZ')).toMatchObject({ source: 'quote', price: 70.5, bid_size: 3 });
    // An earlier row is not recorded (replays never move time back), so the quote stays.
    live.set('quotes', 'XYZ', { ts: jan(4, 14), values: { bid: 1, ask: 2, bid_size: 1, ask_size: 1 } });
    expect(await getQuote(live, 'XYZ')).toMatchObject({ price: 70.5 });
    live.clear();
    expect(await getQuote(live, 'XYZ')).toMatchObject({ source: 'bar', price: 50, ts_ns: jan(3).toString() });
  });

  it('moves once this process stores later rows, and once another process commits them', async () => {
    expect(await getQuote(stores.market, 'XYZ')).toMatchObject({ source: 'bar', price: 50 });
    await addBars(stores, home, 'XYZ-4', barsCsv(['2024-01-04'], 55));
    expect(await getQuote(stores.market, 'XYZ')).toMatchObject({ source: 'bar', price: 55, ts_ns: jan(4).toString() });
    // Another process's stores: its commit shows up once the catalog is checked again (every 10 ms at most).
    const other = await openStores(resolveSettings({ home }, {}));
    try {
      await addBars(other, home, 'XYZ-5', barsCsv(['2024-01-05'], 57));
    } finally {
      await other.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await getQuote(stores.market, 'XYZ')).toMatchObject({ source: 'bar', price: 57, ts_ns: jan(5).toString() });
  });
});

describe('bars', async () => {
  const home = newHome();
  const stores = await storesWith(home, {
    XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50),
    TT: 'timestamp,price,size\n2024-01-03T14:30:00Z,10.5,7\n2024-01-03T14:30:30Z,10.25,1\n2024-01-03T14:31:15Z,10.75,3\n',
  });
  afterAll(() => stores.close());

  it('gives stored bars as they are, the rows written in the file', async () => {
    const r = await getBars(stores.market, { symbol: 'XYZ' });
    expect([r.interval, r.from, r.bars.map((b) => [b.ts, b.open, b.close, b.volume])]).toEqual([null, 'bars', [['2024-01-02T00:00:00.000Z', 49, 49, 1000], ['2024-01-03T00:00:00.000Z', 50, 50, 1000]]]);
    expect((await getBars(stores.market, { symbol: 'XYZ', limit: 1 })).bars.map((b) => b.close), 'the first bar').toEqual([49]);
  });

  it('aggregates trades to 1m bars: OHLC, volume, vwap and count worked by hand', async () => {
    const r = await getBars(stores.market, { symbol: 'TT', interval: '1m' });
    // 14:30 holds 10.5×7 and 10.25×1: vwap (73.5 + 10.25) / 8 = 10.46875; 14:31 holds 10.75×3.
    expect(r.bars.map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades])).toEqual([
      ['2024-01-03T14:30:00.000Z', 10.5, 10.5, 10.25, 10.25, 8, 10.46875, 2],
      ['2024-01-03T14:31:00.000Z', 10.75, 10.75, 10.75, 10.75, 3, 10.75, 1],
    ]);
  });
});
