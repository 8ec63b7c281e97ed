/**
 * The pipelines suite: polars (nodejs-polars) against plain TypeScript written line by line, the way the product
 * brief measured Polars against pandas. Five cases, sized from --size N (default 1,000,000, the brief's sizes):
 *   CSV read of 10·N ticks · Parquet read of the same ticks · group-by (OHLCV per 1-minute bucket) of N/10 trades ·
 *   as-of join of N/10 trades to 2·N/10 quotes (target ≥ 5 M trade rows/s, issue 13) · rolling mean(20) over N.
 * Checked before timing: file reads against the digest the generator computed while writing the file (in each
 * timing process, before its timed runs); the in-memory cases by running polars and the baseline here on the same
 * seeded input and comparing every output value (group-by and as-of exactly, the rolling mean within 1e-9).
 * Each side of each case is then timed in a fresh process of its own (bench/pipelines-child.ts) that reports its
 * peak RSS after one run (the brief's memory claim; setup_rss_mb is the process before it: Node, the input, and
 * for polars its native library). ratio = baseline median / polars median (above 1: polars is faster).
 * polars runs on every core; the baselines on one thread.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolars, type Polars } from '../src/polars.js';
import type { BenchOptions, CaseResult } from './harness.js';
import type { ChildConfig, ChildResult } from './pipelines-child.js';
import {
  asofLoop,
  asofPolars,
  checkMinuteBars,
  compareColumns,
  floatColumn,
  inMemoryInputs,
  minuteBarsLoop,
  minuteBarsOfFrame,
  minuteBarsPolars,
  quotesFrame,
  rollingKernel,
  rollingPolars,
  ROLLING_WINDOW,
  tradesFrame,
} from './pipelines-cases.js';
import { tickFiles } from './pipelines-data.js';

const SEED = 42;
/** Issue 13: the as-of join at ≥ 5 M rows/s (left rows, the trades). */
export const ASOF_TARGET_ROWS_PER_S = 5_000_000;

export interface PipelineSizes {
  fileRows: number;
  groupRows: number;
  asofRows: number;
  rollingRows: number;
}

/** The brief's sizes at the default --size 1,000,000 (10M, 100k, 100k, 1M); smaller --size scales them down. */
export function pipelineSizes(size: number): PipelineSizes {
  const tenth = Math.max(1, Math.round(size / 10));
  return { fileRows: 10 * size, groupRows: tenth, asofRows: tenth, rollingRows: size };
}

/** The compiled child beside this module (dist/bench); run from the .ts sources (vitest), the one tsc built in dist/. */
function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../dist/bench/pipelines-child.js') : resolve(dirname(here), 'pipelines-child.js');
}

/** Runs one side of one case in a fresh process; rejects with the child's own reason when it fails. */
function inChild(cfg: ChildConfig): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', childScript(), JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        try {
          return resolvePromise(JSON.parse(stdout) as ChildResult);
        } catch {
          // fall through: not the one JSON line expected
        }
      }
      const why = stderr.trim().split('\n').pop() || `exit ${code}, no output`;
      reject(new Error(`pipelines ${cfg.case} (${cfg.side}): ${why}`));
    });
  });
}

