/**
 * `cift backtest` over several inputs: `--symbol AAPL,GOOG,AMZN` or `--data a.csv --data b.csv`. Each input is
 * loaded (concurrently) and run with the same strategy and broker; the output is one stats row per input plus
 * the equal-weight combination of their equity curves (src/backtest/portfolio-combine.ts), or with --json an
 * array of the full reports, the combination last. `--trades`/`--equity`/`--report` write one file per input,
 * the label inserted before the extension (trades.csv → trades-AAPL.csv), and `--equity` also the combination's
 * curve (equity-equal-weight.csv); the combination has no report of its own (it has no bars to draw).
 */
import { extname } from 'node:path';
import { computeStats } from '../src/backtest/stats.js';
import { combineEqualWeight } from '../src/backtest/portfolio-combine.js';
import { drawdownOf, tradeRecords, type BacktestReport } from '../src/backtest/report-data.js';
import { runMany } from '../src/backtest/run-many.js';
import { BUILTINS_MODULE_URL } from '../strategies/index.js';
import type { RunOptions } from '../src/backtest/engine.js';
import type { AnyStrategy } from '../src/backtest/strategy.js';
import type { BacktestInput, BrokerSettings, Params } from '../src/backtest/types.js';
import { checkOutputPath } from '../src/io/output-path.js';
import { checkReportPath, writeHtmlReport } from '../src/usecases/backtest-report.js';
import type { MarketData } from '../src/market-data.js';
import type { Polars } from '../src/polars.js';
import type { TimeRange } from '../src/store/ticks/types.js';
import { barsFromFile, barsFromStore } from '../src/usecases/backtest-input.js';
import { VERSION } from '../src/version.js';
import { noteOrigin } from './source-flag.js';
import { printTable, withSpinner, type Ui } from './ui.js';
import type { RunTarget } from './backtest-targets.js';

/** The label of the combination's row, JSON entry and equity file. */
export const COMBINATION_LABEL = 'equal-weight';

/** `path` with `-label` before its extension: trades.csv → trades-AAPL.csv. */
export function labelledPath(path: string, label: string): string {
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-${label}${ext}`;
}

export interface ManyContext {
  ui: Ui;
  polars: Polars;
  /** Open when the targets are symbols. */
  market: MarketData | undefined;
  interval: string | undefined;
  range: TimeRange;
  strategy: AnyStrategy;
  strategySpec: string;
  strategyName: string;
  params: Params;
  settings: BrokerSettings;
  options: RunOptions;
  trades: string | undefined;
  equity: string | undefined;
  report: string | undefined;
}

/** The single-run renderers of commands/backtest.ts, handed in so that file stays the only one defining them. */
export interface ReportWriters {
  printJsonReport(r: BacktestReport): void;
  exportTrades(polars: Polars, r: BacktestReport, path: string): void;
  exportEquity(polars: Polars, r: BacktestReport, path: string): void;
}

/** The combination as a report of its own: stats over the combined curve, the pooled trades, the run's settings. */
export function combinationReport(inputs: readonly BacktestInput[], reports: readonly BacktestReport[], labels: readonly string[], ctx: Pick<ManyContext, 'strategyName' | 'params' | 'settings'>): BacktestReport {
  const members = reports.map((r, k) => ({ ts: r.equity.ts, equity: r.equity.equity, close: inputs[k].bars.close, warmup: r.result.warmup, trades: r.result.trades }));
  const c = combineEqualWeight(members, ctx.settings.cash);
  const stats = computeStats({ trades: c.trades, equity: c.equity, ts: c.ts, close: c.close, warmup: 0 });
  const n = c.ts.length;
  return {
    stats,
    trades: tradeRecords(c, c.ts),
    params: ctx.params,
    settings: ctx.settings,
    run: {
      cift_version: VERSION,
      strategy: ctx.strategyName,
      combination: COMBINATION_LABEL,
      members: labels,
      // What the combination means, for a reader of the JSON alone.
      method: 'each member starts with cash/K and is never rebalanced; curves aligned on the union of bar times, carried forward; Buy & Hold, Alpha and Beta against the same split held in the instruments; trades pooled (PnL in the combination\'s cash)',
      input: { rows: n, first: stats.Start, last: stats.End },
    },
    equity: { ts: c.ts, equity: c.equity, drawdownPct: drawdownOf(c.equity) },
    result: { trades: c.trades, equity: c.equity, warmup: 0, commissions: reports.reduce((s, r) => s + r.result.commissions / reports.length, 0), outOfMoney: false, cancelledOrders: 0 },
  };
}

const fixed = (v: number | string | undefined): string => (typeof v !== 'number' ? '' : Number.isNaN(v) ? 'n/a' : v.toFixed(2));

/** One row per member and the combination's last (`labels` names every row). */
function printManyTable(ui: Ui, labels: readonly string[], reports: readonly BacktestReport[]): void {
  const columns = ['Return [%]', 'Return (Ann.) [%]', 'Sharpe Ratio', 'Max. Drawdown [%]', '# Trades', 'Win Rate [%]', 'Buy & Hold Return [%]'] as const;
  printTable(
    ui,
    ['', 'bars', 'return %', 'ann. %', 'Sharpe', 'max DD %', 'trades', 'win %', 'B&H %'],
    reports.map((r, k) => [labels[k], r.equity.ts.length, ...columns.map((c) => (c === '# Trades' ? String(r.stats[c]) : fixed(r.stats[c])))]),
    ['left', ...columns.map(() => 'right' as const), 'right'],
  );
  process.stdout.write(`${COMBINATION_LABEL}: cash/${reports.length - 1} each, never rebalanced; its trade figures pool every run's trades. Full reports: --json\n`);
}

