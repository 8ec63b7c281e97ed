/**
 * Grid optimisation as backtesting.py 0.6.6's Backtest.optimize() (parity spec §7): the admissible cells of the
 * grid in itertools.product order, each run and scored by one statistic; a run with 0 closed trades scores NaN
 * whatever the statistic; the best cell is the first maximal non-NaN score (pandas idxmax: the first wins a tie,
 * +Infinity wins outright), or the first admissible cell when every score is NaN.
 *
 * How cells are run is the Evaluator's business (in this process, or on worker threads: optimize-pool.ts); every
 * evaluator scores a cell with scoreCell, so the scores do not depend on where they ran.
 */
import { CiftError, didYouMean } from '../errors.js';
import type { Constraint } from './constraint.js';
import { runBacktest, type RunOptions } from './engine.js';
import { cellParams, gridParams, gridSize, type GridAxis } from './param-grid.js';
import { computeStats, STAT_KEYS, type StatKey } from './stats.js';
import type { AnyStrategy } from './strategy.js';
import type { BarArrays, BrokerSettings, Params } from './types.js';

export interface Objective {
  key: StatKey;
  /** `-KEY`: the best cell has the smallest value. */
  minimise: boolean;
}

/** Statistics that are not numbers cannot rank cells. */
const TEXT_STATS: readonly StatKey[] = ['Start', 'End'];

/** `--maximize KEY` or `-KEY` (minimise); KEY is any numeric statistic's name. */
export function parseObjective(text: string): Objective {
  const minimise = text.startsWith('-');
  const key = (minimise ? text.slice(1) : text).trim();
  const numeric = STAT_KEYS.filter((k) => !TEXT_STATS.includes(k));
  if (!(numeric as readonly string[]).includes(key)) {
    const guess = didYouMean(key, numeric);
    const problem = TEXT_STATS.includes(key as StatKey) ? 'is not a number statistic' : 'is not a statistic';
    throw new CiftError('USAGE', `--maximize "${text}" ${problem}`, guess ? `did you mean "${minimise ? '-' : ''}${guess}"?` : `e.g. "Sharpe Ratio", SQN, or "-Volatility (Ann.) [%]" to minimise`);
  }
  return { key: key as StatKey, minimise };
}

export const objectiveText = (o: Objective): string => `${o.minimise ? '-' : ''}${o.key}`;

/** What a cell's run needs besides its params; the same in this process and in a worker. */
export interface CellRun {
  strategy: AnyStrategy;
  settings: BrokerSettings;
  objective: Objective;
  runOptions: RunOptions;
}

/** A cell's score: NaN for a run with no closed trade, else the statistic (NaN when it is undefined). */
export function scoreCell(bars: BarArrays, params: Params, run: CellRun): number {
  const result = runBacktest(bars, run.strategy, params, run.settings, run.runOptions);
  if (result.trades.size.length === 0) return NaN;
  const stats = computeStats({ trades: result.trades, equity: result.equity, ts: bars.ts, close: bars.close, warmup: result.warmup });
  const value = stats[run.objective.key];
  // Commissions [$] is left out of the stats when it is 0.
  return typeof value === 'number' ? value : run.objective.key === 'Commissions [$]' ? 0 : NaN;
}

/** Bars [from, to) as views of the same memory (no copy). */
export function barsWindow(bars: BarArrays, from: number, to: number): BarArrays {
  return {
    ts: bars.ts.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
    volume: bars.volume.subarray(from, to),
  };
}

export interface BarWindow {
  from: number;
  to: number;
}

/** Runs cells (product indices of the grid) over a window of the bars, scores in the order given. */
export interface Evaluator {
  evaluate(cells: readonly number[], window: BarWindow, onCellDone?: () => void): Promise<Float64Array>;
  /** Frees threads; the evaluator is not used after. */
  close(): Promise<void>;
}

/** Scores cells one after another in this thread. */
export class InProcessEvaluator implements Evaluator {
  constructor(
    private readonly bars: BarArrays,
    private readonly axes: readonly GridAxis[],
    private readonly base: Params,
    private readonly run: CellRun,
  ) {}

  async evaluate(cells: readonly number[], window: BarWindow, onCellDone?: () => void): Promise<Float64Array> {
    const bars = barsWindow(this.bars, window.from, window.to);
    const scores = new Float64Array(cells.length);
    for (let k = 0; k < cells.length; k++) {
      scores[k] = scoreCell(bars, cellParams(this.axes, cells[k], this.base), this.run);
      onCellDone?.();
    }
    return scores;
  }

