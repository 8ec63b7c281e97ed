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

  it('a NaN high makes upper and mid NaN in every window holding it (pandas rolling per column), then it recovers', () => {
    const h = Float64Array.from(high);
    h[3] = NaN;
    const [lower, mid, upper] = donchian(h, low, 2);
    // windows (2,3) and (3,4) hold bar 3; (4,5) = max(9,13); (5,6) = max(13,8)
    expect(arr(upper)).toEqual([NaN, 12, 12, NaN, NaN, 13, 13]);
    // lows are all there: min(8,9), min(9,7), min(7,10), min(10,6), min(6,11), min(11,7)
    expect(arr(lower)).toEqual([NaN, 8, 7, 7, 6, 6, 7]);
    expect(arr(mid)).toEqual([NaN, 10, 9.5, NaN, NaN, 9.5, 10]);
  });

  it('a NaN low does the same to lower and mid', () => {
    const l = Float64Array.from(low);
    l[0] = NaN;
    const [lower, mid, upper] = donchian(high, l, 3);
    expect(arr(lower)).toEqual([NaN, NaN, NaN, 7, 6, 6, 6]);
    expect(arr(mid)).toEqual([NaN, NaN, NaN, 9.5, 8.5, 9.5, 9.5]);
    expect(arr(upper)).toEqual([NaN, NaN, 12, 12, 11, 13, 13]);
  });

  it('handles series shorter than the window and windows that end on a block edge', () => {
    expect(arr(donchian(f(1, 2), f(0, 1), 5)[2])).toEqual([NaN, NaN]);
    // n = 2 over 5 bars: blocks [0,1], [2,3], [4]; every window either is a block or straddles two.
    expect(arr(donchian(f(5, 1, 4, 2, 3), f(0, 0, 0, 0, 0), 2)[2])).toEqual([NaN, 5, 4, 4, 3]);
  });

  it('streams the same numbers bar by bar, NaN holes included', () => {
    const h = Float64Array.from(high);
    h[4] = NaN;
    for (const [hs, n] of [[high, 3], [h, 2]] as const) {
      const s = new Donchian(n);
      const [lower, mid, upper] = donchian(hs, low, n);
      for (let i = 0; i < hs.length; i++) {
        const [l, m, u] = s.update(hs[i], low[i]);
        expect([l, m, u], `n=${n} bar ${i}`).toEqual([lower[i], mid[i], upper[i]]);
      }
    }
  });

  it('rejects a period below 1 by name', () => expect(() => donchian(high, low, 0)).toThrow(/n must be an integer ≥ 1, got 0/));
});
