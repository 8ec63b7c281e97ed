/**
 * `cift backtest --optimize …` and `--walk-forward …`: checks the optimiser's flags before any data is read, runs
 * the grid (or the walk-forward windows) and renders the result. The best run is rendered by backtest.ts's own
 * renderers, handed in, so an optimised run reads exactly like a plain one.
 */
import { BUILTINS_MODULE_URL } from '../strategies/index.js';
import { lazySchema, parseFlags, positiveInt } from './flags.js';
import { assertNoOptimizerFlags, type OptimizeFlags } from './backtest-targets.js';
import { parseConstraint } from '../src/backtest/constraint.js';
import { heatmap, objectiveText, optimize, parseObjective, topCells, type CellRun, type GridPlan, type HeatmapCell, type OptimizeOutcome } from '../src/backtest/optimize.js';
import { makeEvaluator } from '../src/backtest/optimize-pool.js';
import { gridSize, parseGrid } from '../src/backtest/param-grid.js';
import { backtest, tradeRecords, type BacktestReport } from '../src/backtest/report-data.js';
import type { AnyStrategy } from '../src/backtest/strategy.js';
import type { BarArrays, BacktestInput, BrokerSettings, Params } from '../src/backtest/types.js';
import type { HeatmapInput } from '../src/backtest/html-report.js';
import { parseWalkForward, walkForward, windowDates, type WalkForwardResult, type WalkForwardSpec } from '../src/backtest/walk-forward.js';
import { CiftError } from '../src/errors.js';
import { formatFromPath, writeFrame } from '../src/io/export.js';
import { checkOutputPath } from '../src/io/output-path.js';
import type { Polars } from '../src/polars.js';
import { seededRandom } from '../src/sources/synthetic.js';
import { VERSION } from '../src/version.js';
import { formatCount, printJson, printTable, withSpinner, type Ui } from './ui.js';

/** The checked optimiser flags: what to run, before any data is read. */
export interface OptimizeRequest {
  plan: GridPlan;
  method: 'grid' | 'random';
  seed: number;
  heatmap?: string;
  walkForward?: WalkForwardSpec;
}

const OptimizerFlags = lazySchema((z) => z.object({
  method: z.enum(['grid', 'random'], { message: 'must be grid or random' }).optional(),
  maxTries: positiveInt().optional(),
  seed: z
    .string()
    .refine((s) => /^\d+$/.test(s.trim()) && Number(s) <= 0xffffffff, { message: 'must be a whole number from 0 to 4294967295' })
    .transform(Number)
    .optional(),
}));

/** The optimiser's flags, checked against the strategy; undefined when there is no --optimize. */
export function optimizeRequest(f: OptimizeFlags, strategy: AnyStrategy, params: Params): OptimizeRequest | undefined {
  if (f.optimize.length === 0) return assertNoOptimizerFlags(f);
  const { method = 'grid', maxTries, seed = 0 } = parseFlags(OptimizerFlags, f as unknown as Record<string, unknown>);
  if (method === 'random' && maxTries === undefined) throw new CiftError('USAGE', '--method random needs --max-tries N', 'e.g. --method random --max-tries 100 --seed 1');
  const axes = parseGrid(f.optimize, strategy.params, strategy.bounds);
  const objective = parseObjective(f.maximize ?? 'SQN');
  const constraint = f.constraint === undefined ? undefined : parseConstraint(f.constraint, Object.keys(strategy.params));
  if (f.heatmap !== undefined) {
    checkOutputPath(f.heatmap, '--heatmap');
    if (!['csv', 'parquet', 'json'].includes(formatFromPath(f.heatmap) ?? '')) throw new CiftError('USAGE', `--heatmap "${f.heatmap}" must end in .csv, .parquet or .json`);
  }
  const walk = f.walkForward === undefined ? undefined : parseWalkForward(f.walkForward);
  if (walk && f.heatmap !== undefined) throw new CiftError('USAGE', '--heatmap does not apply to --walk-forward', 'each window has its own grid; its winner is in the output');
  return { plan: { axes, base: params, constraint, objective, maxTries, random: seededRandom(seed) }, method, seed, heatmap: f.heatmap, walkForward: walk };
}

