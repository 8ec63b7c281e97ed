/**
 * The `book` kind `cift ingest lobster` stores beside trades and quotes: every level of the orderbook file, one row
 * per message, read back through the store's public read path (MarketData) and compared with the raw files as a
 * plain line-by-line reader in this test sees them.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pl from 'nodejs-polars';
import { buildApp } from '../../src/api/app.js';
import { resolveSettings } from '../../src/config.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars } from '../../src/polars.js';
import { readLobster } from '../../src/sources/lobster.js';
import {
  AAPL_MESSAGE,
  AAPL_ORDERBOOK,
  AMZN_MESSAGE_5,
  AMZN_ORDERBOOK_5,
  GOOG_MESSAGE_10,
  GOOG_ORDERBOOK_10,
  cift,
  hasLobster,
  hasLobsterAmzn5,
  hasLobsterGoog10,
  homeMaker,
  tempDir,
  writeText,
} from '../helpers.js';

const tmp = tempDir('cift-book-');
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);

/** 2012-06-21 is EDT (UTC−4): New York midnight is 04:00 UTC. */
const MIDNIGHT_UTC_NS = BigInt(Date.UTC(2012, 5, 21, 4)) * 1_000_000n;

/** "34200.004241176" → UTC ns on 2012-06-21, with BigInt digits only (no float). */
function rawTs(seconds: string): bigint {
  const [whole, frac = ''] = seconds.split('.');
  return MIDNIGHT_UTC_NS + BigInt(whole) * 1_000_000_000n + BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

/** Column names of an N-level book, written out here rather than taken from the code under test. */
function expectedColumns(levels: number): string[] {
  const cols = ['ts', 'seq'];
  for (const prefix of ['bid_px', 'bid_sz', 'ask_px', 'ask_sz']) for (let k = 1; k <= levels; k++) cols.push(`${prefix}_${k}`);
  return cols;
}

/**
 * The raw pair as rows of the book: LOBSTER's per-level order is ask price, ask size, bid price, bid size; prices are
 * dollars × 10⁴; a level whose price is the sentinel (ask 9999999999, bid −9999999999) is empty: null price, null size.
 */
function rawBook(messageFile: string, orderbookFile: string): { levels: number; ts: bigint[]; rows: Array<Array<number | null>> } {
  const ts = readFileSync(messageFile, 'utf8').trim().split('\n').map((l) => rawTs(l.slice(0, l.indexOf(','))));
  const lines = readFileSync(orderbookFile, 'utf8').trim().split('\n');
  const levels = lines[0].split(',').length / 4;
  const rows = lines.map((line) => {
    const f = line.split(',').map(Number);
    const bidPx: Array<number | null> = [];
    const bidSz: Array<number | null> = [];
    const askPx: Array<number | null> = [];
    const askSz: Array<number | null> = [];
    for (let k = 0; k < levels; k++) {
      const [ap, as, bp, bs] = f.slice(4 * k, 4 * k + 4);
      const askEmpty = ap === 9999999999;
      const bidEmpty = bp === -9999999999;
      askPx.push(askEmpty ? null : ap / 10000);
      askSz.push(askEmpty ? null : as);
      bidPx.push(bidEmpty ? null : bp / 10000);
      bidSz.push(bidEmpty ? null : bs);
    }
    return [...bidPx, ...bidSz, ...askPx, ...askSz];
  });
  return { levels, ts, rows };
}

async function storedBook(home: string, symbol: string): Promise<pl.DataFrame> {
  const market = await MarketData.open(resolveSettings({ home }));
  expect(await market.kindsOf(symbol)).toContain('book');
  const frame = await market.read('book', symbol);
  expect(frame).toBeDefined();
  return frame!;
}

/** Compares every cell of the stored book with the raw files; returns the first few differences (none expected). */
function differences(frame: pl.DataFrame, raw: ReturnType<typeof rawBook>): string[] {
  const out: string[] = [];
  const ts = frame.getColumn('ts').cast(frame.getColumn('seq').dtype).toTypedArray() as BigInt64Array;
  const seq = frame.getColumn('seq').toArray() as unknown as Array<bigint | number>;
  const values = expectedColumns(raw.levels)
    .slice(2)
    .map((c) => frame.getColumn(c).toArray() as Array<number | null>);
  for (let i = 0; i < raw.rows.length && out.length < 5; i++) {
    if (BigInt(ts[i]) !== raw.ts[i]) out.push(`row ${i + 1}: ts ${ts[i]} ≠ ${raw.ts[i]}`);
    if (Number(seq[i]) !== i) out.push(`row ${i + 1}: seq ${seq[i]} ≠ ${i}`);
    raw.rows[i].forEach((want, c) => {
      if (values[c][i] !== want) out.push(`row ${i + 1} ${expectedColumns(raw.levels)[c + 2]}: ${values[c][i]} ≠ ${want}`);
    });
  }
  return out;
}

describe('LOBSTER book levels (hand-built pair)', () => {
  // Two levels. Message 1 adds a bid, 2 an ask, 3 deletes the bid; the book after each (ask px, ask sz, bid px, bid sz per level).
  const MESSAGES = ['34200.5,1,1,100,5853300,1', '34200.75,1,2,50,5860000,-1', '34201,3,1,100,5853300,1'];
  const BOOK = [
    '9999999999,0,5853300,100,9999999999,0,-9999999999,0',
    '5860000,50,5853300,100,9999999999,0,-9999999999,0',
    '5860000,50,-9999999999,0,9999999999,0,-9999999999,0',
  ];

  it('stores each book row with its message\'s ts and seq, prices / 10⁴, empty levels null, readable by symbol', async () => {
    const m = writeText(tmp.dir, 'TBK_2012-06-21_34200000_57600000_message_2.csv', MESSAGES.join('\n'));
    const b = writeText(tmp.dir, 'TBK_2012-06-21_34200000_57600000_orderbook_2.csv', BOOK.join('\n'));
    const home = newHome();
    const r = cift(['ingest', 'lobster', m, b, '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((o: { kind: string; rows: number }) => [o.kind, o.rows])).toEqual([
      ['trades', 0],
      ['quotes', 1],
      ['book', 3],
    ]);
    const frame = await storedBook(home, 'TBK');
    expect(frame.columns).toEqual(['ts', 'seq', 'bid_px_1', 'bid_px_2', 'bid_sz_1', 'bid_sz_2', 'ask_px_1', 'ask_px_2', 'ask_sz_1', 'ask_sz_2']);
    const ts = frame.getColumn('ts').cast(frame.getColumn('seq').dtype).toTypedArray() as BigInt64Array;
    expect(Array.from(ts)).toEqual([MIDNIGHT_UTC_NS + 34200_500_000_000n, MIDNIGHT_UTC_NS + 34200_750_000_000n, MIDNIGHT_UTC_NS + 34201_000_000_000n]);
    const rows = frame.drop('ts').toRecords();
    expect(rows).toEqual([
      { seq: 0, bid_px_1: 585.33, bid_px_2: null, bid_sz_1: 100, bid_sz_2: null, ask_px_1: null, ask_px_2: null, ask_sz_1: null, ask_sz_2: null },
      { seq: 1, bid_px_1: 585.33, bid_px_2: null, bid_sz_1: 100, bid_sz_2: null, ask_px_1: 586, ask_px_2: null, ask_sz_1: 50, ask_sz_2: null },
      { seq: 2, bid_px_1: null, bid_px_2: null, bid_sz_1: null, bid_sz_2: null, ask_px_1: 586, ask_px_2: null, ask_sz_1: 50, ask_sz_2: null },
    ]);
    const list = cift(['ingest', '--list', '--json'], { home });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('"book"');

    const none = await (await MarketData.open(resolveSettings({ home }))).read('book', 'TBK', { from: MIDNIGHT_UTC_NS + 86_400_000_000_000n });
    expect([none?.height, none?.columns], 'a range with no rows keeps the book\'s columns').toEqual([0, frame.columns]);

    // The HTTP download of the kind: the header follows the book's levels, an empty level is an empty cell.
    const settings = resolveSettings({ home });
    const app = await buildApp({ version: '9.9.9-test', polars: await loadPolars(), market: await MarketData.open(settings), marketFor: (source) => MarketData.open(settings, { source }) });
    try {
      const r = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/TBK?kind=book&format=csv' });
      expect(r.statusCode, r.body).toBe(200);
      const lines = r.body.trim().split('\n');
      expect(lines[0]).toBe('ts,seq,bid_px_1,bid_px_2,bid_sz_1,bid_sz_2,ask_px_1,ask_px_2,ask_sz_1,ask_sz_2');
      expect(lines.slice(1).map((l) => l.split(',').slice(1).join(','))).toEqual(['0,585.33,,100,,,,,', '1,585.33,,100,,586,,50,', '2,,,,,586,,50,']);
    } finally {
      await app.close();
    }

    // A catalog rebuilt from the data files names the book by the same content id (its nulls hash as the batch's NaN).
    const before = await (await MarketData.open(settings)).sources();
    rmSync(join(home, 'ticks', 'catalog.json'));
    expect(cift(['ingest', '--repair'], { home }).status).toBe(0);
    const after = await (await MarketData.open(settings)).sources();
    expect(after.map((x) => [x.kind, x.id])).toEqual(before.map((x) => [x.kind, x.id]));
  });

  it('rejects a book whose column count is not a multiple of 4, or changes, naming file and line', () => {
    const m = writeText(tmp.dir, 'TB1_2012-06-21_0_1_message_2.csv', MESSAGES.join('\n'));
    const seven = writeText(tmp.dir, 'TB1_2012-06-21_0_1_orderbook_2.csv', ['5860000,50,5853300,100,9999999999,0,-9999999999', ...BOOK.slice(1)].join('\n'));
    expect(() => readLobster(m, seven)).toThrow(`${seven} line 1: 7 fields, not a multiple of 4 (ask price, ask size, bid price, bid size per level)`);
    const changed = writeText(tmp.dir, 'TB2_2012-06-21_0_1_orderbook_2.csv', [BOOK[0], BOOK[1], '5860000,50,-9999999999,0'].join('\n'));
    expect(() => readLobster(m, changed)).toThrow(`${changed} line 3: 4 fields, but line 1 has 8 (2 levels × ask price, ask size, bid price, bid size)`);
    const notNumber = writeText(tmp.dir, 'TB3_2012-06-21_0_1_orderbook_2.csv', [BOOK[0], '5860000,50,5853300,100,9999999999,0,-9999999999,x', BOOK[2]].join('\n'));
    expect(() => readLobster(m, notNumber)).toThrow(`${notNumber} line 2: level 2 bid size "x" is not a number`);
  });

  it('rejects a book with more or fewer rows than messages, naming the row, in one line', () => {
    const m = writeText(tmp.dir, 'TB4_2012-06-21_0_1_message_2.csv', MESSAGES.join('\n'));
    const short = writeText(tmp.dir, 'TB4_2012-06-21_0_1_orderbook_2.csv', BOOK.slice(0, 2).join('\n'));
    expect(() => readLobster(m, short)).toThrow(`${short} line 3: missing; 2 rows but ${m} has 3; a LOBSTER pair has one book row per message`);
    const long = writeText(tmp.dir, 'TB5_2012-06-21_0_1_orderbook_2.csv', [...BOOK, BOOK[2]].join('\n'));
    expect(() => readLobster(m, long)).toThrow(`${long} line 4: no message for this row; 4 rows but ${m} has 3; a LOBSTER pair has one book row per message`);
    const r = cift(['ingest', 'lobster', m, long], { home: newHome() });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`cift: ${long} line 4: no message for this row; 4 rows but ${m} has 3; a LOBSTER pair has one book row per message`);
    expect(lines.length, 'one error line and at most a hint').toBeLessThanOrEqual(2);
    const bad = cift(['ingest', 'lobster', m, writeText(tmp.dir, 'TB6_2012-06-21_0_1_orderbook_2.csv', ['1,2,3', ...BOOK.slice(1)].join('\n'))], { home: newHome() });
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/^cift: .*TB6_2012-06-21_0_1_orderbook_2\.csv line 1: 3 fields, not a multiple of 4/);
  });
});

