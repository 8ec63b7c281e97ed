/**
 * LOBSTER limit-order-book files → trades and top-of-book quotes.
 *
 * Format (LOBSTER ReadMe, 2013): two headerless CSVs per ticker, day and depth, named
 * TICKER_DATE_START_END_message_N.csv and ..._orderbook_N.csv. Message columns: time (seconds after midnight,
 * exchange-local New York time, a decimal with 0–12 fraction digits), event type, order id, size, price
 * (dollars × 10000), direction (side of the resting order: 1 bid, −1 ask). Orderbook row k is the book after
 * message k: per level ask price, ask size, bid price, bid size.
 *
 * Trades are event types 4 (visible execution) and 5 (hidden execution), one per row. The aggressor is the
 * opposite of the resting order's side: an executed ask (−1) is a buyer-initiated trade (side +1). Quotes are
 * level 1 of every orderbook row whose both sides are present (LOBSTER writes ±9999999999 for an empty side).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CiftError } from '../errors.js';
import type { TickBatch } from '../schema.js';
import { NS_PER_MS, wallToUtcMs } from '../time.js';
import { assertReadableFile } from './files.js';
import { normalizeSymbol } from './tabular.js';
import { validateBatch } from './validate.js';

export const LOBSTER_ZONE = 'America/New_York';
const NAME_RE = /^([A-Za-z0-9.^-]+)_(\d{4}-\d{2}-\d{2})_(\d+)_(\d+)_(message|orderbook)_(\d+)\.csv$/;
const PRICE_SCALE = 10_000;
/** LOBSTER's placeholder prices for an empty side of the book. */
const EMPTY_LEVEL = 9_999_999_999;

export interface LobsterOptions {
  symbol?: string;
  /** Trading day, YYYY-MM-DD; read from the file name when omitted. */
  date?: string;
  depth?: number;
}

export interface LobsterName {
  symbol: string;
  date: string;
  depth: number;
}

/** Reads symbol, date and depth from a standard LOBSTER file name. */
export function parseLobsterName(file: string): LobsterName | undefined {
  const m = NAME_RE.exec(basename(file));
  return m ? { symbol: m[1], date: m[2], depth: Number(m[6]) } : undefined;
}

/** UTC ns of local midnight of `date` in New York, using the offset in force at noon (after any 02:00 DST switch). */
function sessionMidnightNs(date: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new CiftError('USAGE', `date "${date}" is not YYYY-MM-DD`);
  const midnightWall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const noonWall = midnightWall + 12 * 3_600_000;
  const offsetMs = noonWall - wallToUtcMs(noonWall, LOBSTER_ZONE);
  return BigInt(midnightWall - offsetMs) * NS_PER_MS;
}

/** "34200.00426064" → ns after midnight, exactly (no float rounding); more than 9 fraction digits are cut. */
export function lobsterSecondsToNs(text: string): number {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const frac = dot < 0 ? '' : text.slice(dot + 1, dot + 10);
  if (!/^\d+$/.test(whole) || !/^\d*$/.test(frac)) return NaN;
  return Number(whole) * 1e9 + (frac.length ? Number(frac.padEnd(9, '0')) : 0);
}