/** backtest.ts's renderers of one run. */
export interface RunRenderers {
  printReport(ui: Ui, r: Pick<BacktestReport, 'stats' | 'trades'>): void;
  printJsonReport(r: BacktestReport, extra?: Record<string, unknown>): void;
  /** Writes --trades / --equity / --report of a run (the report with the optimisation's heatmap). */
  exportRun(r: BacktestReport, bars: BarArrays, heatmap?: HeatmapInput): void;
}

export interface OptimizeContext {
  ui: Ui;
  polars: Polars;
  loadInput: () => Promise<BacktestInput>;
  strategy: AnyStrategy;
  /** --strategy as given (a built-in name or a path). */
  strategySpec: string;
  name: string;
  strategyFile?: string;
  settings: BrokerSettings;
  checkLookahead: boolean;
  /** Paths given to --trades / --equity (walk-forward has no single run to write). */
  exports: string[];
}

const paramText = (p: Params): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

const fmtValue = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toFixed(4));

function writeHeatmap(polars: Polars, cells: HeatmapCell[], path: string): void {
  const names = Object.keys(cells[0]?.params ?? {});
  const columns: Record<string, Array<number | string | boolean | null>> = {};
  for (const name of names) columns[name] = cells.map((c) => c.params[name]);
  columns.value = cells.map((c) => c.value);
  writeFrame(polars, polars.DataFrame(columns), formatFromPath(path) as 'csv' | 'parquet' | 'json', path);
}

export async function runOptimized(req: OptimizeRequest, ctx: OptimizeContext, render: RunRenderers): Promise<void> {
  if (req.walkForward && ctx.exports.length) throw new CiftError('USAGE', `${ctx.exports[0]} does not apply to --walk-forward`, 'the out-of-sample trades and equity are in --json');
  const runOptions = { strategyLabel: ctx.name, strategyFile: ctx.strategyFile, checkLookahead: ctx.checkLookahead };
  const run: CellRun = { strategy: ctx.strategy, settings: ctx.settings, objective: req.plan.objective, runOptions };
  const { ui } = ctx;
  type Done = { input: BacktestInput } & ({ wf: WalkForwardResult } | { outcome: OptimizeOutcome; report: BacktestReport });
  const done = await withSpinner(ui, `optimising ${ctx.name}`, async (progress): Promise<Done> => {
    const input = await ctx.loadInput();
    const evaluator = makeEvaluator({
      bars: input.bars,
      axes: req.plan.axes,
      base: req.plan.base,
      run,
      strategySpec: ctx.strategyFile ?? ctx.strategySpec,
      builtinsModule: BUILTINS_MODULE_URL,
    });
    try {
      if (req.walkForward) {
        const wf = await walkForward(input.bars, req.walkForward, req.plan, run, evaluator, (k, total) => progress.update(`walk-forward window ${k + 1} of ${total}`));
        return { input, wf };
      }
      const outcome = await optimize(req.plan, evaluator, { from: 0, to: input.bars.ts.length }, (k, total) => progress.update(`optimising ${ctx.name}: ${k} of ${total} combinations`));
      // backtesting.py re-runs the best combination for the returned stats; so does this, for the full report.
      const report = backtest(input, ctx.strategy, ctx.name, outcome.bestParams, ctx.settings, VERSION, runOptions);
      return { input, outcome, report };
    } finally {
      await evaluator.close();
    }
  });
  if ('wf' in done) return renderWalkForward(ctx, req, done.input, done.wf, render);
  const { outcome, report } = done;
  const cells = heatmap(outcome);
  if (req.heatmap) writeHeatmap(ctx.polars, cells, req.heatmap);
  render.exportRun(report, done.input.bars, { maximize: objectiveText(outcome.objective), paramNames: outcome.axes.map((a) => a.name), cells });
  const gridParamsOfBest = cells[outcome.best].params;
  if (ui.json) {
    render.printJsonReport(report, {
      optimize: { maximize: objectiveText(outcome.objective), method: req.method, combinations: outcome.cells.length, admissible: outcome.admissible, grid_size: gridSize(outcome.axes), ...(outcome.cells.length < outcome.admissible ? { seed: req.seed } : {}), best_params: gridParamsOfBest, heatmap: cells },
    });
    return;
  }
  render.printReport(ui, report);
  const top = topCells(outcome, 10);
  const names = outcome.axes.map((a) => a.name);
  printTable(
    ui,
    ['rank', ...names, objectiveText(outcome.objective)],
    top.map((c, k) => [k + 1, ...names.map((n) => String(c.params[n])), fmtValue(c.value)]),
    ['right', ...names.map(() => 'right' as const), 'right'],
  );
  const size = gridSize(outcome.axes);
  const scope = outcome.cells.length < outcome.admissible ? `a sample (seed ${req.seed}) of ${formatCount(outcome.admissible)} admissible` : outcome.admissible < size ? `admissible of ${formatCount(size)}` : 'the whole grid';
  process.stdout.write(`best of ${formatCount(outcome.cells.length)} combinations (${scope}): ${paramText(gridParamsOfBest)}\n`);
}

