/**
 * The replay: merge order across symbols and kinds, pacing under an injected clock (no timers), the 1-minute bars
 * worked by hand from the fixture below, stop, and LiveMarket moving under it.
 *
 * Fixture (T = 2024-01-02T14:30:00Z):
 *   AAA trades   T+10s seq 1 100×10 · T+30s seq 3 102×30 · T+30s seq 4 101×10 · T+70s seq 6 103×5
 *   AAA quotes   T+10s seq 0 99.9/100.1 · T+30s seq 3 101/102 · T+65s seq 5 102/103
 *   BBB quotes   T+10s seq 0 50/50.5 · T+40s seq 1 51/51.5 · T+130s seq 2 52/53   (no trades: bars from the mid)
 */
import { describe, expect, it } from 'vitest';
import type pl from 'nodejs-polars';
import { CiftError } from '../../src/errors.js';
import { sliceByTime } from '../../src/frames.js';
import { MemoryHub, type LiveEvent, type MarketEvent } from '../../src/live/events.js';
import { LiveMarket } from '../../src/live/live-market.js';
import { dueAt, minuteOf, parseSpeed, startReplay, type ReplayClock, type ReplaySource } from '../../src/live/replay.js';
import { loadPolars } from '../../src/polars.js';
import type { TickKind } from '../../src/schema.js';
import { batchToFrame } from '../../src/store/ticks/parquet.js';
import type { LatestRow, TimeRange } from '../../src/store/ticks/types.js';
import { getQuote } from '../../src/usecases/quotes.js';

const polars = await loadPolars();
const T = 1_704_205_800_000_000_000n; // 2024-01-02T14:30:00Z
const S = 1_000_000_000n;
const at = (seconds: number) => T + BigInt(seconds) * S;

type Rows = Array<[number, number, ...number[]]>; // [seconds after T, seq, ...values]
const COLS: Record<'trades' | 'quotes', string[]> = { trades: ['price', 'size', 'side'], quotes: ['bid', 'ask', 'bid_size', 'ask_size'] };

function frameOf(kind: 'trades' | 'quotes', symbol: string, rows: Rows): pl.DataFrame {
  const values: Record<string, Float64Array> = {};
  COLS[kind].forEach((c, j) => (values[c] = Float64Array.from(rows.map((r) => r[2 + j] ?? 0))));
  return batchToFrame(polars, { kind, symbol, ts: BigInt64Array.from(rows.map((r) => at(r[0]))), seq: Float64Array.from(rows.map((r) => r[1])), values });
}

const FIXTURE: Record<string, Partial<Record<'trades' | 'quotes', Rows>>> = {
  AAA: {
    trades: [
      [10, 1, 100, 10, 1],
      [30, 3, 102, 30, 1],
      [30, 4, 101, 10, -1],
      [70, 6, 103, 5, 1],
    ],
    quotes: [
      [10, 0, 99.9, 100.1, 1, 2],
      [30, 3, 101, 102, 3, 4],
      [65, 5, 102, 103, 5, 6],
    ],
  },
  BBB: {
    quotes: [
      [10, 0, 50, 50.5, 7, 8],
      [40, 1, 51, 51.5, 9, 10],
      [130, 2, 52, 53, 11, 12],
    ],
  },
};

/** A tick store over the fixture: kindsOf as MarketData answers it, read() sliced by range as the store does. */
function fixtureSource(reads: Array<{ kind: TickKind; symbol: string; range?: TimeRange }> = []): ReplaySource & { latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> } {
  return {
    async kindsOf(symbol) {
      if (symbol === 'ZZD') return ['bars'];
      const kinds = FIXTURE[symbol];
      if (!kinds) throw new CiftError('UNKNOWN_SYMBOL', `no data for symbol "${symbol}"`);
      return (Object.keys(kinds) as TickKind[]).sort();
    },
    async read(kind, symbol, range) {
      reads.push({ kind, symbol, range });
      const rows = FIXTURE[symbol]?.[kind as 'trades' | 'quotes'];
      if (!rows) return undefined;
      return sliceByTime(polars, frameOf(kind as 'trades' | 'quotes', symbol, rows), range?.from, range?.to);
    },
    async latest() {
      return undefined;
    },
  };
}

