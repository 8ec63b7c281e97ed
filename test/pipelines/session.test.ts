/**
 * Trading sessions, hand-worked. UTC offsets used below (tzdb): America/New_York is EST (UTC−5) until
 * 2012-03-11 02:00 local (07:00Z), EDT (UTC−4) until 2012-11-04 02:00 local (06:00Z), then EST again. So 09:30 New
 * York is 14:30Z in winter and 13:30Z in summer, and 16:00 is 21:00Z or 20:00Z. America/St_Johns (UTC−3:30) jumps
 * from 01:59:59 NST to 03:00 NDT at 2012-03-11T05:30:00Z, half-way through a UTC hour.
 */
import { describe, expect, it } from 'vitest';
import { loadPolars } from '../../src/polars.js';
import { aggregateBars } from '../../src/pipelines/bars.js';
import { OUTSIDE_SESSION, describeSession, filterSession, parseSession, sessionDateRows, sessionDays, sessionRows, sessionText } from '../../src/pipelines/session.js';
import { frameToRecords } from '../../src/io/export.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import { parseInterval } from '../../src/time.js';
import { CiftError } from '../../src/errors.js';
import { rng, thrownBy } from '../helpers.js';

const pl = await loadPolars();

/** ISO text → UTC ns, with up to 9 fraction digits (Date keeps only ms, so the rest is added by hand). */
function ns(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso)!;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Exchange dates as text, '-' for rows outside the session. */
function datesOf(isoTimes: string[], sessionText: string, tz?: string): string[] {
  const days = sessionDays(BigInt64Array.from(isoTimes.map(ns)), parseSession(sessionText, tz));
  return [...days].map((d) => (d === OUTSIDE_SESSION ? '-' : new Date(d * 86_400_000).toISOString().slice(0, 10)));
}

describe('parseSession', () => {
  it('reads rth as 09:30-16:00 New York, unless a zone is given', () => {
    expect(parseSession('rth')).toEqual({ openMinute: 570, closeMinute: 960, tz: 'America/New_York', overnight: false });
    expect(parseSession('RTH', 'America/Toronto').tz).toBe('America/Toronto');
    expect(describeSession(parseSession('rth'))).toEqual({ open: '09:30', close: '16:00', tz: 'America/New_York', overnight: false });
  });

  it('reads hours, overnight sessions and a midnight close', () => {
    expect(parseSession('9:30-16:00', 'UTC')).toMatchObject({ openMinute: 570, closeMinute: 960, overnight: false });
    expect(parseSession('18:00-17:00', 'America/New_York')).toMatchObject({ openMinute: 1080, closeMinute: 1020, overnight: true });
    // 00:00 as a close is the end of the day, not an overnight session.
    const evening = parseSession('18:00-00:00', 'UTC');
    expect(evening).toMatchObject({ openMinute: 1080, closeMinute: 1440, overnight: false });
    expect(sessionText(evening)).toBe('18:00-00:00 UTC');
  });

  it('refuses bad text with one-line usage errors', () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['9.30-16', 'UTC', /is not HH:MM-HH:MM or rth/],
      ['09:30', 'UTC', /is not HH:MM-HH:MM or rth/],
      ['09:3-16:00', 'UTC', /is not HH:MM-HH:MM or rth/],
      ['24:00-16:00', 'UTC', /hour 24 is past 23/],
      ['09:30-16:60', 'UTC', /minute 60 is past 59/],
      ['10:00-10:00', 'UTC', /opens and closes at the same time/],
      ['09:30-16:00', undefined, /needs --tz/],
      ['rth', 'Mars/Olympus_Mons', /zone "Mars\/Olympus_Mons" is not a known time zone/],
    ];
    for (const [text, tz, message] of cases) {
      const e = thrownBy(() => parseSession(text, tz));
      expect(e, text).toBeInstanceOf(CiftError);
      expect(e.code).toBe('USAGE');
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    }
  });
});

