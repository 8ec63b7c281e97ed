/** formatCount writes what ICU's en-US formatter writes (the reference here), without loading it for whole numbers. */
import { describe, expect, it } from 'vitest';
import { formatCount } from '../commands/ui.js';

describe('formatCount', () => {
  it('groups digits by thousands as toLocaleString("en-US") does', () => {
    for (const n of [0, 7, 42, 999, 1000, 1001, 38_602, 100_000, 999_999, 1_000_000, 1_234_567_890, -1, -999, -1000, -1_234_567, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
    expect(formatCount(38_602)).toBe('38,602');
  });

  it('falls back to the formatter for anything that is not a safe whole number', () => {
    for (const n of [1.5, 1234.5678, 2 ** 60, NaN, Infinity]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });
});
