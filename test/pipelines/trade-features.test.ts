/**
 * Trade features end to end in the pipeline (src/pipelines/trade-quotes.ts): trades joined as-of to the book in force
 * (the last book row strictly before the trade on (ts, seq)), then effective_spread, realized_spread:H (in book
 * updates or time) and trade_imbalance:W. The book is a 3-level book written out by hand below, LOBSTER-style (row
 * k is the book after message k); every expected number is worked from it in the comments. Then the AAPL LOBSTER
 * day: the effective spread of every execution from an independent reader of the raw message and orderbook files.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type pl from 'nodejs-polars';
import { CiftError } from '../../src/errors.js';
import { parseFeatureSet } from '../../src/pipelines/feature-set.js';
import { featuresPerBar } from '../../src/pipelines/features.js';
import { bookRowInForce, tradeFeatures } from '../../src/pipelines/trade-quotes.js';
import { loadPolars } from '../../src/polars.js';
import { readLobster } from '../../src/sources/lobster.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, cift, hasLobster, tempDir } from '../helpers.js';

const pl = await loadPolars();

const ns = (seconds: number) => BigInt(Math.round(seconds * 1000)) * 1_000_000n;
const tsSeries = (seconds: number[]) => pl.Series('ts', seconds.map(ns) as unknown as number[]).cast(pl.Datetime('ns'));

interface Level3 {
  t: number;
  seq: number;
  bids: [number, number][];
  asks: [number, number][];
}

/** A 3-level book frame: ts, seq, bid_px_1…3, bid_sz_1…3, ask_px_1…3, ask_sz_1…3 (null for an empty level). */
function bookFrame(rows: Level3[]): pl.DataFrame {
  const level = (side: 'bids' | 'asks', k: number, field: 0 | 1) => rows.map((r) => r[side][k]?.[field] ?? null);
  const cols: pl.Series[] = [tsSeries(rows.map((r) => r.t)), pl.Series('seq', rows.map((r) => r.seq)).cast(pl.Int64)];
  for (const [name, side, field] of [['bid_px', 'bids', 0], ['bid_sz', 'bids', 1], ['ask_px', 'asks', 0], ['ask_sz', 'asks', 1]] as const) {
    for (let k = 0; k < 3; k++) cols.push(pl.Series(`${name}_${k + 1}`, level(side, k, field), pl.Float64));
  }
  return pl.DataFrame(cols);
}

function tradeFrame(rows: Array<{ t: number; seq: number; price: number; size: number; side: number }>): pl.DataFrame {
  return pl.DataFrame([
    tsSeries(rows.map((r) => r.t)),
    pl.Series('seq', rows.map((r) => r.seq)).cast(pl.Int64),
    pl.Series('price', rows.map((r) => r.price)),
    pl.Series('size', rows.map((r) => r.size)),
    pl.Series('side', rows.map((r) => r.side)),
  ]);
}

/**
 * The hand-built day. Book row k is the book after message k; mids are (bid_px_1 + ask_px_1)/2.
 *  k  ts   message                                    bids (px×size)                      asks                               mid
 *  0  1s   —                                          100.00×100 99.99×200 99.98×300      100.02×150 100.03×250 100.04×350   100.01
 *  1  1s   limit buy 20 at 100.00                     100.00×120 …                        same                               100.01
 *  2  2s   TRADE buy 150 at 100.02 (takes ask lvl 1)  same                                100.03×250 100.04×350 100.05×100   100.015
 *  3  2s   TRADE sell 120 at 100.00 (takes bid lvl 1) 99.99×200 99.98×300 99.97×400       same                               100.01
 *  4  3s   limit buy 60 at 100.01                     100.01×60 99.99×200 99.98×300       same                               100.02
 *  5  5s   TRADE side 0 (hidden) 50 at 100.02         same                                same                               100.02
 *  6  6s   cancel 50 of the 100.03 ask                same                                100.03×200 …                       100.02
 */
