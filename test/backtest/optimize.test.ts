/**
 * The optimiser's rules from ../shared/specs/backtesting-parity.md §7: the best cell is the first maximal non-NaN
 * score (pandas idxmax), +Infinity wins, all-NaN falls back to the first admissible cell; a 0-trade run is NaN
 * whatever the statistic; --max-tries samples reproducibly. Scores below are written by hand.
 */
import { describe, expect, it } from 'vitest';
import { parseConstraint } from '../../src/backtest/constraint.js';
import { bestPosition, heatmap, InProcessEvaluator, optimize, parseObjective, plannedCells, scoreCell, topCells } from '../../src/backtest/optimize.js';
import { parseGrid } from '../../src/backtest/param-grid.js';
import { DEFAULT_BROKER, type BarArrays, type Strategy } from '../../src/backtest/types.js';
import { rng, thrownBy } from '../helpers.js';

describe('bestPosition', () => {
  it('takes the first of tied maxima and skips NaN', () => {
    expect(bestPosition([NaN, 1, 3, 3, 2], false)).toBe(2);
    expect(bestPosition([3, NaN, 3], false)).toBe(0);
  });
  it('with -KEY takes the first smallest', () => {
    expect(bestPosition([NaN, 1, 3, 1, 2], true)).toBe(1);
  });
  it('lets +Infinity win (and -Infinity when minimising)', () => {
    expect(bestPosition([1, Infinity, 5, Infinity], false)).toBe(1);
    expect(bestPosition([1, -Infinity, -5], true)).toBe(1);
  });
  it('falls back to the first cell when every score is NaN', () => {
    expect(bestPosition([NaN, NaN, NaN], false)).toBe(0);
  });
});

describe('parseObjective', () => {
  it('takes any numeric statistic, and -KEY to minimise', () => {
    expect(parseObjective('Sharpe Ratio')).toEqual({ key: 'Sharpe Ratio', minimise: false });
    expect(parseObjective('-Max. Drawdown [%]')).toEqual({ key: 'Max. Drawdown [%]', minimise: true });
  });
  it('names the flag and suggests a key', () => {
    const e = thrownBy(() => parseObjective('Sharp Ratio'));
    expect(e.message).toBe('--maximize "Sharp Ratio" is not a statistic');
    expect(e.hint).toBe('did you mean "Sharpe Ratio"?');
    expect(thrownBy(() => parseObjective('-sqn')).hint).toBe('did you mean "-SQN"?');
    expect(thrownBy(() => parseObjective('Start')).message).toBe('--maximize "Start" is not a number statistic');
  });
});

describe('plannedCells', () => {
  const defaults = { fast: 10, slow: 30 };
  const axes = parseGrid(['fast=5:30:5', 'slow=10:80:10'], defaults);
  const constraint = parseConstraint('fast < slow', ['fast', 'slow']);
  const objective = parseObjective('SQN');

  it('keeps the admissible cells in product order: 39 of 48 for the GOOG grid of §7', () => {
    const { cells, admissible } = plannedCells({ axes, base: defaults, constraint, objective });
    expect(admissible).toBe(39);
    // fast=5 admits all 8 slows (cells 0-7); fast=10 drops slow=10 (cell 8); fast=30 keeps slow 40-80 (cells 43-47).
    expect(cells.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9]);
    expect(cells.slice(-5)).toEqual([43, 44, 45, 46, 47]);
  });

  it('samples --max-tries distinct admissible cells, the same ones for the same seed, in product order', () => {
    const plan = { axes, base: defaults, constraint, objective, maxTries: 10 };
    const a = plannedCells({ ...plan, random: rng(7) }).cells;
    const b = plannedCells({ ...plan, random: rng(7) }).cells;
    const c = plannedCells({ ...plan, random: rng(8) }).cells;
    const all = plannedCells({ axes, base: defaults, constraint, objective }).cells;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(10);
    expect(a.every((cell) => all.includes(cell))).toBe(true);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(plannedCells({ ...plan, maxTries: 39, random: rng(7) }).cells, 'max-tries ≥ admissible runs them all').toEqual(all);
  });

  it('says when the constraint admits nothing', () => {
    expect(thrownBy(() => plannedCells({ axes, base: defaults, constraint: parseConstraint('fast > slow + 100', ['fast', 'slow']), objective })).message).toBe(
      '--constraint "fast > slow + 100" admits none of the 48 combinations',
    );
  });
});

