/**
 * LOBSTER limit-order-book files → trades, top-of-book quotes and the book at every level.
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
 * The book is every orderbook row whole, one row per message (row k after message k, with its ts and seq); its
 * levels are the file's column count / 4 (the _N in the name is the same number); an empty level (sentinel price,
 * size 0) is NaN in the batch and null when stored, never a price.
 */
import { basename } from 'node:path';
import { CiftError } from '../errors.js';
import { bookColumns, normalizeSymbol, type TickBatch } from '../schema.js';
import { NS_PER_MS, zoneOffsetMs } from '../time.js';
import { LineReader } from './lines.js';
import { assertDataFile, assertTextFile } from './sniff.js';
import { shown } from './tabular.js';
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
  // Noon UTC is 07:00 or 08:00 in New York: past any 02:00 switch that day, and the same day.
  const offsetMs = zoneOffsetMs(LOBSTER_ZONE, midnightWall + 12 * 3_600_000);
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

/** The longest line a LOBSTER file can have: 50 levels × 4 fields of at most 11 characters, with room to spare. */
const MAX_LINE_BYTES = 64 * 1024;

/** Opens one file of the pair for streaming, after checking it is a text file at all. */
function openLines(file: string): LineReader {
  assertTextFile(file, 'LOBSTER');
  return new LineReader(file, MAX_LINE_BYTES);
}

export interface LobsterDay {
  trades: TickBatch;
  quotes: TickBatch;
  /** Every orderbook row, all its levels (bookColumns); ts and seq are its message's. */
  book: TickBatch;
  /** Orderbook rows left out because a side of the book was empty. */
  oneSidedRows: number;
  name: LobsterName;
}