const BOOK: Level3[] = [
  { t: 1, seq: 0, bids: [[100.0, 100], [99.99, 200], [99.98, 300]], asks: [[100.02, 150], [100.03, 250], [100.04, 350]] },
  { t: 1, seq: 1, bids: [[100.0, 120], [99.99, 200], [99.98, 300]], asks: [[100.02, 150], [100.03, 250], [100.04, 350]] },
  { t: 2, seq: 2, bids: [[100.0, 120], [99.99, 200], [99.98, 300]], asks: [[100.03, 250], [100.04, 350], [100.05, 100]] },
  { t: 2, seq: 3, bids: [[99.99, 200], [99.98, 300], [99.97, 400]], asks: [[100.03, 250], [100.04, 350], [100.05, 100]] },
  { t: 3, seq: 4, bids: [[100.01, 60], [99.99, 200], [99.98, 300]], asks: [[100.03, 250], [100.04, 350], [100.05, 100]] },
  { t: 5, seq: 5, bids: [[100.01, 60], [99.99, 200], [99.98, 300]], asks: [[100.03, 250], [100.04, 350], [100.05, 100]] },
  { t: 6, seq: 6, bids: [[100.01, 60], [99.99, 200], [99.98, 300]], asks: [[100.03, 200], [100.04, 350], [100.05, 100]] },
];
const TRADES = [
  { t: 2, seq: 2, price: 100.02, size: 150, side: 1 },
  { t: 2, seq: 3, price: 100.0, size: 120, side: -1 },
  { t: 5, seq: 5, price: 100.02, size: 50, side: 0 },
];

const SET = 'effective_spread,realized_spread:1,realized_spread:3,realized_spread:500ms,realized_spread:1s,realized_spread:2s,trade_imbalance:2';

/** Rows of a frame as plain objects (ts left out: Datetime values do not round-trip through toRecords exactly). */
const records = (frame: pl.DataFrame) => frame.drop('ts').toRecords() as Array<Record<string, number | null>>;

function expectRow(actual: Record<string, number | null>, expected: Record<string, number | null>): void {
  for (const [k, v] of Object.entries(expected)) {
    if (v === null) expect(actual[k], k).toBeNull();
    else expect(actual[k], k).toBeCloseTo(v, 12);
  }
}

