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

/** The time-of-day part after a date: `T` or a space, hh:mm[:ss[.fraction]], then an optional Z or ±hh[:mm] offset. */
const TIME_PART = String.raw`(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?`;
/** 2024-01-02, 2024/01/02, 2024.01.02 (MetaTrader): one separator, year first. */
const YEAR_FIRST_RE = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME_PART}$`, 'i');
/** 02.01.2024 (Dukascopy, German and most European exports): dots with the year last are always day-first. */
const DOTTED_DAY_FIRST_RE = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${TIME_PART}$`, 'i');
/** 01/02/2024 or 01-02-2024: day-first or month-first, which the text alone cannot tell. */
const YEAR_LAST_RE = new RegExp(String.raw`^(\d{1,2})([/-])(\d{1,2})\2(\d{4})${TIME_PART}$`, 'i');

/** A timestamp as written: `ns` is UTC when the text has an offset or is an epoch, else the wall time as if UTC. */
export interface ParsedTimestamp {
  ns: bigint;
  naive: boolean;
  /** A date with no time of day (2024-01-02, 20240102): a trading date, which no time zone moves. */
  dateOnly?: boolean;
}

/** Units of integer epoch timestamps, and ns per unit. */
export const EPOCH_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type EpochUnit = (typeof EPOCH_UNITS)[number];
export const EPOCH_UNIT_NS: Readonly<Record<EpochUnit, bigint>> = { s: NS_PER_S, ms: NS_PER_MS, us: 1000n, ns: 1n };
export const EPOCH_UNIT_NAMES: Readonly<Record<EpochUnit, string>> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };

/**
 * The unit of an integer epoch from its digit count: 9–11 digits are seconds, 12–14 milliseconds, 15–17
 * microseconds, 18–19 nanoseconds. Each band covers 1973-03-03 up to year 5138 in its unit, so a present-day value is
 * 10, 13, 16 or 19 digits and no instant after 1973 fits two bands. 8 digits are a YYYYMMDD date, and shorter
 * integers (a time of day such as 153000, a row number) are not timestamps at all: undefined.
 */
export function epochUnitOfDigits(digits: number): EpochUnit | undefined {
  if (digits >= 9 && digits <= 11) return 's';
  if (digits >= 12 && digits <= 14) return 'ms';
  if (digits >= 15 && digits <= 17) return 'us';
  if (digits >= 18 && digits <= 19) return 'ns';
  return undefined;
}

/** How a year-last date is read: 01/02/2024 is 1 February day-first, 2 January month-first. */
export type YearLastOrder = 'day-first' | 'month-first';

/** Fields of a written date and time → a ParsedTimestamp, or undefined when they are not a real date and time. */
function fromFields(y: string, mo: string, d: string, h?: string, mi?: string, sec?: string, frac?: string, zone?: string): ParsedTimestamp | undefined {
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const wallMs = utcFromFields(Number(y), month, day, hour, minute, second);
  if (new Date(wallMs).getUTCDate() !== day) return undefined; // e.g. 2021-02-30
  const fracNs = frac === undefined ? 0n : BigInt(frac.padEnd(9, '0'));
  if (zone === undefined) return { ns: BigInt(wallMs) * NS_PER_MS + fracNs, naive: true, dateOnly: h === undefined };
  let utcMs = wallMs;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    utcMs = wallMs - sign * offMin * 60_000;
  }
  return { ns: BigInt(utcMs) * NS_PER_MS + fracNs, naive: false };
}

/** Whether a text is a year-last date (01/02/2024), which only a chosen order can read. */
export const isYearLastDate = (text: string): boolean => YEAR_LAST_RE.test(text.trim());

/**
 * Parses one timestamp string, or returns undefined when it is not a timestamp.
 * Accepts dates and date-times with the year first (2024-01-02, 2024/01/02, 2024.01.02; space or T before the time;
 * a fraction to ns; an optional Z or ±hh:mm offset), dotted day-first dates (02.01.2024 …), YYYYMMDD, and integer
 * epochs whose unit comes from their digit count (epochUnitOfDigits). A year-last date with / or - (01/02/2024) is
 * read only when `yearLast` says which order it is in. Dates and date-times without an offset are naive
 * wall-clock times; epochs are UTC.
 */
export function parseTimestampText(text: string, yearLast?: YearLastOrder): ParsedTimestamp | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  if (/^\d+$/.test(s)) {
    if (s.length === 8) return fromFields(s.slice(0, 4), s.slice(4, 6), s.slice(6, 8));
    const unit = epochUnitOfDigits(s.length);
    return unit === undefined ? undefined : { ns: BigInt(s) * EPOCH_UNIT_NS[unit], naive: false };
  }
  let m = YEAR_FIRST_RE.exec(s);
  if (m) return fromFields(m[1], m[3], m[4], m[5], m[6], m[7], m[8], m[9]);
  m = DOTTED_DAY_FIRST_RE.exec(s);
  if (m) return fromFields(m[3], m[2], m[1], m[4], m[5], m[6], m[7], m[8]);
  m = yearLast === undefined ? null : YEAR_LAST_RE.exec(s);
  if (m) return yearLast === 'day-first' ? fromFields(m[4], m[3], m[1], m[5], m[6], m[7], m[8], m[9]) : fromFields(m[4], m[1], m[3], m[5], m[6], m[7], m[8], m[9]);
  return undefined;
}

