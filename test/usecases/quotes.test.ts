/** The latest price as a quote, from the store's quotes, else its trades, else its bars; all written here. */
import { afterAll, describe, expect, it } from 'vitest';
import { getQuote, getQuotes } from '../../src/usecases/quotes.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';
import { barsCsv, storesWith } from './fixture.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('quotes', async () => {
  const stores = await storesWith(homeMaker(tmp.dir)(), {
    XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50),
    QQ: 'timestamp,bid,ask,bid_size,ask_size\n2024-01-03T14:30:00Z,49.5,50.5,100,200\n2024-01-03T14:31:00Z,49.75,50.25,300,400\n',
    TT: 'timestamp,price,size\n2024-01-03T14:30:00Z,10.5,7\n2024-01-03T14:30:01.5Z,10.75,3\n',
  });
  afterAll(() => stores.close());

  it('gives the last stored quote with its sizes and exact ns', async () => {
    expect(await getQuote(stores.market, 'QQ')).toEqual({ symbol: 'QQ', source: 'quote', bid: 49.75, ask: 50.25, bid_size: 300, ask_size: 400, ts: '2024-01-03T14:31:00.000Z', ts_ns: '1704292260000000000' });
  });

  it('falls back to the last trade, then the last bar close, saying which', async () => {
    expect(await getQuote(stores.market, 'TT')).toEqual({ symbol: 'TT', source: 'trade', bid: 10.75, ask: 10.75, bid_size: null, ask_size: null, ts: '2024-01-03T14:30:01.500Z', ts_ns: '1704292201500000000' });
    expect(await getQuote(stores.market, 'XYZ')).toMatchObject({ source: 'bar', bid: 50, ask: 50, ts_ns: '1704240000000000000' });
  });

  it('answers an unknown symbol alone as UNKNOWN_SYMBOL, and in a batch lists it as missing', async () => {
    expect((await errorOf(getQuote(stores.market, 'NOPE'))).code).toBe('UNKNOWN_SYMBOL');
    const batch = await getQuotes(stores.market, ['XYZ', 'NOPE', 'QQ', 'XYZ']);
    expect([batch.quotes.map((q) => [q.symbol, q.source]), batch.missing]).toEqual([[['XYZ', 'bar'], ['QQ', 'quote']], ['NOPE']]);
  });
});
