/**
 * `cift features` on a stored order book (issue 13 §2): the GOOG level-10 LOBSTER day ingested, then book features
 * per update and per minute bar, checked against values this file computes from the raw CSV lines with naive
 * loops written from the definitions (Cont, Kukanov & Stoikov 2014 eq. 2 for level-1 OFI; depth imbalance for
 * book_pressure), never from the kernels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cift, GOOG_MESSAGE_10, GOOG_ORDERBOOK_10, hasLobsterGoog10, homeMaker, parseSimpleCsv, tempDir } from '../helpers.js';

/** One raw orderbook line: ask_px_k, ask_sz_k, bid_px_k, bid_sz_k for k = 1..10 (prices ×10000, sentinels for empty). */
const fields = (line: string): number[] => line.split(',').map(Number);
const askPx = (r: number[], k: number) => r[4 * (k - 1)];
const askSz = (r: number[], k: number) => r[4 * (k - 1) + 1];
const bidPx = (r: number[], k: number) => r[4 * (k - 1) + 2];
const bidSz = (r: number[], k: number) => r[4 * (k - 1) + 3];

/** (Σ bid size − Σ ask size)/(Σ bid size + Σ ask size) over levels 1..n; empty levels have size 0 in the raw file. */
function naivePressure(r: number[], n: number): number {
  let b = 0;
  let a = 0;
  for (let k = 1; k <= n; k++) {
    b += bidSz(r, k);
    a += askSz(r, k);
  }
  return b + a === 0 ? NaN : (b - a) / (b + a);
}

/** Level-1 OFI e_n between lines prev and cur (CKS eq. 2); the raw sentinels stand for ±∞ already. */
function naiveOfi1(prev: number[] | undefined, cur: number[]): number {
  if (prev === undefined) return 0;
  let e = 0;
  if (bidPx(cur, 1) >= bidPx(prev, 1)) e += bidSz(cur, 1);
  if (bidPx(cur, 1) <= bidPx(prev, 1)) e -= bidSz(prev, 1);
  if (askPx(cur, 1) <= askPx(prev, 1)) e -= askSz(cur, 1);
  if (askPx(cur, 1) >= askPx(prev, 1)) e += askSz(prev, 1);
  return e;
}

/** The message time (seconds after midnight, New York, EDT on 2012-06-21) as the CLI prints it in UTC. */
function utcOf(seconds: string): string {
  const [whole, frac] = seconds.split('.');
  const s = Number(whole) + 4 * 3600;
  const two = (x: number) => String(x).padStart(2, '0');
  return `2012-06-21T${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}${frac ? `.${frac}` : ''}Z`;
}

const close = (cell: string, expected: number) => (Number.isNaN(expected) ? expect(cell).toBe('') : expect(Number(cell)).toBeCloseTo(expected, 9));

describe.skipIf(!hasLobsterGoog10)('cift features on the stored GOOG L10 book', () => {
  let tmp: ReturnType<typeof tempDir>;
  let home: string;
  let newHome: () => string;
  let book: number[][];
  let times: string[];

  beforeAll(() => {
    tmp = tempDir();
    newHome = homeMaker(tmp.dir);
    home = newHome();
    expect(cift(['ingest', 'lobster', GOOG_MESSAGE_10, GOOG_ORDERBOOK_10], { home }).status).toBe(0);
    book = readFileSync(GOOG_ORDERBOOK_10, 'utf8').trim().split('\n').map(fields);
    times = readFileSync(GOOG_MESSAGE_10, 'utf8').trim().split('\n').map((l) => l.split(',')[0]);
  });
  afterAll(() => tmp.cleanup());

  it('gives one row per book update, ts and seq first, with the naive values', () => {
    // A file rather than stdout: the day's ~12 MB of CSV is beyond spawnSync's stdout buffer.
    const out = join(tmp.dir, 'book.csv');
    const r = cift(['features', 'GOOG', '--set', 'book_pressure:10,mlofi:5', '--export', 'csv', '--out', out], { home });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { header, rows } = parseSimpleCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(['ts', 'seq', 'book_pressure_10', 'mlofi_5_l1', 'mlofi_5_l2', 'mlofi_5_l3', 'mlofi_5_l4', 'mlofi_5_l5']);
    expect(rows).toHaveLength(book.length);
    for (const i of [0, 1, Math.floor(book.length / 2), book.length - 1]) {
      expect(rows[i][0]).toBe(utcOf(times[i]));
      close(rows[i][2], naivePressure(book[i], 10));
      expect(Number(rows[i][3])).toBe(naiveOfi1(book[i - 1], book[i]));
    }
  });

  it('aggregates per minute bar: OFI summed over the bar, book_pressure the last update', () => {
    const r = cift(['features', 'GOOG', '--set', 'book_pressure:10,mlofi:5', '--interval', '1m', '--export', 'csv'], { home });
    expect(r.status).toBe(0);
    const { header, rows } = parseSimpleCsv(r.stdout);
    expect(header.slice(0, 4)).toEqual(['ts', 'seq', 'book_pressure_10', 'mlofi_5_l1']);
    const minutes = times.map((t) => Math.floor(Number(t) / 60));
    expect(rows).toHaveLength(new Set(minutes).size);
    // The 10:00 New York minute (14:00 UTC), labelled by its start.
    const minute = 600;
    const inside = minutes.flatMap((m, i) => (m === minute ? [i] : []));
    expect(inside.length).toBeGreaterThan(10);
    let ofi = 0;
    for (const i of inside) ofi += naiveOfi1(book[i - 1], book[i]);
    const bar = rows.find((row) => row[0].startsWith('2012-06-21T14:00:00'));
    expect(bar).toBeDefined();
    expect(Number(bar![3])).toBe(ofi);
    close(bar![2], naivePressure(book[inside[inside.length - 1]], 10));
  });

  it('combines per-bar book features with bar features under --interval, as JSON', () => {
    const r = cift(['features', 'GOOG', '--set', 'rsi:14,weighted_mid:5,wofi:5', '--interval', '5m', '--export', 'json'], { home });
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(78);
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['ts', 'close', 'rsi_14', 'weighted_mid_5', 'wofi_5']));
    expect(rows[0].rsi_14).toBeNull();
    expect(typeof rows[20].rsi_14).toBe('number');
    expect(typeof rows[20].weighted_mid_5).toBe('number');
  });

  it('refuses book and bar features together without --interval, and more levels than stored', () => {
    const mixed = cift(['features', 'GOOG', '--set', 'mlofi:5,depth:5,rsi:14,ofi'], { home });
    expect(mixed.status).toBe(2);
    expect(mixed.stderr.split('\n')[0]).toBe('cift: book features (mlofi, depth) and bar features (rsi) and quote features (ofi) together need --interval: they have one row per book update vs one per bar vs one per quote');
    const deep = cift(['features', 'GOOG', '--set', 'book_pressure:20'], { home });
    expect(deep.status).toBe(2);
    expect(deep.stderr.split('\n')[0]).toBe('cift: book_pressure:20 asks for 20 levels but the stored book of GOOG has 10');
    // No book stored (shipped GOOG bars only): says what is missing rather than computing nothing.
    const none = cift(['features', 'GOOG', '--set', 'mlofi:5'], { home: newHome() });
    expect(none.status).toBe(1);
    expect(none.stderr.split('\n')[0]).toBe('cift: no order book stored for "GOOG"; mlofi needs the book');
  });
});