/** Ten flat daily bars at 100, rising to 110 from bar 6 on. */
function bars(): BarArrays {
  const n = 10;
  const ts = new BigInt64Array(n);
  const close = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = BigInt(Date.UTC(2024, 0, 1 + i)) * 1_000_000n;
    close[i] = i >= 6 ? 110 : 100;
  }
  return { ts, open: close, high: close, low: close, close, volume: new Float64Array(n).fill(1) };
}

/** Makes `min(trips, 2)` round trips: buy at bars 1 and 4, close at 3 and 6 (filled a bar later). */
const trips: Strategy<{ trips: number; tag: string }> = {
  params: { trips: 1, tag: 'a' },
  init: () => ({}),
  next(t, _ind, p) {
    const n = Math.min(p.trips, 2);
    if ((t.i === 1 && n >= 1) || (t.i === 4 && n >= 2)) t.buy({ size: 1 });
    if (t.i === 3 || t.i === 6) t.close();
  },
};

describe('optimize', () => {
  const settings = { ...DEFAULT_BROKER };
  const run = (objectiveText: string, grid: string[]) => {
    const objective = parseObjective(objectiveText);
    const axes = parseGrid(grid, trips.params);
    const evaluator = new InProcessEvaluator(bars(), axes, trips.params, { strategy: trips, settings, objective, runOptions: {} });
    return optimize({ axes, base: trips.params, objective }, evaluator, { from: 0, to: 10 });
  };

  it('scores a 0-trade run NaN even for a statistic it has (Equity Final = cash)', () => {
    const objective = parseObjective('Equity Final [$]');
    expect(scoreCell(bars(), { trips: 0, tag: 'a' }, { strategy: trips, settings, objective, runOptions: {} })).toBeNaN();
    expect(scoreCell(bars(), { trips: 1, tag: 'a' }, { strategy: trips, settings, objective, runOptions: {} }), 'one trade, flat prices: cash').toBe(10_000);
  });

  it('picks the first of tied cells and never a NaN one', async () => {
    // # Trades per cell: trips=0 → none (NaN), 1 → 1, 2 → 2, 3 → 2 (capped): 2 and 3 tie, 2 comes first.
    const o = await run('# Trades', ['trips=0,1,2,3']);
    expect(heatmap(o)).toEqual([
      { params: { trips: 0 }, value: null },
      { params: { trips: 1 }, value: 1 },
      { params: { trips: 2 }, value: 2 },
      { params: { trips: 3 }, value: 2 },
    ]);
    expect(o.bestParams).toEqual({ trips: 2, tag: 'a' });
    expect(topCells(o, 10).map((c) => c.params.trips), 'best first, ties in product order, NaN last').toEqual([2, 3, 1, 0]);
  });

  it('minimises with -KEY, still skipping the NaN cell', async () => {
    const o = await run('-# Trades', ['trips=0,1,2,3']);
    expect(o.bestParams.trips).toBe(1);
    expect(topCells(o, 2).map((c) => c.params.trips)).toEqual([1, 2]);
  });

  it('returns the first combination when no cell traded', async () => {
    const o = await run('SQN', ['trips=0', 'tag=x,y']);
    expect(heatmap(o).map((c) => c.value)).toEqual([null, null]);
    expect(o.bestParams).toEqual({ trips: 0, tag: 'x' });
  });
});