/** A clock that never waits: sleep moves time on at once and records how long it was asked to wait. */
function fakeClock(startMs = 1000) {
  let now = startMs;
  const sleeps: number[] = [];
  const clock: ReplayClock = {
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
    async yield() {},
  };
  return { clock, sleeps, now: () => now };
}

const label = (e: LiveEvent) => {
  const m = e as MarketEvent;
  const ch = m.channel === 'trades' ? 't' : m.channel === 'quotes' ? 'q' : 'bar';
  return `${ch} ${m.symbol} ${(m.ts - T) / S}s#${m.seq}`;
};

async function replayAll(opts: { speed?: number | 'max'; range?: TimeRange; chunkRows?: number; symbols?: string[] } = {}) {
  const hub = new MemoryHub();
  const { clock, sleeps } = fakeClock();
  const events: Array<{ event: MarketEvent; at: number }> = [];
  hub.subscribe((e) => events.push({ event: e as MarketEvent, at: clock.now() }));
  const handle = await startReplay(polars, fixtureSource(), { symbols: opts.symbols ?? ['AAA', 'BBB'], speed: opts.speed ?? 'max', range: opts.range, hub, clock, chunkRows: opts.chunkRows });
  const report = await handle.done;
  return { events, report, sleeps };
}

describe('replay order', () => {
  // By hand: (ts, seq), ties trades before quotes, then AAA (given first) before BBB. The 14:30 bars go out
  // before the first row at or after 14:31 (AAA quote at T+65s); the 14:31 bar of AAA before the BBB quote at
  // T+130s; BBB's 14:32 bar when the data ends.
  const EXPECTED = [
    'q AAA 10s#0',
    'q BBB 10s#0',
    't AAA 10s#1',
    't AAA 30s#3',
    'q AAA 30s#3',
    't AAA 30s#4',
    'q BBB 40s#1',
    'bar AAA 0s#0',
    'bar BBB 0s#0',
    'q AAA 65s#5',
    't AAA 70s#6',
    'bar AAA 60s#1',
    'q BBB 130s#2',
    'bar BBB 120s#1',
  ];

  it('merges symbols and kinds by (ts, seq), trades before quotes, then symbol order', async () => {
    const { events, report } = await replayAll();
    expect(events.map((e) => label(e.event))).toEqual(EXPECTED);
    expect(report).toEqual({ trades: 4, quotes: 6, bars: 4, first: at(10), last: at(130), stopped: false });
  });

  it('gives the same order when rows are read one per chunk', async () => {
    const { events } = await replayAll({ chunkRows: 1 });
    expect(events.map((e) => label(e.event))).toEqual(EXPECTED);
  });

  it('symbol order decides same-(ts, seq) ties between symbols', async () => {
    const { events } = await replayAll({ symbols: ['BBB', 'AAA'] });
    expect(events.slice(0, 2).map((e) => label(e.event))).toEqual(['q BBB 10s#0', 'q AAA 10s#0']);
    expect(events.filter((e) => e.event.channel === 'bars:1m').map((e) => label(e.event))).toEqual(['bar BBB 0s#0', 'bar AAA 0s#0', 'bar AAA 60s#1', 'bar BBB 120s#1']);
  });

  it("carries each row's values", async () => {
    const { events } = await replayAll();
    expect(events[3].event).toEqual({ channel: 'trades', symbol: 'AAA', ts: at(30), seq: 3, values: { price: 102, size: 30, side: 1 } });
    expect(events[1].event).toEqual({ channel: 'quotes', symbol: 'BBB', ts: at(10), seq: 0, values: { bid: 50, ask: 50.5, bid_size: 7, ask_size: 8 } });
  });
});

