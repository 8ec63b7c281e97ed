import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CiftError } from '../../src/errors.js';
import { parseFeatureSet } from '../../src/pipelines/feature-set.js';
import { computeFeatures, quoteFeaturesPerBar } from '../../src/pipelines/features.js';
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

describe.runIf(hasLobster)('cift features on the AAPL LOBSTER day', () => {
  it('computes microprice, spread and OFI per 1-minute bar', () => {
    const home = join(tmp.dir, 'lob');
    expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home }).status).toBe(0);
    const r = cift(['features', 'AAPL', '--set', 'microprice,spread,ofi', '--interval', '1m', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.length).toBe(390);
    expect(Object.keys(rows[0])).toEqual(['ts', 'bid', 'ask', 'bid_size', 'ask_size', 'microprice', 'spread', 'spread_bps', 'ofi']);
    const last = rows[389];
    expect([last.bid, last.ask], "the day's last quote (SOURCE.md: mid 577.605)").toEqual([577.54, 577.67]);
    for (const row of rows) {
      expect(row.microprice).toBeGreaterThanOrEqual(row.bid);
      expect(row.microprice).toBeLessThanOrEqual(row.ask);
    }
  });
});