describe('sessionDays: regular hours across the 2012 New York DST changes', () => {
  it('before 2012-03-11 (EST): 09:30-16:00 is 14:30Z-21:00Z', () => {
    expect(datesOf(['2012-03-09T14:29:59.999999999Z', '2012-03-09T14:30:00Z', '2012-03-09T20:59:59.999999999Z', '2012-03-09T21:00:00Z'], 'rth')).toEqual([
      '-',
      '2012-03-09',
      '2012-03-09',
      '-',
    ]);
  });

  it('after 2012-03-11 (EDT): 09:30-16:00 is 13:30Z-20:00Z', () => {
    // 14:29Z is 10:29 EDT (in), though it was before the open on Friday; 20:30Z is 16:30 EDT (out).
    expect(datesOf(['2012-03-12T13:29:59.999999999Z', '2012-03-12T13:30:00Z', '2012-03-12T14:29:00Z', '2012-03-12T19:59:59Z', '2012-03-12T20:00:00Z', '2012-03-12T20:30:00Z'], 'rth')).toEqual([
      '-',
      '2012-03-12',
      '2012-03-12',
      '2012-03-12',
      '-',
      '-',
    ]);
  });

  it('around 2012-11-04: EDT on Friday the 2nd, EST on Monday the 5th', () => {
    expect(datesOf(['2012-11-02T13:29:59Z', '2012-11-02T13:30:00Z', '2012-11-02T20:00:00Z', '2012-11-05T13:30:00Z', '2012-11-05T14:30:00Z', '2012-11-05T20:30:00Z', '2012-11-05T21:00:00Z'], 'rth')).toEqual([
      '-',
      '2012-11-02',
      '-',
      '-', // 08:30 EST
      '2012-11-05',
      '2012-11-05', // 15:30 EST
      '-',
    ]);
  });

  it('a zone given with rth moves the hours to its clocks', () => {
    // 09:30 in London on 2012-06-21 (BST, UTC+1) is 08:30Z.
    expect(datesOf(['2012-06-21T08:29:59Z', '2012-06-21T08:30:00Z', '2012-06-21T14:59:59Z', '2012-06-21T15:00:00Z'], 'rth', 'Europe/London')).toEqual(['-', '2012-06-21', '2012-06-21', '-']);
  });

  it('places rows in the repeated hour by the local time they show (2012-11-04, 01:00-02:00 New York)', () => {
    // 05:00Z = 01:00 EDT; 06:00Z = 01:00 EST (the second pass); 07:00Z = 02:00 EST.
    expect(datesOf(['2012-11-04T04:59:59Z', '2012-11-04T05:00:00Z', '2012-11-04T05:59:59Z', '2012-11-04T06:00:00Z', '2012-11-04T06:59:59Z', '2012-11-04T07:00:00Z'], '01:00-02:00', 'America/New_York')).toEqual([
      '-',
      '2012-11-04',
      '2012-11-04',
      '2012-11-04',
      '2012-11-04',
      '-',
    ]);
  });

  it('is exact when the clock changes inside a UTC hour (St Johns, 05:30Z)', () => {
    // 05:10Z = 01:40 NST, 05:29:59Z = 01:59:59 NST, 05:30Z = 03:00 NDT, 05:45Z = 03:15 NDT.
    const times = ['2012-03-11T05:10:00Z', '2012-03-11T05:29:59Z', '2012-03-11T05:30:00Z', '2012-03-11T05:45:00Z'];
    expect(datesOf(times, '01:00-02:30', 'America/St_Johns')).toEqual(['2012-03-11', '2012-03-11', '-', '-']);
    expect(datesOf(times, '03:00-04:00', 'America/St_Johns')).toEqual(['-', '-', '2012-03-11', '2012-03-11']);
  });

  it('handles instants before 1970 (negative ns)', () => {
    expect(datesOf(['1969-12-31T13:59:59Z', '1969-12-31T14:00:00Z', '1969-12-31T15:59:59.5Z', '1969-12-31T16:00:00Z'], '14:00-16:00', 'UTC')).toEqual(['-', '1969-12-31', '1969-12-31', '-']);
  });
});