function readLines(file: string): string[] {
  assertReadableFile(file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

export interface LobsterDay {
  trades: TickBatch;
  quotes: TickBatch;
  /** Orderbook rows left out because a side of the book was empty. */
  oneSidedRows: number;
  name: LobsterName;
}

/** Parses a LOBSTER message/orderbook pair. Nothing is returned unless every row is valid. */
export function readLobster(messageFile: string, orderbookFile: string, opts: LobsterOptions = {}): LobsterDay {
  const fromName = parseLobsterName(messageFile) ?? parseLobsterName(orderbookFile);
  const symbolText = opts.symbol ?? fromName?.symbol;
  const date = opts.date ?? fromName?.date;
  if (symbolText === undefined || date === undefined) {
    throw new CiftError('USAGE', `${messageFile}: not a standard LOBSTER file name, so symbol and date are unknown`, 'give --symbol and --date YYYY-MM-DD');
  }
  const symbol = normalizeSymbol(symbolText);
  const depth = opts.depth ?? fromName?.depth ?? 1;
  const messages = readLines(messageFile);
  const book = readLines(orderbookFile);
  if (messages.length !== book.length) {
    throw new CiftError(
      'INPUT_INVALID',
      `${orderbookFile}: ${book.length} rows but ${messageFile} has ${messages.length}; a LOBSTER pair has one book row per message`,
      'check that both files are from the same download (same ticker, day and depth)',
    );
  }
  const midnight = sessionMidnightNs(date);
  const n = messages.length;
  const msgTs = new Float64Array(n);
  const lineLabel = (file: string) => (i: number) => `${file} line ${i + 1}`;
  const msgAt = lineLabel(messageFile);
  const bad = (where: string, message: string): never => {
    throw new CiftError('INPUT_INVALID', `${where}: ${message}`);
  };

  // Executions are a minority of messages; size the arrays for the worst case and trim once.
  const tradeRows: number[] = [];
  const tradePrice: number[] = [];
  const tradeSize: number[] = [];
  const tradeSide: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = messages[i].split(',');
    if (f.length < 6) bad(msgAt(i), `expected 6 fields (time,type,order id,size,price,direction), found ${f.length}`);
    const t = lobsterSecondsToNs(f[0].trim());
    if (Number.isNaN(t)) bad(msgAt(i), `time "${f[0]}" is not seconds after midnight`);
    msgTs[i] = t;
    const type = Number(f[1]);
    if (!Number.isInteger(type) || type < 1 || type > 7) bad(msgAt(i), `event type "${f[1]}" is not 1–7`);
    if (type === 4 || type === 5) {
      const size = Number(f[3]);
      const price = Number(f[4]);
      const direction = Number(f[5]);
      if (!(size > 0)) bad(msgAt(i), `size "${f[3]}" is not a positive number`);
      if (!(price > 0)) bad(msgAt(i), `price "${f[4]}" is not a positive price`);
      if (direction !== 1 && direction !== -1) bad(msgAt(i), `direction "${f[5].trim()}" is not 1 or -1`);
      tradeRows.push(i);
      tradePrice.push(price / PRICE_SCALE);
      tradeSize.push(size);
      tradeSide.push(-direction);
    }
  }

  const bookAt = lineLabel(orderbookFile);
  const quoteRows: number[] = [];
  const q = { bid: [] as number[], ask: [] as number[], bid_size: [] as number[], ask_size: [] as number[] };
  let oneSidedRows = 0;
  for (let i = 0; i < n; i++) {
    const f = book[i].split(',', 4);
    if (f.length < 4) bad(bookAt(i), `expected ${4 * depth} fields (ask,ask size,bid,bid size per level), found ${book[i].split(',').length}`);
    const ask = Number(f[0]);
    const askSize = Number(f[1]);
    const bid = Number(f[2]);
    const bidSize = Number(f[3]);
    const names = ['ask price', 'ask size', 'bid price', 'bid size'];
    [ask, askSize, bid, bidSize].forEach((v, k) => {
      if (!Number.isFinite(v)) bad(bookAt(i), `${names[k]} "${f[k]}" is not a number`);
    });
    if (Math.abs(ask) >= EMPTY_LEVEL || Math.abs(bid) >= EMPTY_LEVEL) {
      oneSidedRows++;
      continue;
    }
    quoteRows.push(i);
    q.ask.push(ask / PRICE_SCALE);
    q.ask_size.push(askSize);
    q.bid.push(bid / PRICE_SCALE);
    q.bid_size.push(bidSize);
  }

  const tsOf = (rows: number[]) => BigInt64Array.from(rows, (r) => midnight + BigInt(msgTs[r]));
  const trades: TickBatch = {
    kind: 'trades',
    symbol,
    ts: tsOf(tradeRows),
    seq: Float64Array.from(tradeRows),
    values: { price: Float64Array.from(tradePrice), size: Float64Array.from(tradeSize), side: Float64Array.from(tradeSide) },
  };
  const quotes: TickBatch = {
    kind: 'quotes',
    symbol,
    ts: tsOf(quoteRows),
    seq: Float64Array.from(quoteRows),
    values: { bid: Float64Array.from(q.bid), ask: Float64Array.from(q.ask), bid_size: Float64Array.from(q.bid_size), ask_size: Float64Array.from(q.ask_size) },
  };
  // Time order is checked on every message, not only executions: a time going backwards anywhere is corruption.
  for (let i = 1; i < n; i++) if (msgTs[i] < msgTs[i - 1]) bad(msgAt(i), `time "${messages[i].split(',')[0]}" goes backwards`);
  validateBatch(trades, { ts: 'time' }, (i) => msgAt(tradeRows[i]));
  validateBatch(quotes, { bid: 'bid price', ask: 'ask price', bid_size: 'bid size', ask_size: 'ask size' }, (i) => bookAt(quoteRows[i]));
  return { trades, quotes, oneSidedRows, name: { symbol, date, depth } };
}
