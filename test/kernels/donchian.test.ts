/** The Donchian channel on small cases worked by hand; the window arithmetic is written next to each value. */
import { describe, expect, it } from 'vitest';
import { donchian, Donchian } from '../../src/index.js';

const f = (...v: number[]) => Float64Array.from(v);
const arr = (a: Float64Array) => Array.from(a);

describe('donchian', () => {
  //            i:  0   1   2   3   4   5   6
  const high = f(10, 12, 11, 11, 9, 13, 8);
  const low = f(8, 9, 7, 10, 6, 11, 7);

  it('n=3: highest high and lowest low of bars i−2..i, mid halfway, the first two NaN', () => {
    const [lower, mid, upper] = donchian(high, low, 3);
    // upper: max(10,12,11)=12, max(12,11,11)=12, max(11,11,9)=11, max(11,9,13)=13, max(9,13,8)=13
    expect(arr(upper)).toEqual([NaN, NaN, 12, 12, 11, 13, 13]);
    // lower: min(8,9,7)=7, min(9,7,10)=7, min(7,10,6)=6, min(10,6,11)=6, min(6,11,7)=6
    expect(arr(lower)).toEqual([NaN, NaN, 7, 7, 6, 6, 6]);
    expect(arr(mid)).toEqual([NaN, NaN, 9.5, 9.5, 8.5, 9.5, 9.5]);
  });

  it('lets a maximum leave the window exactly n bars later, also when it repeats', () => {
    // n=2 over highs 5, 5, 4, 3: windows (5,5)=5, (5,4)=5, (4,3)=4: the second 5 (bar 1) is in the window at bar 2.
    const [, , upper] = donchian(f(5, 5, 4, 3), f(1, 1, 1, 1), 2);
    expect(arr(upper)).toEqual([NaN, 5, 5, 4]);
  });

  it('n=1 is the bar itself', () => {
    const [lower, , upper] = donchian(high, low, 1);
    expect(arr(upper)).toEqual(arr(high));
    expect(arr(lower)).toEqual(arr(low));
  });

  it('a NaN high or low makes every window holding that bar NaN, then it recovers', () => {
    const h = Float64Array.from(high);
    h[3] = NaN;
    const [lower, , upper] = donchian(h, low, 2);
    // windows (2,3) and (3,4) hold bar 3; (4,5) = max(9,13), min(6,11); (5,6) = max(13,8), min(11,7)
    expect(arr(upper)).toEqual([NaN, 12, 12, NaN, NaN, 13, 13]);
    expect(arr(lower)).toEqual([NaN, 8, 7, NaN, NaN, 6, 7]);
  });

  it('streams the same numbers bar by bar', () => {
    const s = new Donchian(3);
    const [lower, mid, upper] = donchian(high, low, 3);
    for (let i = 0; i < high.length; i++) {
      const [l, m, u] = s.update(high[i], low[i]);
      expect([l, m, u], `bar ${i}`).toEqual([lower[i], mid[i], upper[i]]);
    }
    expect(s.ready).toBe(true);
  });

  it('rejects a period below 1 by name', () => expect(() => donchian(high, low, 0)).toThrow(/n must be an integer ≥ 1, got 0/));
});