describe('1-minute bars', () => {
  it('are the OHLCV of the trades (or the quote mid) in each UTC minute', async () => {
    const { events } = await replayAll();
    const bars = events.filter((e) => e.event.channel === 'bars:1m').map((e) => e.event);
    // AAA 14:30: 100×10, 102×30, 101×10 → vwap (1000 + 3060 + 1010) / 50 = 101.4.
    expect(bars[0]).toEqual({ channel: 'bars:1m', symbol: 'AAA', ts: T, seq: 0, values: { open: 100, high: 102, low: 100, close: 101, volume: 50, vwap: 101.4, trades: 3 } });
    // BBB has no trades: mids 50.25 then 51.25, volume 0, no vwap or trade count (as `cift bars`).
    expect(bars[1]).toEqual({ channel: 'bars:1m', symbol: 'BBB', ts: T, seq: 0, values: { open: 50.25, high: 51.25, low: 50.25, close: 51.25, volume: 0 } });
    expect(bars[2]).toEqual({ channel: 'bars:1m', symbol: 'AAA', ts: at(60), seq: 1, values: { open: 103, high: 103, low: 103, close: 103, volume: 5, vwap: 103, trades: 1 } });
    expect(bars[3]).toEqual({ channel: 'bars:1m', symbol: 'BBB', ts: at(120), seq: 1, values: { open: 52.5, high: 52.5, low: 52.5, close: 52.5, volume: 0 } });
  });

  it('within --from/--to use only the rows in range, and the range is passed to the store', async () => {
    const reads: Array<{ kind: TickKind; symbol: string; range?: TimeRange }> = [];
    const hub = new MemoryHub();
    const got: MarketEvent[] = [];
    hub.subscribe((e) => got.push(e as MarketEvent));
    const range = { from: at(30), to: at(40) };
    await (await startReplay(polars, fixtureSource(reads), { symbols: ['AAA', 'BBB'], speed: 'max', range, hub, clock: fakeClock().clock })).done;
    expect(reads).toEqual([
      { kind: 'trades', symbol: 'AAA', range },
      { kind: 'quotes', symbol: 'AAA', range },
      { kind: 'quotes', symbol: 'BBB', range },
    ]);
    expect(got.map(label)).toEqual(['t AAA 30s#3', 'q AAA 30s#3', 't AAA 30s#4', 'q BBB 40s#1', 'bar AAA 0s#0', 'bar BBB 0s#0']);
    // 102×30 + 101×10 → vwap 4070 / 40 = 101.75.
    expect(got[4].values).toEqual({ open: 102, high: 102, low: 101, close: 101, volume: 40, vwap: 101.75, trades: 2 });
    expect(got[5].values).toEqual({ open: 51.25, high: 51.25, low: 51.25, close: 51.25, volume: 0 });
  });

  it('minutes are UTC-aligned floors, also before 1970', () => {
    expect(minuteOf(T + 59n * S + 999_999_999n)).toBe(T);
    expect(minuteOf(T + 60n * S)).toBe(T + 60n * S);
    expect(minuteOf(-1n)).toBe(-60_000_000_000n);
  });
});

