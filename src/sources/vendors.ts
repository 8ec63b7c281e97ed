/**
 * Layouts vendors publish, as data: the columns (in order, for headerless files), which column is which canonical
 * field, the epoch units the time column may be in, and fixed-point price scales. A layout is applied when its file
 * is recognised without guessing (a headerless Binance file by its published file name and column count; a header
 * by names only that vendor uses) or when the user names it with `--preset`. `cift ingest --presets` lists them.
 *
 * Sources, as each vendor documents its files:
 * - Binance public data (data.binance.vision, github.com/binance/binance-public-data): headerless spot klines,
 *   trades and aggTrades CSVs, ms timestamps until 2024 and µs from 2025-01-01; futures files carry a header line.
 * - MetaTrader 5 "Export bars": tab-separated, <DATE> 2024.01.02, <TIME> 00:00:00, <TICKVOL>, <VOL>, <SPREAD>.
 * - Stooq: per-symbol downloads Date,Open,High,Low,Close,Volume (intraday adds Time); bulk files
 *   <TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT> with <DATE> 20240102, <TIME> 153000.
 * - Dukascopy (JForex / historical data feed export): Gmt time as DD.MM.YYYY HH:MM:SS.mmm, in GMT.
 * - Databento CSV (dbn to_csv defaults): ts_event in ns, prices as fixed-point integers in units of 1e-9.
 * - Polygon (Massive) flat files: trades and quotes with sip_timestamp / participant_timestamp in ns, aggregates
 *   with window_start in ns; one file holds every ticker, in a `ticker` column.
 */
import { CiftError } from '../errors.js';
import type { TickKind } from '../schema.js';
import type { EpochUnit } from '../time.js';
import { normalizeHeader } from './columns.js';

export interface VendorLayout {
  name: string;
  /** Who publishes it. */
  source: string;
  kind: TickKind;
  /** Headerless layouts: every column's name, in order (like --columns). */
  columns?: readonly string[];
  /** Canonical field → the layout's column name (compared normalised: <DATE> and Date are one name). */
  fields: Readonly<Record<string, string>>;
  /** Fields whose column may be missing. */
  optional?: readonly string[];
  /** The units an integer time column may be in; another unit is an error. */
  epochUnits?: readonly EpochUnit[];
  /** Prices are integers in units of this (Databento: 1e-9), unless written with decimals (pretty_px). */
  fixedPoint?: number;
  /** How a file is recognised without --preset. Absent: only by --preset (the header is too common to tell). */
  recognise?: {
    /** Headerless files: the published file name (the symbol is its first group) and the column count. */
    fileName?: RegExp;
    /** Files with a header: names (normalised) that must all be present … */
    header?: readonly string[];
    /** … and names that must not be. */
    without?: readonly string[];
  };
  /** The symbol is the first group of this pattern on the file name, when no --symbol or symbol column. */
  symbolFromFileName?: RegExp;
  /** What a user should know (time zone, units). */
  note?: string;
}

const OHLC = { open: 'open', high: 'high', low: 'low', close: 'close' } as const;
const BINANCE_INTERVAL = '(?:1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1mo)';
const BINANCE_DATE = '\\d{4}-\\d{2}(?:-\\d{2})?';
const binanceName = (middle: string) => new RegExp(`^([A-Z0-9]+)-${middle}-${BINANCE_DATE}(?:\\.(?:csv|zip|gz|zst))*$`);

