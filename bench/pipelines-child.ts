/**
 * One side of one pipelines case in a process of its own, so its peak RSS is that side's alone:
 * `node --expose-gc dist/bench/pipelines-child.js '<ChildConfig JSON>'`. Prepares its input, runs the
 * case once, notes the peak RSS, and checks the output (file reads against the generator's digest), then times it,
 * collecting garbage before each run. Prints one JSON line (ChildResult); on failure, the reason on
 * stderr and exit 1. The baseline side never loads polars, so its RSS is plain Node's.
 */
import { readFileSync } from 'node:fs';
import { loadPolars } from '../src/polars.js';
import { summarize } from './harness.js';
import {
  asofLoop,
  asofPolars,
  checkDigest,
  digestOfColumns,
  digestOfFrame,
  inMemoryInputs,
  minuteBarsLoop,
  minuteBarsPolars,
  quotesFrame,
  readTicksLineByLine,
  rollingKernel,
  rollingPolars,
  tradesFrame,
  type CaseId,
  type Side,
  type TickColumns,
} from './pipelines-cases.js';
import type { TickDigest } from './pipelines-data.js';
import type pl from 'nodejs-polars';

export interface ChildConfig {
  case: CaseId;
  side: Side;
  /** Rows of the case's input (the file's rows for csv/parquet). */
  rows: number;
  seed: number;
  repeat: number;
  warmup: number;
  /** csv / parquet: the file and what its generator wrote. */
  file?: string;
  digest?: TickDigest;
}

export interface ChildResult {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** Peak RSS after preparing the input, before the first run (MB). */
  setup_rss_mb: number;
  /** Peak RSS after the first run (MB): one run from a fresh process, the figure quoted. */
  peak_rss_mb: number;
  /**
   * Peak RSS after all runs (MB). Higher for polars: a dropped frame's native memory is not handed back at once even
   * after a full GC (its allocator keeps it), so repeated 10M-row reads stack up; shown, not quoted.
   */
  peak_rss_all_runs_mb: number;
}

interface Prepared {
  run: () => unknown;
  /** Throws when the output is wrong. */
  check?: (output: unknown) => void;
}

async function prepare(cfg: ChildConfig): Promise<Prepared> {
  if (cfg.case === 'csv' || cfg.case === 'parquet') {
    const file = cfg.file!;
    const label = file;
    const digest = cfg.digest!;
    if (cfg.side === 'baseline') {
      if (cfg.case === 'parquet') throw new Error('the parquet case has no baseline of its own: it is the CSV line parse');
      return { run: () => readTicksLineByLine(file), check: (out) => checkDigest(label, digestOfColumns(out as TickColumns), digest) };
    }
    const polars = await loadPolars();
    const read = cfg.case === 'csv' ? () => polars.readCSV(file) : () => polars.readParquet(file);
    return { run: read, check: (out) => checkDigest(label, digestOfFrame(polars, out as pl.DataFrame), digest) };
  }
  const input = inMemoryInputs(cfg.case, cfg.rows, cfg.seed);
  if (cfg.side === 'baseline') {
    if (cfg.case === 'groupby') return { run: () => minuteBarsLoop(input.trades) };
    if (cfg.case === 'asof') return { run: () => asofLoop(input.trades, input.quotes!) };
    return { run: () => rollingKernel(input.trades.price) };
  }
  const polars = await loadPolars();
  if (cfg.case === 'groupby') {
    const trades = tradesFrame(polars, input.trades);
    return { run: () => minuteBarsPolars(polars, trades) };
  }
  if (cfg.case === 'asof') {
    const trades = tradesFrame(polars, input.trades);
    const quotes = quotesFrame(polars, input.quotes!);
    return { run: () => asofPolars(trades, quotes) };
  }
  const prices = polars.DataFrame({ price: input.trades.price });
  return { run: () => rollingPolars(polars, prices) };
}

/**
 * This process's peak RSS in MB: VmHWM of /proc/self/status where there is one. Not process.resourceUsage().maxRSS
 * on Linux: the kernel carries the spawning process's peak across fork + exec into it, so a child of a parent
 * holding 500 MB reports at least 500 MB (seen while writing this suite). VmHWM belongs to the new address space.
 */
function rssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no /proc (macOS, Windows): the portable figure
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function runChild(cfg: ChildConfig): Promise<ChildResult> {
  const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const { run, check } = await prepare(cfg);
  collect();
  const setup = rssMb();
  let out: unknown = await run();
  const firstPeak = rssMb();
  check?.(out);
  out = undefined;
  const samples: number[] = [];
  for (let k = 0; k < cfg.warmup + cfg.repeat; k++) {
    out = undefined;
    collect();
    const t0 = process.hrtime.bigint();
    out = await run();
    if (k >= cfg.warmup) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const t = summarize(samples);
  return { median_ms: t.median, min_ms: t.min, max_ms: t.max, setup_rss_mb: setup, peak_rss_mb: firstPeak, peak_rss_all_runs_mb: rssMb() };
}

try {
  const result = await runChild(JSON.parse(process.argv[2] ?? '') as ChildConfig);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
