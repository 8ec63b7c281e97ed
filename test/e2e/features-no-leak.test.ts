/**
 * No look-ahead in `cift features` (issue 13 §Tests): shuffling the rows after t never changes a non-target feature
 * at or before t. Two LOBSTER-format days are written here: the same seeded 3-level book and messages, and a copy
 * whose rows after t are permuted (each row keeps its time; message and book after it move together). Both are
 * ingested and run through every kernel kind (book, quote, trade, bar) with transforms, lags and targets, per row
 * and per bar; every non-target column must match to the bit at rows ≤ t, and the targets must differ somewhere
 * (so the shuffle is seen at all, and only where the future is allowed to be read).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cift, homeMaker, parseSimpleCsv, tempDir, writeText } from '../helpers.js';

const ROWS = 2400;
/** Rows 0..T keep their place; rows after T are permuted. Row T + 1 opens minute 25 (rows are 1 s apart). */
const T = 25 * 60 - 1;
const LEVELS = 3;
const EMPTY = 9_999_999_999;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One day: per row a message payload (type, id, size, price, direction) and the book line after it. */
function day(): { times: string[]; messages: string[]; books: string[] } {
  const rnd = mulberry32(13);
  const times: string[] = [];
  const messages: string[] = [];
  const books: string[] = [];
  let mid = 1_000_000; // $100.00 × 10000
  for (let i = 0; i < ROWS; i++) {
    times.push((34_200 + i + 0.25 + rnd() * 0.5).toFixed(9));
    mid += Math.round((rnd() - 0.5) * 4) * 100;
    const bestBid = mid - 100;
    const bestAsk = mid + 100;
    const trade = rnd() < 0.25;
    const direction = rnd() < 0.5 ? 1 : -1;
    const size = 1 + Math.floor(rnd() * 100);
    messages.push(`${trade ? 4 : 1},${1000 + i},${size},${direction === 1 ? bestBid : bestAsk},${direction}`);
    const cells: number[] = [];
    for (let k = 0; k < LEVELS; k++) {
      const askEmpty = k === LEVELS - 1 && rnd() < 0.05;
      const bidEmpty = k === LEVELS - 1 && rnd() < 0.05;
      cells.push(askEmpty ? EMPTY : bestAsk + k * 100, askEmpty ? 0 : 1 + Math.floor(rnd() * 500));
      cells.push(bidEmpty ? -EMPTY : bestBid - k * 100, bidEmpty ? 0 : 1 + Math.floor(rnd() * 500));
    }
    books.push(cells.join(','));
  }
  return { times, messages, books };
}

/** The same day with rows T+1… permuted: each time stays in place, its message and book line move. */
function shuffledAfterT(d: ReturnType<typeof day>): ReturnType<typeof day> {
  const rnd = mulberry32(99);
  const idx = Array.from({ length: ROWS }, (_, i) => i);
  for (let i = ROWS - 1; i > T + 1; i--) {
    const j = T + 1 + Math.floor(rnd() * (i - T));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return { times: d.times, messages: idx.map((i) => d.messages[i]), books: idx.map((i) => d.books[i]) };
}

describe('features never read the future except in targets', () => {
  let tmp: ReturnType<typeof tempDir>;
  let original: string;
  let shuffled: string;

  const ingest = (d: ReturnType<typeof day>, dir: string, home: string) => {
    const base = `LEAK_2012-06-21_34200000_57600000`;
    const msg = writeText(dir, `${base}_message_${LEVELS}.csv`, d.times.map((t, i) => `${t},${d.messages[i]}`).join('\n') + '\n');
    const book = writeText(dir, `${base}_orderbook_${LEVELS}.csv`, d.books.join('\n') + '\n');
    const r = cift(['ingest', 'lobster', msg, book], { home });
    expect(r.status, r.stderr).toBe(0);
  };

  beforeAll(() => {
    tmp = tempDir();
    const newHome = homeMaker(tmp.dir);
    const d = day();
    original = newHome();
    shuffled = newHome();
    ingest(d, original, original);
    ingest(shuffledAfterT(d), shuffled, shuffled);
  });
  afterAll(() => tmp.cleanup());

  /**
   * Runs the same command on both days; returns, per column, whether the non-target cells of the rows kept (by
   * `kept`) are equal, and how many target cells of those rows differ.
   */
  function compare(args: string[], kept: (row: Record<string, string>) => boolean, targets: string[]) {
    const run = (home: string) => {
      const r = cift(['features', 'LEAK', ...args, '--export', 'csv'], { home });
      expect(r.status, r.stderr).toBe(0);
      const { header, rows } = parseSimpleCsv(r.stdout);
      return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
    };
    const a = run(original).filter(kept);
    const b = run(shuffled).filter(kept);
    expect(a.length).toBeGreaterThan(10);
    expect(b.map((r) => r.ts)).toEqual(a.map((r) => r.ts));
    let targetDiffs = 0;
    a.forEach((row, i) => {
      for (const [col, value] of Object.entries(row)) {
        if (targets.includes(col)) targetDiffs += value === b[i][col] ? 0 : 1;
        else expect(b[i][col], `${col} at ${row.ts}`).toBe(value);
      }
    });
    return { rows: a.length, columns: Object.keys(a[0]), targetDiffs };
  }

  const upToT = (row: Record<string, string>) => Number(row.seq) <= T;

  it('per book update: every book kernel, transforms and lags (the target fwd_ret does see the shuffle)', () => {
    const set = 'mlofi:3,wofi:3,ofi:2,book_pressure:3,book_slope:3,depth:3,weighted_mid:3';
    const r = compare(['--set', set, '--lags', 'book_pressure_3:1,4', '--zscore', 'book_pressure_3:10', '--minmax', 'weighted_mid_3:10', '--target', 'fwd_ret:5'], upToT, ['fwd_ret_5']);
    expect(r.rows).toBe(T + 1);
    expect(r.columns).toEqual(expect.arrayContaining(['mlofi_3_l3', 'ofi_2', 'book_pressure_3_lag_4', 'book_pressure_3_zscore_10', 'weighted_mid_3_minmax_10']));
    expect(r.targetDiffs).toBeGreaterThan(0);
  });

  it('per quote: mid, spread, microprice, ofi', () => {
    compare(['--set', 'mid,spread,microprice,ofi', '--lags', 'ofi:1'], upToT, []);
  });

  it('per trade: effective spread and trade imbalance (realized spread is a target and may move)', () => {
    const r = compare(['--set', 'effective_spread,trade_imbalance:5,realized_spread:30'], upToT, ['realized_spread_30']);
    expect(r.targetDiffs).toBeGreaterThan(0);
  });

  it('per 1-minute bar: bar, book, quote and trade features with lags and targets, on the bars that end by t', () => {
    const set = 'rsi:5,ema:3,bbands:5:2,macd:3:6:2,atr:3,vwap,mlofi:3,book_pressure:3,effective_spread,spread,ofi,trade_imbalance:5';
    const minute25 = Date.UTC(2012, 5, 21, 13, 55);
    const r = compare(
      ['--interval', '1m', '--set', set, '--lags', 'close:1,2', '--zscore', 'close:5', '--target', 'fwd_ret:3,fwd_dir:2'],
      (row) => Date.parse(row.ts) < minute25,
      ['fwd_ret_3', 'fwd_dir_2'],
    );
    expect(r.rows).toBe(25);
    expect(r.targetDiffs).toBeGreaterThan(0);
  });
});
