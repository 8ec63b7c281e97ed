/**
 * The benchmark harness: warm-up runs, then timed repeats; median (quoted), min and max. Every case checks its
 * output against a reference before it is timed: a benchmark of wrong numbers proves nothing.
 */
import { cpus, totalmem, arch, platform, loadavg } from 'node:os';

export interface CaseResult {
  suite: string;
  name: string;
  size: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  ns_per_element?: number;
  floor_ratio?: number;
  peer?: string;
  peer_ratio?: number;
  peer_max_diff?: number;
  /** Largest relative error against the reference (checked before timing). */
  max_rel_error?: number;
  [extra: string]: unknown;
}

export interface BenchDocument {
  machine: Record<string, unknown>;
  cases: CaseResult[];
}

export interface Timing {
  median: number;
  min: number;
  max: number;
}

export interface BenchOptions {
  size: number;
  repeat: number;
  warmup: number;
  peers: boolean;
  onProgress?: (label: string) => void;
  /** Kernels suite: run each case in this many fresh processes and report the spread (bench/kernel-processes.ts). */
  processes?: number;
  /** Sizes of the `serve` suite (clients, idle connections, seconds per case); defaults in bench/serve.ts. */
  serve?: Partial<{ clients: number; idle: number; seconds: number; connections: number; orders: number }>;
}

/** Median, min and max of timing samples in ms. */
/** The p-th percentile of ascending `sorted` (nearest rank, rounding down; the last element for p = 100). */
export const percentile = (sorted: ArrayLike<number>, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Times `run` (ms): `warmup` untimed runs, then `repeat` timed ones. */
export function time(run: () => void, repeat: number, warmup: number): Timing {
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(samples);
}

export function machineInfo(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    // Other work on the machine inflates every figure (polars' thread pool most): the 1-minute load average as the run ends.
    load_avg_1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

export interface Regression {
  suite: string;
  name: string;
  size: number;
  baseline_ms: number;
  current_ms: number;
  slower_pct: number;
}

/** Cases slower than the baseline's same (suite, name, size) by more than maxPct percent. */
export function regressions(current: BenchDocument, baseline: BenchDocument, maxPct: number): Regression[] {
  const key = (c: CaseResult) => `${c.suite}\u0000${c.name}\u0000${c.size}`;
  const base = new Map(baseline.cases.map((c) => [key(c), c]));
  const out: Regression[] = [];
  for (const c of current.cases) {
    const b = base.get(key(c));
    if (!b || !(b.median_ms > 0)) continue;
    const slower = (c.median_ms / b.median_ms - 1) * 100;
    if (slower > maxPct) out.push({ suite: c.suite, name: c.name, size: c.size, baseline_ms: b.median_ms, current_ms: c.median_ms, slower_pct: slower });
  }
  return out;
}
