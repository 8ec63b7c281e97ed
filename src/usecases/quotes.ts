/**
 * The latest price of a symbol, for `GET /market-data/quote(s)`: the stored quote's bid/ask and sizes, else the last
 * trade, else the last bar's close, with `source` saying which and `price` the mark a market order is priced from
 * (trading/prices.ts latestPrice decides, so a quote and a fill can never disagree).
 */
import { CiftError, isCiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import { formatTs } from '../time.js';
import { latestPrice } from '../trading/prices.js';

export interface QuoteJson {
  symbol: string;
  /** quote: a stored quote; trade: no quotes, the last trade; bar: neither, the last bar's close. */
  source: 'quote' | 'trade' | 'bar';
  bid: number | null;
  ask: number | null;
  bid_size: number | null;
  ask_size: number | null;
  /** The mark a position is valued at and a market order is priced from: quote mid, last trade or last close. */
  price: number;
  /** Trade size or bar volume; null for a quote. */
  size: number | null;
  /** ISO-8601 UTC, and the exact ns as a string (a JSON number cannot hold it). */
  ts: string;
  ts_ns: string;
}

type QuoteMarket = Pick<MarketData, 'latest' | 'kindsOf'>;

/**
 * The latest price of a symbol as order fills see it (trading/prices.ts latestPrice: quote, else trade, else bar),
 * with the sizes the stored row carries. UNKNOWN_SYMBOL (did-you-mean hint) or NO_DATA when nothing prices it.
 */
export async function getQuote(market: QuoteMarket, symbol: string): Promise<QuoteJson> {
  // Catalog only: UNKNOWN_SYMBOL or NO_DATA for the chosen origin, before any data file is read.
  await market.kindsOf(symbol);
  const price = await latestPrice(market, symbol);
  if (price === undefined) throw new CiftError('NO_DATA', `no quote, trade or bar stored for "${symbol}"`);
  const kind = price.source === 'quote' ? 'quotes' : price.source === 'trade' ? 'trades' : 'bars';
  const v = (await market.latest(kind, symbol))!.values;
  const base = { symbol, source: price.source, price: price.mark, ts: formatTs(price.ts), ts_ns: price.ts.toString() };
  if (price.source === 'quote') return { ...base, bid: v.bid, ask: v.ask, bid_size: v.bid_size ?? null, ask_size: v.ask_size ?? null, size: null };
  return { ...base, bid: null, ask: null, bid_size: null, ask_size: null, size: (price.source === 'trade' ? v.size : v.volume) ?? null };
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
