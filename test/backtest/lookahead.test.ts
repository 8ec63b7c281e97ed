/**
 * `--check-lookahead` (issue 8, item 14): any read past the current bar, of an indicator or of the bar arrays,
 * is an error naming the bar, its time, the array and the index read; reads up to the current bar are not; and
 * a run that reads nothing ahead gives the same result with and without the check.
 *
 * The bars are 60 daily bars from 2021-01-01 on a sine wave (so SMA crossings happen); bar i is 2021-01-01 + i days.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest, type RunOptions } from '../../src/backtest/engine.js';
import { computeStats } from '../../src/backtest/stats.js';
import { CiftError } from '../../src/errors.js';
import { DEFAULT_BROKER, type BarArrays, type Indicators, type Strategy } from '../../src/backtest/types.js';
import smaCross from '../../strategies/sma-cross.js';

const N = 60;
const day = (i: number) => new Date(Date.UTC(2021, 0, 1 + i)).toISOString();

function sineBars(): BarArrays {
  const ts = BigInt64Array.from({ length: N }, (_, i) => BigInt(Date.UTC(2021, 0, 1 + i)) * 1_000_000n);
  const close = Float64Array.from({ length: N }, (_, i) => 100 + 10 * Math.sin(i / 4));
  const open = Float64Array.from(close, (c, i) => (i === 0 ? c : close[i - 1]));
  return { ts, open, high: close.map((c, i) => Math.max(c, open[i]) + 0.5), low: close.map((c, i) => Math.min(c, open[i]) - 0.5), close, volume: new Float64Array(N).fill(1000) };
}

const bars = sineBars();

function run(strategy: Strategy<any, any>, options: RunOptions = {}) {
  return runBacktest(bars, strategy, strategy.params, { ...DEFAULT_BROKER }, { strategyLabel: 'test', ...options });
}

function failure(strategy: Strategy<any, any>, options: RunOptions = { checkLookahead: true }): CiftError {
  try {
    run(strategy, options);
  } catch (e) {
    expect(e).toBeInstanceOf(CiftError);
    return e as CiftError;
  }
  throw new Error('the run did not fail');
}

/** A strategy with SMA(3) (warm-up 2: next() first runs on bar 3) whose next() does `read`. */
function reading(read: (i: number, ind: { sma3: Float64Array; bars: BarArrays }) => unknown): Strategy<Record<string, never>, Indicators> {
  let kept: BarArrays;
  return {
    params: {},
    init(b, _p, ta) {
      kept = b;
      return { sma3: ta.sma(b.close, 3) };
    },
    next(t, ind) {
      read(t.i, { sma3: ind.sma3 as Float64Array, bars: kept });
    },
  };
}

