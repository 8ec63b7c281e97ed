/** The in-process LRU: bounded size (least recently used goes first), time to live, compare-and-set. */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../src/store/cache/codec.js';
import { MemoryCache } from '../../../src/store/cache/memory.js';

describe('MemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries, a read counting as a use', async () => {
    const c = new MemoryCache({ maxEntries: 3 });
    await c.set('a', '1', 60_000);
    await c.set('b', '2', 60_000);
    await c.set('c', '3', 60_000);
    expect(await c.get('a'), 'reading a makes b the least recently used').toBe('1');
    await c.set('d', '4', 60_000);
    expect(await c.mget(['a', 'b', 'c', 'd'])).toEqual(['1', undefined, '3', '4']);
    expect(c.size).toBe(3);
    await c.set('c', '33', 60_000); // an overwrite is a use too: a is now least recent
    await c.set('e', '5', 60_000);
    expect(await c.mget(['a', 'c', 'd', 'e'])).toEqual([undefined, '33', '4', '5']);
  });

  it('forgets an entry once its TTL has passed, and not a millisecond before', async () => {
    let now = 1_000;
    const c = new MemoryCache({ now: () => now });
    await c.set('k', 'v', 500);
    now = 1_499;
    expect(await c.get('k')).toBe('v');
    now = 1_500;
    expect(await c.get('k')).toBeUndefined();
    expect(c.size, 'an expired entry read is dropped').toBe(0);
  });

  it('del removes keys', async () => {
    const c = new MemoryCache();
    await c.set('a', '1', 60_000);
    await c.del(['a', 'missing']);
    expect(await c.get('a')).toBeUndefined();
  });
});

describe('codec', () => {
  it('round-trips bigints and non-finite numbers, which plain JSON loses', () => {
    const value = { cash: 91_938_100_000n, ts: -5n, values: { bid: Number.NaN, ask: Number.POSITIVE_INFINITY, size: 100 }, list: [1n, 'x'] };
    const back = decode<typeof value>(encode(value));
    expect(back.cash).toBe(91_938_100_000n);
    expect(back.ts).toBe(-5n);
    expect(back.values.bid).toBeNaN();
    expect(back.values.ask).toBe(Number.POSITIVE_INFINITY);
    expect(back.values.size).toBe(100);
    expect(back.list).toEqual([1n, 'x']);
  });
});