/** The in-memory cases, checked here before any timing: polars against the baseline on the same seeded input. */
function checkInMemory(polars: Polars, sizes: PipelineSizes): Record<'groupby' | 'asof' | 'rolling', Record<string, number>> {
  const g = inMemoryInputs('groupby', sizes.groupRows, SEED);
  const buckets = checkMinuteBars(minuteBarsOfFrame(polars, minuteBarsPolars(polars, tradesFrame(polars, g.trades))), minuteBarsLoop(g.trades));

  const a = inMemoryInputs('asof', sizes.asofRows, SEED);
  const joined = asofPolars(tradesFrame(polars, a.trades), quotesFrame(polars, a.quotes!));
  const merged = asofLoop(a.trades, a.quotes!);
  compareColumns('as-of join bid', floatColumn(polars, joined, 'bid'), merged.bid, 0);
  compareColumns('as-of join ask', floatColumn(polars, joined, 'ask'), merged.ask, 0);
  if (joined.height !== sizes.asofRows) throw new Error(`as-of join: ${joined.height} rows out of ${sizes.asofRows} trades`);
  let unmatched = 0;
  for (const v of merged.bid) if (v !== v) unmatched++;

  const r = inMemoryInputs('rolling', sizes.rollingRows, SEED);
  const rolled = floatColumn(polars, rollingPolars(polars, polars.DataFrame({ price: r.trades.price })), 'price');
  const maxAbsDiff = compareColumns(`rolling mean(${ROLLING_WINDOW})`, rolled, rollingKernel(r.trades.price), 1e-9);
  return { groupby: { buckets }, asof: { quotes: a.quotes!.ts.length, trades_before_first_quote: unmatched }, rolling: { max_abs_diff: maxAbsDiff } };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function pair(name: string, size: number, p: ChildResult, b: ChildResult, baseline: string, extra: Record<string, unknown>): CaseResult {
  return {
    suite: 'pipelines',
    name,
    size,
    median_ms: p.median_ms,
    min_ms: p.min_ms,
    max_ms: p.max_ms,
    baseline,
    baseline_median_ms: b.median_ms,
    baseline_min_ms: b.min_ms,
    baseline_max_ms: b.max_ms,
    ratio: b.median_ms / p.median_ms,
    peak_rss_mb: round1(p.peak_rss_mb),
    setup_rss_mb: round1(p.setup_rss_mb),
    peak_rss_all_runs_mb: round1(p.peak_rss_all_runs_mb),
    baseline_peak_rss_mb: round1(b.peak_rss_mb),
    baseline_setup_rss_mb: round1(b.setup_rss_mb),
    baseline_peak_rss_all_runs_mb: round1(b.peak_rss_all_runs_mb),
    ...extra,
  };
}

export async function runPipelinesSuite(opts: BenchOptions): Promise<CaseResult[]> {
  const sizes = pipelineSizes(opts.size);
  const polars = await loadPolars();
  const files = await tickFiles(polars, sizes.fileRows, SEED, opts.onProgress);
  opts.onProgress?.('pipelines: checking group-by, as-of join and rolling mean against their baselines');
  const checked = checkInMemory(polars, sizes);

  // A 10M-row read takes seconds: three timed reads after the checked one (which warms the page cache and JIT).
  const fileTiming = { repeat: Math.max(1, Math.min(opts.repeat, 3)), warmup: 0 };
  const side = async (c: ChildConfig['case'], s: ChildConfig['side'], rows: number, timing = { repeat: opts.repeat, warmup: opts.warmup }) => {
    opts.onProgress?.(`pipelines: ${c} (${s}, own process)`);
    return inChild({ case: c, side: s, rows, seed: SEED, ...timing, ...(c === 'csv' || c === 'parquet' ? { file: c === 'csv' ? files.csv : files.parquet, digest: files.digest } : {}) });
  };
  const fileCheck = 'rows, Σ price, Σ size, buys, first and last ts, Σ (ts mod 1e6) against the generator, in each timing process';

  const csvPolars = await side('csv', 'polars', sizes.fileRows, fileTiming);
  const csvBaseline = await side('csv', 'baseline', sizes.fileRows, fileTiming);
  const parquetPolars = await side('parquet', 'polars', sizes.fileRows, fileTiming);
  const lineParser = 'node:readline line by line, split(","), Number() into typed arrays';
  const results: CaseResult[] = [
    pair('CSV read (ts,price,size,side)', sizes.fileRows, csvPolars, csvBaseline, lineParser, { checked: fileCheck }),
    pair('Parquet read (the same ticks)', sizes.fileRows, parquetPolars, csvBaseline, lineParser, {
      checked: fileCheck,
      note: 'plain TypeScript has no Parquet reader: the baseline is the fastest plain-TS way to the same data, the CSV line parse (its time and RSS are those of the CSV case)',
    }),
  ];

  const groupPolars = await side('groupby', 'polars', sizes.groupRows);
  const groupBaseline = await side('groupby', 'baseline', sizes.groupRows);
  results.push(pair('group-by: OHLCV per 1-minute bucket', sizes.groupRows, groupPolars, groupBaseline, 'Map per bucket, one loop over the trades, keys sorted', { ...checked.groupby, checked: 'every bucket and field equal to the baseline' }));

  const asofPolarsRun = await side('asof', 'polars', sizes.asofRows);
  const asofBaseline = await side('asof', 'baseline', sizes.asofRows);
  const rowsPerS = sizes.asofRows / (asofPolarsRun.median_ms / 1000);
  results.push(
    pair('as-of join: trades to the last quote (backward)', sizes.asofRows, asofPolarsRun, asofBaseline, 'two-pointer merge over the sorted trades and quotes', {
      ...checked.asof,
      checked: 'bid and ask of every trade equal to the baseline',
      rows_per_s: Math.round(rowsPerS),
      baseline_rows_per_s: Math.round(sizes.asofRows / (asofBaseline.median_ms / 1000)),
      target_rows_per_s: ASOF_TARGET_ROWS_PER_S,
      target_ms: (sizes.asofRows / ASOF_TARGET_ROWS_PER_S) * 1000,
      target_met: rowsPerS >= ASOF_TARGET_ROWS_PER_S,
    }),
  );

  const rollPolars = await side('rolling', 'polars', sizes.rollingRows);
  const rollBaseline = await side('rolling', 'baseline', sizes.rollingRows);
  results.push(pair(`rolling mean(${ROLLING_WINDOW})`, sizes.rollingRows, rollPolars, rollBaseline, "cift's sma kernel (src/kernels/sma.ts)", { ...checked.rolling, checked: 'every value within 1e-9 of the baseline, warm-up NaN included' }));
  return results;
}
