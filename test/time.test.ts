import { describe, expect, it } from 'vitest';
import { CiftError } from '../src/errors.js';
import { parseInterval, parseRange, parseTimestamp, readWallTime, zoneOffsetMs } from '../src/time.js';

const ms = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

function usageError(fn: () => unknown): CiftError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CiftError);
    return e as CiftError;
  }
  throw new Error('expected a usage error');
}

describe('parseRange', () => {
  it('rejects --from after --to as a usage error naming both', () => {
    const e = usageError(() => parseRange('2012-01-01', '2011-01-01'));
    expect(e.code, 'exit 2').toBe('USAGE');
    expect(e.message).toBe('--from 2012-01-01 is after --to 2011-01-01');
  });

  it('compares instants, not text: 10:00+02:00 is before 09:00Z', () => {
    expect(() => parseRange('2024-01-02T10:00:00+02:00', '2024-01-02T09:00:00Z'), '08:00Z ≤ 09:00Z').not.toThrow();
    expect(usageError(() => parseRange('2024-01-02T10:00:00Z', '2024-01-02T11:00:00+02:00')).code, '10:00Z > 09:00Z').toBe('USAGE');
  });

  it('allows one instant and open ends', () => {
    expect(parseRange('2024-01-02', '2024-01-02')).toEqual({ from: BigInt(ms('2024-01-02T00:00:00Z')) * 1_000_000n, to: BigInt(ms('2024-01-02T00:00:00Z')) * 1_000_000n });
    expect(parseRange(undefined, '2024-01-02').from).toBeUndefined();
    expect(parseRange('2024-01-02', undefined).to).toBeUndefined();
  });
});

describe('zone offsets', () => {
  it('change at the exact minute of a half-hour zone switch (Lord Howe: +10:30 → +11:00 at 2024-10-05 15:30Z)', () => {
    expect(zoneOffsetMs('Australia/Lord_Howe', ms('2024-10-05T15:29:59Z')), '+10:30 until the change').toBe(10.5 * HOUR);
    expect(zoneOffsetMs('Australia/Lord_Howe', ms('2024-10-05T15:30:00Z')), '+11:00 from it').toBe(11 * HOUR);
  });

  it('read the fall-back hour in New York as two instants and the spring gap as none', () => {
    const back = readWallTime(ms('2024-11-03T01:30:00Z'), 'America/New_York');
    expect(back).toMatchObject({ kind: 'ambiguous', earlierMs: ms('2024-11-03T05:30:00Z'), laterMs: ms('2024-11-03T06:30:00Z'), changeMs: ms('2024-11-03T06:00:00Z') });
    const gap = readWallTime(ms('2024-03-10T02:30:00Z'), 'America/New_York');
    expect(gap).toMatchObject({ kind: 'nonexistent', changeMs: ms('2024-03-10T07:00:00Z') });
    expect(readWallTime(ms('2024-03-10T03:00:00Z'), 'America/New_York'), '03:00 EDT exists').toEqual({ kind: 'unique', utcMs: ms('2024-03-10T07:00:00Z') });
  });
});

describe('parseTimestamp', () => {
  it('refuses a naive time that has no single reading in the zone, rather than picking one', () => {
    expect(() => parseTimestamp('2024-11-03 01:30', 'America/New_York')).toThrow(/happens twice/);
    expect(() => parseTimestamp('2024-03-10 02:30', 'America/New_York')).toThrow(/never happens/);
  });

  it('keeps years below 100 (Date.UTC alone would read 0050 as 1950)', () => {
    const ns = parseTimestamp('0050-01-01')!;
    expect(new Date(Number(ns / 1_000_000n)).getUTCFullYear()).toBe(50);
  });
});

describe('parseInterval', () => {
  it('gives calendar intervals in months and fixed ones in ns', () => {
    expect(parseInterval('3mo')).toEqual({ text: '3mo', ns: undefined, months: 3 });
    expect(parseInterval('1y')).toEqual({ text: '1y', ns: undefined, months: 12 });
    expect(parseInterval('90m')).toEqual({ text: '90m', ns: 90n * 60n * 1_000_000_000n, months: undefined });
  });
});
