/**
 * `cift backtest --optimize` and `--walk-forward` end to end: backtesting.py's OPT_GOOG_SHARPE public answer
 * (../shared/data/vectors/backtesting_py/orders_public.json), ties and NaN on a hand-built strategy file, a GOOG
 * walk-forward checked against its own definition, and one-line errors for every new flag.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, VECTORS_DIR, cift, hasVectors, parseSimpleCsv, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');
const GOOG = join(ROOT, 'data', 'GOOG.csv');
const OPT_GOOG = ['backtest', '--strategy', 'sma-cross', '--data', GOOG, '--commission', '.002', '--optimize', 'fast=5:30:5', '--optimize', 'slow=10:80:10', '--constraint', 'fast < slow'];

interface Reference {
  optimize: { n_combinations: number; best_params: Record<string, number>; heatmap: Array<{ fast: number; slow: number; value: number }> };
  stats: Record<string, number | string>;
  n_trades: number;
  trades: Array<{ Size: number; EntryBar: number; ExitBar: number; EntryPrice: number; ExitPrice: number; PnL: number }>;
}

describe.runIf(hasVectors)('OPT_GOOG_SHARPE (backtesting.py 0.6.6 optimize, §7)', () => {
  it('gives the 39-cell heatmap in product order, the best params, and the best run’s stats and trades', () => {
    const ref = (JSON.parse(readFileSync(join(VECTORS_DIR, 'backtesting_py', 'orders_public.json'), 'utf8')) as Record<string, Reference>).OPT_GOOG_SHARPE;
    const heatFile = join(tmp.dir, 'heat.csv');
    const r = cift([...OPT_GOOG, '--maximize', 'Sharpe Ratio', '--heatmap', heatFile, '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['stats', 'trades', 'params', 'settings', 'run', 'optimize']);
    const opt = out.optimize;
    expect(opt.maximize).toBe('Sharpe Ratio');
    expect(opt.combinations).toBe(ref.optimize.n_combinations);
    expect(opt.best_params).toEqual(ref.optimize.best_params);
    expect(opt.heatmap.map((c: { params: unknown }) => c.params)).toEqual(ref.optimize.heatmap.map(({ fast, slow }) => ({ fast, slow })));
    opt.heatmap.forEach((c: { value: number }, k: number) => expect(Math.abs(c.value - ref.optimize.heatmap[k].value), `cell ${k}`).toBeLessThan(1e-9));
    expect(out.params).toEqual(ref.optimize.best_params);
    for (const [key, value] of Object.entries(ref.stats)) {
      if (typeof value === 'string') expect(out.stats[key].slice(0, 19), key).toBe(value);
      else expect(Math.abs(out.stats[key] - value), key).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
    }
    expect(out.stats['# Trades']).toBe(ref.n_trades);
    expect(out.trades.length).toBe(ref.n_trades);
    out.trades.forEach((t: Reference['trades'][number], k: number) => {
      const e = ref.trades[k];
      expect([t.Size, t.EntryBar, t.ExitBar, t.EntryPrice, t.ExitPrice], `trade ${k}`).toEqual([e.Size, e.EntryBar, e.ExitBar, e.EntryPrice, e.ExitPrice]);
      expect(Math.abs(t.PnL - e.PnL), `trade ${k} PnL`).toBeLessThan(1e-9 * Math.max(1, Math.abs(e.PnL)));
    });
    const csv = parseSimpleCsv(readFileSync(heatFile, 'utf8'));
    expect(csv.header).toEqual(['fast', 'slow', 'value']);
    expect(csv.rows.map((row) => row.map(Number))).toEqual(opt.heatmap.map((c: { params: { fast: number; slow: number }; value: number }) => [c.params.fast, c.params.slow, c.value]));
  });
});

describe('cift backtest --optimize', () => {
  it('prints the best run and a table of the top 10 combinations', () => {
    const r = cift([...OPT_GOOG, '--maximize', 'Sharpe Ratio'], { home });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(r.stdout).toContain('Sharpe Ratio');
    // From the §7 heatmap: the best three are 10/20 (0.6007), 10/40 (0.5254), 10/30 (0.4975).
    const ranks = lines.filter((l) => /^│\s+\d+ │\s+\d+ │\s+\d+ │\s+-?\d/.test(l)).map((l) => l.split('│').slice(1, 4).map((c) => Number(c.trim())));
    expect(ranks.slice(0, 3)).toEqual([
      [1, 10, 20],
      [2, 10, 40],
      [3, 10, 30],
    ]);
    expect(ranks.length).toBe(10);
    expect(lines[lines.length - 1]).toBe('best of 39 combinations (admissible of 48): fast=10 slow=20');
  });

  it('writes the heatmap as JSON records', () => {
    const file = join(tmp.dir, 'heat.json');
    const r = cift(['backtest', '--strategy', 'sma-cross', '--data', GOOG, '--optimize', 'fast=10,20', '--optimize', 'slow=30', '--heatmap', file, '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(file, 'utf8'));
    expect(rows.map((x: Record<string, unknown>) => [x.fast, x.slow])).toEqual([
      [10, 30],
      [20, 30],
    ]);
    expect(rows.map((x: { value: number }) => x.value)).toEqual(JSON.parse(r.stdout).optimize.heatmap.map((c: { value: number }) => c.value));
  });

  it('samples --max-tries cells reproducibly with --seed', () => {
    const run = (seed: string) => JSON.parse(cift([...OPT_GOOG, '--method', 'random', '--max-tries', '7', '--seed', seed, '--json'], { home }).stdout).optimize;
    const a = run('3');
    const b = run('3');
    expect(a.heatmap.length).toBe(7);
    expect(a.heatmap).toEqual(b.heatmap);
    expect(a.admissible).toBe(39);
    expect(run('4').heatmap).not.toEqual(a.heatmap);
  });

  // Round trips at bars 1→3 and 4→6 (filled a bar later): min(trips, 2) of them, so # Trades is none, 1, 2, 2.
  const tripsFile = () =>
    writeText(
      tmp.dir,
      'trips.ts',
      `import type { Strategy } from 'cift';
export default {
  params: { trips: 1, tag: 'a' },
  init: () => ({}),
  next(t, _i, p) {
    const n = Math.min(p.trips, 2);
    if ((t.i === 1 && n >= 1) || (t.i === 4 && n >= 2)) t.buy({ size: 1 });
    if (t.i === 3 || t.i === 6) t.close();
  },
} satisfies Strategy<{ trips: number; tag: string }>;
`,
    );

  it('on a tie takes the first cell in product order; a 0-trade cell is null and never best', () => {
    const r = cift(['backtest', '--strategy', tripsFile(), '--data', GOOG, '--optimize', 'trips=0:3:1', '--maximize', '# Trades', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.optimize.heatmap).toEqual([
      { params: { trips: 0 }, value: null },
      { params: { trips: 1 }, value: 1 },
      { params: { trips: 2 }, value: 2 },
      { params: { trips: 3 }, value: 2 },
    ]);
    expect(out.optimize.best_params).toEqual({ trips: 2 });
    expect(out.params, 'the best run is re-run with every param').toEqual({ trips: 2, tag: 'a' });
    expect(out.trades.length).toBe(2);
  });

  it('with every cell NaN returns the first combination', () => {
    const r = cift(['backtest', '--strategy', tripsFile(), '--data', GOOG, '--optimize', 'trips=0', '--optimize', 'tag=x,y', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.optimize.heatmap.map((c: { value: unknown }) => c.value)).toEqual([null, null]);
    expect(out.optimize.best_params).toEqual({ trips: 0, tag: 'x' });
    expect(out.trades).toEqual([]);
  });
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe.runIf(hasScript)('progress', () => {
  it('shows a spinner on a terminal and nothing when piped', () => {
    const log = join(tmp.dir, 'optimize.typescript');
    const command = `stty cols 120 rows 40; exec ${process.execPath} ${join(ROOT, 'bin', 'cift.js')} ${OPT_GOOG.map((a) => `'${a}'`).join(' ')}`;
    const env: NodeJS.ProcessEnv = { ...process.env, CIFT_HOME: home, TERM: 'xterm-256color' };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const r = spawnSync('script', ['-qec', command, log], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('optimising sma-cross');
    const piped = cift(OPT_GOOG, { home });
    expect(piped.stdout + piped.stderr).not.toContain('optimising');
  });
});

describe('cift backtest --walk-forward', () => {
  it('optimises each training window, compounds the test windows and reports the stitched out-of-sample run', () => {
    const r = cift([...OPT_GOOG, '--walk-forward', 'train=750,test=250', '--json'], { home });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const wf = out.walk_forward;
    expect(wf).toMatchObject({ train: 750, test: 250, anchored: false, maximize: 'SQN' });
    // 2,148 bars: tests start at 750, 1000, …, 2000; the last has 148 bars.
    expect(wf.windows.map((w: { train: { first_bar: number; end_bar: number }; test: { first_bar: number; end_bar: number } }) => [w.train.first_bar, w.train.end_bar, w.test.first_bar, w.test.end_bar])).toEqual([
      [0, 750, 750, 1000],
      [250, 1000, 1000, 1250],
      [500, 1250, 1250, 1500],
      [750, 1500, 1500, 1750],
      [1000, 1750, 1750, 2000],
      [1250, 2000, 2000, 2148],
    ]);
    expect(wf.windows[0].train.from).toBe('2004-08-19T00:00:00.000Z');
    expect(wf.windows[0].start_equity).toBe(10_000);
    let growth = 1;
    wf.windows.forEach((w: { start_equity: number; stats: Record<string, number> }, k: number) => {
      if (k > 0) expect(w.start_equity, `window ${k} starts where ${k - 1} ended`).toBe(wf.windows[k - 1].stats['Equity Final [$]']);
      growth *= 1 + w.stats['Return [%]'] / 100;
    });
    expect(Math.abs(out.stats['Return [%]'] - (growth - 1) * 100), 'overall return compounds the windows').toBeLessThan(1e-9);
    expect(out.stats['# Trades']).toBe(wf.windows.reduce((n: number, w: { stats: Record<string, number> }) => n + w.stats['# Trades'], 0));
    expect(out.stats.Start.slice(0, 10), 'stats cover the test bars only').toBe(wf.windows[0].test.from.slice(0, 10));
    expect(out.trades.every((t: { EntryBar: number }) => t.EntryBar > 750), 'no trade before the first test bar').toBe(true);

    // The first window's winner is what a plain --optimize over the same 750 bars picks.
    const trainOnly = cift([...OPT_GOOG, '--to', wf.windows[0].train.to, '--json'], { home });
    expect(trainOnly.status, trainOnly.stderr).toBe(0);
    const plain = JSON.parse(trainOnly.stdout);
    expect(plain.run.input.rows).toBe(750);
    expect(wf.windows[0].params).toEqual(plain.params);
  });

  it('prints a row per window and the out-of-sample statistics', () => {
    const r = cift([...OPT_GOOG, '--walk-forward', 'train=1000,test=500,anchored'], { home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ 1 │ 2004-08-19 – \d{4}-\d\d-\d\d │/);
    expect(r.stdout).toMatch(/│ 3 │ 2004-08-19 – /);
    expect(r.stdout).toContain('out of sample, 3 windows stitched (1,148 bars):');
  });
});

describe('bad optimiser flags', () => {
  it.each([
    [['--optimize', 'fast=5:1:1'], 2, 'cift: --optimize "fast=5:1:1": stop is before start'],
    [['--optimize', 'fast=5:30:0'], 2, 'cift: --optimize "fast=5:30:0": step must be > 0'],
    [['--optimize', 'fast='], 2, 'cift: --optimize "fast=": the list of values is empty'],
    [['--optimize', 'fast=5,x'], 2, 'cift: --optimize "fast=5,x": "x" is not a number'],
    [['--optimize', 'fast=0:10:5'], 2, 'cift: --optimize "fast=0:10:5": fast=0 must be an integer ≥ 1'],
    [['--optimize', 'fsat=5:30:5'], 1, 'cift: --optimize "fsat=5:30:5": unknown parameter "fsat"'],
    [['--optimize', 'fast=1:1001:1', '--optimize', 'slow=1:1000:1'], 2, 'cift: --optimize: the grid has more than 1000000 combinations'],
    [['--optimize', 'fast=5:30:5', '--constraint', 'fast <'], 2, 'cift: --constraint "fast <": expected a value but found the end (column 7)'],
    [['--optimize', 'fast=5:30:5', '--constraint', 'fats < slow'], 2, 'cift: --constraint "fats < slow": unknown parameter "fats" (column 1)'],
    [['--optimize', 'fast=5:30:5', '--constraint', 'fast > slow + 100'], 2, 'cift: --constraint "fast > slow + 100" admits none of the 6 combinations'],
    [['--optimize', 'fast=5:30:5', '--maximize', 'Sharpe'], 2, 'cift: --maximize "Sharpe" is not a statistic'],
    [['--optimize', 'fast=5:30:5', '--maximize', 'End'], 2, 'cift: --maximize "End" is not a number statistic'],
    [['--optimize', 'fast=5:30:5', '--method', 'sobol'], 2, 'cift: --method "sobol" must be grid or random'],
    [['--optimize', 'fast=5:30:5', '--method', 'random'], 2, 'cift: --method random needs --max-tries N'],
    [['--optimize', 'fast=5:30:5', '--max-tries', '0'], 2, 'cift: --max-tries "0" must be a positive whole number'],
    [['--optimize', 'fast=5:30:5', '--seed', '-1'], 2, 'cift: --seed "-1" must be a whole number from 0 to 4294967295'],
    [['--optimize', 'fast=5:30:5', '--heatmap', 'heat.txt'], 2, 'cift: --heatmap "heat.txt" must end in .csv, .parquet or .json'],
    [['--optimize', 'fast=5:30:5', '--walk-forward', 'train=0,test=5'], 2, 'cift: --walk-forward "train=0,test=5": train must be a whole number of bars ≥ 1'],
    [['--optimize', 'fast=5:30:5', '--walk-forward', 'train=5000,test=10'], 2, 'cift: --walk-forward: train=5000 leaves no test bars in 2148 bars'],
    [['--optimize', 'fast=5:30:5', '--walk-forward', 'train=500,test=100', '--trades', 't.csv'], 2, 'cift: --trades does not apply to --walk-forward'],
    [['--optimize', 'fast=5:30:5', '--walk-forward', 'train=500,test=100', '--heatmap', 'h.csv'], 2, 'cift: --heatmap does not apply to --walk-forward'],
    [['--constraint', 'fast < slow'], 2, 'cift: --constraint needs --optimize'],
    [['--maximize', 'SQN'], 2, 'cift: --maximize needs --optimize'],
    [['--walk-forward', 'train=5,test=5'], 2, 'cift: --walk-forward needs --optimize'],
  ])('%j → exit %i, %s', (flags, status, message) => {
    const r = cift(['backtest', '--strategy', 'sma-cross', '--data', GOOG, ...flags], { home, cwd: tmp.dir });
    expect(r.status).toBe(status);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(r.stdout).toBe('');
  });
});
