import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolars } from '../../src/polars.js';
import { aggregateBars, assertResamplable, barResolution } from '../../src/pipelines/bars.js';
import { CiftError } from '../../src/errors.js';
import { frameToRecords } from '../../src/io/export.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import { readLobster } from '../../src/sources/lobster.js';
import { readTabularFile } from '../../src/sources/files.js';
import { parseInterval } from '../../src/time.js';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, REAL_DIR, ROOT, hasLobster, hasReal } from '../helpers.js';

const pl = await loadPolars();
const S = 1_000_000_000n;
const T0 = BigInt(Date.UTC(2024, 0, 2, 10, 0)) * 1_000_000n; // a Tuesday 10:00 UTC

function tradesFrame(rows: Array<[bigint, number, number]>) {
  return batchToFrame(pl, {
    kind: 'trades',
    symbol: 'X',
    ts: BigInt64Array.from(rows.map((r) => r[0])),
    seq: Float64Array.from(rows.keys()),
    values: { price: Float64Array.from(rows.map((r) => r[1])), size: Float64Array.from(rows.map((r) => r[2])), side: new Float64Array(rows.length) },
  });
}

describe('bars from trades (hand-worked)', () => {
  const frame = tradesFrame([
    [T0 + 0n * S, 10, 1], // minute 10:00
    [T0 + 30n * S, 12, 3],
    [T0 + 30n * S, 9, 1], // same ts: file order decides close
    [T0 + 60n * S, 11, 2], // exactly 10:01: left-closed, so it opens the next bar
    // 10:02 has no trades: omitted
    [T0 + 185n * S, 13, 5],
  ]);
  const bars = frameToRecords(pl, aggregateBars(pl, frame, 'trades', parseInterval('1m')));

  it('labels bars by interval start and omits empty intervals', () => {
    expect(bars.map((b) => b.ts)).toEqual(['2024-01-02T10:00:00.000Z', '2024-01-02T10:01:00.000Z', '2024-01-02T10:03:00.000Z']);
  });

  it('takes open/close in (ts, seq) order and high/low/volume/count over the interval', () => {
    expect(bars[0]).toMatchObject({ open: 10, high: 12, low: 9, close: 9, volume: 5, trades: 3 });
    // vwap of the first bar: (10·1 + 12·3 + 9·1) / 5 = 55/5 = 11
    expect(bars[0].vwap).toBeCloseTo(11, 12);
    expect(bars[1]).toMatchObject({ open: 11, high: 11, low: 11, close: 11, volume: 2, trades: 1, vwap: 11 });
  });
});

describe('bars from quotes (hand-worked)', () => {
  it('are OHLC of the mid price with no traded volume', () => {
    const quotes = batchToFrame(pl, {
      kind: 'quotes',
      symbol: 'Q',
      ts: BigInt64Array.from([T0, T0 + 20n * S, T0 + 40n * S, T0 + 70n * S]),
      seq: Float64Array.from([0, 1, 2, 3]),
      values: { bid: Float64Array.from([100, 101, 99, 98]), ask: Float64Array.from([102, 103, 101, 100]), bid_size: Float64Array.from([1, 1, 1, 1]), ask_size: Float64Array.from([1, 1, 1, 1]) },
    });
    const bars = frameToRecords(pl, aggregateBars(pl, quotes, 'quotes', parseInterval('1m')));
    // Mids: 101, 102, 100 in the first minute, 99 in the second.
    expect(bars).toEqual([
      { ts: '2024-01-02T10:00:00.000Z', open: 101, high: 102, low: 100, close: 100, volume: 0, vwap: null, trades: null },
      { ts: '2024-01-02T10:01:00.000Z', open: 99, high: 99, low: 99, close: 99, volume: 0, vwap: null, trades: null },
    ]);
  });
});

describe('bars from bars', () => {
  it('starts weeks on Monday 00:00 UTC and weights vwap by volume using the typical price', () => {
    const day = (d: number) => BigInt(Date.UTC(2024, 0, d)) * 1_000_000n;
    // Fri 5 Jan, Mon 8 Jan, Sun 14 Jan (same week as the 8th), Mon 15 Jan
    const frame = batchToFrame(pl, {
      kind: 'bars',
      symbol: 'X',
      ts: BigInt64Array.from([day(5), day(8), day(14), day(15)]),
      seq: Float64Array.from([0, 1, 2, 3]),
      values: {
        open: Float64Array.from([1, 2, 3, 4]),
        high: Float64Array.from([2, 6, 4, 5]),
        low: Float64Array.from([1, 2, 1, 4]),
        close: Float64Array.from([2, 4, 2, 4.5]),
        volume: Float64Array.from([10, 1, 3, 7]),
      },
    });
    const weeks = frameToRecords(pl, aggregateBars(pl, frame, 'bars', parseInterval('1w')));
    expect(weeks.map((w) => w.ts)).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z']);
    // week of the 8th: typical prices (6+2+4)/3 = 4 (vol 1) and (4+1+2)/3 = 7/3 (vol 3): (4 + 7) / 4 = 2.75
    expect(weeks[1]).toMatchObject({ open: 2, high: 6, low: 1, close: 2, volume: 4, trades: null });
    expect(weeks[1].vwap as number).toBeCloseTo(2.75, 12);
  });
});

