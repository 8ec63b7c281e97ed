import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../src/errors.js';
import { parseFeatureSet } from '../../src/pipelines/feature-set.js';
import { computeFeatures, featuresPerBar, quoteFeaturesPerBar } from '../../src/pipelines/features.js';
import { frameToRecords } from '../../src/io/export.js';
import { loadPolars } from '../../src/polars.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, VECTORS_DIR, cift, hasLobster, hasVectors, tempDir } from '../helpers.js';

const pl = await loadPolars();
const tmp = tempDir();
afterAll(tmp.cleanup);

describe('feature set parsing', () => {
  it('names columns by feature and parameters, defaults written as plain numbers', () => {
    const cols = parseFeatureSet('rsi:14, ema:20,bbands:20:2,macd,atr:14,vwap,microprice,spread,ofi').flatMap((r) => r.columns);
    expect(cols).toEqual([
      'rsi_14',
      'ema_20',
      'bbands_20_2_lower',
      'bbands_20_2_mid',
      'bbands_20_2_upper',
      'macd_12_26_9',
      'macd_12_26_9_signal',
      'macd_12_26_9_hist',
      'atr_14',
      'vwap',
      'microprice',
      'spread',
      'spread_bps',
      'ofi',
    ]);
    expect(parseFeatureSet('bbands').flatMap((r) => r.columns)[0], 'k defaults to 2, written "2"').toBe('bbands_20_2_lower');
    expect(parseFeatureSet('bbands:20:2.5')[0].params).toEqual([20, 2.5]);
  });

  it.each([
    ['rsj:14', 'UNKNOWN_FEATURE', /unknown feature "rsj"/, /did you mean rsi\?/],
    ['rsi:0', 'USAGE', /n must be between 2 and/, undefined],
    ['rsi:abc', 'USAGE', /n "abc" is not a number/, undefined],
    ['ema:2.5', 'USAGE', /must be a whole number/, undefined],
    ['vwap:3', 'USAGE', /vwap takes no parameters/, undefined],
    ['macd:26:12', 'USAGE', /fast \(26\) must be below slow \(12\)/, undefined],
    ['rsi,rsi', 'USAGE', /asked for twice/, undefined],
  ])('rejects %s with a one-line error', (set, code, message, hint) => {
    try {
      parseFeatureSet(set);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CiftError);
      expect((e as CiftError).code).toBe(code);
      expect((e as CiftError).message).toMatch(message);
      if (hint) expect((e as CiftError).hint).toMatch(hint);
    }
  });
});

describe('quote features per bar', () => {
  it('sums OFI over each bar and keeps the last microprice', () => {
    const t0 = BigInt(Date.UTC(2024, 0, 2, 10)) * 1_000_000n;
    const s = 1_000_000_000n;
    const quotes = batchToFrame(pl, {
      kind: 'quotes',
      symbol: 'X',
      ts: BigInt64Array.from([t0, t0 + 10n * s, t0 + 70n * s, t0 + 80n * s]),
      seq: Float64Array.from([0, 1, 2, 3]),
      values: {
        bid: Float64Array.from([100, 100.01, 100.01, 100]),
        ask: Float64Array.from([100.02, 100.02, 100.03, 100.02]),
        bid_size: Float64Array.from([300, 200, 500, 400]),
        ask_size: Float64Array.from([100, 100, 200, 300]),
      },
    });
    const requests = parseFeatureSet('ofi,microprice');
    const perBar = frameToRecords(pl, quoteFeaturesPerBar(pl, computeFeatures(pl, quotes.drop('seq'), requests), requests, '1m'));
    // Per-update OFI (worked in test/kernels/hand-worked.test.ts): NaN, +200 | +400, −800.
    expect(perBar.map((b) => b.ofi)).toEqual([200, -400]);
    // last quote of minute 2: (100·300 + 100.02·400)/700
    expect(perBar[1].microprice as number).toBeCloseTo((100 * 300 + 100.02 * 400) / 700, 10);
  });
});

