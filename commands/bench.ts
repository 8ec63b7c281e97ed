import { readFileSync } from 'node:fs';
import { Command } from './commander.js';
import { lazySchema, numberFlag, parseFlags, positiveInt } from './flags.js';
import { CiftError } from '../src/errors.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { checkOutputPath } from '../src/io/output-path.js';
import { machineInfo, regressions, type BenchDocument, type CaseResult } from '../bench/harness.js';
import { SUITE_NAMES } from '../bench/suite-names.js';
import { uiFrom } from './context.js';
import { examples, printJson, printTable, withSpinner, type Ui } from './ui.js';

interface BenchFlags {
  suite: string;
  size: string;
  repeat: string;
  warmup: string;
  processes: string;
  peers?: boolean;
  baseline?: string;
  compare?: string;
  maxRegression: string;
  save?: string;
  clients?: string;
  idle?: string;
  seconds?: string;
  connections?: string;
  orders?: string;
}

const BenchFlags = lazySchema((z) => z.object({
  size: positiveInt(),
  repeat: positiveInt(),
  processes: positiveInt(),
  warmup: numberFlag('must be a whole number ≥ 0', (v) => Number.isInteger(v) && v >= 0),
  maxRegression: numberFlag('must be a percentage ≥ 0', (v) => v >= 0),
}));

/** The serve suite's sizes; each is optional (bench/serve.ts has the defaults). */
const ServeFlags = lazySchema((z) => z.object({
  clients: positiveInt().optional(),
  idle: positiveInt().optional(),
  seconds: numberFlag('must be a number of seconds > 0', (v) => v > 0).optional(),
  connections: positiveInt().optional(),
  orders: positiveInt().optional(),
}));

const fmt = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '' : v >= 100 ? v.toFixed(1) : v.toPrecision(digits));

/** The serve suite's figures (req/s, latencies, frames, RSS) against their targets: one line per case. */
const SERVE_FIGURES = ['req_per_s', 'p50_ms', 'p99_ms', 'frames_per_s', 'dropped', 'connected', 'rss_mb'];

function printServeResults(ui: Ui, cases: CaseResult[]): void {
  printTable(
    ui,
    ['case', 'figures', 'target', 'met'],
    cases.map((c) => [
      c.name,
      c.status === 'ok' ? SERVE_FIGURES.filter((k) => typeof c[k] === 'number').map((k) => `${k} ${fmt(c[k] as number)}`).join(', ') : `${String(c.status)}: ${String(c.reason ?? '')}`,
      Object.entries((c.target ?? {}) as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', '),
      c.target_met === true ? 'yes' : c.target_met === false ? 'no' : '',
    ]),
  );
}

const mb = (v: unknown) => (typeof v === 'number' ? v.toFixed(0) : '');
const met = (c: CaseResult) => (c.target_met === true ? 'yes' : c.target_met === false ? 'no' : '');

