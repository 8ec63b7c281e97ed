/**
 * Time helpers. Every instant in cift is UTC epoch nanoseconds as a bigint. Naive wall-clock times are read in a
 * named IANA zone (default UTC) through Intl, which knows the DST rules.
 */
import { CiftError } from './errors.js';

export const NS_PER_MS = 1_000_000n;
export const NS_PER_S = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_S;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Checks an IANA zone name once, with a clear error. */
export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new CiftError('INPUT_INVALID', `unknown time zone "${tz}"`, 'use an IANA name such as UTC or America/New_York');
  }
}

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(tz);
  if (!f) {
    assertTimeZone(tz);
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(tz, f);
  }
  return f;
}

const offsetCache = new Map<string, number>();

/** The zone's offset from UTC in ms at a UTC instant (ms). Cached per zone and UTC hour: offsets change on hours. */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  if (tz === 'UTC') return 0;
  const hour = Math.floor(utcMs / 3_600_000);
  const key = `${tz}|${hour}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const parts = formatterFor(tz).formatToParts(new Date(hour * 3_600_000));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = asUtc - hour * 3_600_000;
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** Wall-clock ms (as if UTC) in `tz` → the UTC instant in ms. A time skipped by a DST jump moves forward. */
export function wallToUtcMs(wallMs: number, tz: string): number {
  if (tz === 'UTC') return wallMs;
  const first = wallMs - zoneOffsetMs(tz, wallMs);
  const second = wallMs - zoneOffsetMs(tz, first);
  return second;
}

const ISO_RE =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses one timestamp string to UTC epoch ns, or returns undefined when it is not a timestamp.
 * Accepts ISO-8601 dates and date-times (space or T, optional fraction to ns, optional Z or ±hh:mm offset),
 * YYYYMMDD, and integer epochs whose unit is read from their magnitude (s, ms, µs, ns). Times without an offset
 * are wall-clock times in `tz`.
 */
export function parseTimestamp(text: string, tz = 'UTC'): bigint | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  if (/^\d+$/.test(s)) {
    if (s.length === 8) return parseTimestamp(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`, tz);
    const n = BigInt(s);
    if (n < 100_000_000_000n) return n * NS_PER_S;
    if (n < 100_000_000_000_000n) return n * NS_PER_MS;
    if (n < 100_000_000_000_000_000n) return n * 1000n;
    return n;
  }
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let wallMs = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (new Date(wallMs).getUTCDate() !== day) return undefined; // e.g. 2021-02-30
  let utcMs: number;
  if (zone === undefined) utcMs = wallToUtcMs(wallMs, tz);
  else if (zone.toUpperCase() === 'Z') utcMs = wallMs;
  else {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    utcMs = wallMs - sign * offMin * 60_000;
  }
  const fracNs = frac === undefined ? 0n : BigInt(frac.padEnd(9, '0'));
  return BigInt(utcMs) * NS_PER_MS + fracNs;
}

/** UTC epoch ns → ISO-8601 with Z; milliseconds always shown, extra digits only when the instant has them. */
export function formatTs(ns: bigint): string {
  const ms = ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n);
  const rest = ns - ms * NS_PER_MS;
  const iso = new Date(Number(ms)).toISOString();
  if (rest === 0n) return iso;
  return `${iso.slice(0, -1)}${rest.toString().padStart(6, '0').replace(/0+$/, '')}Z`;
}

/** Parses a `--from`/`--to` bound: any timestamp parseTimestamp accepts, read in UTC unless it has an offset. */
export function parseBound(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  const ns = parseTimestamp(text);
  if (ns === undefined) {
    throw new CiftError('USAGE', `${flag} "${text}" is not a date or time`, 'use ISO-8601, e.g. 2012-06-21 or 2012-06-21T14:00:00Z');
  }
  return ns;
}

const INTERVAL_RE = /^(\d+)(ns|us|ms|s|m|h|d|w|mo|y)$/;
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  ms: NS_PER_MS,
  s: NS_PER_S,
  m: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
  d: NS_PER_DAY,
  w: 7n * NS_PER_DAY,
};

export interface Interval {
  /** The interval as polars spells it (the same as cift's spelling). */
  text: string;
  /** Length in ns for fixed-length intervals; undefined for calendar months and years. */
  ns: bigint | undefined;
}

/** Parses an interval such as 1s, 5m, 1h, 1d, 1w, 1mo. */
export function parseInterval(text: string): Interval {
  const m = INTERVAL_RE.exec(text.trim());
  if (!m || BigInt(m[1]) === 0n) {
    throw new CiftError('USAGE', `interval "${text}" is not valid`, 'use a count and a unit: 1s, 1m, 5m, 1h, 1d, 1w, 1mo');
  }
  const unitNs = UNIT_NS[m[2]];
  return { text: `${BigInt(m[1])}${m[2]}`, ns: unitNs === undefined ? undefined : BigInt(m[1]) * unitNs };
}
