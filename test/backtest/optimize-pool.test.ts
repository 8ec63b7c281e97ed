/**
 * The worker pool gives the scores a single thread gives, cell for cell (NaN where NaN), for a built-in and for a
 * user's .ts file each worker loads itself; a strategy error in a worker comes back as the same one-line error.
 * The workers run the compiled dist/ (npm test builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConstraint } from '../../src/backtest/constraint.js';
import { InProcessEvaluator, parseObjective, plannedCells, type CellRun } from '../../src/backtest/optimize.js';
import { AdaptiveEvaluator, WorkerPool } from '../../src/backtest/optimize-pool.js';
import { sharedBars } from '../../src/backtest/worker-support.js';
import { parseGrid, type GridAxis } from '../../src/backtest/param-grid.js';
import { loadStrategy } from '../../src/backtest/strategy.js';
import { DEFAULT_BROKER, type BarArrays, type Params } from '../../src/backtest/types.js';
import { readTabularFile } from '../../src/sources/files.js';
import { BUILTIN_STRATEGIES } from '../../strategies/index.js';
import { errorOf, ROOT, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const BUILTINS_URL = pathToFileURL(join(ROOT, 'dist', 'strategies', 'index.js')).href;

async function goog(): Promise<BarArrays> {
  const [g] = await readTabularFile(join(ROOT, 'data', 'GOOG.csv'), { symbol: 'GOOG' });
  return { ts: g.ts, open: g.values.open, high: g.values.high, low: g.values.low, close: g.values.close, volume: g.values.volume };
}

function setup(bars: BarArrays, spec: string, strategy: CellRun['strategy'], grid: string[], objective = 'SQN') {
  const axes: GridAxis[] = parseGrid(grid, strategy.params, strategy.bounds);
  const run: CellRun = { strategy, settings: { ...DEFAULT_BROKER, commission: 0.002 }, objective: parseObjective(objective), runOptions: { strategyLabel: spec } };
  const pool = (threads: number) =>
    new WorkerPool({ bars, axes, base: strategy.params as Params, settings: run.settings, objective: run.objective, runOptions: run.runOptions, strategySpec: spec, builtinsModule: BUILTINS_URL, builtinsExport: 'BUILTIN_STRATEGIES', threads });
  return { axes, run, inThread: new InProcessEvaluator(bars, axes, strategy.params as Params, run), pool };
}

const same = (a: Float64Array, b: Float64Array) => expect(Array.from(a).map(String)).toEqual(Array.from(b).map(String));

describe('WorkerPool', () => {
  it('scores the §7 GOOG grid exactly as one thread does, and again on a second call', async () => {
    const bars = await goog();
    const s = setup(bars, 'sma-cross', BUILTIN_STRATEGIES['sma-cross'], ['fast=5:30:5', 'slow=10:80:10'], 'Sharpe Ratio');
    const { cells } = plannedCells({ axes: s.axes, base: BUILTIN_STRATEGIES['sma-cross'].params, constraint: parseConstraint('fast < slow', ['fast', 'slow']), objective: s.run.objective });
    const window = { from: 0, to: bars.ts.length };
    const single = await s.inThread.evaluate(cells, window);
    const pool = s.pool(2);
    try {
      let progress = 0;
      same(await pool.evaluate(cells, window, () => progress++), single);
      expect(progress, 'one progress tick per cell').toBe(cells.length);
      // A training window of a walk-forward: the same pool, a slice of the shared bars.
      same(await pool.evaluate(cells, { from: 100, to: 900 }), await s.inThread.evaluate(cells, { from: 100, to: 900 }));
    } finally {
      await pool.close();
    }
    expect(single[cells.indexOf(9)], 'fast=10 slow=20 is 0.6007… in the §7 heatmap').toBeCloseTo(0.6007399729861899, 12);
  });

  it('loads a user .ts strategy in each worker; NaN cells stay NaN', async () => {
    const file = writeText(
      tmp.dir,
      'ema.ts',
      `import type { Strategy } from 'cift';
export default {
  params: { n: 10, trade: true },
  init: ({ close }, p, ta) => ({ ma: ta.ema(close, p.n) }),
  next(t, { ma }, p) {
    if (!p.trade) return;
    if (t.position === 0 && t.bar.close > ma[t.i]) t.buy();
    else if (t.position > 0 && t.bar.close < ma[t.i]) t.close();
  },
} satisfies Strategy<{ n: number; trade: boolean }>;
`,
    );
    const { strategy } = await loadStrategy(file, {});
    const bars = await goog();
    const s = setup(bars, file, strategy, ['n=5:50:5', 'trade=true,false']);
    const cells = Array.from({ length: 20 }, (_, i) => i);
    const single = await s.inThread.evaluate(cells, { from: 0, to: bars.ts.length });
    expect(Array.from(single).filter((v, i) => i % 2 === 1 && !Number.isNaN(v)), 'trade=false never trades: NaN').toEqual([]);
    const pool = s.pool(3);
    try {
      same(await pool.evaluate(cells, { from: 0, to: bars.ts.length }), single);
    } finally {
      await pool.close();
    }
  });

  it('returns a strategy error from a worker as the one-line CiftError a single thread throws', async () => {
    const file = writeText(
      tmp.dir,
      'fails.ts',
      `export default {
  params: { k: 1 },
  init: () => ({}),
  next(t, _i, p) {
    if (p.k === 3 && t.i === 5) throw new Error('k=3 is broken');
  },
};
`,
    );
    const { strategy } = await loadStrategy(file, {});
    const bars = await goog();
    const s = setup(bars, file, strategy, ['k=1:4:1']);
    const expected = await errorOf(s.inThread.evaluate([0, 1, 2, 3], { from: 0, to: 100 }));
    const pool = s.pool(2);
    try {
      const e = await errorOf(pool.evaluate([0, 1, 2, 3], { from: 0, to: 100 }));
      expect(e.code).toBe('STRATEGY_ERROR');
      expect(e.message).toBe(expected.message);
      expect(e.message).toContain('k=3 is broken');
    } finally {
      await pool.close();
    }
  });

  it('shares the bars: every array the workers get is backed by one SharedArrayBuffer per column', async () => {
    const bars = sharedBars(await goog());
    for (const column of Object.values(bars)) expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedBars(bars).close, 'already shared: not copied again').toBe(bars.close);
  });
});

describe('AdaptiveEvaluator', () => {
  it('gives the same scores whether it stays in this thread or hands the rest to the pool', async () => {
    const bars = await goog();
    const s = setup(bars, 'sma-cross', BUILTIN_STRATEGIES['sma-cross'], ['fast=5:30:5', 'slow=10:80:10']);
    const cells = Array.from({ length: 48 }, (_, i) => i);
    const window = { from: 0, to: bars.ts.length };
    const stays = new AdaptiveEvaluator(s.inThread, () => s.pool(2), 2, 60_000);
    const handsOver = new AdaptiveEvaluator(s.inThread, () => s.pool(2), 2, 0);
    try {
      same(await handsOver.evaluate(cells, window), await stays.evaluate(cells, window));
    } finally {
      await Promise.all([stays.close(), handsOver.close()]);
    }
  });
});
