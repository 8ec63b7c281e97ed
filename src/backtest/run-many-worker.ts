/**
 * A worker thread of runMany (run-many.ts): loads the strategy by the spec the user gave, then runs each job it is
 * sent (bars in shared memory) with the same backtest() as the main thread, and posts the whole report back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { backtest } from './report-data.js';
import type { RunJobReply, RunJobRequest, RunWorkerSetup } from './run-many.js';
import { loadWorkerStrategy, workerError } from './worker-support.js';

const setup = workerData as RunWorkerSetup;
const port = parentPort!;
const ready = loadWorkerStrategy(setup.strategySpec, setup.builtinsModule, 'BUILTIN_STRATEGIES');
ready.catch(() => undefined);

port.on('message', async (job: RunJobRequest) => {
  try {
    const strategy = await ready;
    const report = backtest(job.input, strategy, setup.strategyName, setup.params, setup.settings, setup.version, setup.options);
    // The result's columns are also in the report's records; only what the caller reads crosses back.
    port.postMessage({ id: job.id, report } satisfies RunJobReply);
  } catch (e) {
    port.postMessage({ id: job.id, error: workerError(e) } satisfies RunJobReply);
  }
});
