/** The suites `cift bench` can run, by name. */
import type { BenchOptions, CaseResult } from './harness.js';
import { runBacktestSuite } from './backtest.js';
import { runCliSuite } from './cli.js';
import { runCodecSuite } from './codec.js';
import { runKernelSuite } from './kernels.js';
import { runPipelinesSuite } from './pipelines.js';
import { runServeSuite } from './serve.js';
import { runTradingSuite } from './trading.js';

export type Suite = (opts: BenchOptions) => Promise<CaseResult[]>;

export const SUITES: Record<string, Suite> = {
  kernels: runKernelSuite,
  backtest: runBacktestSuite,
  trading: runTradingSuite,
  serve: runServeSuite,
  pipelines: runPipelinesSuite,
  codec: runCodecSuite,
  cli: runCliSuite,
};