/** The pipelines suite: polars against the plain-TypeScript baseline, time and peak RSS of each side. */
function printPipelineResults(ui: Ui, cases: CaseResult[]): void {
  printTable(
    ui,
    ['case', 'rows', 'polars ms', 'baseline ms', 'ratio', 'polars RSS MB', 'baseline RSS MB', 'target', 'met'],
    cases.map((c) => [
      c.name,
      c.size.toLocaleString('en-US'),
      fmt(c.median_ms),
      fmt(c.baseline_median_ms as number),
      fmt(c.ratio as number),
      mb(c.peak_rss_mb),
      mb(c.baseline_peak_rss_mb),
      typeof c.target_rows_per_s === 'number' ? `≥ ${(c.target_rows_per_s / 1e6).toFixed(0)} M rows/s (${fmt((c.rows_per_s as number) / 1e6)} M)` : '',
      met(c),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
  );
}

/** The codec suite: bytes and encode+decode time per op of JSON and MessagePack, and JSON over MessagePack. */
function printCodecResults(ui: Ui, cases: CaseResult[]): void {
  printTable(
    ui,
    ['payload', 'JSON bytes', 'MsgPack bytes', 'size ×', 'JSON µs/op', 'MsgPack µs/op', 'speed ×'],
    cases.map((c) => [
      c.name,
      String(c.json_bytes),
      String(c.msgpack_bytes),
      fmt(c.bytes_ratio as number),
      fmt((c.json_ms as number) * 1000),
      fmt((c.msgpack_ms as number) * 1000),
      fmt(c.speed_ratio as number),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Suites with a table of their own; the rest share the kernels' columns. */
const OWN_TABLES: Record<string, (ui: Ui, cases: CaseResult[]) => void> = { serve: printServeResults, pipelines: printPipelineResults, codec: printCodecResults };

function printResults(ui: Ui, allCases: CaseResult[]): void {
  for (const [suite, print] of Object.entries(OWN_TABLES)) {
    const own = allCases.filter((c) => c.suite === suite);
    if (own.length) print(ui, own);
  }
  const cases = allCases.filter((c) => !(c.suite in OWN_TABLES));
  if (cases.length === 0) return;
  // Cases with a target (issue-set goals, e.g. the backtest suite's) get a target column and whether it was met.
  const targets = cases.some((c) => typeof c.target_ms === 'number');
  const targetCells = (c: CaseResult): string[] => (targets ? [typeof c.target_ms === 'number' ? `≤ ${fmt(c.target_ms)}` : '', c.target_met === true ? 'yes' : c.target_met === false ? 'no' : ''] : []);
  // --processes: the slowest process's median over the fastest's, against its target; the same over each
  // process's fastest run, and the floor's (machine noise) beside it.
  const spreads = cases.some((c) => typeof c.process_spread === 'number');
  const spreadCells = (c: CaseResult): string[] => (spreads ? [fmt(c.process_spread as number | undefined), c.spread_target_met === true ? 'yes' : c.spread_target_met === false ? 'no' : '', fmt(c.process_min_spread as number | undefined), fmt(c.floor_process_spread as number | undefined)] : []);
  printTable(
    ui,
    ['suite', 'case', 'size', 'median ms', 'min ms', 'ns/elem', 'floor ×', 'fastest peer', 'peer ×', ...(targets ? ['target ms', 'met'] : []), ...(spreads ? ['spread ×', '≤ 1.25', 'min spread ×', 'floor spread ×'] : [])],
    cases.map((c) => [c.suite, c.name, c.size.toLocaleString('en-US'), fmt(c.median_ms), fmt(c.min_ms), fmt(c.ns_per_element), fmt(c.floor_ratio), c.peer ?? '', fmt(c.peer_ratio), ...targetCells(c), ...spreadCells(c)]),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'right', ...(targets ? (['right', 'left'] as const) : []), ...(spreads ? (['right', 'left', 'right', 'right'] as const) : [])],
  );
}

export const benchCommand = new Command('bench')
  .description('benchmarks of kernels, backtests, trading, serve, polars pipelines and wire codecs, each checked against a reference before timing')
  .option('--suite <names>', `suites to run, comma-separated: ${SUITE_NAMES.join(', ')} or all`, 'kernels')
  .option('--size <N>', 'elements per case (pipelines: CSV/Parquet 10×N rows, group-by and as-of N/10, rolling N)', '1000000')
  .option('--repeat <R>', 'timed repetitions (the median is quoted)', '10')
  .option('--warmup <W>', 'untimed runs before timing', '3')
  .option('--processes <N>', 'kernels suite: run each case in N fresh processes and report the spread of their medians (target ≤ 1.25×)', '1')
  .option('--peers', 'also time technicalindicators, trading-signals and @ixjb94/indicators on the same input')
  .option('--baseline <file>', 'compare with a saved --json document; exit 1 on a regression')
  .option('--compare <file>', 'with --baseline: compare this saved document instead of running the suites')
  .option('--max-regression <pct>', 'allowed slowdown against the baseline, percent', '25')
  .option('--save <file>', 'write the JSON document to this file')
  .option('--clients <N>', 'serve suite: WebSocket fan-out clients (default 1000)')
  .option('--idle <N>', 'serve suite: idle subscribed WebSocket connections (default 10000)')
  .option('--seconds <S>', 'serve suite: seconds of load per case (default 3)')
  .option('--connections <N>', 'serve suite: HTTP connections of the quote-route load (default 10)')
  .option('--orders <N>', 'serve suite: orders submitted one after another (default 500)')
  .addHelpText(
    'after',
    examples([
      'cift bench',
      'cift bench --suite kernels --size 1000000 --peers --json',
      'cift bench --suite kernels --processes 10 --json',
      'cift bench --size 10000000 --repeat 5 --save bench/baseline.json',
      'cift bench --baseline bench/baseline.json --max-regression 25',
      'cift bench --compare today.json --baseline bench/baseline.json',
      'cift bench --suite serve --clients 1000 --idle 10000 --seconds 5 --json',
      'cift bench --suite pipelines,codec --json',
      'cift bench --suite pipelines --size 100000 --repeat 3',
    ]),
  )
  .action(async (flags: BenchFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const names = flags.suite === 'all' ? [...SUITE_NAMES] : flags.suite.split(',').map((n) => n.trim());
    for (const n of names) if (!SUITE_NAMES.includes(n)) throw new CiftError('USAGE', `unknown suite "${n}"`, `suites: ${SUITE_NAMES.join(', ')}, all`);
    const { size, repeat, warmup, processes, maxRegression } = parseFlags(BenchFlags, flags as unknown as Record<string, unknown>);
    const serve = parseFlags(ServeFlags, flags as unknown as Record<string, unknown>);
    const baseline = flags.baseline === undefined ? undefined : readBenchDocument(flags.baseline);
    if (flags.save !== undefined) checkOutputPath(flags.save, '--save');
    if (flags.compare !== undefined) {
      if (baseline === undefined) throw new CiftError('USAGE', '--compare needs --baseline', 'e.g. cift bench --compare today.json --baseline bench/baseline.json');
      const current = readBenchDocument(flags.compare);
      failOnRegressions(current, baseline, maxRegression);
      if (ui.json) printJson({ compared: current.cases.length, max_regression_pct: maxRegression, regressions: [] });
      else process.stdout.write(`${current.cases.length} case(s) compared: none slower than the baseline by more than ${maxRegression}%\n`);
      return;
    }

    const { SUITES } = await import('../bench/suites.js');
    const cases: CaseResult[] = [];
    await withSpinner(ui, 'benchmarking', async (progress) => {
      for (const n of names) {
        for (const c of await SUITES[n]({ size, repeat, warmup, processes, peers: Boolean(flags.peers), serve, onProgress: (t) => progress.update(t) })) cases.push(c);
      }
    });
    const doc: BenchDocument = { machine: machineInfo(), cases };
    if (flags.save) writeFileAtomic(flags.save, `${JSON.stringify(doc, null, 2)}\n`);
    if (ui.json) printJson(doc);
    else printResults(ui, cases);
    if (baseline) failOnRegressions(doc, baseline, maxRegression);
  });

function failOnRegressions(current: BenchDocument, baseline: BenchDocument, maxRegression: number): void {
  const slow = regressions(current, baseline, maxRegression);
  if (slow.length === 0) return;
  const worst = slow.map((r) => `${r.suite}/${r.name}@${r.size} +${r.slower_pct.toFixed(0)}%`).join(', ');
  throw new CiftError('BENCH_REGRESSION', `${slow.length} case(s) slower than the baseline by more than ${maxRegression}%: ${worst}`);
}

function readBenchDocument(path: string): BenchDocument {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as BenchDocument;
    if (!Array.isArray(doc.cases)) throw new Error('no "cases" array');
    return doc;
  } catch (e) {
    throw new CiftError('INPUT_INVALID', `${path}: not a bench document (${e instanceof Error ? e.message : String(e)})`, 'make one with `cift bench --save FILE`');
  }
}