describe('sessionDays: an overnight session (18:00-17:00 New York, CME style)', () => {
  it('dates the evening part by the next calendar day, across the March change', () => {
    const rows = [
      '2012-03-08T22:59:59Z', // Thu 17:59:59 EST: the daily break
      '2012-03-08T23:00:00Z', // Thu 18:00 EST: opens Friday's session
      '2012-03-09T05:00:00Z', // Fri 00:00 EST
      '2012-03-09T21:59:59Z', // Fri 16:59:59 EST
      '2012-03-09T22:00:00Z', // Fri 17:00 EST: closed
      '2012-03-11T21:59:59Z', // Sun 17:59:59 EDT: closed
      '2012-03-11T22:00:00Z', // Sun 18:00 EDT: opens Monday's session (under EST this would be 17:00, closed)
      '2012-03-12T20:59:59Z', // Mon 16:59:59 EDT
      '2012-03-12T21:00:00Z', // Mon 17:00 EDT: closed
    ];
    expect(datesOf(rows, '18:00-17:00', 'America/New_York')).toEqual(['-', '2012-03-09', '2012-03-09', '2012-03-09', '-', '-', '2012-03-12', '2012-03-12', '-']);
  });

  it('and across the November change', () => {
    const rows = [
      '2012-11-02T20:59:59Z', // Fri 16:59:59 EDT
      '2012-11-02T21:00:00Z', // Fri 17:00 EDT: closed
      '2012-11-02T22:00:00Z', // Fri 18:00 EDT: the next calendar date, Saturday (no exchange calendar is known)
      '2012-11-04T22:30:00Z', // Sun 17:30 EST: closed (under EDT it would be 18:30, open)
      '2012-11-04T23:00:00Z', // Sun 18:00 EST: opens Monday's session
      '2012-11-05T21:59:59Z', // Mon 16:59:59 EST
      '2012-11-05T22:00:00Z', // Mon 17:00 EST: closed
    ];
    expect(datesOf(rows, '18:00-17:00', 'America/New_York')).toEqual(['2012-11-02', '-', '2012-11-03', '-', '2012-11-05', '2012-11-05', '-']);
  });
});

describe('sessionDays against an independent Intl reader', () => {
  it('agrees on 5,000 random instants over 2011-2013 in New York and St Johns, both kinds of session', () => {
    const next = rng(13);
    const lo = Date.UTC(2011, 0, 1);
    const hi = Date.UTC(2014, 0, 1);
    const times = Array.from({ length: 5000 }, () => BigInt(Math.floor(lo + next() * (hi - lo))) * 1_000_000n + BigInt(Math.floor(next() * 1e6)));
    // Sorted, as stored rows are (the offset cache is reused); the reversed run checks any order gives the same.
    times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [text, tz] of [['09:30-16:00', 'America/New_York'], ['18:00-17:00', 'America/New_York'], ['02:15-03:45', 'America/St_Johns']] as const) {
      const session = parseSession(text, tz);
      const got = sessionDays(BigInt64Array.from(times), session);
      // The reader: Intl's local calendar date and time of day for each instant, straight from the definition.
      const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
      const expected = times.map((t) => {
        const p = Object.fromEntries(f.formatToParts(new Date(Number(t / 1_000_000n))).map((x) => [x.type, x.value]));
        const minute = Number(p.hour) * 60 + Number(p.minute);
        const localDay = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / 86_400_000;
        if (session.overnight) return minute >= session.openMinute ? localDay + 1 : minute < session.closeMinute ? localDay : OUTSIDE_SESSION;
        return minute >= session.openMinute && minute < session.closeMinute ? localDay : OUTSIDE_SESSION;
      });
      expect([...got], `${text} ${tz}`).toEqual(expected);
      expect([...sessionDays(BigInt64Array.from(times).reverse(), session)].reverse(), `${text} ${tz} reversed`).toEqual(expected);
    }
  });
});

/** Trades at the given instants, price = 1, 2, 3 … in row order, size 1 (so volume counts rows). */
function trades(isoTimes: string[]) {
  const n = isoTimes.length;
  return batchToFrame(pl, {
    kind: 'trades',
    symbol: 'X',
    ts: BigInt64Array.from(isoTimes.map(ns)),
    seq: Float64Array.from({ length: n }, (_, i) => i),
    values: { price: Float64Array.from({ length: n }, (_, i) => i + 1), size: new Float64Array(n).fill(1), side: new Float64Array(n) },
  });
}