describe('--check-lookahead', () => {
  it('names the bar, its time, the indicator and the index when next() reads one bar ahead', () => {
    const e = failure(reading((i, x) => x.sma3[i + 1]));
    expect(e.code).toBe('LOOKAHEAD');
    expect(e.message, 'first next() is on bar 3 = warm-up 2 + 1').toBe(`strategy test: look-ahead at bar 3 (${day(3)}): next() read sma3[4], past the current bar`);
  });

  it.each([
    ['close', (i: number, x: { bars: BarArrays }) => x.bars.close[i + 1], 'close[4]'],
    ['open', (i: number, x: { bars: BarArrays }) => x.bars.open[i + 5], 'open[8]'],
    ['ts', (i: number, x: { bars: BarArrays }) => x.bars.ts[i + 1], 'ts[4]'],
    ['volume', (i: number, x: { bars: BarArrays }) => x.bars.volume[N - 1], `volume[${N - 1}]`],
  ])('guards the bar array %s that init() was given', (_name, read, what) => {
    expect(failure(reading(read as never)).message).toContain(`next() read ${what}, past the current bar`);
  });

  it.each([
    ['at(-1), the last bar of the whole history', (x: Float64Array) => x.at(-1), `sma3[${N - 1}]`],
    ['slice() of the whole array', (x: Float64Array) => x.slice(), 'sma3[4]'],
    ['indexOf over the whole array', (x: Float64Array) => x.indexOf(0), 'sma3[4]'],
    ['a for-of loop past the current bar', (x: Float64Array) => [...x], 'sma3[4]'],
  ])('counts %s as a read past the bar', (_name, read, what) => {
    expect(failure(reading((_i, x) => read(x.sma3))).message).toContain(`next() read ${what}, past the current bar`);
  });

  it('allows reads of the current bar and earlier, however they are made', () => {
    const ok = reading((i, x) => {
      const values = [x.sma3[i], x.sma3[i - 1], x.bars.close[i], x.sma3.at(i), x.sma3.slice(0, i + 1).length, x.sma3.subarray(i - 2, i + 1)[2]];
      let k = 0;
      for (const v of x.sma3) if (k++ >= i || v === -1) break;
      return values;
    });
    expect(() => run(ok, { checkLookahead: true })).not.toThrow();
  });

  it('still fails when the strategy catches the error', () => {
    const sneaky = reading((i, x) => {
      try {
        return x.sma3[i + 1];
      } catch {
        return undefined;
      }
    });
    expect(failure(sneaky).message).toContain('look-ahead at bar 3');
  });

  it('catches an indicator init() computed from later bars, naming it and the bar', () => {
    const nextReturn: Strategy<Record<string, never>, Indicators> = {
      params: {},
      init({ close }) {
        const f = new Float64Array(close.length).fill(NaN);
        for (let i = 0; i + 1 < close.length; i++) f[i] = close[i + 1] / close[i] - 1;
        return { f };
      },
      next(t, { f }) {
        if ((f as Float64Array)[t.i] > 0) t.buy();
      },
    };
    const e = failure(nextReturn);
    expect(e.code).toBe('LOOKAHEAD');
    // The first cut is at bar ⌊60/9⌋ = 6: cut there, f[6] has no next close and is NaN.
    expect(e.message).toMatch(new RegExp(`^strategy test: look-ahead: init\\(\\) computed f at bar 6 \\(${day(6).replace(/[.]/g, '\\.')}\\) from later bars \\(.+ with the whole history, NaN when it ends at bar 6\\)$`));
    expect(() => run(nextReturn), 'without the flag nothing checks').not.toThrow();
  });

  it('does not judge indicators that differ between two runs on the same bars (random ones)', () => {
    const noisy: Strategy<Record<string, never>, Indicators> = {
      params: {},
      init: ({ close }) => ({ r: Float64Array.from(close, () => Math.random()) }),
      next(t, { r }) {
        if ((r as Float64Array)[t.i] > 0.5) t.buy(1);
      },
    };
    expect(() => run(noisy, { checkLookahead: true })).not.toThrow();
  });

  it('gives sma-cross the same trades and statistics with the check as without', () => {
    const plain = run(smaCross, {});
    const checked = run(smaCross, { checkLookahead: true });
    expect(plain.trades.size.length, 'the sine wave makes sma-cross trade').toBeGreaterThanOrEqual(2);
    expect(checked.trades).toEqual(plain.trades);
    expect(Array.from(checked.equity)).toEqual(Array.from(plain.equity));
    const stats = (r: typeof plain) => computeStats({ trades: r.trades, equity: r.equity, ts: bars.ts, close: bars.close, warmup: r.warmup });
    expect(stats(checked)).toEqual(stats(plain));
  });

  it('leaves a peeking strategy alone without the flag (the check is opt-in and costs nothing by default)', () => {
    expect(() => run(reading((i, x) => x.sma3[i + 1]))).not.toThrow();
  });
});

describe('errors from inside a strategy', () => {
  it('an exception in next() names the bar, its time and the message', () => {
    const boom: Strategy<Record<string, never>, Indicators> = {
      params: {},
      init: () => ({}),
      next(t) {
        if (t.i === 10) throw new Error('boom');
      },
    };
    const e = failure(boom, {});
    expect(e.code).toBe('STRATEGY_ERROR');
    expect(e.message).toBe(`strategy test: next() threw at bar 10 (${day(10)}): boom`);
  });

  it('an exception in init() says so', () => {
    const e = failure({ params: {}, init: () => { throw new TypeError('bad init'); }, next: () => {} }, {});
    expect(e.message).toBe('strategy test: init() threw: bad init');
  });

  it('a kernel period out of range is traced to the parameter that carried it (a usage error)', () => {
    const s: Strategy<{ fast: number; slow: number }, Indicators> = {
      params: { fast: 0, slow: 30 },
      init: ({ close }, p, ta) => ({ a: ta.sma(close, p.fast), b: ta.ema(close, p.slow) }),
      next: () => {},
    };
    const e = failure(s, {});
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('parameter fast=0 is out of range: ta.sma needs n to be an integer ≥ 1');
  });

  it('an async init() or next() is refused instead of running without indicators or orders', () => {
    const asyncInit = failure({ params: {}, init: (async () => ({})) as never, next: () => {} }, {});
    expect(asyncInit.message).toBe('strategy test: init() failed: it returned a Promise, but init() must be synchronous');
    const asyncNext = failure({ params: {}, init: () => ({}), next: (async () => {}) as never }, {});
    expect(asyncNext.message, 'no indicators: next() first runs on bar 1').toBe(`strategy test: next() at bar 1 (${day(1)}) failed: it returned a Promise, but next() must be synchronous`);
  });

  it('init() returning nothing means no indicators', () => {
    const r = run({ params: {}, init: () => undefined as never, next: (t) => t.i === 5 && t.buy(1) });
    expect(r.warmup).toBe(0);
    expect(r.trades.size.length, 'the one trade stays open').toBe(0);
  });
});
