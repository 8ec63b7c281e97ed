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

type QuoteMarket = Pick<MarketData, 'latest' | 'kindsOf'> & {
  /** An opaque token, the same object while latest() and kindsOf() answer the same for the symbol (MarketData, LiveMarket); undefined: cannot tell. */
  revision?(symbol: string): Promise<object | undefined>;
};

/** Quotes already worked out, per market, by symbol, with the market revision they were worked out at. */
const computed = new WeakMap<object, Map<string, { revision: object; quote: Readonly<QuoteJson> }>>();
/** Symbols remembered per market; past this the memory starts again (a symbol set is small, this is a guard). */
const MAX_CACHED_SYMBOLS = 10_000;

/**
 * The latest price of a symbol as order fills see it (trading/prices.ts latestPrice: quote, else trade, else bar),
 * with the sizes the stored row carries. UNKNOWN_SYMBOL (did-you-mean hint) or NO_DATA when nothing prices it.
 *
 * A market that tells its revision (the tick store's catalog, a LiveMarket's changes) has its quotes remembered
 * until the revision changes: an unchanged quote is not worked out again (a server answers thousands a second),
 * and a replayed row (LiveMarket.set) or a committed ingest moves it at once. The answer is then shared and frozen.
 */
export async function getQuote(market: QuoteMarket, symbol: string): Promise<QuoteJson> {
  const revision = market.revision === undefined ? undefined : await market.revision(symbol);
  if (revision === undefined) return workOutQuote(market, symbol);
  let bySymbol = computed.get(market);
  if (bySymbol === undefined) computed.set(market, (bySymbol = new Map()));
  const held = bySymbol.get(symbol);
  if (held !== undefined && held.revision === revision) return held.quote;
  // Worked out after the revision was taken, so it is at least as new as that revision says.
  const quote = Object.freeze(await workOutQuote(market, symbol));
  if (bySymbol.size >= MAX_CACHED_SYMBOLS && !bySymbol.has(symbol)) bySymbol.clear();
  bySymbol.set(symbol, { revision, quote });
  return quote;
}

async function workOutQuote(market: QuoteMarket, symbol: string): Promise<QuoteJson> {
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