describe('session frames', () => {
  const rth = parseSession('rth');
  const frame = trades([
    '2012-03-09T14:00:00Z', // 1: 09:00 EST, pre-market
    '2012-03-09T14:30:00Z', // 2: 09:30 EST
    '2012-03-09T20:59:00Z', // 3: 15:59 EST
    '2012-03-09T22:00:00Z', // 4: 17:00 EST, after hours
    '2012-03-12T13:30:00Z', // 5: 09:30 EDT
    '2012-03-12T14:45:00Z', // 6: 10:45 EDT
    '2012-03-12T20:00:00Z', // 7: 16:00 EDT, closed
  ]);

  it('filterSession keeps in-session rows as they were', () => {
    const kept = frameToRecords(pl, filterSession(pl, frame, rth));
    expect(kept.map((r) => r.price)).toEqual([2, 3, 5, 6]);
    expect(kept[0].ts).toBe('2012-03-09T14:30:00.000Z');
  });

  it('sessionDateRows stamps each kept row with its exchange date at 00:00 UTC', () => {
    const rows = frameToRecords(pl, sessionDateRows(pl, frame, rth));
    expect(rows.map((r) => [r.ts, r.price])).toEqual([
      ['2012-03-09T00:00:00.000Z', 2],
      ['2012-03-09T00:00:00.000Z', 3],
      ['2012-03-12T00:00:00.000Z', 5],
      ['2012-03-12T00:00:00.000Z', 6],
    ]);
  });

  it('daily bars hold exactly one session each, labelled by its date', () => {
    const interval = parseInterval('1d');
    const bars = frameToRecords(pl, aggregateBars(pl, sessionRows(pl, frame, rth, interval), 'trades', interval));
    // 2012-03-09: prices 2, 3; 2012-03-12: prices 5, 6 (size 1 each: vwap is the mean).
    expect(bars).toEqual([
      { ts: '2012-03-09T00:00:00.000Z', open: 2, high: 3, low: 2, close: 3, volume: 2, vwap: 2.5, trades: 2 },
      { ts: '2012-03-12T00:00:00.000Z', open: 5, high: 6, low: 5, close: 6, volume: 2, vwap: 5.5, trades: 2 },
    ]);
  });

  it('intraday bars keep their UTC start labels', () => {
    const interval = parseInterval('1h');
    const bars = frameToRecords(pl, aggregateBars(pl, sessionRows(pl, frame, rth, interval), 'trades', interval));
    expect(bars.map((b) => [b.ts, b.open, b.trades])).toEqual([
      ['2012-03-09T14:00:00.000Z', 2, 1],
      ['2012-03-09T20:00:00.000Z', 3, 1],
      ['2012-03-12T13:00:00.000Z', 5, 1],
      ['2012-03-12T14:00:00.000Z', 6, 1],
    ]);
  });

  it('an overnight session makes one daily bar from the evening before and the day, and weekly bars by exchange date', () => {
    const cme = parseSession('18:00-17:00', 'America/New_York');
    const week = trades([
      '2012-03-08T23:30:00Z', // 1: Thu 18:30 EST → Fri 03-09
      '2012-03-09T15:00:00Z', // 2: Fri 10:00 EST → Fri 03-09
      '2012-03-09T21:30:00Z', // 3: Fri 16:30 EST → Fri 03-09
      '2012-03-11T22:30:00Z', // 4: Sun 18:30 EDT → Mon 03-12
      '2012-03-12T14:00:00Z', // 5: Mon 10:00 EDT → Mon 03-12
      '2012-03-12T21:30:00Z', // 6: Mon 17:30 EDT, the daily break: dropped
    ]);
    const daily = parseInterval('1d');
    const bars = frameToRecords(pl, aggregateBars(pl, sessionRows(pl, week, cme, daily), 'trades', daily));
    expect(bars.map((b) => [b.ts, b.open, b.close, b.trades])).toEqual([
      ['2012-03-09T00:00:00.000Z', 1, 3, 3],
      ['2012-03-12T00:00:00.000Z', 4, 5, 2],
    ]);
    // Row 4 traded on Sunday in UTC and New York alike, but its exchange date is Monday: it opens the week of 03-12.
    const weekly = parseInterval('1w');
    const weeks = frameToRecords(pl, aggregateBars(pl, sessionRows(pl, week, cme, weekly), 'trades', weekly));
    expect(weeks.map((b) => [b.ts, b.open, b.close, b.trades])).toEqual([
      ['2012-03-05T00:00:00.000Z', 1, 3, 3],
      ['2012-03-12T00:00:00.000Z', 4, 5, 2],
    ]);
  });

  it('refuses a day-or-longer interval that is not whole days', () => {
    const e = thrownBy(() => sessionRows(pl, frame, rth, parseInterval('36h')));
    expect(e.message).toMatch(/--interval 36h with --session/);
  });

  it('keeps an empty frame empty', () => {
    const empty = frame.head(0);
    expect(filterSession(pl, empty, rth).height).toBe(0);
    expect(sessionDateRows(pl, empty, rth).height).toBe(0);
  });
});