/**
 * A time of day → ns since midnight, or undefined: hh:mm, hh:mm:ss, hh:mm:ss.fraction, and the digit form hhmmss
 * (Stooq's <TIME>; five digits are hmmss, as a number column drops the leading zero).
 */
export function parseTimeOfDay(text: string): bigint | undefined {
  const s = text.trim();
  let h: string, mi: string, sec: string | undefined, frac: string | undefined;
  const digits = /^(\d{1,2})(\d{2})(\d{2})$/.exec(s);
  const colon = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?$/.exec(s);
  if (digits) [, h, mi, sec] = digits;
  else if (colon) [, h, mi, sec, frac] = colon;
  else return undefined;
  const hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fracNs = frac === undefined ? 0n : BigInt(frac.padEnd(9, '0'));
  return BigInt((hour * 3600 + minute * 60 + second) * 1000) * NS_PER_MS + fracNs;
}

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** strftime directives `--date-format` understands, as regex pieces with one capture each. */
const DATE_DIRECTIVES: Record<string, { field: string; re: string }> = {
  Y: { field: 'year', re: '(\\d{4})' },
  y: { field: 'year2', re: '(\\d{2})' },
  m: { field: 'month', re: '(\\d{1,2})' },
  d: { field: 'day', re: '(\\d{1,2})' },
  b: { field: 'monthName', re: '([A-Za-z]{3})' },
  B: { field: 'monthName', re: '([A-Za-z]{3,9})' },
  H: { field: 'hour', re: '(\\d{1,2})' },
  M: { field: 'minute', re: '(\\d{2})' },
  S: { field: 'second', re: '(\\d{2})' },
  f: { field: 'fraction', re: '(\\d{1,9})' },
  z: { field: 'zone', re: '(Z|[+-]\\d{2}:?\\d{2})' },
};

/** A compiled `--date-format`. */
export interface DateFormat {
  /** The format as given, for messages. */
  text: string;
  /** Whether it reads a time of day (%H); without one every value is a date only. */
  hasTime: boolean;
  parse(text: string): ParsedTimestamp | undefined;
}

/**
 * Compiles a `--date-format` in strftime's syntax, as pandas' and polars' `format=` take it: %Y (4-digit year),
 * %y (2-digit: 69–99 → 19xx, 00–68 → 20xx, as Python reads it), %m, %d, %b/%B (English month names), %H, %M, %S,
 * %f (fraction, up to 9 digits), %z (±hh:mm or Z), %% for a literal %. Every other character matches itself.
 * A format must give a year, a month and a day.
 */
export function compileDateFormat(format: string): DateFormat {
  let re = '';
  const fields: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const d = format[++i];
    if (d === '%') {
      re += '%';
      continue;
    }
    const directive = d === undefined ? undefined : DATE_DIRECTIVES[d];
    if (directive === undefined) {
      throw new CiftError('USAGE', `--date-format "${format}": unknown directive %${d ?? ''}`, 'use %Y %y %m %d %b %B %H %M %S %f %z, e.g. --date-format "%d/%m/%Y %H:%M"');
    }
    if (fields.includes(directive.field)) throw new CiftError('USAGE', `--date-format "${format}" gives %${d} twice`);
    fields.push(directive.field);
    re += directive.re;
  }
  const has = (f: string) => fields.includes(f);
  if (!(has('year') || has('year2')) || !(has('month') || has('monthName')) || !has('day')) {
    throw new CiftError('USAGE', `--date-format "${format}" needs a year, a month and a day`, 'e.g. --date-format %d/%m/%Y');
  }
  const compiled = new RegExp(`^${re}$`, 'i');
  return {
    text: format,
    hasTime: has('hour'),
    parse(text: string): ParsedTimestamp | undefined {
      const m = compiled.exec(text.trim());
      if (!m) return undefined;
      const got: Record<string, string> = {};
      fields.forEach((f, k) => (got[f] = m[k + 1]));
      let month = got.month;
      if (got.monthName !== undefined) {
        const name = got.monthName.toLowerCase();
        const index = MONTH_NAMES.findIndex((full) => (name.length === 3 ? full.startsWith(name) : full === name));
        if (index < 0) return undefined;
        month = String(index + 1);
      }
      const year = got.year ?? String((Number(got.year2) >= 69 ? 1900 : 2000) + Number(got.year2));
      const hour = got.hour ?? (got.minute !== undefined ? '0' : undefined);
      const parsed = fromFields(year, month, got.day, hour, got.minute ?? (hour === undefined ? undefined : '0'), got.second, got.fraction, got.zone);
      if (parsed === undefined) return undefined;
      // A format without a time of day gives dates only, whatever fromFields made of the missing fields.
      return has('hour') || has('zone') ? { ...parsed, dateOnly: false } : parsed;
    },
  };
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