describe.runIf(hasLobster)('AAPL LOBSTER day → 1-minute bars (real data)', () => {
  it('equals an aggregation derived line by line from the raw message file', () => {
    // Independent reader: executions are types 4 and 5; price/10000; minute = floor(seconds/60) in New York time,
    // which on 2012-06-21 (EDT) is UTC−4.
    const expected = new Map<number, { open: number; high: number; low: number; close: number; volume: number; pv: number; trades: number }>();
    for (const line of readFileSync(AAPL_MESSAGE, 'utf8').trim().split('\n')) {
      const [time, type, , size, price] = line.split(',');
      if (type !== '4' && type !== '5') continue;
      const minute = Math.floor(Number(time) / 60);
      const p = Number(price) / 10000;
      const q = Number(size);
      const b = expected.get(minute);
      if (!b) expected.set(minute, { open: p, high: p, low: p, close: p, volume: q, pv: p * q, trades: 1 });
      else {
        b.high = Math.max(b.high, p);
        b.low = Math.min(b.low, p);
        b.close = p;
        b.volume += q;
        b.pv += p * q;
        b.trades++;
      }
    }
    const day = readLobster(AAPL_MESSAGE, AAPL_ORDERBOOK);
    const bars = frameToRecords(pl, aggregateBars(pl, batchToFrame(pl, day.trades), 'trades', parseInterval('1m')));
    expect(bars.length, '09:30–15:59 is 390 minutes').toBe(390);
    expect(expected.size).toBe(390);
    const minutes = [...expected.keys()].sort((a, b) => a - b);
    bars.forEach((bar, i) => {
      const m = minutes[i];
      const e = expected.get(m)!;
      const label = new Date(Date.UTC(2012, 5, 21, 4) + m * 60_000).toISOString();
      expect(bar.ts).toBe(label);
      expect([bar.open, bar.high, bar.low, bar.close, bar.volume, bar.trades]).toEqual([e.open, e.high, e.low, e.close, e.volume, e.trades]);
      expect(Math.abs((bar.vwap as number) - e.pv / e.volume)).toBeLessThan(1e-9);
    });
  });
});

describe.runIf(hasReal)('GOOG daily → weekly bars (real data)', () => {
  it('equals a weekly aggregation derived from the CSV text', async () => {
    const lines = readFileSync(join(REAL_DIR, 'GOOG.csv'), 'utf8').trim().split('\n').slice(1);
    const weeks = new Map<string, number[][]>();
    for (const line of lines) {
      const [date, o, h, l, c, v] = line.split(',');
      const t = Date.parse(`${date}T00:00:00Z`);
      const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
      const monday = new Date(t - dow * 86_400_000).toISOString();
      if (!weeks.has(monday)) weeks.set(monday, []);
      weeks.get(monday)!.push([+o, +h, +l, +c, +v]);
    }
    const [batch] = await readTabularFile(join(REAL_DIR, 'GOOG.csv'), { symbol: 'GOOG' });
    const bars = frameToRecords(pl, aggregateBars(pl, batchToFrame(pl, batch), 'bars', parseInterval('1w')));
    expect(bars.length).toBe(weeks.size);
    for (const bar of bars) {
      const rows = weeks.get(bar.ts as string)!;
      expect(rows, `week ${bar.ts}`).toBeDefined();
      expect(bar.open).toBe(rows[0][0]);
      expect(bar.high).toBe(Math.max(...rows.map((r) => r[1])));
      expect(bar.low).toBe(Math.min(...rows.map((r) => r[2])));
      expect(bar.close).toBe(rows[rows.length - 1][3]);
      expect(bar.volume).toBe(rows.reduce((s, r) => s + r[4], 0));
    }
  });
});

