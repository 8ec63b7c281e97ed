/**
 * What the HTML report's chart draws, as plain JSON-ready data: candles, equity and drawdown per candle, entry/exit
 * markers and stop-loss/take-profit segments. Times are UTC seconds (lightweight-charts' unit), so bars finer than
 * a second, or more bars than a browser draws comfortably (MAX_CANDLES), are merged into coarser OHLC candles.
 */
import { NS_PER_S } from '../time.js';
import type { BacktestReport, TradeRecord } from './report-data.js';
import type { BarArrays } from './types.js';

/** Above this many bars the candles are merged: a million-bar page would be hundreds of MB and not draw. */
export const MAX_CANDLES = 50_000;
/** Trades listed in full up to this count; beyond it the first and last TRADES_SHOWN_EACH_END. */
export const MAX_TRADES_SHOWN = 1_000;
export const TRADES_SHOWN_EACH_END = 500;
/** Concurrent SL (or TP) segments drawn; more overlapping trades than this are left undrawn, and the page says so. */
const MAX_LEVEL_LANES = 8;
const WEEK_S = 604_800;
/** Candle lengths tried when bars must be merged, seconds: readable intervals, the smallest that fits wins. */
const CANDLE_SECONDS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400, WEEK_S];
/** The epoch was a Thursday; weekly candles start on Monday 00:00 UTC, as cift's weekly bars do. */
const MONDAY_OFFSET_S = 4 * 86_400;

/** Every colour the chart draws with, distinct enough that a test can find each series by its pixels. */
export const CHART_COLOURS = {
  candleUp: '#26a69a',
  candleDown: '#ef5350',
  gain: '#2e7d32',
  loss: '#c62828',
  sl: '#d50000',
  tp: '#00c853',
  equity: '#1565c0',
  drawdown: '#8e24aa',
} as const;

export type ChartBars = Pick<BarArrays, 'ts' | 'open' | 'high' | 'low' | 'close'>;
export type ReportTrade = TradeRecord;

export interface ChartMarker {
  time: number;
  position: 'aboveBar' | 'belowBar';
  shape: 'arrowUp' | 'arrowDown' | 'circle';
  color: string;
  text: string;
}

/**
 * One line series of SL or TP segments that never overlap in time. lightweight-charts joins every point of a line
 * (whitespace does not break it) and colours each stretch by its starting point, so the points in `hidden` start
 * an invisible stretch: the join from one trade's exit to the next trade's entry.
 */
export interface LevelLane {
  kind: 'sl' | 'tp';
  time: number[];
  value: number[];
  hidden: number[];
}

export interface ChartData {
  /** Candle start times (UTC seconds) and OHLC, as parallel arrays to keep the page small. */
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  /** Equity at each candle's last bar. */
  equity: number[];
  /** Deepest drawdown within each candle, in percent, ≤ 0. */
  drawdownPct: number[];
  markers: ChartMarker[];
  levels: LevelLane[];
  /** Seconds per merged candle, or 0 when each candle is one bar. */
  candleSeconds: number;
  /** Trades whose SL/TP segments did not fit in MAX_LEVEL_LANES. */
  levelsNotDrawn: number;
  /** Bars carry a time of day (shown on the time axis). */
  intraday: boolean;
  /** Decimals for prices on the price axis. */
  pricePrecision: number;
}

/** UTC seconds of an epoch-ns time, rounded down (also before 1970). */
function secondsOf(ns: bigint): number {
  const s = ns / NS_PER_S;
  return Number(ns < 0n && s * NS_PER_S !== ns ? s - 1n : s);
}

/** 0 when every bar can be its own candle (few enough, each in its own second), else the candle length in seconds. */
export function candleSeconds(ts: BigInt64Array, maxCandles = MAX_CANDLES): number {
  const n = ts.length;
  let ownSecond = n <= maxCandles;
  for (let i = 1; ownSecond && i < n; i++) ownSecond = secondsOf(ts[i]) > secondsOf(ts[i - 1]);
  if (ownSecond || n === 0) return 0;
  // Candles start on multiples of the length, so a span of S seconds gives at most S / length + 1 candles.
  const needed = (secondsOf(ts[n - 1]) - secondsOf(ts[0]) + 1) / (maxCandles - 1);
  return CANDLE_SECONDS.find((s) => s >= needed) ?? Math.ceil(needed / WEEK_S) * WEEK_S;
}

function candleStart(seconds: number, length: number): number {
  const offset = length % WEEK_S === 0 ? MONDAY_OFFSET_S : 0;
  return Math.floor((seconds - offset) / length) * length + offset;
}

/** Index of each bar's candle, and the candles: first open, highest high, lowest low, last close. */
export function mergeCandles(bars: ChartBars, length: number): { candleOfBar: Int32Array } & Pick<ChartData, 'time' | 'open' | 'high' | 'low' | 'close'> {
  const n = bars.ts.length;
  const candleOfBar = new Int32Array(n);
  const time: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = secondsOf(bars.ts[i]);
    const start = length === 0 ? s : candleStart(s, length);
    const last = time.length - 1;
    if (last >= 0 && time[last] === start) {
      if (bars.high[i] > high[last]) high[last] = bars.high[i];
      if (bars.low[i] < low[last]) low[last] = bars.low[i];
      close[last] = bars.close[i];
    } else {
      time.push(start);
      open.push(bars.open[i]);
      high.push(bars.high[i]);
      low.push(bars.low[i]);
      close.push(bars.close[i]);
    }
    candleOfBar[i] = time.length - 1;
  }
  return { candleOfBar, time, open, high, low, close };
}