describe('pacing', () => {
  it('at speed 10 publishes each row (ts − t0)/10 after the start', async () => {
    const { events, sleeps } = await replayAll({ speed: 10 });
    // Clock starts at 1000 ms, t0 = T+10s: T+30s → 1000 + 20000/10 = 3000; T+40s → 4000; T+65s → 6500;
    // T+70s → 7000; T+130s → 13000. Bars go out with the row that closes their minute.
    expect(events.map((e) => e.at)).toEqual([1000, 1000, 1000, 3000, 3000, 3000, 4000, 6500, 6500, 6500, 7000, 13000, 13000, 13000]);
    expect(sleeps).toEqual([2000, 1000, 2500, 500, 6000]);
  });

  it('max never sleeps', async () => {
    const { sleeps, events } = await replayAll({ speed: 'max' });
    expect(sleeps).toEqual([]);
    expect(events).toHaveLength(14);
  });

  it('yields to the event loop every yieldEvery rows', async () => {
    const { clock } = fakeClock();
    let yields = 0;
    const counting: ReplayClock = { ...clock, yield: async () => void yields++ };
    const hub = new MemoryHub();
    const seen: number[] = [];
    hub.subscribe((e) => e.channel !== 'bars:1m' && seen.push(yields));
    await (await startReplay(polars, fixtureSource(), { symbols: ['AAA', 'BBB'], speed: 'max', hub, clock: counting, yieldEvery: 3 })).done;
    // One yield before the first row (the caller gets the handle first), then one before rows 4, 7 and 10.
    expect(seen).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4]);
  });

  it('dueAt and parseSpeed', () => {
    expect(dueAt(T + 3n * S, T, 500, 2)).toBe(2000);
    expect(dueAt(T + 3n * S, T, 500, 0.5)).toBe(6500);
    expect(dueAt(T + 3n * S, T, 500, 'max')).toBe(500);
    expect(parseSpeed('10')).toBe(10);
    expect(parseSpeed('0.5')).toBe(0.5);
    expect(parseSpeed('MAX')).toBe('max');
    for (const bad of ['0', '-1', 'fast', '', '1e3']) expect(() => parseSpeed(bad), bad).toThrow(/--speed/);
  });

  it('stop() ends it at the next row, without flushing open bars', async () => {
    const hub = new MemoryHub();
    const got: LiveEvent[] = [];
    let stop = () => {};
    hub.subscribe((e) => {
      got.push(e);
      if (got.length === 4) stop();
    });
    const handle = await startReplay(polars, fixtureSource(), { symbols: ['AAA', 'BBB'], speed: 1, hub, clock: fakeClock().clock });
    stop = handle.stop;
    const report = await handle.done;
    expect(got.map(label)).toEqual(['q AAA 10s#0', 'q BBB 10s#0', 't AAA 10s#1', 't AAA 30s#3']);
    expect(report).toMatchObject({ trades: 2, quotes: 2, bars: 0, stopped: true });
  });
});

describe('LiveMarket under a replay', () => {
  it('each row is set before it is published, and quotes move to the replayed prices', async () => {
    const stored = fixtureSource();
    const live = new LiveMarket(stored);
    const log: string[] = [];
    const sink = {
      set(kind: TickKind, symbol: string, row: LatestRow) {
        log.push(`set ${kind} ${symbol} ${(row.ts - T) / S}`);
        live.set(kind, symbol, row);
      },
    };
    const hub = new MemoryHub();
    hub.subscribe((e) => {
      if (e.channel !== 'bars:1m') log.push(`publish ${e.channel} ${e.symbol} ${(e.ts - T) / S}`);
    });
    await (await startReplay(polars, stored, { symbols: ['AAA', 'BBB'], speed: 'max', hub, live: sink, clock: fakeClock().clock })).done;
    expect(log.slice(0, 4)).toEqual(['set quotes AAA 10', 'publish quotes AAA 10', 'set quotes BBB 10', 'publish quotes BBB 10']);
    expect(log).toHaveLength(20);
    // The last AAA quote (T+65s 102/103) and trade (T+70s 103×5) are now the latest; the quote route reads them.
    expect(await live.latest('trades', 'AAA')).toEqual({ ts: at(70), values: { price: 103, size: 5, side: 1 } });
    expect(await getQuote(live, 'AAA')).toMatchObject({ source: 'quote', bid: 102, ask: 103, bid_size: 5, ask_size: 6, price: 102.5, ts_ns: at(65).toString() });
    expect(await getQuote(live, 'BBB')).toMatchObject({ source: 'quote', bid: 52, ask: 53, price: 52.5 });
  });
});

describe('what can be replayed', () => {
  it('an unknown symbol fails before anything is published', async () => {
    const hub = new MemoryHub();
    const got: LiveEvent[] = [];
    hub.subscribe((e) => got.push(e));
    await expect(startReplay(polars, fixtureSource(), { symbols: ['AAA', 'NOPE'], speed: 'max', hub })).rejects.toMatchObject({ code: 'UNKNOWN_SYMBOL' });
    expect(got).toEqual([]);
  });

  it('a symbol with only bars is NO_DATA', async () => {
    await expect(startReplay(polars, fixtureSource(), { symbols: ['ZZD'], speed: 'max', hub: new MemoryHub() })).rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringMatching(/ZZD.*no stored trades or quotes/) });
  });

  it('an empty range publishes nothing and ends', async () => {
    const { events, report } = await replayAll({ range: { from: at(500) } });
    expect(events).toEqual([]);
    expect(report).toEqual({ trades: 0, quotes: 0, bars: 0, stopped: false });
  });
});
