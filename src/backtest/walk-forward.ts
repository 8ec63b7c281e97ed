/**
 * Walk-forward analysis: optimise on a training window of bars, trade the winner on the test window that follows,
 * step forward by one test window, and judge the strategy only on the stitched out-of-sample (test) bars.
 *
 * Windows (bar indices, half-open): train [s, s + train), test [s + train, s + train + test), s = 0, test, 2·test, …
 * while a test bar is left; the last test window may be shorter (kept when it has at least 1 bar). `anchored`
 * keeps every training window starting at bar 0. Test windows are back to back, so the stitched out-of-sample
 * series is bars [train, n).
 *
 * A training run sees only its window's bars. A test run sees every bar before its window as indicator history
 * (so an SMA(50) is defined on the window's first bar) but trades only inside it (RunOptions.firstBar), and starts
 * with the previous window's final equity, so returns compound. A position still open at a window's end is valued
 * at that window's last close and not carried on (with --finalize-trades it is closed as a trade there).
 */
import { CiftError } from '../errors.js';
import { formatTs } from '../time.js';
import { emptyTradeLog } from './broker.js';
import { runBacktest } from './engine.js';
import { barsWindow, optimize, type CellRun, type Evaluator, type GridPlan } from './optimize.js';
import { computeStats, type Stats } from './stats.js';
import type { BarArrays, Params, TradeLog } from './types.js';

export interface WalkForwardSpec {
  train: number;
  test: number;
  anchored: boolean;
}

/** `train=750,test=250[,anchored]`. */
export function parseWalkForward(text: string): WalkForwardSpec {
  const flag = `--walk-forward "${text}"`;
  const hint = 'write train=BARS,test=BARS, optionally ,anchored; e.g. train=750,test=250';
  const sizes: Partial<Record<'train' | 'test', number>> = {};
  let anchored = false;
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === 'anchored') {
      anchored = true;
      continue;
    }
    const m = /^(train|test)=(.*)$/.exec(part);
    if (!m) throw new CiftError('USAGE', `${flag}: "${part}" is not train=N, test=N or anchored`, hint);
    const n = Number(m[2]);
    if (m[2].trim() === '' || !Number.isInteger(n) || n < 1) throw new CiftError('USAGE', `${flag}: ${m[1]} must be a whole number of bars ≥ 1`, hint);
    sizes[m[1] as 'train' | 'test'] = n;
  }
  if (sizes.train === undefined || sizes.test === undefined) throw new CiftError('USAGE', `${flag}: give both train and test`, hint);
  return { train: sizes.train, test: sizes.test, anchored };
}

export interface WalkWindow {
  trainFrom: number;
  trainTo: number;
  testFrom: number;
  testTo: number;
}

export function walkForwardWindows(bars: number, spec: WalkForwardSpec): WalkWindow[] {
  if (spec.train >= bars) throw new CiftError('USAGE', `--walk-forward: train=${spec.train} leaves no test bars in ${bars} bars`, 'use a shorter training window or more data');
  const windows: WalkWindow[] = [];
  for (let s = 0; s + spec.train < bars; s += spec.test) {
    windows.push({ trainFrom: spec.anchored ? 0 : s, trainTo: s + spec.train, testFrom: s + spec.train, testTo: Math.min(s + spec.train + spec.test, bars) });
  }
  return windows;
}

/** Appends `from`'s trades to `into` with bar indices moved by `shift`; every column, whatever TradeLog holds. */
function appendTrades(into: TradeLog, from: TradeLog, shift: number): void {
  for (const key of Object.keys(from) as Array<keyof TradeLog>) (into[key] as unknown[]).push(...(from[key] as unknown[]));
  const added = from.entryBar.length;
  for (let k = into.entryBar.length - added; k < into.entryBar.length; k++) {
    into.entryBar[k] += shift;
    into.exitBar[k] += shift;
  }
}

export interface WindowResult extends WalkWindow {
  params: Params;
  /** The winning cell's training score (NaN when no cell traded). */
  trainScore: number;
  /** Statistics of the test window alone. */
  stats: Stats;
  /** Equity the window started with. */
  startEquity: number;
}

export interface WalkForwardResult {
  windows: WindowResult[];
  /** Out-of-sample bars: [first test bar, n). */
  from: number;
  /** Stitched equity and trades over those bars; trade bar indices count from bar `from`. */
  equity: Float64Array;
  trades: TradeLog;
  stats: Stats;
}

export async function walkForward(bars: BarArrays, spec: WalkForwardSpec, plan: GridPlan, run: CellRun, evaluator: Evaluator, onWindow?: (index: number, total: number) => void): Promise<WalkForwardResult> {
  const windows = walkForwardWindows(bars.ts.length, spec);
  const from = windows[0].testFrom;
  const n = bars.ts.length;
  const oos = barsWindow(bars, from, n);
  const equity = new Float64Array(n - from);
  const trades = emptyTradeLog();
  const results: WindowResult[] = [];
  let cash = run.settings.cash;
  for (const w of windows) {
    onWindow?.(results.length, windows.length);
    const best = await optimize(plan, evaluator, { from: w.trainFrom, to: w.trainTo });
    const params = best.bestParams;
    const startEquity = cash;
    const windowTrades = emptyTradeLog();
    const windowEquity = equity.subarray(w.testFrom - from, w.testTo - from);
    if (cash > 0) {
      const r = runBacktest(barsWindow(bars, 0, w.testTo), run.strategy, params, { ...run.settings, cash }, { ...run.runOptions, firstBar: w.testFrom });
      windowEquity.set(r.equity.subarray(w.testFrom, w.testTo));
      appendTrades(windowTrades, r.trades, -w.testFrom);
    } else windowEquity.fill(cash); // out of money earlier: nothing left to trade
    cash = windowEquity[windowEquity.length - 1];
    appendTrades(trades, windowTrades, w.testFrom - from);
    const test = barsWindow(bars, w.testFrom, w.testTo);
    const stats = computeStats({ trades: windowTrades, equity: windowEquity, ts: test.ts, close: test.close, warmup: 0 });
    results.push({ ...w, params, trainScore: best.scores[best.best], stats, startEquity });
  }
  const stats = computeStats({ trades, equity, ts: oos.ts, close: oos.close, warmup: 0 });
  return { windows: results, from, equity, trades, stats };
}

/** A window's dates as ISO strings (first and last bar of each part, inclusive). */
export function windowDates(ts: BigInt64Array, w: WalkWindow): { train: [string, string]; test: [string, string] } {
  return { train: [formatTs(ts[w.trainFrom]), formatTs(ts[w.trainTo - 1])], test: [formatTs(ts[w.testFrom]), formatTs(ts[w.testTo - 1])] };
}