  async close(): Promise<void> {}
}

export interface GridPlan {
  axes: GridAxis[];
  /** The strategy's params with -p overrides; the grid's axes replace some of them. */
  base: Params;
  constraint?: Constraint;
  objective: Objective;
  /** Run at most this many cells, sampled without replacement (backtesting.py's max_tries). */
  maxTries?: number;
  /** Uniform [0, 1) source for sampling (seeded, so a sample is reproducible). */
  random?: () => number;
}

/**
 * The cells to run, ascending (product order): the admissible ones, or a sample of maxTries of them drawn with a
 * partial Fisher–Yates shuffle. A sample is put back in product order, so ties still go to the earlier cell.
 */
export function plannedCells(plan: GridPlan): { cells: number[]; admissible: number } {
  const size = gridSize(plan.axes);
  const admissible: number[] = [];
  const scratch: Params = { ...plan.base };
  for (let i = 0; i < size; i++) if (!plan.constraint || plan.constraint.admits(cellParams(plan.axes, i, plan.base, scratch))) admissible.push(i);
  if (admissible.length === 0) throw new CiftError('USAGE', `--constraint "${plan.constraint?.text}" admits none of the ${size} combinations`, 'loosen the constraint or widen the --optimize ranges');
  if (plan.maxTries === undefined || plan.maxTries >= admissible.length) return { cells: admissible, admissible: admissible.length };
  const random = plan.random ?? Math.random;
  const pool = admissible.slice();
  for (let k = 0; k < plan.maxTries; k++) {
    const j = k + Math.floor(random() * (pool.length - k));
    [pool[k], pool[j]] = [pool[j], pool[k]];
  }
  return { cells: pool.slice(0, plan.maxTries).sort((a, b) => a - b), admissible: admissible.length };
}

/** Position of the best score: the first maximal (minimal) non-NaN one, else 0 (the first cell). */
export function bestPosition(scores: ArrayLike<number>, minimise: boolean): number {
  let best = -1;
  for (let k = 0; k < scores.length; k++) {
    const v = scores[k];
    if (Number.isNaN(v)) continue;
    if (best < 0 || (minimise ? v < scores[best] : v > scores[best])) best = k;
  }
  return best < 0 ? 0 : best;
}

export interface HeatmapCell {
  params: Params;
  value: number | null;
}

export interface OptimizeOutcome {
  objective: Objective;
  axes: GridAxis[];
  /** Product indices of the cells run, ascending. */
  cells: number[];
  /** Cells the constraint admits (more than `cells` when --max-tries sampled). */
  admissible: number;
  scores: Float64Array;
  /** Position in `cells` of the best one. */
  best: number;
  /** Every param of the best cell (base plus the grid's values). */
  bestParams: Params;
}

export async function optimize(plan: GridPlan, evaluator: Evaluator, window: BarWindow, onProgress?: (done: number, total: number) => void): Promise<OptimizeOutcome> {
  const { cells, admissible } = plannedCells(plan);
  let done = 0;
  const scores = await evaluator.evaluate(cells, window, onProgress && (() => onProgress(++done, cells.length)));
  const best = bestPosition(scores, plan.objective.minimise);
  return { objective: plan.objective, axes: plan.axes, cells, admissible, scores, best, bestParams: cellParams(plan.axes, cells[best], plan.base) };
}

const heatmapCell = (o: OptimizeOutcome, k: number): HeatmapCell => ({ params: gridParams(o.axes, o.cells[k]), value: Number.isNaN(o.scores[k]) ? null : o.scores[k] });

/** The heatmap in product order: the grid's params of each cell run and its score (null for NaN). */
export function heatmap(o: OptimizeOutcome): HeatmapCell[] {
  return o.cells.map((_, k) => heatmapCell(o, k));
}

/** The `n` best cells, best first; NaN last; ties in product order. */
export function topCells(o: OptimizeOutcome, n: number): HeatmapCell[] {
  const order = o.cells.map((_, k) => k);
  const key = (k: number) => (Number.isNaN(o.scores[k]) ? -Infinity : o.objective.minimise ? -o.scores[k] : o.scores[k]);
  order.sort((a, b) => {
    const nanA = Number.isNaN(o.scores[a]);
    const nanB = Number.isNaN(o.scores[b]);
    if (nanA !== nanB) return nanA ? 1 : -1;
    return key(b) - key(a) || a - b;
  });
  return order.slice(0, n).map((k) => heatmapCell(o, k));
}