function renderWalkForward(ctx: OptimizeContext, req: OptimizeRequest, input: BacktestInput, wf: WalkForwardResult, render: RunRenderers): void {
  const { ts } = input.bars;
  // Bar numbers of the input, like a plain run's (the stitched log counts from the first out-of-sample bar).
  const trades = tradeRecords({ trades: wf.trades }, ts.subarray(wf.from)).map((t) => ({ ...t, EntryBar: t.EntryBar + wf.from, ExitBar: t.ExitBar + wf.from }));
  const objective = objectiveText(req.plan.objective);
  const windows = wf.windows.map((w) => {
    const dates = windowDates(ts, w);
    return {
      train: { from: dates.train[0], to: dates.train[1], first_bar: w.trainFrom, end_bar: w.trainTo },
      test: { from: dates.test[0], to: dates.test[1], first_bar: w.testFrom, end_bar: w.testTo },
      params: w.params,
      train_value: w.trainScore,
      start_equity: w.startEquity,
      stats: w.stats,
    };
  });
  if (ctx.ui.json) {
    printJson({
      walk_forward: { train: req.walkForward!.train, test: req.walkForward!.test, anchored: req.walkForward!.anchored, maximize: objective, windows },
      stats: wf.stats,
      trades,
      settings: ctx.settings,
      run: { cift_version: VERSION, strategy: ctx.name, input: input.source, out_of_sample_bars: ts.length - wf.from },
    });
    return;
  }
  const names = req.plan.axes.map((a) => a.name);
  printTable(
    ctx.ui,
    ['#', 'train', 'test', ...names, `train ${objective}`, 'return %', 'sharpe', 'trades', 'equity'],
    windows.map((w, k) => [
      k + 1,
      `${w.train.from.slice(0, 10)} – ${w.train.to.slice(0, 10)}`,
      `${w.test.from.slice(0, 10)} – ${w.test.to.slice(0, 10)}`,
      ...names.map((n) => String(w.params[n])),
      fmtValue(w.train_value),
      fmtValue(w.stats['Return [%]'] as number),
      fmtValue(w.stats['Sharpe Ratio'] as number),
      String(w.stats['# Trades']),
      fmtValue(w.stats['Equity Final [$]'] as number),
    ]),
    ['right', 'left', 'left', ...names.map(() => 'right' as const), 'right', 'right', 'right', 'right', 'right'],
  );
  process.stdout.write(`out of sample, ${windows.length} windows stitched (${formatCount(ts.length - wf.from)} bars):\n`);
  render.printReport(ctx.ui, { stats: wf.stats, trades });
}
