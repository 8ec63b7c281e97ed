/**
 * Kernels against extended-precision references (bench/reference.ts: windows recomputed two-pass per window,
 * recursions in double-double) on a long seeded series, where running sums would show drift. The same check
 * runs before every `cift bench` case, at the benchmark's size (10M with --size 10000000).
 */
import { describe, expect, it } from 'vitest';
import { checkCase, kernelCases } from '../../bench/kernels.js';
import { logReturn } from '../../src/index.js';

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
