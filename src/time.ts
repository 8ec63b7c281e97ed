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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The offset in force at the start of one UTC hour, and the instant inside the hour where it changes, if it does. */
interface HourOffsets {
  before: number;
  /** UTC ms of the change, or Infinity when the hour has one offset. */
  changeAt: number;
  after: number;
}

const zoneHours = new Map<string, Map<number, HourOffsets>>();

/** Offset (ms) of `tz` at a UTC instant, straight from Intl; resolution one second, which is all tzdb uses. */
function intlOffsetMs(tz: string, utcMs: number): number {
  const second = Math.floor(utcMs / 1000) * 1000;
  const parts = formatterFor(tz).formatToParts(new Date(second));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return utcFromFields(get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')) - second;
}

/**
 * One hour's offsets. The offset is read at both ends of the hour; when they differ, the change instant is found
 * to the second by bisection, so zones that switch at a half hour UTC (Lord Howe, historic zones) are exact.
 * Assumes at most one change per hour, which holds for every zone in tzdb.
 */
function hourOffsets(tz: string, hour: number): HourOffsets {
  let hours = zoneHours.get(tz);
  if (hours === undefined) zoneHours.set(tz, (hours = new Map()));
  const hit = hours.get(hour);
  if (hit !== undefined) return hit;
  const start = hour * HOUR_MS;
  const before = intlOffsetMs(tz, start);
  const after = intlOffsetMs(tz, start + HOUR_MS);
  let changeAt = Infinity;
  if (before !== after) {
    let lo = start / 1000; // offset here is `before`
    let hi = (start + HOUR_MS) / 1000; // offset here is `after`
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (intlOffsetMs(tz, mid * 1000) === before) lo = mid;
      else hi = mid;
    }
    changeAt = hi * 1000;
  }
  const entry = { before, changeAt, after };
  if (hours.size > 200_000) hours.clear();
  hours.set(hour, entry);
  return entry;
}

/** The zone's offset from UTC in ms at a UTC instant (ms), exact to the second at DST changes. */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  if (tz === 'UTC') return 0;
  const h = hourOffsets(tz, Math.floor(utcMs / HOUR_MS));
  return utcMs < h.changeAt ? h.before : h.after;
}

/** The first instant (UTC ms) in [lo, hi] at which the zone's offset changes; lo and hi straddle one change. */
function changeBetween(tz: string, lo: number, hi: number): number {
  for (let hour = Math.floor(lo / HOUR_MS); hour <= Math.floor(hi / HOUR_MS); hour++) {
    const h = hourOffsets(tz, hour);
    if (h.changeAt !== Infinity) return h.changeAt;
  }
  throw new Error(`no offset change in ${tz} between ${lo} and ${hi}`);
}

/**
 * What a naive wall-clock time means in a zone: one instant, two (the hour repeated when clocks go back), or none
 * (the hour skipped when clocks go forward). `changeMs` is the UTC instant of the clock change; the offsets are
 * those in force before and after it.
 */
export type WallReading =
  | { kind: 'unique'; utcMs: number }
  | { kind: 'ambiguous'; earlierMs: number; laterMs: number; changeMs: number; offsetBeforeMs: number; offsetAfterMs: number }
  | { kind: 'nonexistent'; changeMs: number; offsetBeforeMs: number; offsetAfterMs: number };

/**
 * Reads a wall time (ms, as if it were UTC) in `tz`. The offsets a day either side bound the only change that can
 * matter (offsets are within ±14 h and tzdb never changes a zone twice in two days); each candidate instant is kept
 * only if the zone really has that offset there.
 */
