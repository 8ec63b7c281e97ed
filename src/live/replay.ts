/**
 * Replays stored trades and quotes as live events: `cift serve --replay AAPL,AMZN --speed 10`.
 *
 * Order: rows of every replayed symbol and kind are merged by (ts, seq); rows with the same (ts, seq) go trades
 * before quotes, then in the order the symbols were given. Within one series the store's (ts, seq) order is kept,
 * and for a LOBSTER day (trades and quotes of one symbol numbered by the same message file) (ts, seq) is the
 * original message order across kinds.
 *
 * Each row: `live.set(kind, symbol, row)` (so orders fill at and portfolios mark to it), then `hub.publish`.
 *
 * 1-minute bars: per symbol from its trades (or the quotes' mid price when the symbol has no trades), UTC-aligned
 * minutes [m, m + 1m), the same OHLCV, vwap and trade count as `cift bars --interval 1m`. A bar is published on
 * `bars:1m` (ts = the minute's start) as soon as the replay reaches a row at or after the minute's end (of any
 * symbol), before that row; bars still open when the data ends are published then (a `--to` inside a minute gives
 * that minute's bar of the rows up to `--to`).
 *
 * Pacing: `speed` × real time from the first row (a row at t is published at start + (t − t0)/speed), or 'max':
 * as fast as the hub takes them. Either way the loop yields to the event loop every `yieldEvery` rows or `yieldMs`
 * of publishing, so HTTP stays responsive. The clock is injected, so the schedule is testable without timers.
 *
 * Memory: one frame per symbol and kind, read within the range; rows are turned into JS values one chunk at a time.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { Polars } from '../polars.js';
import { VALUE_COLUMNS, type TickKind } from '../schema.js';
import type { LatestRow, TimeRange } from '../store/ticks/types.js';
import type { EventHub, MarketEvent } from './events.js';

export type ReplayKind = 'trades' | 'quotes';
export const REPLAY_KINDS: readonly ReplayKind[] = ['trades', 'quotes'];
const KIND_RANK: Record<ReplayKind, number> = { trades: 0, quotes: 1 };
const CHANNEL: Record<ReplayKind, 'trades' | 'quotes'> = { trades: 'trades', quotes: 'quotes' };

/** What the replay reads: the tick store as MarketData offers it. */
export interface ReplaySource {
  read(kind: TickKind, symbol: string, range?: TimeRange): Promise<pl.DataFrame | undefined>;
  kindsOf(symbol: string): Promise<TickKind[]>;
}

/** Where replayed rows become the latest prices (LiveMarket). */
export interface LiveSink {
  set(kind: TickKind, symbol: string, row: LatestRow): void;
}

export interface ReplayClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Lets other work (HTTP requests, socket writes) run. */
  yield(): Promise<void>;
}

export const realClock: ReplayClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
  yield: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

export type ReplaySpeed = number | 'max';

/** `--speed 10` → 10; `max` → 'max'. A positive finite multiple of real time. */
export function parseSpeed(text: string): ReplaySpeed {
  const t = text.trim().toLowerCase();
  if (t === 'max') return 'max';
  const n = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new CiftError('USAGE', `--speed "${text}" is not a speed`, 'use a positive multiple of real time (1, 10, 0.5) or max');
  return n;
}

/** When (clock ms) a row at `ts` is due: `start` + (ts − t0) / speed. 'max' → always now (start). */
export function dueAt(ts: bigint, t0: bigint, start: number, speed: ReplaySpeed): number {
  if (speed === 'max') return start;
  return start + Number(ts - t0) / 1e6 / speed;
}

export interface ReplayOptions {
  symbols: readonly string[];
  range?: TimeRange;
  speed: ReplaySpeed;
  hub: EventHub;
  live?: LiveSink;
  clock?: ReplayClock;
  /** Rows turned into JS values at a time, per series (default 4096). */
  chunkRows?: number;
  /** Rows published between yields to the event loop (default 256)... */
  yieldEvery?: number;
  /** ...or clock ms spent publishing without a yield (default 5), whichever comes first. */
  yieldMs?: number;
  /** Publishing (and the speed clock) starts once this resolves, e.g. when the server listens; default at once. */
  begin?: Promise<unknown>;
}

export interface ReplayReport {
  /** Rows published, by kind. */
  trades: number;
  quotes: number;
  /** 1-minute bars published. */
  bars: number;
  /** UTC ns of the first and last row published (undefined when none). */
  first?: bigint;
  last?: bigint;
  /** True when stop() ended it before the data did. */
  stopped: boolean;
}

export interface ReplayHandle {
  /** Resolves when the data ends or stop() was called. */
  done: Promise<ReplayReport>;
  /** Stops publishing (at the next row or wake-up); `done` then resolves with stopped: true. */
  stop(): void;
  /** What the replay reads, known before it starts: series and their row counts. */
  series: Array<{ symbol: string; kind: ReplayKind; rows: number }>;
}

