/** The latest price as a quote, from the store's quotes, else its trades, else its bars; all written here. */
import { afterAll, describe, expect, it } from 'vitest';
import { getBars } from '../../src/usecases/bars.js';
import { getQuote, getQuotes } from '../../src/usecases/quotes.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';
import { barsCsv, storesWith } from './fixture.js';

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
