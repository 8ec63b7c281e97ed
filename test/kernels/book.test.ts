/**
 * The book kernels (src/kernels/book.ts) on a 3-level book of five updates built by hand, every expected value
 * worked out in the comments; then mlofi:10 and book_pressure:10 against a naive reader of the raw GOOG L10
 * LOBSTER orderbook file written here from the definitions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BookPressure, BookSlope, Depth, Mlofi, WeightedMid, Wofi, bookPressure, bookSlope, depth, levelOfi, microprice, mlofi, ofi, weightedMid, wofi } from '../../src/index.js';
import { LOBSTER_DIR, hasLobster } from '../helpers.js';
import { kernelInputs } from '../../src/kernels/registry.js';
import { parseFeatureSet } from '../../src/pipelines/feature-set.js';
import { syntheticBook } from '../../bench/book-data.js';
import { bookKernelCases, checkCase } from '../../bench/kernels.js';

const E = NaN; // an empty level's price and size, as the stored book holds them (null → NaN)

/**
 * The book, level by level (bid px × size | ask px × size):
 *
 *          level 1            level 2            level 3
 * row 0:  10.00×100 | 10.02×200   9.99×300 | 10.03×100   9.98×200 | 10.04×400
 * row 1:  10.00×150 | 10.02×200   9.99×300 | 10.03×100   9.98×200 | —            (bid 1 grows; ask 3 empties)
 * row 2:  10.01×50  | 10.02×200  10.00×150 | 10.03×100   9.99×300 | 10.05×250    (new best bid; ask 3 refills)
 * row 3:  10.01×20  | 10.03×100  10.00×150 | 10.05×250   9.99×300 | 10.06×80     (best ask taken; bid 1 shrinks)
 * row 4:  10.00×150 | 10.02×60    9.99×300 | 10.03×100   —        | 10.05×250    (new best ask; best bid gone)
 */
const bidPx = [
  [10.0, 10.0, 10.01, 10.01, 10.0],
  [9.99, 9.99, 10.0, 10.0, 9.99],
  [9.98, 9.98, 9.99, 9.99, E],
].map((l) => Float64Array.from(l));
const bidSz = [
  [100, 150, 50, 20, 150],
  [300, 300, 150, 150, 300],
  [200, 200, 300, 300, E],
].map((l) => Float64Array.from(l));
const askPx = [
  [10.02, 10.02, 10.02, 10.03, 10.02],
  [10.03, 10.03, 10.03, 10.05, 10.03],
  [10.04, E, 10.05, 10.06, 10.05],
].map((l) => Float64Array.from(l));
const askSz = [
  [200, 200, 200, 100, 60],
  [100, 100, 100, 250, 100],
  [400, E, 250, 80, 250],
].map((l) => Float64Array.from(l));
const book = [bidPx, bidSz, askPx, askSz] as const;
const firstLevels = (n: number) => book.map((side) => side.slice(0, n)) as unknown as typeof book;

/** One row in the streaming twins' order: bid_px_1…N, bid_sz_1…N, ask_px_1…N, ask_sz_1…N. */
const row = (i: number, n = 3) => book.flatMap((side) => side.slice(0, n).map((l) => l[i]));