describe('trade features against a hand-built 3-level book', () => {
  const out = tradeFeatures(pl, tradeFrame(TRADES), bookFrame(BOOK), parseFeatureSet(SET));

  it('gives one row per trade: ts, seq, price, size, side, mid, then the feature columns', () => {
    expect(out.columns).toEqual([
      'ts',
      'seq',
      'price',
      'size',
      'side',
      'mid',
      'effective_spread',
      'realized_spread_1',
      'realized_spread_3',
      'realized_spread_500ms',
      'realized_spread_1s',
      'realized_spread_2s',
      'trade_imbalance_2',
    ]);
    expect(out.height).toBe(3);
    expect(records(out).map((r) => r.seq)).toEqual([2, 3, 5]);
  });

  it('measures each trade against the last book row before it: for a LOBSTER execution, the book before the message', () => {
    const [a, b, c] = records(out);
    // Trade seq 2 (2s): book row 2 has the same (ts, seq), so it is after the trade: the mid in force is row 1's
    // 100.01. effective = 2·(+1)·(100.02 − 100.01)/100.01 = 0.02/100.01.
    expectRow(a, { mid: 100.01, effective_spread: 0.02 / 100.01 });
    // Trade seq 3 (2s): row 2, mid 100.015. effective = 2·(−1)·(100.00 − 100.015)/100.015 = 0.03/100.015.
    expectRow(b, { mid: 100.015, effective_spread: 0.03 / 100.015 });
    // Trade seq 5 (5s), side 0 at 100.02 = the mid of row 4 (100.02): Lee & Ready's tick test, 100.02 > 100.00
    // (the previous trade) → a buy; effective = 2·(+1)·0/100.02 = 0.
    expectRow(c, { mid: 100.02, effective_spread: 0 });
  });

  it('realized spread H book updates after the trade (H = 1: the book right after the execution), null past the end', () => {
    const [a, b, c] = records(out);
    // H = 1: rows 2, 3, 5 (the row with the trade's own seq).
    //   seq 2: 2·(+1)·(100.02 − 100.015)/100.01 = 0.01/100.01
    //   seq 3: 2·(−1)·(100.00 − 100.01)/100.015 = 0.02/100.015
    //   seq 5: 2·(+1)·(100.02 − 100.02)/100.02 = 0
    // H = 3: rows 4, 5, and 7, which does not exist (the book ends at row 6): null, never filled.
    //   seq 2: 2·(100.02 − 100.02)/100.01 = 0;  seq 3: 2·(−1)·(100.00 − 100.02)/100.015 = 0.04/100.015
    expectRow(a, { realized_spread_1: 0.01 / 100.01, realized_spread_3: 0 });
    expectRow(b, { realized_spread_1: 0.02 / 100.015, realized_spread_3: 0.04 / 100.015 });
    expectRow(c, { realized_spread_1: 0, realized_spread_3: null });
  });

  it('realized spread at a time horizon: the mid in force at ts + H, null once ts + H passes the last book row', () => {
    const [a, b, c] = records(out);
    // 500ms: seq 2 and 3 at 2s → 2.5s: the last row with ts ≤ 2.5s is row 3 (mid 100.01); seq 5 → 5.5s: row 5 (100.02).
    //   seq 2: 2·(100.02 − 100.01)/100.01 = 0.02/100.01;  seq 3: 2·(−1)·(100.00 − 100.01)/100.015 = 0.02/100.015;  seq 5: 0
    // 1s: 3s → row 4 (100.02): seq 2: 0; seq 3: 0.04/100.015; seq 5 → 6s = the last row's ts, row 6 (100.02): 0.
    // 2s: 4s → row 4: as 1s; seq 5 → 7s, after the last book row (6s): null.
    expectRow(a, { realized_spread_500ms: 0.02 / 100.01, realized_spread_1s: 0, realized_spread_2s: 0 });
    expectRow(b, { realized_spread_500ms: 0.02 / 100.015, realized_spread_1s: 0.04 / 100.015, realized_spread_2s: 0.04 / 100.015 });
    expectRow(c, { realized_spread_500ms: 0, realized_spread_1s: 0, realized_spread_2s: null });
  });

  it('trade imbalance over 2 trades: signed sizes +150, −120, +50 (the side-0 trade signed by the tick test)', () => {
    // warm-up: the first trade is null; then 150 − 120 = 30 and −120 + 50 = −70.
    expect(records(out).map((r) => r.trade_imbalance_2)).toEqual([null, 30, -70]);
  });

  it('gives the same numbers from quotes (bid/ask) as from the book', () => {
    const quotes = bookFrame(BOOK)
      .select('ts', 'seq', pl.col('bid_px_1').alias('bid'), pl.col('ask_px_1').alias('ask'), pl.col('bid_sz_1').alias('bid_size'), pl.col('ask_sz_1').alias('ask_size'));
    const fromQuotes = tradeFeatures(pl, tradeFrame(TRADES), quotes, parseFeatureSet(SET));
    expect(records(fromQuotes)).toEqual(records(out));
  });

  it('sorts its inputs into (ts, seq) order first', () => {
    const shuffled = tradeFeatures(pl, tradeFrame([TRADES[2], TRADES[0], TRADES[1]]), bookFrame([BOOK[4], BOOK[0], BOOK[6], BOOK[2], BOOK[1], BOOK[5], BOOK[3]]), parseFeatureSet(SET));
    expect(records(shuffled)).toEqual(records(out));
  });

  it('averages spreads over the trades of a bar (NaN and null left out) and keeps the last imbalance', () => {
    const bars = records(featuresPerBar(pl, out, parseFeatureSet(SET), '1s'));
    // Bar 2s holds trades seq 2 and 3; bar 5s holds seq 5.
    expectRow(bars[0], {
      effective_spread: (0.02 / 100.01 + 0.03 / 100.015) / 2,
      realized_spread_3: (0 + 0.04 / 100.015) / 2,
      trade_imbalance_2: 30,
    });
    // Bar 5s: its only realized_spread_3 is null, so the mean is null; the imbalance is the last, −70.
    expectRow(bars[1], { effective_spread: 0, realized_spread_3: null, trade_imbalance_2: -70 });
  });
});