/** Parses a LOBSTER message/orderbook pair. Nothing is returned unless every row is valid. */
export function readLobster(messageFile: string, orderbookFile: string, opts: LobsterOptions = {}): LobsterDay {
  assertDataFile(messageFile);
  assertDataFile(orderbookFile);
  const fromName = parseLobsterName(messageFile) ?? parseLobsterName(orderbookFile);
  const symbolText = opts.symbol ?? fromName?.symbol;
  const date = opts.date ?? fromName?.date;
  if (symbolText === undefined || date === undefined) {
    throw new CiftError('USAGE', `${messageFile}: not a standard LOBSTER file name, so symbol and date are unknown`, 'give --symbol and --date YYYY-MM-DD');
  }
  const symbol = normalizeSymbol(symbolText);
  const midnight = sessionMidnightNs(date);
  const bad = (where: string, message: string): never => {
    throw new CiftError('INPUT_INVALID', `${where}: ${message}`);
  };
  const msgAt = (i: number) => `${messageFile} line ${i + 1}`;
  const bookAt = (i: number) => `${orderbookFile} line ${i + 1}`;

  // Both files are streamed, so memory follows the rows kept, not the file sizes.
  const messages = openLines(messageFile);
  const msgTs: number[] = [];
  const tradeRows: number[] = [];
  const tradePrice: number[] = [];
  const tradeSize: number[] = [];
  const tradeSide: number[] = [];
  try {
    for (let line = messages.nextRow(), i = 0; line !== undefined; line = messages.nextRow(), i++) {
      const f = line.split(',');
      if (f.length < 6) bad(msgAt(i), `expected 6 fields (time,type,order id,size,price,direction), found ${f.length}`);
      const t = lobsterSecondsToNs(f[0].trim());
      if (Number.isNaN(t)) bad(msgAt(i), `time ${shown(f[0])} is not seconds after midnight`);
      // Time order is checked on every message, not only executions: a time going backwards anywhere is corruption.
      if (i > 0 && t < msgTs[i - 1]) bad(msgAt(i), `time ${shown(f[0])} goes backwards`);
      msgTs.push(t);
      const type = Number(f[1]);
      if (!Number.isInteger(type) || type < 1 || type > 7) bad(msgAt(i), `event type ${shown(f[1])} is not 1–7`);
      if (type === 4 || type === 5) {
        const size = Number(f[3]);
        const price = Number(f[4]);
        const direction = Number(f[5]);
        if (!(size > 0)) bad(msgAt(i), `size ${shown(f[3])} is not a positive number`);
        if (!(price > 0)) bad(msgAt(i), `price ${shown(f[4])} is not a positive price`);
        if (direction !== 1 && direction !== -1) bad(msgAt(i), `direction ${shown(f[5].trim())} is not 1 or -1`);
        tradeRows.push(i);
        tradePrice.push(price / PRICE_SCALE);
        tradeSize.push(size);
        tradeSide.push(-direction);
      }
    }
  } finally {
    messages.close();
  }
  const n = msgTs.length;
  if (n === 0) bad(messageFile, 'no messages');

  const book = openLines(orderbookFile);
  const quoteRows: number[] = [];
  const q = { bid: [] as number[], ask: [] as number[], bid_size: [] as number[], ask_size: [] as number[] };
  let oneSidedRows = 0;
  let bookRows = 0;
  // The book's levels are its column count / 4, fixed by the first row; n rows are known from the message file.
  let levels = 0;
  let bookCols: Float64Array[] = [];
  const countMismatch = (rows: number) =>
    new CiftError(
      'INPUT_INVALID',
      rows > n
        ? `${bookAt(n)}: no message for this row; ${rows} rows but ${messageFile} has ${n}; a LOBSTER pair has one book row per message`
        : `${bookAt(rows)}: missing; ${rows} rows but ${messageFile} has ${n}; a LOBSTER pair has one book row per message`,
      'check that both files are from the same download (same ticker, day and depth)',
    );
  const names = ['ask price', 'ask size', 'bid price', 'bid size'];
  try {
    for (let line = book.nextRow(); line !== undefined; line = book.nextRow()) {
      const i = bookRows++;
      if (i >= n) {
        while (book.nextRow() !== undefined) bookRows++;
        throw countMismatch(bookRows);
      }
      const f = line.split(',');
      if (levels === 0) {
        if (f.length < 4 || f.length % 4 !== 0) bad(bookAt(i), `${f.length} fields, not a multiple of 4 (ask price, ask size, bid price, bid size per level)`);
        levels = f.length / 4;
        // Columns in bookColumns order: bid_px 1…N, bid_sz 1…N, ask_px 1…N, ask_sz 1…N.
        bookCols = Array.from({ length: 4 * levels }, () => new Float64Array(n));
      } else if (f.length !== 4 * levels) {
        bad(bookAt(i), `${f.length} fields, but line 1 has ${4 * levels} (${levels} level${levels === 1 ? '' : 's'} × ask price, ask size, bid price, bid size)`);
      }
      for (let level = 0; level < levels; level++) {
        // File order per level: ask price, ask size, bid price, bid size.
        for (let side = 0; side < 2; side++) {
          const at = 4 * level + 2 * side;
          const px = Number(f[at]);
          const sz = Number(f[at + 1]);
          if (!Number.isFinite(px) || f[at].trim() === '') bad(bookAt(i), `level ${level + 1} ${names[2 * side]} ${shown(f[at])} is not a number`);
          if (!Number.isFinite(sz) || f[at + 1].trim() === '') bad(bookAt(i), `level ${level + 1} ${names[2 * side + 1]} ${shown(f[at + 1])} is not a number`);
          const empty = Math.abs(px) >= EMPTY_LEVEL;
          if (!empty && !(px > 0)) bad(bookAt(i), `level ${level + 1} ${names[2 * side]} ${shown(f[at])} is not a positive price`);
          if (!empty && !(sz >= 0)) bad(bookAt(i), `level ${level + 1} ${names[2 * side + 1]} ${shown(f[at + 1])} is negative`);
          // side 0 is the ask (columns 2N… and 3N…), side 1 the bid (0… and N…); an empty level is NaN → null.
          const pxCol = side === 0 ? 2 * levels + level : level;
          bookCols[pxCol][i] = empty ? NaN : px / PRICE_SCALE;
          bookCols[pxCol + levels][i] = empty ? NaN : sz;
        }
      }
      const ask = Number(f[0]);
      const bid = Number(f[2]);
      if (Math.abs(ask) >= EMPTY_LEVEL || Math.abs(bid) >= EMPTY_LEVEL) {
        oneSidedRows++;
        continue;
      }
      quoteRows.push(i);
      q.ask.push(ask / PRICE_SCALE);
      q.ask_size.push(Number(f[1]));
      q.bid.push(bid / PRICE_SCALE);
      q.bid_size.push(Number(f[3]));
    }
  } finally {
    book.close();
  }
  if (bookRows !== n) throw countMismatch(bookRows);

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
  const columns = bookColumns(levels);
  const bookBatch: TickBatch = {
    kind: 'book',
    symbol,
    ts: BigInt64Array.from(msgTs, (t) => midnight + BigInt(t)),
    seq: Float64Array.from({ length: n }, (_, i) => i),
    values: Object.fromEntries(columns.map((c, k) => [c, bookCols[k]])),
  };
  validateBatch(trades, { ts: 'time' }, (i) => msgAt(tradeRows[i]));
  validateBatch(quotes, { bid: 'bid price', ask: 'ask price', bid_size: 'bid size', ask_size: 'ask size' }, (i) => bookAt(quoteRows[i]));
  return { trades, quotes, book: bookBatch, oneSidedRows, name: { symbol, date, depth: levels } };
}