/** Ingests a real pair with the CLI and checks the stored book against the raw files, cell by cell. */
async function checkRealPair(symbol: string, message: string, orderbook: string, levels: number): Promise<void> {
  const home = newHome();
  const r = cift(['ingest', 'lobster', message, orderbook, '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  const raw = rawBook(message, orderbook);
  expect(raw.levels).toBe(levels);
  const lineCount = readFileSync(orderbook, 'utf8').trim().split('\n').length;
  const outcome = JSON.parse(r.stdout).find((o: { kind: string }) => o.kind === 'book');
  expect(outcome.rows, 'one book row per orderbook line').toBe(lineCount);
  const frame = await storedBook(home, symbol);
  expect(frame.columns).toEqual(expectedColumns(levels));
  expect(frame.height).toBe(lineCount);
  expect(differences(frame, raw)).toEqual([]);
}

describe.runIf(hasLobsterGoog10)('LOBSTER GOOG level 10 (real data)', () => {
  it('stores the book line for line as the raw orderbook file: 10 levels, prices / 10⁴, empty levels null', async () => {
    await checkRealPair('GOOG', GOOG_MESSAGE_10, GOOG_ORDERBOOK_10, 10);
  }, 60_000);
});

describe.runIf(hasLobsterAmzn5)('LOBSTER AMZN level 5 (real data)', () => {
  it('stores the book line for line as the raw orderbook file: 5 levels', async () => {
    await checkRealPair('AMZN', AMZN_MESSAGE_5, AMZN_ORDERBOOK_5, 5);
  }, 60_000);
});

describe.runIf(hasLobster)('LOBSTER AAPL level 1 (real data)', () => {
  let home: string;
  beforeAll(() => {
    home = newHome();
    const r = cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home });
    expect(r.status, r.stderr).toBe(0);
  });

  it('gains a 1-level book equal to the raw file, beside its trades and quotes', async () => {
    const frame = await storedBook(home, 'AAPL');
    expect(frame.columns).toEqual(expectedColumns(1));
    const raw = rawBook(AAPL_MESSAGE, AAPL_ORDERBOOK);
    expect(frame.height).toBe(raw.rows.length);
    expect(differences(frame, raw)).toEqual([]);
    const market = await MarketData.open(resolveSettings({ home }));
    expect(await market.kindsOf('AAPL')).toEqual(['trades', 'quotes', 'book']);
  });

  it('bars and features keep reading trades and quotes when the symbol also has a book', () => {
    const bars = cift(['bars', 'AAPL', '--interval', '1h', '--json'], { home });
    expect(bars.status, bars.stderr).toBe(0);
    expect(JSON.parse(bars.stdout)).toHaveLength(7);
    const features = cift(['features', 'AAPL', '--set', 'spread,ofi', '--interval', '1h', '--json'], { home });
    expect(features.status, features.stderr).toBe(0);
    expect(Object.keys(JSON.parse(features.stdout)[0])).toEqual(['ts', 'seq', 'bid', 'ask', 'bid_size', 'ask_size', 'spread', 'spread_bps', 'ofi']);
  });
});