export const VENDOR_LAYOUTS: readonly VendorLayout[] = [
  {
    name: 'binance-klines',
    source: 'Binance public data: spot/futures klines (BTCUSDT-1m-2024-01.csv)',
    kind: 'bars',
    columns: ['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_asset_volume', 'number_of_trades', 'taker_buy_base_volume', 'taker_buy_quote_volume', 'ignore'],
    fields: { ts: 'open_time', ...OHLC, volume: 'volume' },
    epochUnits: ['ms', 'us'],
    recognise: { fileName: binanceName(BINANCE_INTERVAL), header: ['open_time', 'close_time', 'open', 'high', 'low', 'close'] },
    symbolFromFileName: binanceName(BINANCE_INTERVAL),
    note: 'open_time is the bar time; ms until 2024, µs from 2025',
  },
  {
    name: 'binance-trades',
    source: 'Binance public data: trades (BTCUSDT-trades-2024-01-01.csv)',
    kind: 'trades',
    columns: ['id', 'price', 'qty', 'quote_qty', 'time', 'is_buyer_maker', 'is_best_match'],
    fields: { ts: 'time', price: 'price', size: 'qty', is_buyer_maker: 'is_buyer_maker' },
    epochUnits: ['ms', 'us'],
    recognise: { fileName: binanceName('trades'), header: ['id', 'price', 'qty', 'quote_qty', 'time', 'is_buyer_maker'] },
    symbolFromFileName: binanceName('trades'),
    note: 'is_buyer_maker true: the seller was the aggressor (side -1)',
  },
  {
    name: 'binance-aggtrades',
    source: 'Binance public data: aggTrades (BTCUSDT-aggTrades-2024-01-01.csv)',
    kind: 'trades',
    columns: ['agg_trade_id', 'price', 'quantity', 'first_trade_id', 'last_trade_id', 'transact_time', 'is_buyer_maker', 'is_best_match'],
    fields: { ts: 'transact_time', price: 'price', size: 'quantity', is_buyer_maker: 'is_buyer_maker' },
    epochUnits: ['ms', 'us'],
    recognise: { fileName: binanceName('aggTrades'), header: ['agg_trade_id', 'transact_time', 'is_buyer_maker'] },
    symbolFromFileName: binanceName('aggTrades'),
    note: 'is_buyer_maker true: the seller was the aggressor (side -1)',
  },
  {
    name: 'metatrader',
    source: 'MetaTrader 5 "Export bars" (tab-separated, <DATE> <TIME> <OPEN> … <TICKVOL> <VOL> <SPREAD>)',
    kind: 'bars',
    fields: { ts: '<DATE>', time: '<TIME>', open: '<OPEN>', high: '<HIGH>', low: '<LOW>', close: '<CLOSE>', volume: '<VOL>', tick_volume: '<TICKVOL>' },
    optional: ['volume', 'tick_volume'],
    recognise: { header: ['date', 'time', 'open', 'high', 'low', 'close', 'tickvol'] },
    note: 'times are the broker server\'s clock: give --tz; <TICKVOL> is the volume when <VOL> is all 0',
  },
  {
    name: 'stooq',
    source: 'Stooq per-symbol download: Date,Open,High,Low,Close,Volume (intraday: Date,Time,…)',
    kind: 'bars',
    fields: { ts: 'Date', time: 'Time', ...OHLC, volume: 'Volume' },
    optional: ['time', 'volume'],
  },
  {
    name: 'stooq-bulk',
    source: 'Stooq bulk files: <TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>',
    kind: 'bars',
    fields: { symbol: '<TICKER>', ts: '<DATE>', time: '<TIME>', open: '<OPEN>', high: '<HIGH>', low: '<LOW>', close: '<CLOSE>', volume: '<VOL>' },
    recognise: { header: ['ticker', 'per', 'date', 'time', 'open', 'high', 'low', 'close', 'openint'] },
    note: '<DATE> YYYYMMDD and <TIME> hhmmss; daily files (<TIME> 000000) are trading dates',
  },
  {
    name: 'dukascopy-ticks',
    source: 'Dukascopy tick export: Gmt time,Ask,Bid,AskVolume,BidVolume',
    kind: 'quotes',
    fields: { ts: 'Gmt time', ask: 'Ask', bid: 'Bid', ask_size: 'AskVolume', bid_size: 'BidVolume' },
    recognise: { header: ['gmt_time', 'ask', 'bid', 'askvolume', 'bidvolume'] },
    note: 'Gmt time is DD.MM.YYYY HH:MM:SS.mmm in GMT',
  },
  {
    name: 'dukascopy-bars',
    source: 'Dukascopy candle export: Gmt time,Open,High,Low,Close,Volume',
    kind: 'bars',
    fields: { ts: 'Gmt time', ...OHLC, volume: 'Volume' },
    recognise: { header: ['gmt_time', 'open', 'high', 'low', 'close'] },
    note: 'Gmt time is DD.MM.YYYY HH:MM:SS.mmm in GMT',
  },
  {
    name: 'databento-ohlcv',
    source: 'Databento OHLCV CSV: ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume[,symbol]',
    kind: 'bars',
    fields: { ts: 'ts_event', ...OHLC, volume: 'volume', symbol: 'symbol' },
    optional: ['symbol'],
    epochUnits: ['ns'],
    fixedPoint: 1e-9,
    recognise: { header: ['ts_event', 'rtype', 'publisher_id', 'open', 'high', 'low', 'close'] },
    note: 'prices are integers in units of 1e-9 unless written with decimals (pretty_px)',
  },
  {
    name: 'databento-trades',
    source: 'Databento trades CSV: ts_recv,ts_event,rtype,publisher_id,instrument_id,action,side,depth,price,size,…',
    kind: 'trades',
    fields: { ts: 'ts_event', price: 'price', size: 'size', side: 'side', symbol: 'symbol' },
    optional: ['symbol'],
    epochUnits: ['ns'],
    fixedPoint: 1e-9,
    recognise: { header: ['ts_event', 'rtype', 'publisher_id', 'action', 'side', 'price', 'size'], without: ['bid_px_00'] },
    note: 'side A: a sell aggressor, B: a buy aggressor, N: none; prices in units of 1e-9',
  },
  {
    name: 'polygon-trades',
    source: 'Polygon flat files, trades: ticker,conditions,…,participant_timestamp,price,…,sip_timestamp,size,…',
    kind: 'trades',
    fields: { symbol: 'ticker', ts: 'sip_timestamp', price: 'price', size: 'size' },
    optional: ['symbol'],
    epochUnits: ['ns'],
    recognise: { header: ['sip_timestamp', 'price', 'size'] },
    note: 'the time is sip_timestamp; --map ts=participant_timestamp for the exchange\'s own',
  },
  {
    name: 'polygon-quotes',
    source: 'Polygon flat files, quotes: ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,…,sip_timestamp,…',
    kind: 'quotes',
    fields: { symbol: 'ticker', ts: 'sip_timestamp', bid: 'bid_price', ask: 'ask_price', bid_size: 'bid_size', ask_size: 'ask_size' },
    optional: ['symbol'],
    epochUnits: ['ns'],
    recognise: { header: ['sip_timestamp', 'bid_price', 'ask_price'] },
  },
  {
    name: 'polygon-aggregates',
    source: 'Polygon flat files, minute/day aggregates: ticker,volume,open,close,high,low,window_start,transactions',
    kind: 'bars',
    fields: { symbol: 'ticker', ts: 'window_start', ...OHLC, volume: 'volume' },
    optional: ['symbol'],
    epochUnits: ['ns'],
    recognise: { header: ['window_start', 'open', 'high', 'low', 'close'] },
    note: 'transactions (trade count) is not stored: stored bars have no trade count',
  },
  {
    name: 'yahoo',
    source: 'Yahoo Finance / yfinance CSV: Date,Open,High,Low,Close,Adj Close,Volume',
    kind: 'bars',
    fields: { ts: 'Date', ...OHLC, adj_close: 'Adj Close', volume: 'Volume' },
    optional: ['adj_close', 'volume'],
    note: 'rows of all null (holidays) are skipped; --adjusted scales open/high/low/close by Adj Close / Close',
  },
];

