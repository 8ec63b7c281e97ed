/**
 * Header recognition: which source column holds which canonical field. Names are compared after lower-casing and
 * turning spaces and dashes into underscores, so "Adj Close", "adj-close" and "ADJ_CLOSE" are one name.
 */
import { CiftError, didYouMean } from '../errors.js';
import type { TickKind } from '../schema.js';

export const normalizeHeader = (name: string): string => name.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Canonical field → accepted header names (normalised), most specific first. */
const ALIASES: Record<string, readonly string[]> = {
  ts: ['ts', 'timestamp', 'datetime', 'date_time', 'date', 'time', '', 'unnamed:_0', 'index'],
  symbol: ['symbol', 'ticker', 'sym', 'instrument'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  adj_close: ['adj_close', 'adjclose', 'adjusted_close'],
  volume: ['volume', 'vol'],
  price: ['price', 'trade_price', 'last', 'last_price'],
  size: ['size', 'qty', 'quantity', 'amount', 'volume', 'trade_size'],
  side: ['side', 'aggressor', 'aggressor_side'],
  bid: ['bid', 'bid_price', 'bid_px', 'bidprice'],
  ask: ['ask', 'ask_price', 'ask_px', 'askprice', 'offer'],
  bid_size: ['bid_size', 'bidsize', 'bid_qty', 'bid_sz', 'bid_volume'],
  ask_size: ['ask_size', 'asksize', 'ask_qty', 'ask_sz', 'ask_volume', 'offer_size'],
};

export const MAPPABLE_FIELDS = Object.keys(ALIASES);

/** Which fields a kind needs, and which it can do without. */
const REQUIRED: Record<TickKind, readonly string[]> = {
  bars: ['ts', 'open', 'high', 'low', 'close'],
  trades: ['ts', 'price', 'size'],
  quotes: ['ts', 'bid', 'ask'],
};
const OPTIONAL: Record<TickKind, readonly string[]> = {
  bars: ['volume', 'symbol'],
  trades: ['side', 'symbol'],
  quotes: ['bid_size', 'ask_size', 'symbol'],
};

export interface ColumnMapping {
  kind: TickKind;
  /** Canonical field → the source column's exact name. */
  fields: Record<string, string>;
}

export interface MappingOptions {
  /** Explicit canonical field → source column (from --map). */
  map?: Record<string, string>;
  /** Take close from "Adj Close". */
  adjusted?: boolean;
  kind?: TickKind;
}

/** Parses repeated `--map field=Column` flags. */
export function parseMapFlags(pairs: readonly string[] = []): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const field = eq < 0 ? '' : pair.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || !MAPPABLE_FIELDS.includes(field)) {
      const guess = didYouMean(field, MAPPABLE_FIELDS);
      throw new CiftError('USAGE', `--map "${pair}" is not field=Column`, guess ? `did you mean ${guess}?` : `fields: ${MAPPABLE_FIELDS.join(', ')}`);
    }
    map[field] = pair.slice(eq + 1);
  }
  return map;
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
  const find = (field: string): string | undefined => {
    if (explicit[field] !== undefined) return explicit[field];
    if (field === 'close' && opts.adjusted) return find('adj_close');
    for (const alias of ALIASES[field]) {
      const cols = byNorm.get(alias);
      if (cols === undefined) continue;
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
  if (opts.adjusted && kind === 'bars' && find('adj_close') === undefined) {
    throw new CiftError('INPUT_INVALID', `${file}: --adjusted given but there is no "Adj Close" column`);
  }
  const fields: Record<string, string> = {};
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
  // "Date,Time,Open,…" (MetaTrader, Kibot, many brokers): reading Date alone would put every row at midnight.
  if (explicit.ts === undefined && normalizeHeader(fields.ts) === 'date' && byNorm.has('time')) {
    throw new CiftError(
      'INPUT_INVALID',
      `${file}: the date is in column "${fields.ts}" and the time of day in "${byNorm.get('time')![0]}"; cift reads one timestamp column`,
      'join them into one column (e.g. 2024-01-02 09:30:00), or --map ts=Column to choose one',
    );
  }
  for (const field of OPTIONAL[kind]) {
    const col = find(field);
    // In trades "volume" is an alias of size; it must not also be read as a bar field.
    if (col !== undefined && !Object.values(fields).includes(col)) fields[field] = col;
  }
  return { kind, fields };
}