describe('stored bar resolution', () => {
  const at = (...isos: string[]) => BigInt64Array.from(isos, (iso) => BigInt(Date.parse(iso)) * 1_000_000n);

  it('is the most common spacing, so weekends and holidays do not change it', () => {
    // Tue 2 Jan … Fri 12 Jan 2024 without the weekend and with Mon 8 Jan as a holiday: spacings 1,1,1,4,1,1,1 days.
    const days = at('2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12');
    expect(barResolution(days)?.text).toBe('1d');
  });

  it('is hourly for session bars with overnight gaps', () => {
    const hours = ['14:30', '15:30', '16:30', '17:30', '18:30', '19:30', '20:30'];
    const twoDays = at(...hours.map((h) => `2024-01-02T${h}:00Z`), ...hours.map((h) => `2024-01-03T${h}:00Z`));
    expect(barResolution(twoDays)?.text).toBe('1h');
  });

  it('is calendar months for month-end bars, though most of them are 31 days apart', () => {
    const ends = ['01-31', '02-29', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31'];
    const monthly = at(...ends.map((d) => `2024-${d}`));
    expect(barResolution(monthly)).toEqual({ text: '1mo', ns: undefined, months: 1 });
    expect(barResolution(at('2023-03-31', '2023-06-30', '2023-09-30', '2023-12-31', '2024-03-31'))?.text, 'quarter ends').toBe('3mo');
    expect(barResolution(at('2020-12-31', '2021-12-31', '2022-12-31', '2023-12-31'))?.text, 'year ends').toBe('1y');
  });

  it('names spacings that are no calendar unit by their length, and is undefined for one bar', () => {
    expect(barResolution(at('2024-01-02T00:00:00Z', '2024-01-02T00:40:00Z', '2024-01-02T01:20:00Z'))?.text).toBe('40m');
    expect(barResolution(at('2024-01-01', '2024-01-08', '2024-01-15'))?.text).toBe('1w');
    expect(barResolution(at('2024-01-02'))).toBeUndefined();
  });

  it('matches the frequency data/SOURCE.md states for each shipped file', async () => {
    const stated: Record<string, string> = { GOOG: '1d', AMZN: '1d', EURUSD: '1h', SOLUSDT: '1h', BTCUSD: '1mo', AAPL: '1d' };
    for (const [symbol, text] of Object.entries(stated)) {
      const [batch] = await readTabularFile(join(ROOT, 'data', `${symbol}.csv`), { symbol });
      expect(barResolution(batch.ts)?.text, symbol).toBe(text);
    }
  });
});

describe('resampling stored bars', () => {
  const res = (text: string) => barResolution(resolutionSample[text])!;
  // Three bars per spacing, built by hand.
  const H = 3_600_000_000_000n;
  const D = 24n * H;
  const evenly = (step: bigint) => BigInt64Array.from([0n, step, 2n * step].map((k) => 1_704_153_600_000_000_000n + k)); // from 2024-01-02
  const resolutionSample: Record<string, BigInt64Array> = {
    '1h': evenly(H),
    '40m': evenly((40n * H) / 60n),
    '1d': evenly(D),
    '1w': evenly(7n * D),
    '45d': evenly(45n * D),
    '1mo': BigInt64Array.from(['2024-01-31', '2024-02-29', '2024-03-31'], (d) => BigInt(Date.parse(d)) * 1_000_000n),
    '3mo': BigInt64Array.from(['2024-03-31', '2024-06-30', '2024-09-30'], (d) => BigInt(Date.parse(d)) * 1_000_000n),
  };
  const outcome = (stored: string, interval: string): string => {
    try {
      assertResamplable(res(stored), parseInterval(interval), 'X');
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(CiftError);
      expect((e as CiftError).code, 'exit 2').toBe('USAGE');
      return /is finer/.test((e as CiftError).message) ? 'finer' : /not a whole multiple/.test((e as CiftError).message) ? 'multiple' : 'other';
    }
  };

  it('refuses a finer interval, naming the stored resolution', () => {
    expect(() => assertResamplable(res('1d'), parseInterval('1h'), 'GOOG')).toThrow('GOOG bars are daily (1d); --interval 1h is finer');
    expect(() => assertResamplable(res('1mo'), parseInterval('1w'), 'BTCUSD')).toThrow('BTCUSD bars are monthly (1mo); --interval 1w is finer');
  });

  it('follows the stated rules: same or whole multiples pass, finer and partial multiples fail', () => {
    const cases: Array<[string, string, string]> = [
      ['1d', '1h', 'finer'],
      ['1d', '1d', 'ok'],
      ['1d', '1w', 'ok'],
      ['1d', '1mo', 'ok'],
      ['1d', '1y', 'ok'],
      ['1d', '36h', 'multiple'],
      ['1h', '90m', 'multiple'],
      ['1h', '4h', 'ok'],
      ['40m', '1h', 'multiple'],
      ['40m', '2h', 'ok'],
      ['40m', '30m', 'finer'],
      ['1w', '1mo', 'multiple'],
      ['1w', '2w', 'ok'],
      ['45d', '1mo', 'finer'],
      ['1mo', '1w', 'finer'],
      ['1mo', '45d', 'multiple'],
      ['1mo', '3mo', 'ok'],
      ['1mo', '1y', 'ok'],
      ['3mo', '2mo', 'finer'],
      ['3mo', '4mo', 'multiple'],
      ['3mo', '1y', 'ok'],
    ];
    expect(cases.map(([stored, interval]) => [stored, interval, outcome(stored, interval)])).toEqual(cases);
  });
});
