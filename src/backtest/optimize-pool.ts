/**
 * Optimiser cells on every core: a pool of worker threads (optimize-worker.ts) that share the bars through
 * SharedArrayBuffers (copied once into shared memory, never per cell or per batch) and take batches of cell
 * indices; each worker rebuilds a cell's params from its index. Scores land at their cell's position, so the
 * result is the same array a single-threaded run gives, whatever order the batches finish in.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sharedBars, workerScript, fromWorkerError, type WorkerError } from './worker-support.js';
import type { RunOptions } from './engine.js';
import { InProcessEvaluator, type BarWindow, type CellRun, type Evaluator, type Objective } from './optimize.js';
import type { GridAxis } from './param-grid.js';
import type { BarArrays, BrokerSettings, Params } from './types.js';

/** What a worker is started with (structured-cloned once; the bars' memory is shared, not cloned). */
export interface WorkerSetup {
  bars: BarArrays;
  axes: GridAxis[];
  base: Params;
  settings: BrokerSettings;
  objective: Objective;
  runOptions: RunOptions;
  /** `--strategy` as the user gave it, a file made absolute; loaded by the worker itself. */
  strategySpec: string;
  /** URL of the module holding the built-in strategies, and the name of its export mapping names to them. */
  builtinsModule?: string;
  builtinsExport: string;
}

export interface BatchRequest {
  id: number;
  cells: number[];
  from: number;
  to: number;
}

export type BatchReply = { id: number; scores: Float64Array; error?: undefined } | { id: number; error: WorkerError };

export type PoolSetup = Omit<WorkerSetup, 'bars'> & { bars: BarArrays; threads: number };

export const defaultThreads = (): number => availableParallelism();

interface Busy {
  reply(message: BatchReply): void;
  fail(e: Error): void;
}

export class WorkerPool implements Evaluator {
  private readonly workers: Worker[] = [];
  private readonly busy = new Map<Worker, Busy>();
  private readonly setup: WorkerSetup;
  private nextId = 0;

  constructor(private readonly config: PoolSetup) {
    const { threads: _threads, ...setup } = config;
    this.setup = { ...setup, bars: sharedBars(config.bars) };
  }

  private start(): void {
    for (let k = 0; k < this.config.threads; k++) {
      const worker = new Worker(workerScript('optimize-worker.js'), { workerData: this.setup });
      worker.on('message', (m: BatchReply) => this.busy.get(worker)?.reply(m));
      worker.on('error', (e) => this.busy.get(worker)?.fail(e));
      worker.on('exit', (code) => this.busy.get(worker)?.fail(new Error(`optimiser worker stopped (exit ${code})`)));
      this.workers.push(worker);
    }
  }

  evaluate(cells: readonly number[], window: BarWindow, onCellDone?: () => void): Promise<Float64Array> {
    if (this.workers.length === 0) this.start();
    const scores = new Float64Array(cells.length);
    if (cells.length === 0) return Promise.resolve(scores);
    // Several batches per worker, so one that gets slow cells does not hold the others up at the end.
    const batch = Math.max(1, Math.ceil(cells.length / (this.workers.length * 4)));
    let next = 0;
    let running = 0;
    let failed = false;
    return new Promise<Float64Array>((resolvePromise, reject) => {
      const stop = (e: Error) => {
        if (failed) return;
        failed = true;
        for (const w of this.workers) this.busy.delete(w);
        reject(e);
      };
      const feed = (worker: Worker) => {
        if (failed) return;
        if (next >= cells.length) {
          this.busy.delete(worker);
          if (running === 0) resolvePromise(scores);
          return;
        }
        const first = next;
        next = Math.min(cells.length, next + batch);
        running++;
        const id = this.nextId++;
        this.busy.set(worker, {
          reply: (m) => {
            if (m.id !== id) return;
            running--;
            if (m.error) return stop(fromWorkerError(m.error));
            scores.set(m.scores, first);
            if (onCellDone) for (let k = 0; k < m.scores.length; k++) onCellDone();
            feed(worker);
          },
          fail: stop,
        });
        worker.postMessage({ id, cells: cells.slice(first, next), from: window.from, to: window.to } satisfies BatchRequest);
      };
      for (const worker of this.workers) feed(worker);
    });
  }

  async close(): Promise<void> {
    this.busy.clear();
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

/**
 * Runs cells in this thread until IN_THREAD_BUDGET_MS has gone by, then hands what is left (and every later
 * call, e.g. the next walk-forward window) to a WorkerPool, which then stays up. Measured on the 2-core machine
 * this was written on (Node 20, load ≈ 6 from other jobs): a warm thread scores a GOOG SmaCross cell (engine +
 * statistics) in ≈ 0.8 ms, the 39-cell grid in ≈ 30 ms; a fresh pool of 2 workers needed 0.15–1.2 s before its
 * first batch came back (module loading, then JIT warm-up on cold code), and 2.1–2.6 s for a 590-cell grid that
 * one warm thread did in 0.45 s. So a grid this thread finishes within the budget never pays for workers; only
 * long grids (many cells, long histories, slow strategies) go parallel.
 */
export class AdaptiveEvaluator implements Evaluator {
  private pool: WorkerPool | undefined;
  private spentMs = 0;

  constructor(
    private readonly inThread: InProcessEvaluator,
    private readonly makePool: () => WorkerPool,
    private readonly threads: number,
    private readonly budgetMs = IN_THREAD_BUDGET_MS,
  ) {}

  async evaluate(cells: readonly number[], window: BarWindow, onCellDone?: () => void): Promise<Float64Array> {
    const scores = new Float64Array(cells.length);
    let k = 0;
    if (!this.pool) {
      const t0 = performance.now();
      for (; k < cells.length && (this.threads < 2 || this.spentMs + performance.now() - t0 < this.budgetMs); k++) {
        scores.set(await this.inThread.evaluate([cells[k]], window), k);
        onCellDone?.();
      }
      this.spentMs += performance.now() - t0;
      if (k === cells.length) return scores;
      this.pool = this.makePool();
    }
    scores.set(await this.pool.evaluate(cells.slice(k), window, onCellDone), k);
    return scores;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/** About what starting a pool costs at best (see AdaptiveEvaluator). */
export const IN_THREAD_BUDGET_MS = 300;

export interface EvaluatorSetup {
  bars: BarArrays;
  axes: GridAxis[];
  base: Params;
  run: CellRun;
  strategySpec: string;
  builtinsModule?: string;
  builtinsExport?: string;
  /** Worker threads: 1 runs everything in this thread; default availableParallelism(). */
  threads?: number;
  /** Force the pool from the first cell (tests), instead of deciding by elapsed time. */
  alwaysPool?: boolean;
}

export function makeEvaluator(s: EvaluatorSetup): Evaluator {
  const threads = s.threads ?? defaultThreads();
  const inThread = new InProcessEvaluator(s.bars, s.axes, s.base, s.run);
  if (threads < 2 && !s.alwaysPool) return inThread;
  const makePool = () =>
    new WorkerPool({
      bars: s.bars,
      axes: s.axes,
      base: s.base,
      settings: s.run.settings,
      objective: s.run.objective,
      runOptions: s.run.runOptions,
      strategySpec: s.strategySpec,
      builtinsModule: s.builtinsModule,
      builtinsExport: s.builtinsExport ?? 'BUILTIN_STRATEGIES',
      threads,
    });
  return s.alwaysPool ? makePool() : new AdaptiveEvaluator(inThread, makePool, threads);
}
