/**
 * Where a paper order's price comes from: the latest stored quote (ask to buy, bid to sell), else the last
 * trade, else the last bar's close. Prices are historical: no wall-clock staleness check unless asked for.
 */
import type { TickStore } from '../store/ticks/types.js';

export interface MarketPrice {
  /** Price for a buy and for a sell (equal unless it came from a quote). */
  buy: number;
  sell: number;
  /** Mark for valuing a position: the quote mid, the last trade or the last close. */
  mark: number;
  source: 'quote' | 'trade' | 'bar';
  ts: bigint;
  /** The quoted sizes, when the price is a quote that has them (a limit order's immediate fill never exceeds them). */
  bidSize?: number;
  askSize?: number;
}

export async function latestPrice(store: Pick<TickStore, 'latest'>, symbol: string): Promise<MarketPrice | undefined> {
  const quote = await store.latest('quotes', symbol);
  if (quote) {
    const { bid, ask, bid_size: bidSize, ask_size: askSize } = quote.values;
    return { buy: ask, sell: bid, mark: (bid + ask) / 2, source: 'quote', ts: quote.ts, bidSize, askSize };
  }
  const trade = await store.latest('trades', symbol);
  if (trade) return { buy: trade.values.price, sell: trade.values.price, mark: trade.values.price, source: 'trade', ts: trade.ts };
  const bar = await store.latest('bars', symbol);
  if (bar) return { buy: bar.values.close, sell: bar.values.close, mark: bar.values.close, source: 'bar', ts: bar.ts };
  return undefined;
}
