/**
 * Header recognition: which source column holds which canonical field. Names are compared after lower-casing,
 * dropping MetaTrader's and Stooq's angle brackets (<DATE>) and turning spaces and dashes into underscores, so
 * "Adj Close", "adj-close", "ADJ_CLOSE" and "<ADJ CLOSE>" are one name.
 */
import { CiftError, didYouMean } from '../errors.js';
import type { TickKind } from '../schema.js';

export const normalizeHeader = (name: string): string =>
  name
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/**
 * Canonical field → accepted header names (normalised), most specific first. Vendors' time columns come before the
 * plain `date` and `time`: Polygon's sip_timestamp before its participant_timestamp (the SIP's clock orders every
 * venue's trades on one clock), Binance futures' open_time (the bar's start; close_time is not), Polygon flat files'
 * window_start, Databento's ts_event, Dukascopy's "Gmt time".
 */
const ALIASES: Record<string, readonly string[]> = {
  ts: ['ts', 'timestamp', 'datetime', 'date_time', 'open_time', 'sip_timestamp', 'participant_timestamp', 'window_start', 'ts_event', 'gmt_time', 'date', 'time', '', 'unnamed:_0', 'index'],
  /** A time of day completing a date-only ts column (Stooq's Date,Time; MetaTrader's <DATE>,<TIME>). */
  time: ['time', 'time_of_day'],
  symbol: ['symbol', 'ticker', 'sym', 'instrument'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  adj_close: ['adj_close', 'adjclose', 'adjusted_close'],
  volume: ['volume', 'vol'],
  /** MetaTrader's tick count: the volume of FX bars, whose real volume (<VOL>) the broker leaves at 0. */
  tick_volume: ['tickvol', 'tick_volume', 'tickvolume'],
  price: ['price', 'trade_price', 'last', 'last_price'],
  size: ['size', 'qty', 'quantity', 'amount', 'volume', 'trade_size'],
  side: ['side', 'aggressor', 'aggressor_side'],
  /** Binance: true when the buyer was the maker, i.e. the seller was the aggressor. */
  is_buyer_maker: ['is_buyer_maker'],
  bid: ['bid', 'bid_price', 'bid_px', 'bidprice'],
  ask: ['ask', 'ask_price', 'ask_px', 'askprice', 'offer'],
  bid_size: ['bid_size', 'bidsize', 'bid_qty', 'bid_sz', 'bid_volume', 'bidvolume'],
  ask_size: ['ask_size', 'asksize', 'ask_qty', 'ask_sz', 'ask_volume', 'askvolume', 'offer_size'],
};

/** Fields --map and --columns accept; `date` is ts written as a date, which a `time` column completes. */
export const MAPPABLE_FIELDS = [...Object.keys(ALIASES), 'date'];

/** Which fields a kind needs, and which it can do without. */
const REQUIRED: Record<TickKind, readonly string[]> = {
  bars: ['ts', 'open', 'high', 'low', 'close'],
  trades: ['ts', 'price', 'size'],
  quotes: ['ts', 'bid', 'ask'],
  book: [], // only a LOBSTER orderbook file yields a book (lobster.ts), never a tabular file
};
const OPTIONAL: Record<TickKind, readonly string[]> = {
  bars: ['volume', 'tick_volume', 'symbol'],
  trades: ['side', 'is_buyer_maker', 'symbol'],
  quotes: ['bid_size', 'ask_size', 'symbol'],
  book: [],
};

export interface ColumnMapping {
  kind: TickKind;
  /**
   * Canonical field → the source column's exact name. Besides the kind's value fields: `time` (a time of day that
   * completes the date in `ts`), `adj_close` (with --adjusted), `tick_volume`, `is_buyer_maker`.
   */
  fields: Record<string, string>;
  /** Whether ts was named by the user (--map ts=…), whose choice of a date-only column is not second-guessed. */
  explicitTs: boolean;
}

export interface MappingOptions {
  /** Explicit canonical field → source column (from --map). */
  map?: Record<string, string>;
  /** Scale prices by Adj Close / Close (needs an "Adj Close" column). */
  adjusted?: boolean;
  kind?: TickKind;
}

/** Parses repeated `--map field=Column` flags (`date=` is `ts=`: a date a `time=` column completes). */
export function parseMapFlags(pairs: readonly string[] = []): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const given = eq < 0 ? '' : pair.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || !MAPPABLE_FIELDS.includes(given)) {
      const guess = didYouMean(given, MAPPABLE_FIELDS);
      throw new CiftError('USAGE', `--map "${pair}" is not field=Column`, guess ? `did you mean ${guess}?` : `fields: ${MAPPABLE_FIELDS.join(', ')}`);
    }
    const field = given === 'date' ? 'ts' : given;
    if (map[field] !== undefined) throw new CiftError('USAGE', `--map gives ${field} twice${given === 'date' ? ' (date= is ts=)' : ''}`);
    map[field] = pair.slice(eq + 1);
  }
  return map;
}

