/**
 * Runs one strategy over several inputs (`cift backtest --symbol A,B,C`, or several --data files) and returns one
 * report per input, in input order.
 *
 * POOL SWITCH: this is the single place to move the runs onto worker threads. It runs them one after another in
 * this thread for now: an engine run is milliseconds next to loading the bars, and the optimiser's WorkerPool
 * (optimize-pool.ts) scores cells of one shared bar set, while these are whole reports over different bars, so it
 * needs a worker that returns a report. Callers already await this function, and a job carries `strategySpec`
 * (what --strategy named) so a worker can load the strategy itself.
 */
import { backtest, type BacktestReport } from './report-data.js';
import type { RunOptions } from './engine.js';
import type { AnyStrategy } from './strategy.js';
import type { BacktestInput, BrokerSettings, Params } from './types.js';

export interface BacktestJob {
  input: BacktestInput;
  strategy: AnyStrategy;
  /** The --strategy text (built-in name or file path), for a worker to load the strategy itself. */
  strategySpec: string;
  strategyName: string;
  params: Params;
  settings: BrokerSettings;
  version: string;
  options: RunOptions;
}

export async function runMany(jobs: readonly BacktestJob[]): Promise<BacktestReport[]> {
  return jobs.map((j) => backtest(j.input, j.strategy, j.strategyName, j.params, j.settings, j.version, j.options));
}