/** One series (symbol, kind) read chunk by chunk. */
class Cursor {
  private ts: BigInt64Array = new BigInt64Array(0);
  private seq: Float64Array = new Float64Array(0);
  private cols: Float64Array[] = [];
  private i = 0;
  private next = 0;
  readonly names: readonly string[];

  constructor(
    private readonly polars: Polars,
    private readonly frame: pl.DataFrame,
    readonly symbol: string,
    readonly kind: ReplayKind,
    readonly symbolRank: number,
    private readonly chunkRows: number,
  ) {
    this.names = VALUE_COLUMNS[kind];
    this.load();
  }

  private load(): void {
    const n = Math.min(this.chunkRows, this.frame.height - this.next);
    if (n <= 0) {
      this.ts = new BigInt64Array(0);
      this.i = 0;
      return;
    }
    const part = this.frame.slice(this.next, n);
    this.next += n;
    const { Int64, Float64 } = this.polars;
    this.ts = part.getColumn('ts').cast(Int64).toTypedArray() as BigInt64Array;
    this.seq = part.getColumn('seq').cast(Float64).toTypedArray() as Float64Array;
    this.cols = this.names.map((c) => part.getColumn(c).cast(Float64).toTypedArray() as Float64Array);
    this.i = 0;
  }

  get done(): boolean {
    return this.i >= this.ts.length;
  }
  get headTs(): bigint {
    return this.ts[this.i];
  }
  get headSeq(): number {
    return this.seq[this.i];
  }

  /** The head row's values, then moves on. */
  take(): { ts: bigint; seq: number; values: Record<string, number> } {
    const values: Record<string, number> = {};
    for (let c = 0; c < this.names.length; c++) values[this.names[c]] = this.cols[c][this.i];
    const row = { ts: this.ts[this.i], seq: this.seq[this.i], values };
    this.i++;
    if (this.i >= this.ts.length) this.load();
    return row;
  }
}

/** True when cursor a's head goes before b's: (ts, seq), then trades before quotes, then symbol order. */
function before(a: Cursor, b: Cursor): boolean {
  if (a.headTs !== b.headTs) return a.headTs < b.headTs;
  if (a.headSeq !== b.headSeq) return a.headSeq < b.headSeq;
  if (a.kind !== b.kind) return KIND_RANK[a.kind] < KIND_RANK[b.kind];
  return a.symbolRank < b.symbolRank;
}

export const MINUTE_NS = 60_000_000_000n;
/** The UTC minute a ts falls in (floor, also before 1970). */
export const minuteOf = (ts: bigint): bigint => {
  const r = ts % MINUTE_NS;
  return ts - (r < 0n ? r + MINUTE_NS : r);
};

interface OpenBar {
  minute: bigint;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  pv: number;
  trades: number;
  fromQuotes: boolean;
}

/**
 * 1-minute bars built row by row, per symbol. `push` adds a row; `closeBefore(ts)` hands back, in (minute, symbol
 * order), the bars of minutes that ended at or before `ts`; `flush` the rest.
 */
export class MinuteBars {
  private readonly open = new Map<string, OpenBar>();
  private readonly count = new Map<string, number>();
  /** The earliest minute among open bars (undefined when none): closeBefore is O(1) until a minute ends. */
  private earliest: bigint | undefined;

  constructor(private readonly symbolOrder: readonly string[]) {}

