/** Plain JSON views the API returns: snake_case, ISO-8601 UTC timestamps, nanoseconds kept as `ts_ns` strings. */
import { CiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import type { SeriesSummary, StoredSource } from '../store/ticks/types.js';
import { formatTs } from '../time.js';
import { latestPrice } from '../trading/prices.js';

export interface QuoteView {
  symbol: string;
  /** quote: a stored quote; trade: no quotes, the last trade; bar: neither, the last bar's close. */
  source: 'quote' | 'trade' | 'bar';
  bid: number | null;
  ask: number | null;
  bid_size: number | null;
  ask_size: number | null;
  /** The mark a position is valued at: quote mid, last trade price or last close. */
  price: number;
  /** Trade size or bar volume; null for a quote. */
  size: number | null;
  ts: string;
  ts_ns: string;
}

/**
 * The latest price of a symbol as order fills see it (trading/prices.ts latestPrice: quote, else trade, else bar),
 * with the sizes the stored row carries. UNKNOWN_SYMBOL when nothing is known about it.
 */
export async function quoteView(market: MarketData, symbol: string): Promise<QuoteView> {
  // Catalog only: UNKNOWN_SYMBOL (with a did-you-mean) or NO_DATA for the chosen origin, before any data file is read.
  await market.kindsOf(symbol);
  const price = await latestPrice(market, symbol);
  if (price === undefined) throw new CiftError('NO_DATA', `no quotes, trades or bars for "${symbol}"`);
  const kind = price.source === 'quote' ? 'quotes' : price.source === 'trade' ? 'trades' : 'bars';
  const row = (await market.latest(kind, symbol))!;
  const v = row.values;
  const base = { symbol, source: price.source, price: price.mark, ts: formatTs(price.ts), ts_ns: price.ts.toString() };
  if (price.source === 'quote') return { ...base, bid: v.bid, ask: v.ask, bid_size: v.bid_size ?? null, ask_size: v.ask_size ?? null, size: null };
  return { ...base, bid: null, ask: null, bid_size: null, ask_size: null, size: (price.source === 'trade' ? v.size : v.volume) ?? null };
}

/** A symbol's series and their sources: the shape of `cift ingest --list --json`. */
export function seriesListView(list: SeriesSummary[], sources: StoredSource[]) {
  const storedBarSymbols = new Set(list.filter((s) => !s.builtin && (s.kind === 'bars' || s.kind === 'trades')).map((s) => s.symbol));
  const used = (s: SeriesSummary) => !s.builtin || !storedBarSymbols.has(s.symbol);
  return list.map((s) => ({
    symbol: s.symbol,
    kind: s.kind,
    rows: s.rows,
    first: formatTs(s.first),
    last: formatTs(s.last),
    builtin: s.builtin,
    used: used(s),
    sources: s.builtin
      ? []
      : sources
          .filter((x) => x.symbol === s.symbol && x.kind === s.kind)
          .map((x) => ({ id: x.id, symbol: x.symbol, kind: x.kind, label: x.label, origin: x.origin, rows: x.rows, first: formatTs(x.first), last: formatTs(x.last), files: x.files, written_at: x.writtenAt })),
  }));
}
