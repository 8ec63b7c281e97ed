/**
 * Trading sessions: which rows fall inside an exchange's trading hours, and which exchange date each belongs to.
 *
 * A session is a window of local wall-clock time, [open, close), read on the exchange zone's clocks (DST follows
 * from the zone: 09:30 America/New_York is 14:30 UTC in winter and 13:30 UTC in summer). A row is in the session
 * when its local time of day t satisfies open ≤ t < close. Conventions:
 * - `rth` is US equities' regular trading hours, 09:30-16:00, on America/New_York clocks unless a zone is given
 *   explicitly (then that zone's clocks: `rth --tz America/Toronto` is the TSX day, same hours).
 * - A close of 00:00 means midnight at the end of the day (18:00-00:00 is the evening of one date), not overnight.
 * - Overnight sessions (open after close, e.g. CME's 18:00-17:00 New York time) span midnight: rows from open to
 *   midnight belong to the NEXT calendar date's session, as CME dates them (Sunday evening trading is Monday's
 *   trade date). No exchange calendar is known: the next calendar date is used, and holidays simply have no rows.
 * - Times are wall-clock, so a session that contains a clock change is an hour shorter or longer that day; a row
 *   in the repeated hour (clocks going back) is placed by the local time it shows.
 * - Hours are whole minutes; a row at 15:59:59.999999999 is in a 16:00 close, one at 16:00:00 is not.
 *
 * Bars shorter than a day are built from in-session rows with their usual labels (bar start, UTC). Bars of a day or
 * longer are labelled by exchange date: each row's ts becomes its session's date at 00:00 UTC (sessionDateRows),
 * so the daily bar for 2012-06-21 is stamped 2012-06-21T00:00:00Z and holds exactly that session's rows, and
 * weekly and monthly bars group exchange dates.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { timestampsOf } from '../frames.js';
import type { Polars } from '../polars.js';
import { NS_PER_DAY, assertTimeZone, zoneOffsetMs, type Interval } from '../time.js';

export interface TradingSession {
  /** Minutes after local midnight at which the session opens (inclusive). */
  openMinute: number;
  /** Minutes after local midnight at which it closes (exclusive); 1440 for a session ending at midnight. */
  closeMinute: number;
  /** IANA zone whose clocks the hours are read on. */
  tz: string;
  /** Opens on one calendar day and closes on the next; rows before midnight belong to the next date's session. */
  overnight: boolean;
}

/** US equities' regular trading hours. */
export const RTH = { text: 'rth', openMinute: 9 * 60 + 30, closeMinute: 16 * 60, tz: 'America/New_York' } as const;

const SESSION_RE = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;
const MINUTES_PER_DAY = 24 * 60;
const SESSION_HINT = 'give local hours as HH:MM-HH:MM with the exchange zone, e.g. --session 09:30-16:00 --tz America/New_York, or --session rth';

/**
 * Parses `--session` text and the zone of its hours: `rth`, or HH:MM-HH:MM. `tz` is the zone the user gave
 * (undefined when they gave none): `rth` then defaults to America/New_York; explicit hours need a zone, since hours
 * read on the wrong clocks would silently select the wrong rows (say `UTC` for UTC hours).
 */
export function parseSession(text: string, tz?: string): TradingSession {
  const s = text.trim();
  let openMinute: number;
  let closeMinute: number;
  if (s.toLowerCase() === RTH.text) {
    openMinute = RTH.openMinute;
    closeMinute = RTH.closeMinute;
    tz ??= RTH.tz;
  } else {
    const m = SESSION_RE.exec(s);
    if (!m) throw new CiftError('USAGE', `session "${text}" is not HH:MM-HH:MM or rth`, SESSION_HINT);
    const [oh, om, ch, cm] = m.slice(1).map(Number);
    for (const [h, mi] of [[oh, om], [ch, cm]]) {
      if (h > 23) throw new CiftError('USAGE', `session "${text}": hour ${h} is past 23`, 'hours run 00-23; a session ending at midnight ends at 00:00, e.g. 18:00-00:00');
      if (mi > 59) throw new CiftError('USAGE', `session "${text}": minute ${mi} is past 59`, SESSION_HINT);
    }
    openMinute = oh * 60 + om;
    closeMinute = ch * 60 + cm;
    if (openMinute === closeMinute) {
      throw new CiftError('USAGE', `session "${text}" opens and closes at the same time`, 'a session needs an open before its close (or after it, for an overnight session such as 18:00-17:00); to keep every row, leave --session out');
    }
    if (closeMinute === 0) closeMinute = MINUTES_PER_DAY;
    if (tz === undefined) throw new CiftError('USAGE', `session "${text}" needs --tz: the zone whose clocks its hours are on`, 'e.g. --tz America/New_York, or --tz UTC for UTC hours');
  }
  try {
    assertTimeZone(tz);
  } catch {
    throw new CiftError('USAGE', `session zone "${tz}" is not a known time zone`, 'use an IANA name such as America/New_York, Europe/London or UTC');
  }
  return { openMinute, closeMinute, tz, overnight: openMinute > closeMinute };
}

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The session as JSON output shows it: {open: "09:30", close: "16:00", tz, overnight}. */
export function describeSession(s: TradingSession): { open: string; close: string; tz: string; overnight: boolean } {
  return { open: hhmm(s.openMinute), close: hhmm(s.closeMinute), tz: s.tz, overnight: s.overnight };
}

/** "09:30-16:00 America/New_York", for titles and messages. */
export const sessionText = (s: TradingSession): string => `${hhmm(s.openMinute)}-${hhmm(s.closeMinute)} ${s.tz}`;