export function readWallTime(wallMs: number, tz: string): WallReading {
  if (tz === 'UTC') return { kind: 'unique', utcMs: wallMs };
  const offsetBefore = zoneOffsetMs(tz, wallMs - DAY_MS);
  const offsetAfter = zoneOffsetMs(tz, wallMs + DAY_MS);
  if (offsetBefore === offsetAfter) return { kind: 'unique', utcMs: wallMs - offsetBefore };
  const withBefore = wallMs - offsetBefore;
  const withAfter = wallMs - offsetAfter;
  const beforeFits = zoneOffsetMs(tz, withBefore) === offsetBefore;
  const afterFits = zoneOffsetMs(tz, withAfter) === offsetAfter;
  if (beforeFits && !afterFits) return { kind: 'unique', utcMs: withBefore };
  if (afterFits && !beforeFits) return { kind: 'unique', utcMs: withAfter };
  const changeMs = changeBetween(tz, Math.min(withBefore, withAfter), Math.max(withBefore, withAfter));
  const offsets = { changeMs, offsetBeforeMs: offsetBefore, offsetAfterMs: offsetAfter };
  if (beforeFits) return { kind: 'ambiguous', earlierMs: Math.min(withBefore, withAfter), laterMs: Math.max(withBefore, withAfter), ...offsets };
  return { kind: 'nonexistent', ...offsets };
}

/**
 * How to read a naive time that happens twice (clocks going back): `earliest` takes the first pass (the earlier
 * instant, summer time), `latest` the second, `infer` decides from row order (pandas' ambiguous='infer': in
 * time-ordered rows the repeated hour's first pass is the earlier one, and the rows step back in wall time once,
 * where the second pass starts), `error` refuses.
 */
export const AMBIGUOUS_RULES = ['error', 'earliest', 'latest', 'infer'] as const;
export type AmbiguousRule = (typeof AMBIGUOUS_RULES)[number];

/**
 * How to read a naive time that never happens (clocks going forward skip it), as pandas' tz_localize
 * nonexistent=: `forward` moves it to the first instant after the jump (02:30 → 03:00 new time), `backward` to the
 * last instant before it (01:59:59.999999999 old time), `error` refuses.
 */
export const NONEXISTENT_RULES = ['error', 'forward', 'backward'] as const;
export type NonexistentRule = (typeof NONEXISTENT_RULES)[number];

/** "UTC-04:00" for an offset in ms. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(Math.floor(minutes % 60)).padStart(2, '0');
  return `UTC${sign}${hh}:${mm}`;
}

/** Wall time (ms as if UTC) → "2024-11-03 01:00", with seconds only when they are not zero. */
export function formatWall(wallMs: number): string {
  const iso = new Date(wallMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.slice(17, 19) === '00' ? 16 : 19)}`;
}

/** One sentence on a clock change, for errors: what repeats or what is skipped, in the zone's own wall time. */
export function describeClockChange(reading: Exclude<WallReading, { kind: 'unique' }>, tz: string): string {
  const oldWall = formatWall(reading.changeMs + reading.offsetBeforeMs);
  const fullNewWall = formatWall(reading.changeMs + reading.offsetAfterMs);
  const newWall = fullNewWall.slice(0, 10) === oldWall.slice(0, 10) ? fullNewWall.slice(11) : fullNewWall;
  if (reading.kind === 'ambiguous') {
    return `clocks in ${tz} go back from ${oldWall} to ${newWall}, so it happens twice (${formatOffset(reading.offsetBeforeMs)}, then ${formatOffset(reading.offsetAfterMs)})`;
  }
  return `clocks in ${tz} jump from ${oldWall} to ${newWall}, so it never happens`;
}

/** Date.UTC for any year, including 0–99, which Date.UTC would read as 1900–1999. */
function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

const ISO_RE =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A timestamp as written: `ns` is UTC when the text has an offset or is an epoch, else the wall time as if UTC. */
export interface ParsedTimestamp {
  ns: bigint;
  naive: boolean;
}

/**
 * Parses one timestamp string, or returns undefined when it is not a timestamp.
 * Accepts ISO-8601 dates and date-times (space or T, optional fraction to ns, optional Z or ±hh:mm offset),
 * YYYYMMDD, and integer epochs whose unit is read from their magnitude (s, ms, µs, ns). Dates and date-times
 * without an offset are naive wall-clock times; epochs are UTC.
 */
export function parseTimestampText(text: string): ParsedTimestamp | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  if (/^\d+$/.test(s)) {
    if (s.length === 8) return parseTimestampText(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`);
    const n = BigInt(s);
    if (n < 100_000_000_000n) return { ns: n * NS_PER_S, naive: false };
    if (n < 100_000_000_000_000n) return { ns: n * NS_PER_MS, naive: false };
    if (n < 100_000_000_000_000_000n) return { ns: n * 1000n, naive: false };
    return { ns: n, naive: false };
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
  const wallMs = utcFromFields(Number(y), month, day, hour, minute, second);
  if (new Date(wallMs).getUTCDate() !== day) return undefined; // e.g. 2021-02-30
  const fracNs = frac === undefined ? 0n : BigInt(frac.padEnd(9, '0'));
  if (zone === undefined) return { ns: BigInt(wallMs) * NS_PER_MS + fracNs, naive: true };
  let utcMs = wallMs;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    utcMs = wallMs - sign * offMin * 60_000;
  }
  return { ns: BigInt(utcMs) * NS_PER_MS + fracNs, naive: false };
}