describe('book features per update and per bar (hand-worked one-level book)', () => {
  // (bid_px, bid_sz, ask_px, ask_sz): 0 s 100×10 / 101×5; 30 s the bid empties (101×7 ask); 70 s both sides empty.
  const book = pl.DataFrame({
    ts: [new Date(0), new Date(30_000), new Date(70_000)],
    seq: [0, 1, 2],
    bid_px_1: [100, null, null],
    bid_sz_1: [10, null, null],
    ask_px_1: [101, 101, null],
    ask_sz_1: [5, 7, null],
  });
  const requests = parseFeatureSet('book_pressure:1,mlofi:1');

  it('reads empty levels (null) as NaN and gives NaN features as null', () => {
    const rows = frameToRecords(pl, computeFeatures(pl, book, requests));
    // pressure: (10 − 5)/15; (0 − 7)/7; both sums 0 → NaN.
    expect(rows[0].book_pressure_1 as number).toBeCloseTo(1 / 3, 12);
    expect(rows[1].book_pressure_1).toBe(-1);
    expect(rows[2].book_pressure_1).toBeNull();
    // CKS e_n with an empty bid at −∞ (size 0) and an empty ask at +∞: 0; −10 − 7 + 5; bid −0 + 0, ask +7.
    expect(rows.map((r) => r.mlofi_1_l1)).toEqual([0, -12, 7]);
  });

  it('sums OFI over the bar and takes the last pressure, labelled by the bar start', () => {
    const perBar = frameToRecords(pl, featuresPerBar(pl, computeFeatures(pl, book, requests), requests, '1m'));
    expect(perBar).toHaveLength(2);
    expect(perBar.map((b) => b.mlofi_1_l1)).toEqual([-12, 7]);
    expect(perBar[0].book_pressure_1).toBe(-1);
    expect(perBar[1].book_pressure_1).toBeNull();
    expect(new Date(perBar[1].ts as string).getTime()).toBe(60_000);
  });
});

