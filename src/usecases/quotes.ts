/**
 * The latest price of a symbol as a quote: the stored quote's bid/ask and sizes, else the last trade, else the
 * last bar's close (bid = ask = that price, no sizes), with `source` saying which. It is the price a market order
 * would fill at (trading/prices.ts reads the same rows in the same order).
 */
import { CiftError, isCiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import { formatTs } from '../time.js';

export interface QuoteJson {
  symbol: string;
  source: 'quote' | 'trade' | 'bar';
  bid: number;
  ask: number;
  bid_size: number | null;
  ask_size: number | null;
  /** ISO-8601 UTC, and the exact ns as a string (a JSON number cannot hold it). */
  ts: string;
  ts_ns: string;
}

type QuoteMarket = Pick<MarketData, 'latest' | 'kindsOf'>;

/** UNKNOWN_SYMBOL (did-you-mean hint) or NO_DATA when the symbol has nothing to price it by. */
export async function getQuote(market: QuoteMarket, symbol: string): Promise<QuoteJson> {
  const kinds = await market.kindsOf(symbol);
  const quote = kinds.includes('quotes') ? await market.latest('quotes', symbol) : undefined;
  if (quote) {
    const v = quote.values;
    return { symbol, source: 'quote', bid: v.bid, ask: v.ask, bid_size: v.bid_size, ask_size: v.ask_size, ts: formatTs(quote.ts), ts_ns: String(quote.ts) };
  }
  const trade = kinds.includes('trades') ? await market.latest('trades', symbol) : undefined;
  if (trade) return { symbol, source: 'trade', bid: trade.values.price, ask: trade.values.price, bid_size: null, ask_size: null, ts: formatTs(trade.ts), ts_ns: String(trade.ts) };
  const bar = await market.latest('bars', symbol);
  if (bar) return { symbol, source: 'bar', bid: bar.values.close, ask: bar.values.close, bid_size: null, ask_size: null, ts: formatTs(bar.ts), ts_ns: String(bar.ts) };
  throw new CiftError('NO_DATA', `no quote, trade or bar stored for "${symbol}"`);
}

export interface QuotesJson {
  quotes: QuoteJson[];
  /** Requested symbols with no data, in the order asked. */
  missing: string[];
}

/** One entry per symbol asked for (duplicates once); unknown or unpriced symbols are listed in `missing`. */
export async function getQuotes(market: QuoteMarket, symbols: readonly string[]): Promise<QuotesJson> {
  const out: QuotesJson = { quotes: [], missing: [] };
  for (const symbol of [...new Set(symbols)]) {
    try {
      out.quotes.push(await getQuote(market, symbol));
    } catch (e) {
      if (isCiftError(e) && (e.code === 'UNKNOWN_SYMBOL' || e.code === 'NO_DATA')) out.missing.push(symbol);
      else throw e;
    }
  }
  return out;
}
