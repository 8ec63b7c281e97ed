/**
 * TA-Lib C's own output on GOOG daily closes (../shared/data/vectors/talib_goog.csv, see its SOURCE.md).
 * Every value must agree to 1e-10 relative; warm-up cells (empty in the file) must be NaN here, except the MACD
 * line, which TA-Lib blanks until bar 33 although it is defined from bar 25.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atr, bollinger, ema, macd, rollingStd, rsi, sma } from '../../src/index.js';
import { REAL_DIR, VECTORS_DIR, hasReal, hasVectors } from '../helpers.js';

function loadCsv(path: string): Record<string, number[]> {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head.split(',');
  const cols: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const row of rows) row.split(',').forEach((cell, j) => cols[names[j]].push(cell === '' ? NaN : Number(cell)));
  return cols;
}

function expectMatches(actual: Float64Array, expected: number[], name: string, opts: { definedFrom?: number } = {}): void {
  expect(actual.length).toBe(expected.length);
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (opts.definedFrom === undefined || i < opts.definedFrom) expect(actual[i], `${name}[${i}] is warm-up`).toBeNaN();
      continue;
    }
    const rel = Math.abs(actual[i] - e) / Math.max(Math.abs(e), 1e-300);
    const abs = Math.abs(actual[i] - e);
    expect(rel <= 1e-10 || abs <= 1e-12, `${name}[${i}]: ${actual[i]} vs TA-Lib ${e}`).toBe(true);
    compared++;
  }
  expect(compared, `${name} compared values`).toBeGreaterThan(2000);
}

describe.runIf(hasVectors && hasReal)('kernels equal TA-Lib on GOOG', () => {
  const ref = hasVectors ? loadCsv(join(VECTORS_DIR, 'talib_goog.csv')) : {};
  const bars = hasReal ? loadCsv(join(REAL_DIR, 'GOOG.csv').replace(/$/, '')) : {};
  const close = Float64Array.from(ref.close ?? []);
  const high = Float64Array.from(bars.High ?? []);
  const low = Float64Array.from(bars.Low ?? []);

  it('the vector file and the shipped GOOG.csv have the same closes', () => {
    expect(Array.from(close)).toEqual(bars.Close);
  });
  it('SMA(20)', () => expectMatches(sma(close, 20), ref.sma_20, 'sma_20'));
  it('EMA(20)', () => expectMatches(ema(close, 20), ref.ema_20, 'ema_20'));
  it('RSI(14)', () => expectMatches(rsi(close, 14), ref.rsi_14, 'rsi_14'));
  it('STDDEV(20)', () => expectMatches(rollingStd(close, 20), ref.stddev_20, 'stddev_20'));
  it('BBANDS(20, 2)', () => {
    const [lower, mid, upper] = bollinger(close, 20, 2);
    expectMatches(lower, ref.bbands_20_2_lower, 'lower');
    expectMatches(mid, ref.bbands_20_2_mid, 'mid');
    expectMatches(upper, ref.bbands_20_2_upper, 'upper');
  });
  it('MACD(12, 26, 9): line from bar 25, signal and histogram from bar 33', () => {
    const [line, signal, hist] = macd(close, 12, 26, 9);
    expect(line[24]).toBeNaN();
    expect(Number.isFinite(line[25]), 'line defined from bar 25').toBe(true);
    expect(signal[32]).toBeNaN();
    expect(Number.isFinite(signal[33])).toBe(true);
    expectMatches(line, ref.macd_12_26_9, 'macd', { definedFrom: 25 });
    expectMatches(signal, ref.macd_12_26_9_signal, 'signal');
    expectMatches(hist, ref.macd_12_26_9_hist, 'hist');
  });
  it('ATR(14)', () => expectMatches(atr(high, low, close, 14), ref.atr_14, 'atr_14'));
});
