/**
 * Runs one strategy over several inputs (`cift backtest --symbol A,B,C`, or several --data files) and returns one
 * report per input, in input order. With enough bars to pay for starting threads, the runs go to worker threads
 * (run-many-worker.ts), one per core, each loading the strategy itself by `--strategy` as given and reading its
 * input's bars from shared memory; a report is the same whichever thread ran it (the engine is deterministic).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { backtest, type BacktestReport } from './report-data.js';
import type { RunOptions } from './engine.js';
import type { AnyStrategy } from './strategy.js';
import type { BacktestInput, BrokerSettings, Params } from './types.js';
import { fromWorkerError, sharedBars, workerScript, type WorkerError } from './worker-support.js';

export interface BacktestJob {
  input: BacktestInput;
  strategy: AnyStrategy;
  /** The --strategy text (built-in name or absolute file path), for a worker to load the strategy itself. */
  strategySpec: string;
  strategyName: string;
  params: Params;
  settings: BrokerSettings;
  version: string;
  options: RunOptions;
}

/** Everything but the input is the same for every job of one runMany call; a worker gets it once. */
export interface RunWorkerSetup {
  strategySpec: string;
  builtinsModule: string | undefined;
  strategyName: string;
  params: Params;
  settings: BrokerSettings;
  version: string;
  options: RunOptions;
}

export interface RunJobRequest {
  id: number;
  input: BacktestInput;
}

export type RunJobReply = { id: number; report: BacktestReport; error?: undefined } | { id: number; error: WorkerError };

/**
 * Below this many bars in all, one thread finishes before workers are up: starting a worker (loading the engine
 * and, for a file, the strategy through tsx) costs roughly 0.1–0.3 s on a 2-core machine, about what the engine
 * and statistics take for half a million bars.
 */
export const PARALLEL_MIN_BARS = 500_000;

export interface RunManyOptions {
  /** URL of the module whose BUILTIN_STRATEGIES a worker looks names up in. */
  builtinsModule?: string;
  /** Worker threads at most (default: one per core); 1 runs everything in this thread. */
  threads?: number;
  /** Use workers whatever the size (tests). */
  alwaysParallel?: boolean;
}

export async function runMany(jobs: readonly BacktestJob[], opts: RunManyOptions = {}): Promise<BacktestReport[]> {
  const bars = jobs.reduce((n, j) => n + j.input.bars.ts.length, 0);
  const threads = Math.min(jobs.length, opts.threads ?? availableParallelism());
  if (threads < 2 || (!opts.alwaysParallel && bars < PARALLEL_MIN_BARS)) {
    return jobs.map((j) => backtest(j.input, j.strategy, j.strategyName, j.params, j.settings, j.version, j.options));
  }
  const first = jobs[0];
  const setup: RunWorkerSetup = { strategySpec: first.strategySpec, builtinsModule: opts.builtinsModule, strategyName: first.strategyName, params: first.params, settings: first.settings, version: first.version, options: first.options };
  const workers = Array.from({ length: threads }, () => new Worker(workerScript('run-many-worker.js'), { workerData: setup }));
  const reports: BacktestReport[] = new Array(jobs.length);
  try {
    let next = 0;
    await new Promise<void>((resolveAll, reject) => {
      let running = 0;
      // The failure of the earliest job, as one thread would meet it: jobs go out in order, so once one fails no new
      // job starts, and the runs still going finish first (an earlier one may fail too and take precedence).
      let failure: { id: number; error: Error } | undefined;
      const settle = () => {
        if (running !== 0) return;
        if (failure) reject(failure.error);
        else resolveAll();
      };
      const fail = (id: number, error: Error) => {
        if (!failure || id < failure.id) failure = { id, error };
      };
      const feed = (worker: Worker) => {
        if (failure || next >= jobs.length) return settle();
        const id = next++;
        running++;
        worker.postMessage({ id, input: { ...jobs[id].input, bars: sharedBars(jobs[id].input.bars) } } satisfies RunJobRequest);
      };
      for (const worker of workers) {
        worker.on('message', (m: RunJobReply) => {
          running--;
          if (m.error) fail(m.id, fromWorkerError(m.error));
          else reports[m.id] = m.report;
          feed(worker);
        });
        // A worker that dies takes its job with it: fail as if that job had (-1: nothing is more certain).
        worker.on('error', (e) => {
          fail(-1, e);
          reject(e);
        });
        // Before the end, an exit (a strategy calling process.exit, say) would leave its job unanswered.
        worker.on('exit', (code) => reject(new Error(`backtest worker stopped (exit ${code}) before its run finished`)));
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return reports;
}