export const PRESET_NAMES = VENDOR_LAYOUTS.map((l) => l.name);

export function findPreset(name: string): VendorLayout {
  const layout = VENDOR_LAYOUTS.find((l) => l.name === name.trim().toLowerCase());
  if (layout === undefined) throw new CiftError('USAGE', `--preset "${name}" is not a known layout`, `presets: ${PRESET_NAMES.join(', ')} (cift ingest --presets)`);
  return layout;
}

/** The file's own name: a zip member's name for "archive.zip:member.csv", else the last path component. */
export function fileNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  const colon = base.lastIndexOf(':');
  return colon >= 0 ? base.slice(colon + 1) : base;
}

/**
 * The layout a headerless file's name and column count say it is, or undefined when its name is no published one.
 * A published name with the wrong number of columns is an error rather than a guess.
 */
export function recogniseHeaderless(file: string, columnCount: number): VendorLayout | undefined {
  const name = fileNameOf(file);
  const layout = VENDOR_LAYOUTS.find((l) => l.recognise?.fileName?.test(name));
  if (layout === undefined) return undefined;
  if (layout.columns!.length !== columnCount) {
    throw new CiftError(
      'INPUT_INVALID',
      `${file}: named like a ${layout.name} file but it has ${columnCount} columns, not ${layout.columns!.length}`,
      `name its columns with --columns (${layout.columns!.join(',')} is that layout)`,
    );
  }
  return layout;
}

/** The layout whose distinctive header names are all present (the one with the most such names, if several). */
export function recogniseHeader(headers: readonly string[]): VendorLayout | undefined {
  const names = new Set(headers.map(normalizeHeader));
  let best: VendorLayout | undefined;
  for (const layout of VENDOR_LAYOUTS) {
    const sig = layout.recognise?.header;
    if (sig === undefined || !sig.every((h) => names.has(h)) || layout.recognise!.without?.some((h) => names.has(h))) continue;
    if (best === undefined || sig.length > best.recognise!.header!.length) best = layout;
  }
  return best;
}

/** Databento's record header columns: a file with them is Databento's, whose prices are fixed-point. */
export const isDatabentoHeader = (headers: readonly string[]): boolean => {
  const names = new Set(headers.map(normalizeHeader));
  return names.has('rtype') && names.has('publisher_id');
};

/** The symbol a layout reads from the file name (BTCUSDT from BTCUSDT-1m-2024-01.csv). */
export function symbolFromFileName(layout: VendorLayout | undefined, file: string): string | undefined {
  return layout?.symbolFromFileName?.exec(fileNameOf(file))?.[1];
}