describe('the as-of rule: the last book row strictly before the trade on (ts, seq)', () => {
  it('ties on ts are broken by seq, and a book row with the trade\'s own seq is after it', () => {
    // Book rows (ts, seq): 0 (1s, 10), 1 (2s, 5), 2 (2s, 7), 3 (2s, 9), 4 (3s, 1)
    const book = bookFrame(
      [
        [1, 10],
        [2, 5],
        [2, 7],
        [2, 9],
        [3, 1],
      ].map(([t, seq]) => ({ t, seq, bids: [[99, 1]], asks: [[101, 1]] })),
    );
    // Trades (ts, seq) → row in force:
    //   (0.5s, 99) → none (before every book row)
    //   (1s, 10) → none (row 0 has the same (ts, seq): after the trade)
    //   (2s, 4) → row 0 (ts 1s < 2s; every 2s row has seq > 4)
    //   (2s, 7) → row 1 (row 2 is (2s, 7): after)
    //   (2s, 8) → row 2
    //   (3s, 0) → row 3 (the last 2s row; row 4 is (3s, 1), after)
    //   (3s, 1) → row 3
    //   (3s, 2) → row 4
    const trades = tradeFrame(
      [
        [0.5, 99],
        [1, 10],
        [2, 4],
        [2, 7],
        [2, 8],
        [3, 0],
        [3, 1],
        [3, 2],
      ].map(([t, seq]) => ({ t, seq, price: 100, size: 1, side: 1 })),
    );
    expect(Array.from(bookRowInForce(pl, trades, book))).toEqual([NaN, NaN, 0, 1, 2, 3, 3, 4]);
  });

  it('a trade before any two-sided quote has a null mid and null features', () => {
    const book = bookFrame([
      { t: 1, seq: 0, bids: [], asks: [[100.02, 5]] }, // one-sided: no mid
      { t: 2, seq: 1, bids: [[100.0, 5]], asks: [[100.02, 5]] },
    ]);
    const trades = tradeFrame([
      { t: 0.5, seq: 0, price: 100.02, size: 5, side: 1 }, // before any book row
      { t: 1.5, seq: 0, price: 100.02, size: 5, side: 1 }, // after the one-sided row only
      { t: 2.5, seq: 0, price: 100.02, size: 5, side: 1 }, // mid 100.01: 2·0.01/100.01
    ]);
    const rows = records(tradeFeatures(pl, trades, book, parseFeatureSet('effective_spread,realized_spread:1')));
    expect(rows.map((r) => r.mid).slice(0, 2)).toEqual([null, null]);
    expect(rows[2].mid).toBeCloseTo(100.01, 12);
    expect(rows.map((r) => r.effective_spread).slice(0, 2)).toEqual([null, null]);
    expect(rows[2].effective_spread).toBeCloseTo(0.02 / 100.01, 12);
    // No book row after the last trade: its realized spread is null.
    expect(rows[2].realized_spread_1).toBeNull();
  });

  it('says what is missing when the book has neither level-1 columns nor bid/ask', () => {
    const bad = pl.DataFrame([tsSeries([1]), pl.Series('seq', [0]), pl.Series('price', [1])]);
    expect(() => tradeFeatures(pl, tradeFrame(TRADES), bad, parseFeatureSet('effective_spread'))).toThrow(CiftError);
  });
});

describe('count-or-duration parameters (realized_spread:H)', () => {
  it('names the column as the user wrote H and keeps a duration in ns', () => {
    const [count, seconds, millis, minute, dflt] = parseFeatureSet('realized_spread:50,realized_spread:5s,realized_spread:500ms,realized_spread:1m,realized_spread');
    expect([count, seconds, millis, minute, dflt].map((r) => r.columns[0])).toEqual([
      'realized_spread_50',
      'realized_spread_5s',
      'realized_spread_500ms',
      'realized_spread_1m',
      'realized_spread_1',
    ]);
    expect(count.params).toEqual([50]);
    expect(count.durationsNs).toBeUndefined();
    expect(seconds.durationsNs).toEqual([5_000_000_000n]);
    expect(millis.durationsNs).toEqual([500_000_000n]);
    expect(minute.durationsNs).toEqual([60_000_000_000n]);
    expect(seconds.params[0]).toBeNaN();
  });

  it.each([
    ['realized_spread:5x', /h "5x" is neither a count nor a duration \(e\.g\. 50, 500ms, 5s, 1m\)/],
    ['realized_spread:0s', /h "0s" is neither a count nor a duration/],
    ['realized_spread:1mo', /h "1mo" is neither a count nor a duration/],
    ['realized_spread:1.5s', /h "1.5s" is neither a count nor a duration/],
    ['realized_spread:0', /h must be between 1 and 1000000, got 0/],
    ['realized_spread:2.5', /h must be a whole number/],
    ['trade_imbalance:5s', /w "5s" is not a number/],
  ])('rejects %s with a one-line usage error', (set, message) => {
    try {
      parseFeatureSet(set);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CiftError);
      expect((e as CiftError).code).toBe('USAGE');
      expect((e as CiftError).message).toMatch(message);
      expect((e as CiftError).message).not.toContain('\n');
    }
  });
});