/** Loads every target concurrently, runs each, adds the combination, writes the exports, and prints. */
export async function backtestMany(targets: readonly RunTarget[], ctx: ManyContext, writers: ReportWriters): Promise<void> {
  const labels = targets.map((t) => t.label);
  const exports = [
    ...(ctx.trades === undefined ? [] : labels.map((label, k) => ({ flag: '--trades', path: labelledPath(ctx.trades!, label), k, write: writers.exportTrades }))),
    ...(ctx.equity === undefined ? [] : [...labels, COMBINATION_LABEL].map((label, k) => ({ flag: '--equity', path: labelledPath(ctx.equity!, label), k, write: writers.exportEquity }))),
  ];
  for (const e of exports) checkOutputPath(e.path, e.flag);
  const reportPaths = ctx.report === undefined ? [] : labels.map((label) => labelledPath(ctx.report!, label));
  for (const path of reportPaths) checkReportPath(path);
  if (ctx.market) for (const t of targets) await noteOrigin(ctx.market, t.symbol!);
  const { inputs, reports } = await withSpinner(ctx.ui, `backtesting ${ctx.strategyName} on ${targets.length} ${targets[0].symbol !== undefined ? 'symbols' : 'files'}`, async () => {
    const inputs: BacktestInput[] = await Promise.all(
      targets.map((t) => (t.symbol !== undefined ? barsFromStore(ctx.polars, ctx.market!, t.symbol, ctx.interval, ctx.range) : barsFromFile(ctx.polars, t.file!, { interval: ctx.interval, range: ctx.range }))),
    );
    const jobs = inputs.map((input) => ({ input, strategy: ctx.strategy, strategySpec: ctx.strategySpec, strategyName: ctx.strategyName, params: ctx.params, settings: ctx.settings, version: VERSION, options: ctx.options }));
    const each = await runMany(jobs, { builtinsModule: BUILTINS_MODULE_URL });
    return { inputs, reports: [...each, combinationReport(inputs, each, labels, ctx)] };
  });
  for (const e of exports) e.write(ctx.polars, reports[e.k], e.path);
  reportPaths.forEach((path, k) => writeHtmlReport(path, reports[k], inputs[k].bars));
  if (ctx.ui.json) {
    process.stdout.write('[\n');
    reports.forEach((r, k) => {
      if (k > 0) process.stdout.write(',\n');
      writers.printJsonReport(r);
    });
    process.stdout.write(']\n');
  } else printManyTable(ctx.ui, [...labels, COMBINATION_LABEL], reports);
}
