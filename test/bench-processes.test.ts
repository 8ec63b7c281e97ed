/**
 * `cift bench --suite kernels --processes N` combines each case's N per-process results (bench/kernel-processes.ts).
 * The expected figures are worked by hand from the made-up per-process results below.
 */
import { describe, expect, it } from 'vitest';
import { combineProcessResults, PROCESS_SPREAD_TARGET } from '../bench/kernel-processes.js';
import type { CaseResult } from '../bench/harness.js';

const run = (median: number, min: number, max: number, floor: number, extra: Partial<CaseResult> = {}): CaseResult => ({
  suite: 'kernels',
  name: 'ema(20)',
  size: 1_000_000,
  median_ms: median,
  min_ms: min,
  max_ms: max,
  ns_per_element: median,
  floor_median_ms: floor,
  floor_ratio: median / floor,
  max_rel_error: 1e-14,
  ...extra,
});

describe('combining a kernel case measured in several processes', () => {
  it('quotes the median of the process medians, the extremes of their mins and maxes, and the spread max/min', () => {
    const c = combineProcessResults([run(1.0, 0.9, 1.4, 0.5), run(2.0, 1.8, 2.5, 0.4), run(1.2, 1.1, 1.3, 0.6)]);
    expect(c.processes).toBe(3);
    expect(c.process_median_ms).toEqual([1.0, 2.0, 1.2]);
    expect(c.median_ms, 'median of 1.0, 2.0, 1.2').toBe(1.2);
    expect(c.min_ms).toBe(0.9);
    expect(c.max_ms).toBe(2.5);
    expect(c.floor_median_ms, 'median of 0.5, 0.4, 0.6').toBe(0.5);
    expect(c.floor_ratio).toBeCloseTo(1.2 / 0.5, 12);
    expect(c.ns_per_element, '1.2 ms over 1M elements').toBeCloseTo(1.2, 12);
    expect(c.process_spread, 'slowest 2.0 over fastest 1.0').toBe(2);
    expect(c.process_spread_target).toBe(1.25);
    expect(c.spread_target_met).toBe(false);
    expect(c.process_min_spread, 'fastest runs: 1.8 over 0.9').toBe(2);
    expect(c.floor_process_spread, 'floors: 0.6 over 0.4').toBeCloseTo(1.5, 12);
  });

  it('meets the target at a spread of exactly 1.25 and keeps the worst reference error', () => {
    const c = combineProcessResults([run(4, 4, 4, 1), run(5, 5, 5, 1, { max_rel_error: 3e-13 })]);
    expect(PROCESS_SPREAD_TARGET).toBe(1.25);
    expect(c.process_spread).toBe(1.25);
    expect(c.spread_target_met).toBe(true);
    expect(c.median_ms, 'median of two: their mean').toBe(4.5);
    expect(c.max_rel_error).toBe(3e-13);
  });

  it('re-judges a book case\'s ns-per-level-row target on the combined median', () => {
    const book = (median: number) => run(median, median, median, 1, { size: 100_000, levels: 10, target_ns_per_level_row: 10, target_met: true });
    const c = combineProcessResults([book(8), book(12), book(11)]);
    expect(c.ns_per_level_row, '11 ms over 100,000 rows × 10 levels = 11 ns').toBeCloseTo(11, 12);
    expect(c.target_met).toBe(false);
  });
});
