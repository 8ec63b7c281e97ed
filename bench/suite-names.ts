/**
 * The names of the suites in bench/suites.ts, in its order, for `cift bench --help` and the flag check: the
 * suites themselves (polars, msgpack, the HTTP stack…) load only when a run starts. test/startup.test.ts checks
 * this list against SUITES.
 */
export const SUITE_NAMES: readonly string[] = ['kernels', 'backtest', 'trading', 'serve', 'pipelines', 'codec', 'cli'];
