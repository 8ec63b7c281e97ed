/**
 * isoTimestamps (the export's column formatter) writes exactly what formatTs writes row by row: hand-written
 * literals at the edges, then 20,000 random instants across ±200 years compared with formatTs (BigInt arithmetic
 * and Date: a separate implementation).
 */
import { describe, expect, it } from 'vitest';
import { isoTimestamps } from '../../src/io/export.js';
import { formatTs } from '../../src/time.js';

describe('isoTimestamps', () => {
  it('writes ms always, sub-ms digits without trailing zeros, and floors before 1970', () => {
    const ns = BigInt64Array.from([0n, 1n, 1_000_000n, 1_340_285_400_015_105_074n, 1_340_285_400_015_000_000n, 1_340_285_400_015_100_000n, -1n, -86_400_000_000_000n, 9_223_372_036_854_775_807n]);
    expect(isoTimestamps(ns)).toEqual([
      '1970-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.000000001Z',
      '1970-01-01T00:00:00.001Z',
      '2012-06-21T13:30:00.015105074Z',
      '2012-06-21T13:30:00.015Z',
      '2012-06-21T13:30:00.0151Z',
      '1969-12-31T23:59:59.999999999Z',
      '1969-12-31T00:00:00.000Z',
      '2262-04-11T23:47:16.854775807Z',
    ]);
  });

  it('equals formatTs on random instants, sorted (as a column is) and not', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const span = 200 * 365.25 * 86_400e9;
    const values = Array.from({ length: 20_000 }, () => BigInt(Math.round((next() - 0.5) * span)) + BigInt(Math.floor(next() * 1e6)));
    for (const column of [values, [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]) {
      const ns = BigInt64Array.from(column);
      expect(isoTimestamps(ns)).toEqual(Array.from(ns, formatTs));
    }
  });
});