  /** A trade (price, size) or a quote mid (size 0, fromQuotes) of `symbol` at `ts`. */
  push(symbol: string, ts: bigint, price: number, size: number, fromQuotes: boolean): void {
    const minute = minuteOf(ts);
    const bar = this.open.get(symbol);
    if (bar === undefined || bar.minute !== minute) {
      // A row of a later minute for a symbol whose bar is still open cannot happen after closeBefore(ts).
      this.open.set(symbol, { minute, open: price, high: price, low: price, close: price, volume: size, pv: price * size, trades: 1, fromQuotes });
      if (this.earliest === undefined || minute < this.earliest) this.earliest = minute;
      return;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += size;
    bar.pv += price * size;
    bar.trades++;
  }

  closeBefore(ts: bigint): MarketEvent[] {
    if (this.earliest === undefined || ts < this.earliest + MINUTE_NS) return [];
    return this.take((bar) => bar.minute + MINUTE_NS <= ts);
  }

  flush(): MarketEvent[] {
    return this.take(() => true);
  }

  private take(ended: (bar: OpenBar) => boolean): MarketEvent[] {
    const out: Array<{ rank: number; bar: OpenBar; symbol: string }> = [];
    for (const [symbol, bar] of this.open) if (ended(bar)) out.push({ rank: this.symbolOrder.indexOf(symbol), bar, symbol });
    for (const { symbol } of out) this.open.delete(symbol);
    this.earliest = undefined;
    for (const bar of this.open.values()) if (this.earliest === undefined || bar.minute < this.earliest) this.earliest = bar.minute;
    out.sort((a, b) => (a.bar.minute !== b.bar.minute ? (a.bar.minute < b.bar.minute ? -1 : 1) : a.rank - b.rank));
    return out.map(({ symbol, bar }) => {
      const seq = this.count.get(symbol) ?? 0;
      this.count.set(symbol, seq + 1);
      const values: Record<string, number> = { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
      // As `cift bars`: from quotes, volume 0 and no vwap or trade count; from trades, vwap = Σ p·s / Σ s.
      if (!bar.fromQuotes) {
        if (bar.volume > 0) values.vwap = bar.pv / bar.volume;
        values.trades = bar.trades;
      }
      return { channel: 'bars:1m', symbol, ts: bar.minute, seq, values };
    });
  }
}

/**
 * Reads what to replay (UNKNOWN_SYMBOL / NO_DATA before anything is published) and starts publishing. The series
 * of a symbol are its stored trades and quotes within the range; a symbol with neither is an error.
 */
export async function startReplay(polars: Polars, source: ReplaySource, opts: ReplayOptions): Promise<ReplayHandle> {
  const symbols = [...new Set(opts.symbols)];
  if (symbols.length === 0) throw new CiftError('USAGE', '--replay needs at least one symbol', 'e.g. --replay AAPL or --replay AAPL,AMZN');
  const chunkRows = opts.chunkRows ?? 4096;
  const cursors: Cursor[] = [];
  const series: ReplayHandle['series'] = [];
  const barsFrom = new Map<string, ReplayKind>();
  for (const [rank, symbol] of symbols.entries()) {
    const kinds = await source.kindsOf(symbol);
    const replayed = REPLAY_KINDS.filter((k) => kinds.includes(k));
    if (replayed.length === 0) {
      throw new CiftError('NO_DATA', `--replay ${symbol}: it has no stored trades or quotes (only ${kinds.join(', ')})`, `ingest tick data first, e.g. \`cift ingest FILE --symbol ${symbol}\``);
    }
    barsFrom.set(symbol, replayed.includes('trades') ? 'trades' : 'quotes');
    for (const kind of replayed) {
      const frame = await source.read(kind, symbol, opts.range);
      series.push({ symbol, kind, rows: frame?.height ?? 0 });
      if (frame !== undefined && frame.height > 0) cursors.push(new Cursor(polars, frame, symbol, kind, rank, chunkRows));
    }
  }

  const controller = new AbortController();
  const clock = opts.clock ?? realClock;
  const yieldEvery = opts.yieldEvery ?? 256;
  const yieldMs = opts.yieldMs ?? 5;
  const report: ReplayReport = { trades: 0, quotes: 0, bars: 0, stopped: false };
  const bars = new MinuteBars(symbols);
  const publishBars = (events: MarketEvent[]) => {
    for (const e of events) {
      opts.hub.publish(e);
      report.bars++;
    }
  };

  const run = async (): Promise<ReplayReport> => {
    // The caller gets the handle before the first row goes out.
    await clock.yield();
    if (opts.begin) await opts.begin;
    const live = cursors.filter((c) => !c.done);
    if (live.length === 0) return report;
    let t0 = live[0].headTs;
    for (const c of live) if (c.headTs < t0) t0 = c.headTs;
    const start = clock.now();
    let sinceYield = 0;
    let lastYield = start;
    while (live.length > 0) {
      if (controller.signal.aborted) break;
      let best = 0;
      for (let k = 1; k < live.length; k++) if (before(live[k], live[best])) best = k;
      const cursor = live[best];
      const due = dueAt(cursor.headTs, t0, start, opts.speed);
      const now = clock.now();
      const wait = due - now;
      if (wait > 0 || sinceYield >= yieldEvery || now - lastYield >= yieldMs) {
        if (wait > 0) await clock.sleep(wait, controller.signal);
        else await clock.yield();
        sinceYield = 0;
        lastYield = clock.now();
        if (controller.signal.aborted) break;
      }
      const { symbol, kind } = cursor;
      const row = cursor.take();
      if (cursor.done) live.splice(best, 1);
      publishBars(bars.closeBefore(row.ts));
      if (barsFrom.get(symbol) === kind) {
        if (kind === 'trades') bars.push(symbol, row.ts, row.values.price, row.values.size, false);
        else bars.push(symbol, row.ts, (row.values.bid + row.values.ask) / 2, 0, true);
      }
      opts.live?.set(kind, symbol, { ts: row.ts, values: row.values });
      opts.hub.publish({ channel: CHANNEL[kind], symbol, ts: row.ts, seq: row.seq, values: row.values });
      report[kind]++;
      report.first ??= row.ts;
      report.last = row.ts;
      sinceYield++;
    }
    if (controller.signal.aborted) report.stopped = true;
    else publishBars(bars.flush());
    return report;
  };

  return { done: run(), stop: () => controller.abort(), series };
}
