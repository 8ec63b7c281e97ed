/** The suites `cift bench` can run, by name. Later suites (pipelines, backtest, trading, codec) register here. */
import type { BenchOptions, CaseResult } from './harness.js';
import { runBacktestSuite } from './backtest.js';
import { runCliSuite } from './cli.js';
import { runKernelSuite } from './kernels.js';
import { runServeSuite } from './serve.js';
import { runTradingSuite } from './trading.js';

export type Suite = (opts: BenchOptions) => Promise<CaseResult[]>;

export const SUITES: Record<string, Suite> = {
  kernels: runKernelSuite,
  backtest: runBacktestSuite,
  trading: runTradingSuite,
  serve: runServeSuite,
  cli: runCliSuite,
};