describe('cift features --list', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('shows the trade features, on trades, with their inputs and warm-up', () => {
    const r = cift(['features', '--list', '--json'], { home: tmp.dir });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; on: string; inputs: string[]; warmup: number[] }>;
    const trades = rows.filter((k) => k.on === 'trades');
    expect(trades.map((k) => k.name)).toEqual(['effective_spread', 'realized_spread', 'trade_imbalance']);
    expect(trades.map((k) => k.inputs)).toEqual([
      ['price', 'side', 'mid'],
      ['price', 'side', 'mid', 'mid_ahead'],
      ['price', 'size', 'side', 'mid'],
    ]);
    expect(trades.find((k) => k.name === 'trade_imbalance')!.warmup).toEqual([49]);
    const table = cift(['features', '--list'], { home: tmp.dir });
    for (const name of ['effective_spread', 'realized_spread', 'trade_imbalance']) expect(table.stdout).toContain(name);
  });
});

describe.skipIf(!hasLobster)('effective spread on the AAPL LOBSTER day against the raw files', () => {
  it('equals, for every execution, 2·d·(price − mid)/mid with the mid of the orderbook line before the message', () => {
    // The independent reader: message line k is an execution when its type is 4 or 5; d = −direction (the resting
    // order's side is the opposite of the aggressor's); the book before message k is orderbook line k − 1
    // (ask px, ask size, bid px, bid size, prices × 10000; ±9999999999 marks an empty side).
    const messages = readFileSync(AAPL_MESSAGE, 'utf8').trim().split('\n');
    const orderbook = readFileSync(AAPL_ORDERBOOK, 'utf8').trim().split('\n');
    const expected: number[] = [];
    for (let k = 0; k < messages.length; k++) {
      const [, type, , , price, direction] = messages[k].split(',').map(Number);
      if (type !== 4 && type !== 5) continue;
      const before = k === 0 ? undefined : orderbook[k - 1].split(',').map(Number);
      const empty = before === undefined || Math.abs(before[0]) >= 9_999_999_999 || Math.abs(before[2]) >= 9_999_999_999;
      const mid = empty ? NaN : (before[0] + before[2]) / 2 / 10_000;
      expected.push((2 * -direction * (price / 10_000 - mid)) / mid);
    }
    expect(expected.length).toBeGreaterThan(1000);

    const day = readLobster(AAPL_MESSAGE, AAPL_ORDERBOOK);
    const out = tradeFeatures(pl, batchToFrame(pl, day.trades), batchToFrame(pl, day.book), parseFeatureSet('effective_spread'));
    const actual = out.getColumn('effective_spread').toArray() as Array<number | null>;
    expect(actual).toHaveLength(expected.length);
    const wrong: string[] = [];
    actual.forEach((v, i) => {
      const e = expected[i];
      const ok = Number.isNaN(e) ? v === null : v !== null && Math.abs(v - e) <= 1e-12 * Math.max(1, Math.abs(e));
      if (!ok && wrong.length < 5) wrong.push(`execution ${i}: pipeline ${v}, raw files ${e}`);
    });
    expect(wrong).toEqual([]);
    // The day's executions mostly pay a positive spread; a sanity bound on its size (AAPL ~$580, a cent or more wide).
    const finite = expected.filter(Number.isFinite);
    const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(0.01);
  });
});
