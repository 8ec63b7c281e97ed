/**
 * `cift bench --suite kernels --processes N`: every kernel case measured in N fresh Node processes, one after
 * another, and the spread of their medians reported (issue 14: a kernel whose optimised code was thrown away in
 * some processes ran 2–4× slower there, which a single-process benchmark cannot show).
 *
 * The rounds go case by case within a process round (round 1 runs every case once, then round 2, …), so a burst
 * of load from elsewhere on the machine spreads over all cases instead of landing on one. Each child is this file
 * run as a script: it builds only its own case and prints that case's result (bench/kernels.ts's
 * measureKernelCase: reference check, then timing) as JSON.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summarize, type BenchOptions, type CaseResult } from './harness.js';
import { bookKernelCases, kernelCases, measureKernelCase, type KernelCase } from './kernels.js';

/** Issue 14's target: the slowest process's median at most 1.25× the fastest's, for every case. */
export const PROCESS_SPREAD_TARGET = 1.25;

interface ChildRequest {
  /** Index into [...kernelCases(size), ...bookKernelCases()]. */
  index: number;
  size: number;
  repeat: number;
  warmup: number;
  peers: boolean;
}

const CHILD = fileURLToPath(import.meta.url);

/** The case at `index`, building only the data it needs (the book cases read the GOOG L10 day). */
function caseAt(index: number, size: number): KernelCase {
  const count = kernelCases(2).length;
  const c = index < count ? kernelCases(size)[index] : bookKernelCases()[index - count];
  if (!c) throw new Error(`no kernel case ${index}`);
  return c;
}

function runChild(req: ChildRequest): CaseResult {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify(req)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`kernel case ${req.index} failed in its process (exit ${r.status ?? r.signal}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return JSON.parse(r.stdout) as CaseResult;
}

const medianOf = (values: number[]) => summarize(values).median;

/** One result per case from its N per-process results: medians of the medians, and the spread between processes. */
export function combineProcessResults(runs: CaseResult[]): CaseResult {
  const first = runs[0];
  const medians = runs.map((r) => r.median_ms);
  const across = summarize(medians);
  const median = across.median;
  const floorMedian = medianOf(runs.map((r) => r.floor_median_ms as number));
  const spread = across.max / across.min;
  // Two companions to judge the spread by on a shared machine: the same spread over each process's fastest run
  // (less sensitive to load from elsewhere than a median), and the spread of the floor (a plain copy, which no
  // optimisation decision can slow): a floor spread as large as the kernel's means the machine, not the kernel.
  const mins = summarize(runs.map((r) => r.min_ms));
  const floors = summarize(runs.map((r) => r.floor_median_ms as number));
  const combined: CaseResult = {
    ...first,
    median_ms: median,
    min_ms: mins.min,
    max_ms: summarize(runs.map((r) => r.max_ms)).max,
    ns_per_element: (median * 1e6) / first.size,
    floor_median_ms: floorMedian,
    floor_ratio: median / floorMedian,
    max_rel_error: summarize(runs.map((r) => r.max_rel_error ?? 0)).max,
    processes: runs.length,
    process_median_ms: medians,
    process_spread: spread,
    process_spread_target: PROCESS_SPREAD_TARGET,
    spread_target_met: spread <= PROCESS_SPREAD_TARGET,
    process_min_ms: runs.map((r) => r.min_ms),
    process_min_spread: mins.max / mins.min,
    floor_process_spread: floors.max / floors.min,
  };
  if (typeof first.levels === 'number' && typeof first.target_ns_per_level_row === 'number') {
    const perLevelRow = (median * 1e6) / (first.size * first.levels);
    combined.ns_per_level_row = perLevelRow;
    combined.target_met = perLevelRow <= first.target_ns_per_level_row;
  }
  if (runs.every((r) => typeof r.peer_ratio === 'number')) combined.peer_ratio = medianOf(runs.map((r) => r.peer_ratio as number));
  return combined;
}

export async function runKernelSuiteInProcesses(opts: BenchOptions): Promise<CaseResult[]> {
  const processes = opts.processes ?? 1;
  const names = [...kernelCases(2), ...bookKernelCases()].map((c) => c.name);
  const runs: CaseResult[][] = names.map(() => []);
  for (let p = 0; p < processes; p++) {
    for (let index = 0; index < names.length; index++) {
      opts.onProgress?.(`kernels: ${names[index]} (process ${p + 1} of ${processes})`);
      runs[index].push(runChild({ index, size: opts.size, repeat: opts.repeat, warmup: opts.warmup, peers: opts.peers }));
    }
  }
  return runs.map(combineProcessResults);
}

if (process.argv[1] === CHILD) {
  const req = JSON.parse(process.argv[2]) as ChildRequest;
  const result = await measureKernelCase(caseAt(req.index, req.size), { size: req.size, repeat: req.repeat, warmup: req.warmup, peers: req.peers });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
