/**
 * A finished backtest as plain data: statistics, trade records, the equity curve, and what makes it
 * reproducible. The JSON output, the exports and (later) the HTML report and optimiser all read this object,
 * never the engine.
 */
import { computeStats, type Stats } from './stats.js';
import { runBacktest, type RunOptions } from './engine.js';
import type { AnyStrategy } from './strategy.js';
import type { BacktestInput, BacktestResult, BrokerSettings, ExitReason, Params } from './types.js';
import { isoTimestamps, NsTimes } from '../ns-times.js';

export interface TradeRecord {
  Size: number;
  EntryBar: number;
  ExitBar: number;
  EntryPrice: number;
  ExitPrice: number;
  PnL: number;
  Commission: number;
  ReturnPct: number;
  EntryTime: string;
  ExitTime: string;
  /** Days (fractional for intraday bars). */
  Duration: number;
  /** The trade's last stop-loss and take-profit prices (null when it had none). */
  SL: number | null;
  TP: number | null;
  /** The entry order's reason. */
  Reason: string | null;
  /** Why it closed: signal, sl, tp, finalize or out_of_money. */
  ExitReason: ExitReason;
  /** The text given to close(), if any. */
  ExitNote: string | null;
}

export interface BacktestReport {
  stats: Stats;
  trades: TradeRecord[];
  params: Params;
  settings: BrokerSettings;
  run: Record<string, unknown>;
  /** Equity per bar and its times, for exports and charts. */
  equity: { ts: BigInt64Array; equity: Float64Array; drawdownPct: Float64Array };
  result: BacktestResult;
}

/** The records of every trade, or of the trades `which` lists (in that order: what a table shows of a long run). */
export function tradeRecords(result: Pick<BacktestResult, 'trades'>, ts: BigInt64Array, which?: readonly number[]): TradeRecord[] {
  const t = result.trades;
  const picked = which ?? Array.from(t.size, (_, k) => k);
  // Entry and exit times formatted a column at a time (formatTs's strings, without a BigInt and a Date per trade:
  // a 1M-bar run has ~40k trades), and durations as exact ns differences.
  const n = picked.length;
  const entryTs = new BigInt64Array(n);
  const exitTs = new BigInt64Array(n);
  for (let j = 0; j < n; j++) {
    entryTs[j] = ts[t.entryBar[picked[j]]];
    exitTs[j] = ts[t.exitBar[picked[j]]];
  }
  const entryTime = isoTimestamps(entryTs);
  const exitTime = isoTimestamps(exitTs);
  const times = new NsTimes(ts);
  return picked.map((k, j) => ({
    Size: t.size[k],
    EntryBar: t.entryBar[k],
    ExitBar: t.exitBar[k],
    EntryPrice: t.entryPrice[k],
    ExitPrice: t.exitPrice[k],
    PnL: t.pnl[k],
    Commission: t.commission[k],
    ReturnPct: t.returnPct[k],
    EntryTime: entryTime[j],
    ExitTime: exitTime[j],
    Duration: times.nsBetween(t.entryBar[k], t.exitBar[k]) / 86_400e9,
    SL: Number.isNaN(t.sl[k]) ? null : t.sl[k],
    TP: Number.isNaN(t.tp[k]) ? null : t.tp[k],
    Reason: t.reason[k] ?? null,
    ExitReason: t.exitReason[k],
    ExitNote: t.exitNote[k] ?? null,
  }));
}

/** 1 − equity / running peak at each bar (a fraction, 0 at a new peak). */
export function drawdownOf(equity: Float64Array): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    peak = Math.max(peak, equity[i]);
    dd[i] = 1 - equity[i] / peak;
  }
  return dd;
}

export function backtest(input: BacktestInput, strategy: AnyStrategy, strategyName: string, params: Params, settings: BrokerSettings, version: string, options: RunOptions = {}): BacktestReport {
  const t0 = process.hrtime.bigint();
  const result = runBacktest(input.bars, strategy, params, settings, { strategyLabel: strategyName, ...options });
  const engineMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { ts, close } = input.bars;
  const stats = computeStats({ trades: result.trades, equity: result.equity, ts, close, warmup: result.warmup });
  const drawdownPct = drawdownOf(result.equity);
  const report = {
    stats,
    params,
    settings,
    run: {
      cift_version: version,
      strategy: strategyName,
      input: input.source,
      warmup_bars: result.warmup,
      out_of_money: result.outOfMoney,
      cancelled_orders: result.cancelledOrders,
      engine_ms: engineMs,
      ...(options.checkLookahead ? { lookahead_checked: true } : {}),
    },
    equity: { ts, equity: result.equity, drawdownPct },
    result,
  } as Omit<BacktestReport, 'trades'> as BacktestReport;
  // The records are built when first read (JSON, exports, the HTML report; a worker's reply clones them): a table
  // run shows six of them, and a 1M-bar run has ~40k, whose objects and strings cost ~30 ms and ~40 ms of GC.
  let records: TradeRecord[] | undefined;
  Object.defineProperty(report, 'trades', { enumerable: true, configurable: true, get: () => (records ??= tradeRecords(result, ts)) });
  return report;
}