/** Indices of the trades the report lists (and marks on the chart): all, or the first and last few hundred. */
export function shownTradeIndices(count: number): number[] {
  if (count <= MAX_TRADES_SHOWN) return Array.from({ length: count }, (_, k) => k);
  const head = Array.from({ length: TRADES_SHOWN_EACH_END }, (_, k) => k);
  return [...head, ...head.map((k) => count - TRADES_SHOWN_EACH_END + k)];
}

function tradeMarkers(trades: ReportTrade[], shown: number[], time: number[], candleOfBar: Int32Array): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const k of shown) {
    const t = trades[k];
    const long = t.Size > 0;
    const color = t.PnL >= 0 ? CHART_COLOURS.gain : CHART_COLOURS.loss;
    const side = long ? 'long' : 'short';
    markers.push({ time: time[candleOfBar[t.EntryBar]], position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown', color, text: t.Reason ? `${side} ${t.Reason}` : side });
    markers.push({ time: time[candleOfBar[t.ExitBar]], position: long ? 'aboveBar' : 'belowBar', shape: 'circle', color, text: `${t.ExitReason ?? 'exit'} ${t.PnL >= 0 ? '+' : ''}${t.PnL.toFixed(2)}` });
  }
  // lightweight-charts wants markers in time order; the sort is stable, so an exit stays before a same-bar entry.
  return markers.sort((a, b) => a.time - b.time);
}

/**
 * Each trade's SL (or TP) as a flat segment from its entry candle to its exit candle. Segments go into lanes (one
 * line series each) where they do not overlap: a lane takes a trade entering after its last one's exit candle.
 */
function levelLanes(kind: 'sl' | 'tp', trades: ReportTrade[], shown: number[], time: number[], candleOfBar: Int32Array): { lanes: LevelLane[]; notDrawn: number } {
  const lanes: Array<LevelLane & { end: number }> = [];
  let notDrawn = 0;
  const byEntry = shown.filter((k) => Number.isFinite((kind === 'sl' ? trades[k].SL : trades[k].TP) ?? NaN)).sort((a, b) => trades[a].EntryBar - trades[b].EntryBar);
  for (const k of byEntry) {
    const t = trades[k];
    const level = (kind === 'sl' ? t.SL : t.TP) as number;
    const from = candleOfBar[t.EntryBar];
    const to = candleOfBar[t.ExitBar];
    let lane = lanes.find((l) => l.end < from);
    if (lane) {
      lane.hidden.push(lane.time.length - 1);
    } else if (lanes.length < MAX_LEVEL_LANES) {
      lane = { kind, time: [], value: [], hidden: [], end: -1 };
      lanes.push(lane);
    } else {
      notDrawn++;
      continue;
    }
    lane.time.push(time[from]);
    lane.value.push(level);
    if (to > from) {
      lane.time.push(time[to]);
      lane.value.push(level);
    }
    lane.end = to;
  }
  return { lanes: lanes.map(({ kind: k, time: t, value, hidden }) => ({ kind: k, time: t, value, hidden })), notDrawn };
}

/** Decimals that show a price's last significant digits: 2 for stocks, 5 for EURUSD, up to 8 for tiny coins. */
function pricePrecision(close: ArrayLike<number>): number {
  const typical = Math.abs(close[close.length >> 1] ?? 1);
  if (!(typical > 0) || !Number.isFinite(typical)) return 2;
  return Math.min(8, Math.max(2, 5 - Math.floor(Math.log10(typical))));
}

export function chartData(report: Pick<BacktestReport, 'trades' | 'equity'>, bars: ChartBars, maxCandles = MAX_CANDLES): ChartData {
  const length = candleSeconds(bars.ts, maxCandles);
  const { candleOfBar, ...candles } = mergeCandles(bars, length);
  const m = candles.time.length;
  const equity = new Array<number>(m);
  const drawdownPct = new Array<number>(m).fill(0);
  const { equity: eq, drawdownPct: dd } = report.equity;
  for (let i = 0; i < eq.length; i++) {
    const c = candleOfBar[i];
    equity[c] = eq[i];
    if (-dd[i] * 100 < drawdownPct[c]) drawdownPct[c] = -dd[i] * 100;
  }
  const trades = report.trades;
  const shown = shownTradeIndices(trades.length);
  const sl = levelLanes('sl', trades, shown, candles.time, candleOfBar);
  const tp = levelLanes('tp', trades, shown, candles.time, candleOfBar);
  return {
    ...candles,
    equity,
    drawdownPct,
    markers: tradeMarkers(trades, shown, candles.time, candleOfBar),
    levels: [...sl.lanes, ...tp.lanes],
    candleSeconds: length,
    levelsNotDrawn: sl.notDrawn + tp.notDrawn,
    intraday: candles.time.some((s) => s % 86_400 !== 0),
    pricePrecision: pricePrecision(bars.close),
  };
}