describe.runIf(hasVectors)('cift features GOOG equals TA-Lib (CLI, CSV export)', () => {
  it('every feature column within 1e-10 relative; MACD line from bar 25', () => {
    const out = join(tmp.dir, 'goog-features.csv');
    const r = cift(['features', 'GOOG', '--set', 'rsi:14,ema:20,bbands:20:2,macd:12:26:9,atr:14', '--export', 'csv', '--out', out], { home: join(tmp.dir, 'home') });
    expect(r.status, r.stderr).toBe(0);
    const [head, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
    const [refHead, ...refRows] = readFileSync(join(VECTORS_DIR, 'talib_goog.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const refCols = refHead.split(',');
    expect(rows.length).toBe(refRows.length);
    let compared = 0;
    for (const name of ['rsi_14', 'ema_20', 'bbands_20_2_lower', 'bbands_20_2_mid', 'bbands_20_2_upper', 'macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist', 'atr_14']) {
      const j = cols.indexOf(name);
      const k = refCols.indexOf(name);
      expect(j, `column ${name} present`).toBeGreaterThan(0);
      rows.forEach((row, i) => {
        const mine = row.split(',')[j];
        const ref = refRows[i].split(',')[k];
        if (ref === '') {
          if (!(name === 'macd_12_26_9' && i >= 25)) expect(mine, `${name}[${i}] warm-up cell is empty`).toBe('');
          return;
        }
        const rel = Math.abs(Number(mine) - Number(ref)) / Math.abs(Number(ref));
        expect(rel <= 1e-10 || Math.abs(Number(mine) - Number(ref)) < 1e-12, `${name}[${i}] ${mine} vs ${ref}`).toBe(true);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(9 * 2000);
  });
});

/**
 * Level-1 quotes straight from the raw LOBSTER files, read with plain string splitting: time from the message file
 * (seconds after New York midnight; 2012-06-21 is EDT, a whole number of hours from UTC, so minute buckets agree),
 * prices in dollars × 10⁴, rows with an empty side (±9999999999) left out.
 */
function rawLevel1(messageFile: string, orderbookFile: string) {
  const times = readFileSync(messageFile, 'utf8').trim().split('\n').map((l) => Number(l.slice(0, l.indexOf(','))));
  const rows = readFileSync(orderbookFile, 'utf8').trim().split('\n');
  const out: Array<{ minute: number; ask: number; askSize: number; bid: number; bidSize: number }> = [];
  rows.forEach((line, i) => {
    const [ask, askSize, bid, bidSize] = line.split(',', 4).map(Number);
    if (Math.abs(ask) >= 9999999999 || Math.abs(bid) >= 9999999999) return;
    out.push({ minute: Math.floor(times[i] / 60), ask: ask / 1e4, askSize, bid: bid / 1e4, bidSize });
  });
  return out;
}

describe.runIf(hasLobster)('cift features on the AAPL LOBSTER day', () => {
  it('gives each 1-minute bar the last quote\'s microprice, the mean quoted spread and the sum of Cont–Kukanov–Stoikov OFI, as derived from the raw files', () => {
    const home = join(tmp.dir, 'lob');
    expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home }).status).toBe(0);
    const r = cift(['features', 'AAPL', '--set', 'microprice,spread,ofi', '--interval', '1m', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(Object.keys(rows[0])).toEqual(['ts', 'seq', 'bid', 'ask', 'bid_size', 'ask_size', 'microprice', 'spread', 'spread_bps', 'ofi']);

    // The independent derivation: per minute, the last level-1 state and Σ e_n over the updates in that minute,
    // e_n = 1{Pb_n ≥ Pb_n−1}·qb_n − 1{Pb_n ≤ Pb_n−1}·qb_n−1 − 1{Pa_n ≤ Pa_n−1}·qa_n + 1{Pa_n ≥ Pa_n−1}·qa_n−1 (CKS 2014, eq. 2).
    const quotes = rawLevel1(AAPL_MESSAGE, AAPL_ORDERBOOK);
    // Spreads are averaged over the minute's quotes (issue 13's output contract): Σ(ask − bid)/count.
    const perMinute = new Map<number, { last: (typeof quotes)[number]; ofi: number; spreadSum: number; bpsSum: number; count: number }>();
    quotes.forEach((q, n) => {
      const p = quotes[n - 1];
      const e =
        n === 0
          ? 0
          : (q.bid >= p.bid ? q.bidSize : 0) - (q.bid <= p.bid ? p.bidSize : 0) - (q.ask <= p.ask ? q.askSize : 0) + (q.ask >= p.ask ? p.askSize : 0);
      const bar = perMinute.get(q.minute) ?? { last: q, ofi: 0, spreadSum: 0, bpsSum: 0, count: 0 };
      perMinute.set(q.minute, {
        last: q,
        ofi: bar.ofi + e,
        spreadSum: bar.spreadSum + (q.ask - q.bid),
        bpsSum: bar.bpsSum + (1e4 * (q.ask - q.bid)) / ((q.ask + q.bid) / 2),
        count: bar.count + 1,
      });
    });
    expect(rows.length, 'one bar per minute with quotes: 09:30–15:59').toBe(perMinute.size);
    expect(perMinute.size).toBe(390);
    const minutes = [...perMinute.keys()].sort((a, b) => a - b);
    rows.forEach((row: Record<string, number | string>, k: number) => {
      const { last, ofi, spreadSum, bpsSum, count } = perMinute.get(minutes[k])!;
      expect(Date.parse(row.ts as string), `bar ${k} starts at its minute (EDT = UTC−4)`).toBe(Date.UTC(2012, 5, 21, 4) + minutes[k] * 60_000);
      expect([row.bid, row.ask, row.bid_size, row.ask_size], `bar ${k} last quote`).toEqual([last.bid, last.ask, last.bidSize, last.askSize]);
      expect(row.spread as number, `bar ${k} mean quoted spread`).toBeCloseTo(spreadSum / count, 9);
      expect(row.spread_bps as number, `bar ${k} mean spread in bps of the mid`).toBeCloseTo(bpsSum / count, 7);
      expect(row.microprice as number, `bar ${k} microprice`).toBeCloseTo((last.bid * last.askSize + last.ask * last.bidSize) / (last.bidSize + last.askSize), 9);
      expect(row.ofi, `bar ${k} OFI`).toBe(ofi);
    });
    expect([rows[389].bid, rows[389].ask], "the day's last quote (SOURCE.md: mid 577.605)").toEqual([577.54, 577.67]);
  });
  it('--session keeps only the quotes inside the New York hours given, and per day labels the exchange date', () => {
    const home = join(tmp.dir, 'lob-session');
    expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home }).status).toBe(0);
    // 10:00-10:30 New York on 2012-06-21 (EDT): minutes 600..629 after midnight, 14:00-14:30 UTC.
    const out = join(tmp.dir, 'aapl-session.json');
    const r = cift(['features', 'AAPL', '--set', 'spread,ofi', '--session', '10:00-10:30', '--tz', 'America/New_York', '--out', out], { home });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, number | string>>;
    const inside = rawLevel1(AAPL_MESSAGE, AAPL_ORDERBOOK).filter((q) => q.minute >= 600 && q.minute < 630);
    expect(rows).toHaveLength(inside.length);
    expect(rows.every((row) => (row.ts as string) >= '2012-06-21T14:00:00' && (row.ts as string) < '2012-06-21T14:30:00')).toBe(true);
    expect(rows.map((row) => row.bid)).toEqual(inside.map((q) => q.bid));
    const daily = cift(['features', 'AAPL', '--set', 'spread', '--interval', '1d', '--session', 'rth', '--json'], { home });
    expect(daily.status, daily.stderr).toBe(0);
    const days = JSON.parse(daily.stdout) as Array<Record<string, number | string>>;
    const all = rawLevel1(AAPL_MESSAGE, AAPL_ORDERBOOK);
    expect(days.map((d) => d.ts)).toEqual(['2012-06-21T00:00:00.000Z']);
    expect(days[0].spread as number).toBeCloseTo(all.reduce((sum, q) => sum + (q.ask - q.bid), 0) / all.length, 9);
  });
});
