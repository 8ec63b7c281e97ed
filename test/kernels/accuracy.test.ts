/**
 * Kernels against extended-precision references (bench/reference.ts: windows recomputed two-pass per window,
 * recursions in double-double) on a long seeded series, where running sums would show drift. The same check
 * runs before every `cift bench` case, at the benchmark's size (10M with --size 10000000).
 */
import { describe, expect, it } from 'vitest';
import { checkCase, kernelCases } from '../../bench/kernels.js';
import { logReturn } from '../../src/index.js';
import { refLogReturn, refMicroprice, refMid, refRoc, refSpread } from '../../bench/reference.js';

describe('kernels within 1e-10 of extended-precision references on 300k points', () => {
  for (const c of kernelCases(300_000, 11)) {
    it(c.name, () => {
      expect(checkCase(c), `${c.name} worst relative error`).toBeLessThanOrEqual(1e-10);
    });
  }
});

describe('log return series path', () => {
  it('agrees with Math.log for small and large moves', () => {
    const x = Float64Array.from([100, 101, 99.5, 150, 40, 40.0001]);
    const out = logReturn(x, 1);
    for (let i = 1; i < x.length; i++) expect(Math.abs(out[i] - Math.log(x[i] / x[i - 1])), `row ${i}`).toBeLessThan(1e-15 * Math.max(1, Math.abs(out[i])) + 1e-18);
  });
});

describe('the element-wise references reproduce published constants and worked cases', () => {
  const f = (...v: number[]) => Float64Array.from(v);
  it('ln 2, ln 10 and ln 1.5 from the atanh series', () => {
    const out = refLogReturn(f(1, 2, 20, 30), 1);
    expect(out[1], 'ln 2 = 0.693147180559945309…').toBe(0.6931471805599453);
    expect(out[2], 'ln 10 = 2.302585092994045684…').toBe(2.302585092994046);
    expect(out[3], 'ln 1.5 = 0.405465108108164381…').toBe(0.4054651081081644);
  });
  it('roc, mid, spread and microprice on a hand-worked quote', () => {
    expect(refRoc(f(80, 0, 100), 2)[2], '(100 − 80)/80 = 25 %').toBe(25);
    expect(refMid(f(99.99), f(100.01))[0]).toBe(100);
    expect(refSpread(f(100.25), f(100.75))[0]).toBe(0.5);
    expect(refMicroprice(f(100), f(101), f(300), f(100))[0], '(100·100 + 101·300)/400').toBe(100.75);
  });
});