/** What `--columns` names: one entry per column in order, a field name or `_` to skip the column. */
export type ColumnNames = ReadonlyArray<string | undefined>;

/**
 * Parses `--columns ts,open,high,low,close,volume,_,…`: each entry a field (as --map takes them) or `_` to skip
 * that column. Names the file's columns in order, like pandas' `names=`.
 */
export function parseColumnsFlag(text: string): ColumnNames {
  const names = text.split(',').map((n) => n.trim().toLowerCase());
  const seen = new Set<string>();
  return names.map((given) => {
    if (given === '_') return undefined;
    if (!MAPPABLE_FIELDS.includes(given)) {
      const guess = didYouMean(given, MAPPABLE_FIELDS);
      throw new CiftError('USAGE', `--columns "${text}": "${given}" is not a field`, guess ? `did you mean ${guess}? (_ skips a column)` : `fields: ${MAPPABLE_FIELDS.join(', ')}; _ skips a column`);
    }
    const field = given === 'date' ? 'ts' : given;
    if (seen.has(field)) throw new CiftError('USAGE', `--columns "${text}" names ${field} twice${given === 'date' ? ' (date is ts)' : ''}`);
    seen.add(field);
    return field;
  });
}

function detectKind(has: (field: string) => boolean): TickKind | undefined {
  if (has('open') && has('high') && has('low') && has('close')) return 'bars';
  if (has('bid') && has('ask')) return 'quotes';
  if (has('price')) return 'trades';
  return undefined;
}

/** Finds each canonical field's column, or fails naming what is missing. */
export function resolveColumns(file: string, headers: readonly string[], opts: MappingOptions = {}): ColumnMapping {
  // Headers by normalised name. polars renames a repeated header "Close" to "Close_duplicated_0"; both count as
  // "close", so a field never silently comes from the first of two columns with one name.
  const byNorm = new Map<string, string[]>();
  for (const h of headers) {
    const norm = normalizeHeader(h.replace(/_duplicated_\d+$/, ''));
    const same = byNorm.get(norm);
    if (same === undefined) byNorm.set(norm, [h]);
    else same.push(h);
  }
  const explicit = opts.map ?? {};
  for (const [field, column] of Object.entries(explicit)) {
    if (!headers.includes(column)) {
      throw new CiftError('INPUT_INVALID', `${file}: --map ${field}="${column}" names no column`, `columns: ${headers.map((h) => `"${h}"`).join(', ')}`);
    }
  }
  const find = (field: string, except?: string): string | undefined => {
    if (explicit[field] !== undefined) return explicit[field];
    for (const alias of ALIASES[field]) {
      const cols = byNorm.get(alias)?.filter((c) => c !== except);
      if (cols === undefined || cols.length === 0) continue;
      if (cols.length > 1) {
        const names = cols.map((c) => `"${c.replace(/_duplicated_\d+$/, '')}"`).join(' and ');
        throw new CiftError('INPUT_INVALID', `${file}: ${cols.length} columns could be ${field}: ${names}`, `rename one, or choose with --map ${field}=Column`);
      }
      return cols[0];
    }
    return undefined;
  };
  const kind = opts.kind ?? detectKind((f) => find(f) !== undefined);
  if (kind === undefined) {
    throw new CiftError(
      'INPUT_INVALID',
      `${file}: cannot tell bars, trades or quotes from the columns ${headers.map((h) => `"${h}"`).join(', ')}`,
      'bars need Open/High/Low/Close, trades Price/Size, quotes Bid/Ask; or name them with --map field=Column',
    );
  }
  const fields: Record<string, string> = {};
  const used = () => Object.values(fields);
  for (const field of REQUIRED[kind]) {
    const col = find(field);
    if (col === undefined) {
      throw new CiftError(
        'INPUT_INVALID',
        `${file}: missing column ${field} for ${kind}`,
        `columns: ${headers.map((h) => `"${h}"`).join(', ')}; name it with --map ${field}=Column`,
      );
    }
    fields[field] = col;
  }
  // A time-of-day column beside the date (Stooq's Date,Time; MetaTrader's <DATE>,<TIME>); whether ts really is a
  // date it completes is decided from the values (tabular.ts).
  const time = find('time', fields.ts);
  if (time !== undefined && !used().includes(time)) fields.time = time;
  if (opts.adjusted && kind === 'bars') {
    const adj = find('adj_close');
    if (adj === undefined) throw new CiftError('INPUT_INVALID', `${file}: --adjusted given but there is no "Adj Close" column`);
    fields.adj_close = adj;
  }
  for (const field of OPTIONAL[kind]) {
    const col = find(field);
    // In trades "volume" is an alias of size; it must not also be read as a bar field.
    if (col !== undefined && !used().includes(col)) fields[field] = col;
  }
  return { kind, fields, explicitTs: explicit.ts !== undefined };
}
