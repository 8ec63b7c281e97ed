/**
 * A worker thread of the optimiser's pool (optimize-pool.ts). It loads the strategy itself, by the spec the user
 * gave (a built-in name or a file path), reads the bars from the shared memory it was handed, and scores the
 * batches of cells it is sent with the same scoreCell as a run in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { cellParams } from './param-grid.js';
import { barsWindow, scoreCell, type CellRun } from './optimize.js';
import type { BatchReply, BatchRequest, WorkerSetup } from './optimize-pool.js';
import { loadWorkerStrategy, workerError } from './worker-support.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function loadRun(): Promise<CellRun> {
  const strategy = await loadWorkerStrategy(setup.strategySpec, setup.builtinsModule, setup.builtinsExport);
  return { strategy, settings: setup.settings, objective: setup.objective, runOptions: setup.runOptions };
}

// Listening starts at once: batches sent while the strategy loads wait for it.
const ready = loadRun();
ready.catch(() => undefined);

port.on('message', async (request: BatchRequest) => {
  try {
    const run = await ready;
    const bars = barsWindow(setup.bars, request.from, request.to);
    const scores = new Float64Array(request.cells.length);
    for (let k = 0; k < request.cells.length; k++) scores[k] = scoreCell(bars, cellParams(setup.axes, request.cells[k], setup.base), run);
    port.postMessage({ id: request.id, scores } satisfies BatchReply, [scores.buffer]);
  } catch (e) {
    port.postMessage({ id: request.id, error: workerError(e) } satisfies BatchReply);
  }
});