/** Floor division of ns into whole ms and the ns left over (0 ≤ rest < 1e6), for negative instants too. */
export function splitMs(ns: bigint): { ms: number; restNs: bigint } {
  let ms = ns / NS_PER_MS;
  if (ns % NS_PER_MS < 0n) ms -= 1n;
  return { ms: Number(ms), restNs: ns - ms * NS_PER_MS };
}

/**
 * Parses one timestamp string to UTC epoch ns, or returns undefined when it is not a timestamp. Times without an
 * offset are wall-clock times in `tz`; one that is ambiguous or skipped there is an error (readers of whole
 * columns choose a rule instead: see sources/local-times.ts).
 */
export function parseTimestamp(text: string, tz = 'UTC'): bigint | undefined {
  const parsed = parseTimestampText(text);
  if (parsed === undefined || !parsed.naive || tz === 'UTC') return parsed?.ns;
  const { ms, restNs } = splitMs(parsed.ns);
  const reading = readWallTime(ms, tz);
  if (reading.kind !== 'unique') throw new CiftError('INPUT_INVALID', `"${text.trim()}": ${describeClockChange(reading, tz)}`, 'give the time with its UTC offset, e.g. 2024-11-03T01:30:00-04:00');
  return BigInt(reading.utcMs) * NS_PER_MS + restNs;
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

/** An inclusive time range from `--from`/`--to`; either end may be open. */
export interface BoundRange {
  from: bigint | undefined;
  to: bigint | undefined;
}

/**
 * Parses `--from`/`--to` together. A range that ends before it starts selects nothing, which would read as
 * "no data"; it is a usage error instead. from = to is one instant, which is allowed.
 */
export function parseRange(fromText: string | undefined, toText: string | undefined): BoundRange {
  const from = parseBound(fromText, '--from');
  const to = parseBound(toText, '--to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new CiftError('USAGE', `--from ${fromText} is after --to ${toText}`, `swap them: --from ${toText} --to ${fromText}`);
  }
  return { from, to };
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
  /** Length in calendar months for mo and y (1y = 12); undefined for fixed-length intervals. */
  months: number | undefined;
}

/** Parses an interval such as 1s, 5m, 1h, 1d, 1w, 1mo. */
export function parseInterval(text: string): Interval {
  const m = INTERVAL_RE.exec(text.trim());
  if (!m || BigInt(m[1]) === 0n) {
    throw new CiftError('USAGE', `interval "${text}" is not valid`, 'use a count and a unit: 1s, 1m, 5m, 1h, 1d, 1w, 1mo');
  }
  const count = BigInt(m[1]);
  const unitNs = UNIT_NS[m[2]];
  const months = unitNs !== undefined ? undefined : Number(count) * (m[2] === 'y' ? 12 : 1);
  return { text: `${count}${m[2]}`, ns: unitNs === undefined ? undefined : count * unitNs, months };
}