/** What sessionDays writes for a row outside the session (no real date is this far back). */
export const OUTSIDE_SESSION = -2_147_483_648;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Where the low and high 32 bits of each int64 sit in an Int32Array view of it. */
const LOW_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HIGH_WORD = 1 - LOW_WORD;
/** 2^32 = 4294·10^6 + 967296: splits hi·2^32 into whole ms and a part small enough to stay exact in a double. */
const MS_PER_HIGH_WORD = 4294;
const NS_REST_PER_HIGH_WORD = 967_296;

/**
 * Per row, the exchange date (days since 1970-01-01) of the session the row belongs to, or OUTSIDE_SESSION.
 * One pass with no allocation per row: each int64 ns is read as two 32-bit words and floored to whole ms exactly in
 * double arithmetic (no bigint per row), and the zone's offset comes from zoneOffsetMs once per UTC hour (an hour
 * holding a clock change is looked up per row, which is exact and rare). Flooring to ms is exact for the verdict:
 * session bounds are whole minutes and offsets whole seconds.
 */
export function sessionDays(ts: BigInt64Array, session: TradingSession, out: Int32Array = new Int32Array(ts.length)): Int32Array {
  const words = new Int32Array(ts.buffer, ts.byteOffset, ts.length * 2);
  const openMs = session.openMinute * 60_000;
  const closeMs = session.closeMinute * 60_000;
  const { tz, overnight } = session;
  let spanStart = Infinity; // [spanStart, spanEnd): UTC ms over which `offset` holds
  let spanEnd = -Infinity;
  let offset = 0;
  for (let i = 0; i < ts.length; i++) {
    const high = words[2 * i + HIGH_WORD];
    const rest = high * NS_REST_PER_HIGH_WORD + (words[2 * i + LOW_WORD] >>> 0); // |rest| < 2^52: exact
    let restMs = Math.floor(rest / 1e6);
    if (rest - restMs * 1e6 < 0) restMs -= 1;
    const utcMs = high * MS_PER_HIGH_WORD + restMs;
    if (utcMs < spanStart || utcMs >= spanEnd) {
      const hourStart = Math.floor(utcMs / HOUR_MS) * HOUR_MS;
      const atStart = zoneOffsetMs(tz, hourStart);
      if (atStart === zoneOffsetMs(tz, hourStart + HOUR_MS - 1)) {
        spanStart = hourStart;
        spanEnd = hourStart + HOUR_MS;
        offset = atStart;
      } else {
        // The clock changes inside this hour: no span to reuse.
        spanStart = Infinity;
        spanEnd = -Infinity;
        offset = zoneOffsetMs(tz, utcMs);
      }
    }
    const localMs = utcMs + offset;
    const day = Math.floor(localMs / DAY_MS);
    const msOfDay = localMs - day * DAY_MS;
    if (overnight) out[i] = msOfDay >= openMs ? day + 1 : msOfDay < closeMs ? day : OUTSIDE_SESSION;
    else out[i] = msOfDay >= openMs && msOfDay < closeMs ? day : OUTSIDE_SESSION;
  }
  return out;
}

/** 1 where a row is in the session, 0 where not (sessionDays' verdict as a mask). */
export function sessionMask(days: Int32Array): Uint8Array {
  const mask = new Uint8Array(days.length);
  for (let i = 0; i < days.length; i++) mask[i] = days[i] === OUTSIDE_SESSION ? 0 : 1;
  return mask;
}

/** The rows of a frame (any row order) whose `ts` falls in the session; columns and order unchanged. */
export function filterSession(polars: Polars, frame: pl.DataFrame, session: TradingSession): pl.DataFrame {
  return frame.filter(polars.Series('in_session', sessionMask(sessionDays(timestampsOf(polars, frame), session))).cast(polars.Bool));
}

/**
 * The rows in the session with `ts` replaced by their exchange date at 00:00 UTC (same Datetime('ns') type), in
 * their order: what bars of a day or longer group by, so a daily bar is exactly one session and carries its date.
 */
export function sessionDateRows(polars: Polars, frame: pl.DataFrame, session: TradingSession): pl.DataFrame {
  const days = sessionDays(timestampsOf(polars, frame), session);
  const mask = sessionMask(days);
  let kept = 0;
  for (let i = 0; i < days.length; i++) if (mask[i] === 1) days[kept++] = days[i];
  const dates = polars.Series('ts', days.subarray(0, kept)).cast(polars.Date).cast(polars.Datetime('ns'));
  return frame.filter(polars.Series('in_session', mask).cast(polars.Bool)).withColumns(dates);
}

/** Whether bars of this interval are labelled by exchange date under a session (a day or longer). */
export const isDailyOrLonger = (interval: Interval): boolean => interval.months !== undefined || interval.ns! >= NS_PER_DAY;

/**
 * Checks an interval can be used with a session, else a one-line error: one of a day or longer must be whole days
 * (or weeks, months, years), since its bars count exchange dates.
 */
export function assertSessionInterval(interval: Interval): void {
  if (interval.ns !== undefined && interval.ns > NS_PER_DAY && interval.ns % NS_PER_DAY !== 0n) {
    throw new CiftError('USAGE', `--interval ${interval.text} with --session: bars of a day or longer count whole exchange dates`, 'use 1d, 2d, 1w, 1mo …, or an interval shorter than a day');
  }
}

/**
 * A frame's rows ready to aggregate into `interval` bars under a session: the in-session rows, with ts replaced
 * by the exchange date when the interval is a day or longer (sessionDateRows), else unchanged (filterSession).
 */
export function sessionRows(polars: Polars, frame: pl.DataFrame, session: TradingSession, interval: Interval | undefined): pl.DataFrame {
  if (interval !== undefined) assertSessionInterval(interval);
  return interval !== undefined && isDailyOrLonger(interval) ? sessionDateRows(polars, frame, session) : filterSession(polars, frame, session);
}
