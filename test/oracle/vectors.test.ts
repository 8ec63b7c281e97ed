/**
 * Published reference vectors (../shared/data/vectors, see its SOURCE.md): Tulip Indicators' test cases,
 * technicalindicators' test literals and the StockCharts worked examples. Each kernel is compared only where the
 * vector follows the convention that kernel claims; Tulip and technicalindicators trim warm-up, so their first
 * value lines up with our first non-NaN value.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atr, bollinger, ema, rollingStd, rsi, sma, trueRange, vwap } from '../../src/index.js';
import { VECTORS_DIR, hasVectors } from '../helpers.js';

interface TulipCase {
  source: string;
  options: Record<string, number>;
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}

const load = (name: string) => JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8'));
const f64 = (a: number[]) => Float64Array.from(a);

/** The non-warm-up tail of `actual` equals `expected` to `digits` decimals (Tulip prints 2–4 decimals). */
function expectTail(actual: Float64Array, expected: number[], tolerance: number | ((printed: number) => number), why: string): void {
  const tail = Array.from(actual.subarray(actual.length - expected.length));
  const head = Array.from(actual.subarray(0, actual.length - expected.length));
  expect(head.every(Number.isNaN), `${why}: values before the reference's first are warm-up`).toBe(true);
  tail.forEach((v, i) => {
    const tol = typeof tolerance === 'number' ? tolerance : tolerance(expected[i]);
    expect(Math.abs(v - expected[i]), `${why}[${i}]: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  });
}

describe.runIf(hasVectors)('Tulip Indicators vectors', () => {
  const tulip = hasVectors ? (load('tulip_vectors.json') as Record<string, Record<string, TulipCase[]>>) : {};
  const cases = (name: string) => Object.values(tulip).flatMap((group) => group[name] ?? []);
  // Tulip prints rounded numbers; half a unit of the last printed digit is the tightest honest tolerance.
  const tol = (_values: number[]) => (printed: number) => 0.5 * 10 ** -(String(printed).split('.')[1] ?? '').length + 1e-12;

  it('sma', () => {
    for (const c of cases('sma')) expectTail(sma(f64(c.inputs.close), c.options.period), c.outputs.sma, tol(c.outputs.sma), c.source);
  });
  it('ema: Tulip seeds with the first value, which is our `first` seed (pandas adjust=False)', () => {
    for (const c of cases('ema')) expectTail(ema(f64(c.inputs.close), c.options.period, undefined, 'first'), c.outputs.ema, tol(c.outputs.ema), c.source);
  });
  it('rsi: Wilder with a plain-mean seed, as TA-Lib', () => {
    for (const c of cases('rsi')) expectTail(rsi(f64(c.inputs.close), c.options.period), c.outputs.rsi, tol(c.outputs.rsi), c.source);
  });
  it('stddev: population', () => {
    for (const c of cases('stddev')) expectTail(rollingStd(f64(c.inputs.close), c.options.period), c.outputs.stddev, tol(c.outputs.stddev), c.source);
  });
  it('bbands', () => {
    for (const c of cases('bbands')) {
      const [lower, mid, upper] = bollinger(f64(c.inputs.close), c.options.period, c.options.stddev);
      expectTail(lower, c.outputs.lower, tol(c.outputs.lower), `${c.source} lower`);
      expectTail(mid, c.outputs.middle, tol(c.outputs.middle), `${c.source} middle`);
      expectTail(upper, c.outputs.upper, tol(c.outputs.upper), `${c.source} upper`);
    }
  });
  it('tr: equal from index 1 (Tulip sets TR[0] = high − low; TA-Lib and cift leave it NaN)', () => {
    for (const c of cases('tr')) {
      const tr = trueRange(f64(c.inputs.high), f64(c.inputs.low), f64(c.inputs.close));
      expect(tr[0]).toBeNaN();
      expectTail(tr.subarray(1), c.outputs.tr.slice(1), tol(c.outputs.tr), c.source);
    }
  });
});

describe.runIf(hasVectors)('technicalindicators vectors', () => {
  const ti = hasVectors ? load('technicalindicators_vectors.json') : {};
  const close18 = f64(ti.close18?.values ?? []);

  it('EMA(9), SMA-seeded', () => expectTail(ema(close18, 9), ti.ema.expected, 1e-9, 'ema'));
  it('Bollinger(10, 2)', () => {
    const [lower, mid, upper] = bollinger(close18, 10, 2);
    const exp = ti.bollinger.expected as Array<{ lower: number; middle: number; upper: number }>;
    expectTail(lower, exp.map((e) => e.lower), 1e-9, 'lower');
    expectTail(mid, exp.map((e) => e.middle), 1e-9, 'middle');
    expectTail(upper, exp.map((e) => e.upper), 1e-9, 'upper');
  });
  it('ATR(14), TA-Lib seed', () => {
    const { high, low, close } = ti.atr.input;
    expectTail(atr(f64(high), f64(low), f64(close), 14), ti.atr.expected, 1e-9, 'atr');
  });
  it('RSI(14) to the two decimals the test states', () => {
    expectTail(rsi(f64(ti.rsi.input.values), 14), ti.rsi.expected_2dp, 0.005 + 1e-12, 'rsi');
  });
  it('cumulative VWAP of the typical price to two decimals', () => {
    const { high, low, close, volume } = ti.vwap.input as Record<string, number[]>;
    const typical = f64(high.map((h, i) => (h + low[i] + close[i]) / 3));
    const out = vwap(typical, f64(volume), new Float64Array(high.length));
    expectTail(out, ti.vwap.expected_toFixed2, 0.005 + 1e-12, 'vwap');
  });
  it('their MACD(5,8,3) line is ema(5) − ema(8) with independent SMA seeds (checks ema, not the TA-Lib-aligned macd)', () => {
    const line = ema(close18, 5).map((v, i) => v - ema(close18, 8)[i]);
    const exp = (ti.macd.expected as Array<{ MACD: number }>).map((e) => e.MACD);
    expectTail(line, exp, 1e-9, 'macd line');
  });
});

describe.runIf(hasVectors)('StockCharts RSI worked example', () => {
  it("Wilder RSI(14) with an SMA seed gives StockCharts' published values", () => {
    const rows = readFileSync(join(VECTORS_DIR, 'stockcharts_via_ta', 'cs-rsi.csv'), 'utf8').trim().split('\n').slice(1);
    const close = f64(rows.map((r) => Number(r.split(',')[1])));
    const out = rsi(close, 14);
    // Published by StockCharts (SOURCE.md): 70.53, 66.32, 66.55, 69.41, 66.36 …, last 37.77.
    expect(Array.from(out.subarray(14, 19), (v) => Number(v.toFixed(2)))).toEqual([70.53, 66.32, 66.55, 69.41, 66.36]);
    expect(Number(out[out.length - 1].toFixed(2))).toBe(37.77);
  });
});
