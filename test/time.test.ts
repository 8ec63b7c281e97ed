import { describe, expect, it } from 'vitest';
import { CiftError } from '../src/errors.js';
import { compileDateFormat, epochUnitOfDigits, parseInterval, parseRange, parseTimeOfDay, parseTimestamp, parseTimestampText, readWallTime, zoneOffsetMs } from '../src/time.js';

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

describe('date forms', () => {
  const ns = (iso: string) => BigInt(ms(iso)) * 1_000_000n;

  it('reads year-first dates with -, / or . and dotted day-first dates, with or without a time', () => {
    expect(parseTimestampText('2024.01.02'), 'MetaTrader').toEqual({ ns: ns('2024-01-02T00:00:00Z'), naive: true, dateOnly: true });
    expect(parseTimestampText('20240102'), 'Stooq <DATE>').toEqual({ ns: ns('2024-01-02T00:00:00Z'), naive: true, dateOnly: true });
    expect(parseTimestampText('02.01.2024 15:30:00.250'), 'Dukascopy').toEqual({ ns: ns('2024-01-02T15:30:00.250Z'), naive: true, dateOnly: false });
    expect(parseTimestampText('2024-01.02'), 'one separator per date').toBeUndefined();
  });

  it('reads 01/02/2024 only in a given order', () => {
    expect(parseTimestampText('01/02/2024')).toBeUndefined();
    expect(parseTimestampText('01/02/2024', 'day-first')?.ns, '1 February').toBe(ns('2024-02-01T00:00:00Z'));
    expect(parseTimestampText('01/02/2024', 'month-first')?.ns, '2 January').toBe(ns('2024-01-02T00:00:00Z'));
    expect(parseTimestampText('13/02/2024', 'month-first'), 'no month 13').toBeUndefined();
  });

  it('takes the epoch unit from the digit count, and refuses integers too short to be an epoch', () => {
    expect([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map(epochUnitOfDigits)).toEqual(['s', 's', 's', 'ms', 'ms', 'ms', 'us', 'us', 'us', 'ns', 'ns']);
    expect([1, 6, 7, 8, 20].map(epochUnitOfDigits), '8 digits are YYYYMMDD').toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(parseTimestampText('1704067200')?.ns, 'seconds').toBe(ns('2024-01-01T00:00:00Z'));
    expect(parseTimestampText('1704067200000000')?.ns, 'µs').toBe(ns('2024-01-01T00:00:00Z'));
    expect(parseTimestampText('153000'), 'a time of day is not 1970-01-02').toBeUndefined();
  });

  it('reads times of day as hh:mm[:ss[.f]] or hhmmss', () => {
    const h = 3_600_000_000_000n;
    const m = 60_000_000_000n;
    expect(parseTimeOfDay('153000')).toBe(15n * h + 30n * m);
    expect(parseTimeOfDay('93000'), 'a number column dropped the leading zero').toBe(9n * h + 30n * m);
    expect(parseTimeOfDay('15:30')).toBe(15n * h + 30n * m);
    expect(parseTimeOfDay('09:30:00.5')).toBe(9n * h + 30n * m + 500_000_000n);
    expect(parseTimeOfDay('24:00:00')).toBeUndefined();
    expect(parseTimeOfDay('2024-01-02')).toBeUndefined();
  });
});

describe('--date-format', () => {
  const ns = (iso: string) => BigInt(ms(iso)) * 1_000_000n;

  it('reads strftime directives, month names and two-digit years as Python does', () => {
    expect(compileDateFormat('%d/%m/%Y').parse('13/01/2024')).toEqual({ ns: ns('2024-01-13T00:00:00Z'), naive: true, dateOnly: true });
    expect(compileDateFormat('%m/%d/%Y %H:%M').parse('01/13/2024 09:30')).toEqual({ ns: ns('2024-01-13T09:30:00Z'), naive: true, dateOnly: false });
    expect(compileDateFormat('%d-%b-%Y').parse('02-jan-2024')?.ns).toBe(ns('2024-01-02T00:00:00Z'));
    expect(compileDateFormat('%d.%m.%y').parse('02.01.69')?.ns, '69 → 1969').toBe(ns('1969-01-02T00:00:00Z'));
    expect(compileDateFormat('%d.%m.%y').parse('02.01.68')?.ns, '68 → 2068').toBe(ns('2068-01-02T00:00:00Z'));
    expect(compileDateFormat('%Y-%m-%dT%H:%M:%S%z').parse('2024-01-02T10:00:00+0100'), 'an offset makes an instant').toEqual({ ns: ns('2024-01-02T09:00:00Z'), naive: false, dateOnly: false });
    expect(compileDateFormat('%d/%m/%Y').parse('2024-01-13'), 'another form does not match').toBeUndefined();
    expect(compileDateFormat('%d/%m/%Y').parse('31/02/2024'), 'no 31 February').toBeUndefined();
  });

  it('refuses an unknown directive or a format without a full date, as usage errors', () => {
    expect(usageError(() => compileDateFormat('%d/%q/%Y')).message).toBe('--date-format "%d/%q/%Y": unknown directive %q');
    expect(usageError(() => compileDateFormat('%H:%M')).code).toBe('USAGE');
  });
});