const close = (actual: ArrayLike<number>, expected: number[], rel = 1e-12) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) expect(actual[i], `[${i}]`).toBeNaN();
    else expect(Math.abs(actual[i] - e), `[${i}]: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e)));
  });
};

/**
 * Level OFI, Cont–Kukanov–Stoikov per level. Bid part: price up +q, same q − q0, down −q0. Ask part: price down −q,
 * same q0 − q, up +q0. An empty bid is a bid at −∞ with size 0, an empty ask one at +∞ with size 0.
 */
const L1 = [
  0, // row 0: no previous update
  50, // row 1: bid same 150 − 100; ask same 200 − 200
  50, // row 2: bid up 10.00 → 10.01: +50; ask same 0
  170, // row 3: bid same 20 − 50 = −30; ask up 10.02 → 10.03: +200 (the old size left)
  -80, // row 4: bid down 10.01 → 10.00: −20; ask down 10.03 → 10.02: −60
];
const L2 = [
  0,
  0, // row 1: both sides unchanged
  150, // row 2: bid up 9.99 → 10.00: +150; ask same 0
  100, // row 3: bid same 0; ask up 10.03 → 10.05: +100
  -250, // row 4: bid down 10.00 → 9.99: −150; ask down 10.05 → 10.03: −100
];
const L3 = [
  0,
  400, // row 1: bid same 0; ask 10.04 → empty (+∞, up): +400
  50, // row 2: bid up 9.98 → 9.99: +300; ask empty → 10.05 (down): −250
  250, // row 3: bid same 0; ask up 10.05 → 10.06: +250
  -550, // row 4: bid 9.99 → empty (−∞, down): −300; ask down 10.06 → 10.05: −250
];

describe('level OFI and mlofi (Xu, Wang & Yu 2019 on Cont, Kukanov & Stoikov 2014)', () => {
  it('mlofi:3 gives each level its own e_k, 0 on the first row', () => {
    const [l1, l2, l3] = mlofi(...book);
    expect(Array.from(l1)).toEqual(L1);
    expect(Array.from(l2)).toEqual(L2);
    expect(Array.from(l3)).toEqual(L3);
  });

  it('mlofi:2 is the first two levels of mlofi:3; levelOfi is one level of it', () => {
    const two = mlofi(...firstLevels(2));
    expect(two.map((o) => Array.from(o))).toEqual([L1, L2]);
    expect(Array.from(levelOfi(bidPx[2], bidSz[2], askPx[2], askSz[2]))).toEqual(L3);
  });

  it('top-of-book ofi is level-1 OFI after its NaN first row (the same e_n)', () => {
    const top = ofi(bidPx[0], askPx[0], bidSz[0], askSz[0]);
    expect(top[0]).toBeNaN();
    expect(Array.from(top.subarray(1))).toEqual(L1.slice(1));
  });

  it('a book that empties completely: every level counts its whole previous size leaving', () => {
    const withEmpty = book.map((side) => side.map((l) => Float64Array.from([...l, E])));
    const [l1, l2, l3] = mlofi(...(withEmpty as unknown as typeof book));
    // From row 4: level 1 bid 10.00×150 → −∞: −150, ask 10.02×60 → +∞: +60 → −90;
    // level 2: −300 + 100 = −200; level 3: bid empty → empty: 0 − 0, ask 10.05×250 → +∞: +250 → 250.
    expect([l1[5], l2[5], l3[5]]).toEqual([-90, -200, 250]);
    const [b, a] = depth(...(withEmpty as unknown as typeof book));
    expect([b[5], a[5]]).toEqual([0, 0]);
    expect(bookPressure(...(withEmpty as unknown as typeof book))[5]).toBeNaN();
    expect(weightedMid(...(withEmpty as unknown as typeof book))[5]).toBeNaN();
    expect(bookSlope(...(withEmpty as unknown as typeof book))[0][5]).toBeNaN();
  });

  it('the streaming twin gives the same rows', () => {
    const s = new Mlofi(3);
    for (let i = 0; i < 5; i++) expect([...s.update(row(i))]).toEqual([L1[i], L2[i], L3[i]]);
  });
});

describe('wofi: Σ w_k·e_k, w_k = decay^(k−1) normalised', () => {
  it('default decay 0.5 over 3 levels weighs 4/7, 2/7, 1/7', () => {
    // row 1: (4·50 + 2·0 + 400)/7 = 600/7; row 2: (200 + 300 + 50)/7 = 550/7;
    // row 3: (680 + 200 + 250)/7 = 1130/7; row 4: (−320 − 500 − 550)/7 = −1370/7
    const expected = [0, 600 / 7, 550 / 7, 1130 / 7, -1370 / 7];
    close(wofi(...book), expected);
    const s = new Wofi(3);
    close(
      [0, 1, 2, 3, 4].map((i) => s.update(row(i))),
      expected,
    );
  });

  it('decay 1 is the plain mean of the levels', () => {
    // (50 + 0 + 400)/3, (50 + 150 + 50)/3, (170 + 100 + 250)/3, (−80 − 250 − 550)/3
    close(wofi(...book, 1), [0, 150, 250 / 3, 520 / 3, -880 / 3]);
  });
});

describe('book_pressure, depth', () => {
  // Σ bid sizes: 600, 650, 500, 470, 450 (row 4: level 3 empty counts 0)
  // Σ ask sizes: 700, 300 (row 1: level 3 empty), 550, 430, 410
  it('depth:3 sums each side', () => {
    const [b, a] = depth(...book);
    expect(Array.from(b)).toEqual([600, 650, 500, 470, 450]);
    expect(Array.from(a)).toEqual([700, 300, 550, 430, 410]);
    const s = new Depth(3);
    expect([0, 1, 2, 3, 4].map((i) => [...s.update(row(i))])).toEqual([
      [600, 700],
      [650, 300],
      [500, 550],
      [470, 430],
      [450, 410],
    ]);
  });

  it('book_pressure:3 = (bid − ask)/(bid + ask)', () => {
    // −100/1300, 350/950, −50/1050, 40/900, 40/860
    const expected = [-1 / 13, 7 / 19, -1 / 21, 2 / 45, 2 / 43];
    close(bookPressure(...book), expected);
    const s = new BookPressure(3);
    close(
      [0, 1, 2, 3, 4].map((i) => s.update(row(i))),
      expected,
    );
  });

  it('book_pressure:1 is the top-of-book imbalance', () => {
    // (100 − 200)/300, (150 − 200)/350, (50 − 200)/250, (20 − 100)/120, (150 − 60)/210
    close(bookPressure(...firstLevels(1)), [-1 / 3, -1 / 7, -3 / 5, -2 / 3, 3 / 7]);
  });
});

describe('weighted_mid: Σ(bid_px·ask_sz + ask_px·bid_sz)/Σ(bid_sz + ask_sz) over levels with both sides', () => {
  it('over 3 levels, skipping a level with an empty side', () => {
    // row 0: L1 10.00·200 + 10.02·100 = 3002 (size 300); L2 9.99·100 + 10.03·300 = 4008 (400);
    //        L3 9.98·400 + 10.04·200 = 6000 (600) → 13010/1300
    // row 1: ask 3 empty, level 3 left out. L1 10.00·200 + 10.02·150 = 3503 (350); L2 4008 (400) → 7511/750
    // row 2: L1 10.01·200 + 10.02·50 = 2503 (250); L2 10.00·100 + 10.03·150 = 2504.5 (250);
    //        L3 9.99·250 + 10.05·300 = 5512.5 (550) → 10520/1050
    // row 3: L1 10.01·100 + 10.03·20 = 1201.6 (120); L2 10.00·250 + 10.05·150 = 4007.5 (400);
    //        L3 9.99·80 + 10.06·300 = 3817.2 (380) → 9026.3/900
    // row 4: bid 3 empty. L1 10.00·60 + 10.02·150 = 2103 (210); L2 4008 (400) → 6111/610
    const expected = [13010 / 1300, 7511 / 750, 10520 / 1050, 9026.3 / 900, 6111 / 610];
    close(weightedMid(...book), expected);
    const s = new WeightedMid(3);
    close(
      [0, 1, 2, 3, 4].map((i) => s.update(row(i))),
      expected,
    );
  });

  it('over 1 level it is the top-of-book microprice', () => {
    close(weightedMid(...firstLevels(1)), Array.from(microprice(bidPx[0], askPx[0], bidSz[0], askSz[0])));
    expect(weightedMid(...firstLevels(1))[0]).toBeCloseTo(3002 / 300, 12);
  });
});

describe('book_slope: OLS slope of cumulative depth on |price − mid|, per side and averaged', () => {
  // Slope = Σ(x − x̄)(D − D̄)/Σ(x − x̄)². For three equally spaced distances a, a + h, a + 2h it is
  // (D₃ − D₁)/(2h); for two levels (D₂ − D₁)/h.
  it('works out by hand', () => {
    // row 0: mid 10.01. bid x .01 .02 .03, D 100 400 600 → 500/.02 = 25000;
    //        ask x .01 .02 .03, D 200 300 700 → 25000. average 25000
    // row 1: mid 10.01. bid D 150 450 650 → 25000; ask (level 3 empty) x .01 .02, D 200 300 → 10000. average 17500
    // row 2: mid 10.015. bid x .005 .015 .025, D 50 200 500 → 450/.02 = 22500;
    //        ask x .005 .015 .035, D 200 300 550: x̄ = .055/3, deviations −1/75, −1/300, 1/60, Sxx = .0014/3;
    //        D̄ = 350, deviations −150 −50 200: Sxd = 2 + 1/6 + 10/3 = 5.5 → 16.5/.0014 = 82500/7.
    //        average (22500 + 82500/7)/2 = 120000/7
    // row 3: mid 10.02. bid x .01 .02 .03, D 20 170 470 → 22500;
    //        ask x .01 .03 .04, D 100 350 430: deviations −1/60, 1/300, 1/75 (Sxx = .0014/3); D̄ = 880/3,
    //        deviations −580/3, 170/3, 410/3: Sxd = 580/180 + 170/900 + 410/225 = 15.7/3 → 15.7/.0014 = 78500/7.
    //        average (22500 + 78500/7)/2 = 236000/14
    // row 4: mid 10.01. bid (level 3 empty) x .01 .02, D 150 450 → 30000;
    //        ask x .01 .02 .04, D 60 160 410: the deviations of row 2's ask → 82500/7. average 292500/14
    const bid = [25000, 25000, 22500, 22500, 30000];
    const ask = [25000, 10000, 82500 / 7, 78500 / 7, 82500 / 7];
    const avg = [25000, 17500, 120000 / 7, 236000 / 14, 292500 / 14];
    // Distances like 10.01 − 9.99 are not exact in binary: 1e-9 relative.
    const [y, b, a] = bookSlope(...book);
    close(y, avg, 1e-9);
    close(b, bid, 1e-9);
    close(a, ask, 1e-9);
    const s = new BookSlope(3);
    const streamed = [0, 1, 2, 3, 4].map((i) => [...s.update(row(i))]);
    close(
      streamed.map((r) => r[0]),
      avg,
      1e-9,
    );
  });

  it('a side with one present level has no slope, so neither has the average', () => {
    // book_slope:2 on row 4 with level 2 of the bid emptied: one bid level left.
    const [bp, bs, ap, as] = firstLevels(2).map((side) => side.map((l) => Float64Array.from(l)));
    bp[1][4] = NaN;
    bs[1][4] = NaN;
    const [y, b, a] = bookSlope(bp, bs, ap, as);
    expect(b[4]).toBeNaN();
    expect(y[4]).toBeNaN();
    // ask x .01 .02 (10.02, 10.03 about 10.01), D 60 160 → 10000
    expect(a[4]).toBeCloseTo(10000, 6);
  });
});

/**
 * An independent reader of the raw LOBSTER L10 orderbook file: fields per row ask_px_1, ask_sz_1, bid_px_1,
 * bid_sz_1, ask_px_2, …; prices ×10000; empty levels at 9999999999 (ask) / −9999999999 (bid) with size 0.
 */
const GOOG_L10 = join(LOBSTER_DIR, 'GOOG_2012-06-21_34200000_57600000_orderbook_10.csv');
const ROWS = 20_000;
const LEVELS = 10;

describe.skipIf(!hasLobster || !existsSync(GOOG_L10))('GOOG L10 day against a line-by-line reader', () => {
  interface Level {
    bp: number;
    bq: number;
    ap: number;
    aq: number;
  }
  const lines = readFileSync(GOOG_L10, 'utf8').split('\n').slice(0, ROWS);
  const rows: Level[][] = lines.map((line) => {
    const f = line.split(',').map(Number);
    const levels: Level[] = [];
    for (let k = 0; k < LEVELS; k++) {
      const [ap, aq, bp, bq] = f.slice(4 * k, 4 * k + 4);
      levels.push({
        ap: ap === 9999999999 ? NaN : ap / 10000,
        aq: ap === 9999999999 ? NaN : aq,
        bp: bp === -9999999999 ? NaN : bp / 10000,
        bq: bp === -9999999999 ? NaN : bq,
      });
    }
    return levels;
  });
  // The kernels' inputs, one array per level, filled from the parsed rows.
  const col = (k: number, f: keyof Level) => Float64Array.from(rows, (r) => r[k][f]);
  const levels = Array.from({ length: LEVELS }, (_, k) => k);
  const input = [levels.map((k) => col(k, 'bp')), levels.map((k) => col(k, 'bq')), levels.map((k) => col(k, 'ap')), levels.map((k) => col(k, 'aq'))] as const;

  it(`reads ${ROWS} rows`, () => expect(rows.length).toBe(ROWS));

  it('book_pressure:10 equals (Σ bid size − Σ ask size)/(Σ bid size + Σ ask size), row by row', () => {
    const got = bookPressure(...input);
    for (let i = 0; i < ROWS; i++) {
      let b = 0;
      let a = 0;
      for (const l of rows[i]) {
        if (!Number.isNaN(l.bp)) b += l.bq;
        if (!Number.isNaN(l.ap)) a += l.aq;
      }
      const want = b + a === 0 ? NaN : (b - a) / (b + a);
      if (Number.isNaN(want)) expect(got[i]).toBeNaN();
      else expect(Math.abs(got[i] - want), `row ${i + 1}`).toBeLessThanOrEqual(1e-12);
    }
  });

  it("mlofi:10 equals each level's OFI written as the paper's four cases, row by row", () => {
    const got = mlofi(...input);
    for (let k = 0; k < LEVELS; k++) expect(got[k][0], `level ${k + 1} row 1`).toBe(0);
    for (let i = 1; i < ROWS; i++) {
      for (let k = 0; k < LEVELS; k++) {
        const prev = rows[i - 1][k];
        const cur = rows[i][k];
        // Empty levels: a bid at −∞ and an ask at +∞, with nothing resting.
        const pb0 = Number.isNaN(prev.bp) ? -Infinity : prev.bp;
        const qb0 = Number.isNaN(prev.bp) ? 0 : prev.bq;
        const pb = Number.isNaN(cur.bp) ? -Infinity : cur.bp;
        const qb = Number.isNaN(cur.bp) ? 0 : cur.bq;
        const pa0 = Number.isNaN(prev.ap) ? Infinity : prev.ap;
        const qa0 = Number.isNaN(prev.ap) ? 0 : prev.aq;
        const pa = Number.isNaN(cur.ap) ? Infinity : cur.ap;
        const qa = Number.isNaN(cur.ap) ? 0 : cur.aq;
        const bidFlow = pb > pb0 ? qb : pb < pb0 ? -qb0 : qb - qb0;
        const askFlow = pa < pa0 ? -qa : pa > pa0 ? qa0 : qa0 - qa;
        const want = bidFlow + askFlow;
        if (Math.abs(got[k][i] - want) > 1e-12) expect(got[k][i], `level ${k + 1}, row ${i + 1}`).toBe(want);
      }
    }
  });

  it('the day has level moves on every level (the comparison covers every case)', () => {
    const got = mlofi(...input);
    for (let k = 0; k < LEVELS; k++) {
      let moves = 0;
      for (let i = 1; i < ROWS; i++) if (rows[i][k].bp !== rows[i - 1][k].bp && got[k][i] !== 0) moves++;
      expect(moves, `level ${k + 1} bid moves`).toBeGreaterThan(10);
    }
  });
});

describe('the registry and the bench cases', () => {
  it('columns follow the output contract: mlofi:5 → mlofi_5_l1…l5, wofi:5 → wofi_5, depth:5 → depth_5_bid/ask', () => {
    const cols = parseFeatureSet('mlofi:5,wofi:5,wofi:3:0.25,book_pressure:10,book_slope:10,depth:5,weighted_mid:5').flatMap((r) => r.columns);
    expect(cols).toEqual([
      ...[1, 2, 3, 4, 5].map((k) => `mlofi_5_l${k}`),
      'wofi_5',
      'wofi_3_0.25',
      'book_pressure_10',
      'book_slope_10',
      'book_slope_10_bid',
      'book_slope_10_ask',
      'depth_5_bid',
      'depth_5_ask',
      'weighted_mid_5',
    ]);
    const [r] = parseFeatureSet('mlofi:2');
    expect(kernelInputs(r.spec, r.params)).toEqual(['bid_px_1', 'bid_px_2', 'bid_sz_1', 'bid_sz_2', 'ask_px_1', 'ask_px_2', 'ask_sz_1', 'ask_sz_2']);
  });

  it('the registry batch gives the kernels’ numbers through the flat input order', () => {
    const [r] = parseFeatureSet('mlofi:3');
    const outs = r.columns.map(() => new Float64Array(5));
    r.spec.batch(book.flat(), r.params, outs);
    expect(outs.map((o) => Array.from(o))).toEqual([L1, L2, L3]);
  });

  it('ofi written with a level reads that book level alone (ofi:3 → ofi_3 = level 3 OFI); bare ofi stays top-of-book quotes', () => {
    const [k3, k1, top] = parseFeatureSet('ofi:3,ofi:1,ofi');
    expect([k3.columns, k1.columns, top.columns]).toEqual([['ofi_3'], ['ofi_1'], ['ofi']]);
    expect([k3.spec.on, top.spec.on]).toEqual(['book', 'quotes']);
    const y3 = new Float64Array(5);
    k3.spec.batch(book.flat(), k3.params, [y3]);
    expect(Array.from(y3)).toEqual(L3);
    const y1 = new Float64Array(5);
    k1.spec.batch(firstLevels(1).flat(), k1.params, [y1]);
    expect(Array.from(y1)).toEqual(L1);
    const s = k3.spec.stream!(k3.params);
    expect([0, 1, 2, 3, 4].map((i) => s.update(...row(i)))).toEqual(L3);
  });

  it('the bench cases pass their own reference check, empty levels included', () => {
    const b = syntheticBook(4000, 10, 3);
    // Empty some deep levels now and then, as a thin book would.
    for (let i = 0; i < b.rows; i += 7) {
      b.askPx[9][i] = b.askSz[9][i] = NaN;
      if (i % 3 === 0) b.bidPx[8][i] = b.bidSz[8][i] = NaN;
    }
    for (const c of bookKernelCases(b)) expect(checkCase(c), c.name).toBeLessThanOrEqual(1e-12);
  });
});
