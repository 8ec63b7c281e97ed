/**
 * Which kernels a strategy may use (issue 8, item 14). A kernel is forward-looking when its output at index i
 * changes if inputs after i change. Every exported kernel is run on random inputs, then on the same inputs with
 * everything after a cut replaced; the ones whose outputs up to the cut moved must be exactly
 * FORWARD_LOOKING_KERNELS (and the registry entries marked `target`), and none of them may reach a strategy.
 */
import { describe, expect, it } from 'vitest';
import * as kernels from '../../src/kernels/index.js';
import { FORWARD_LOOKING_KERNELS } from '../../src/kernels/index.js';
import { KERNELS, kernelInputs, kernelOutputs } from '../../src/kernels/registry.js';
import { STRATEGY_KERNELS } from '../../src/backtest/strategy-kernels.js';
import { runBacktest } from '../../src/backtest/engine.js';
import { CiftError } from '../../src/errors.js';
import { DEFAULT_BROKER, type BarArrays, type Strategy } from '../../src/backtest/types.js';

const N = 240;
const CUTS = [40, 120, 200];

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Inputs = Record<'open' | 'high' | 'low' | 'close' | 'volume' | 'session' | 'bid' | 'ask' | 'bid_size' | 'ask_size' | 'side', Float64Array>;

function inputs(seed: number): Inputs {
  const r = random(seed);
  const f = (g: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => g(i));
  const close = new Float64Array(N);
  let p = 100;
  for (let i = 0; i < N; i++) close[i] = p *= 1 + (r() - 0.5) * 0.04;
  const bid = f((i) => close[i] - 0.01 - r() * 0.05);
  return {
    close,
    open: f((i) => close[i] * (1 + (r() - 0.5) * 0.01)),
    high: f((i) => close[i] * (1 + r() * 0.02)),
    low: f((i) => close[i] * (1 - r() * 0.02)),
    volume: f(() => 1 + Math.floor(r() * 1000)),
    session: f((i) => Math.floor(i / 50)),
    bid,
    ask: f((i) => bid[i] + 0.01 + r() * 0.05),
    bid_size: f(() => 1 + Math.floor(r() * 500)),
    ask_size: f(() => 1 + Math.floor(r() * 500)),
    side: f(() => (r() < 0.5 ? -1 : 1)),
  };
}

/** Same inputs up to `cut`, fresh random values after it. */
function perturbedAfter(base: Inputs, cut: number, seed: number): Inputs {
  const other = inputs(seed);
  const out = {} as Inputs;
  for (const key of Object.keys(base) as Array<keyof Inputs>) {
    const a = base[key].slice();
    a.set(other[key].subarray(cut + 1), cut + 1);
    out[key] = a;
  }
  return out;
}

/** A 3-level book built from the quote columns (each deeper level a tick further out, with more size). */
function bookOf(x: Inputs): Record<'bidPx' | 'bidSz' | 'askPx' | 'askSz', Float64Array[]> & { columns: Record<string, Float64Array> } {
  const level = (a: Float64Array, g: (v: number) => number) => a.map(g);
  const bidPx = [0, 1, 2].map((k) => level(x.bid, (v) => v - 0.01 * k));
  const askPx = [0, 1, 2].map((k) => level(x.ask, (v) => v + 0.01 * k));
  const bidSz = [0, 1, 2].map((k) => level(x.bid_size, (v) => v * (k + 1)));
  const askSz = [0, 1, 2].map((k) => level(x.ask_size, (v) => v * (k + 1)));
  const columns: Record<string, Float64Array> = {};
  for (let k = 0; k < 3; k++) {
    [columns[`bid_px_${k + 1}`], columns[`bid_sz_${k + 1}`], columns[`ask_px_${k + 1}`], columns[`ask_sz_${k + 1}`]] = [bidPx[k], bidSz[k], askPx[k], askSz[k]];
  }
  return { bidPx, bidSz, askPx, askSz, columns };
}

const book = (x: Inputs) => {
  const b = bookOf(x);
  return [b.bidPx, b.bidSz, b.askPx, b.askSz] as const;
};

/**
 * Per-trade columns as the trade pipeline aligns them (one trade per row, priced at the close): `mid` of the row's
 * quote and `mid_ahead`, the next row's mid: the pipeline's horizon alignment is what makes realized spread a label.
 */
function tradesOf(x: Inputs): Record<'price' | 'size' | 'side' | 'mid' | 'mid_ahead', Float64Array> {
  const mid = kernels.mid(x.bid, x.ask);
  const midAhead = Float64Array.from({ length: N }, (_, i) => (i + 1 < N ? mid[i + 1] : NaN));
  return { price: x.close, size: x.volume, side: x.side, mid, mid_ahead: midAhead };
}

const perIndex = (f: (i: number) => boolean) => Float64Array.from({ length: N }, (_, i) => (f(i) ? 1 : 0));

/** One call per exported kernel function (classes are streaming: they cannot see the future). */
const CALLS: Record<string, (x: Inputs) => Float64Array | Float64Array[]> = {
  sma: (x) => kernels.sma(x.close, 5),
  ema: (x) => kernels.ema(x.close, 5),
  rsi: (x) => kernels.rsi(x.close, 5),
  macd: (x) => kernels.macd(x.close, 3, 7, 4),
  rollingStd: (x) => kernels.rollingStd(x.close, 5),
  bollinger: (x) => kernels.bollinger(x.close, 5, 2),
  atr: (x) => kernels.atr(x.high, x.low, x.close, 5),
  donchian: (x) => kernels.donchian(x.high, x.low, 5),
  trueRange: (x) => kernels.trueRange(x.high, x.low, x.close),
  roc: (x) => kernels.roc(x.close, 3),
  logReturn: (x) => kernels.logReturn(x.close, 3),
  forwardReturn: (x) => kernels.forwardReturn(x.close, 3),
  forwardLogReturn: (x) => kernels.forwardLogReturn(x.close, 3),
  forwardDirection: (x) => kernels.forwardDirection(x.close, 3, 0.001),
  lag: (x) => kernels.lag(x.close, 3),
  vwap: (x) => kernels.vwap(x.close, x.volume, x.session),
  rollingVwap: (x) => kernels.rollingVwap(x.close, x.volume, 5),
  typicalPrice: (x) => kernels.typicalPrice(x.high, x.low, x.close),
  mid: (x) => kernels.mid(x.bid, x.ask),
  spread: (x) => kernels.spread(x.bid, x.ask),
  spreadBps: (x) => kernels.spreadBps(x.bid, x.ask),
  microprice: (x) => kernels.microprice(x.bid, x.ask, x.bid_size, x.ask_size),
  effectiveSpread: (x) => kernels.effectiveSpread(x.close, x.side, kernels.mid(x.bid, x.ask)),
  ofi: (x) => kernels.ofi(x.bid, x.ask, x.bid_size, x.ask_size),
  levelOfi: (x) => kernels.levelOfi(x.bid, x.bid_size, x.ask, x.ask_size),
  mlofi: (x) => kernels.mlofi(...book(x)),
  wofi: (x) => kernels.wofi(...book(x), 0.5),
  bookPressure: (x) => kernels.bookPressure(...book(x)),
  depth: (x) => kernels.depth(...book(x)),
  weightedMid: (x) => kernels.weightedMid(...book(x)),
  bookSlope: (x) => kernels.bookSlope(...book(x)),
  tradeSigns: (x) => kernels.tradeSigns(x.close, x.side, kernels.mid(x.bid, x.ask)),
  tradeEffectiveSpread: (x) => kernels.tradeEffectiveSpread(x.close, x.side, kernels.mid(x.bid, x.ask)),
  tradeRealizedSpread: (x) => {
    const t = tradesOf(x);
    return kernels.tradeRealizedSpread(t.price, t.side, t.mid, t.mid_ahead);
  },
  tradeImbalance: (x) => kernels.tradeImbalance(x.close, x.volume, x.side, kernels.mid(x.bid, x.ask), 5),
  zscore: (x) => kernels.zscore(x.close, 5),
  minmax: (x) => kernels.minmax(x.close, 5),
  crossedAbove: (x) => {
    const [a, b] = [kernels.sma(x.close, 3), kernels.sma(x.close, 8)];
    return perIndex((i) => kernels.crossedAbove(a, b, i));
  },
  crossedBelow: (x) => {
    const [a, b] = [kernels.sma(x.close, 3), kernels.sma(x.close, 8)];
    return perIndex((i) => kernels.crossedBelow(a, b, i));
  },
};

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** True when some output at or before a cut changes with the inputs after it. */
function readsTheFuture(run: (x: Inputs) => Float64Array | Float64Array[]): boolean {
  const base = inputs(7);
  const outs = (x: Inputs) => {
    const o = run(x);
    return Array.isArray(o) ? o : [o];
  };
  const before = outs(base);
  return CUTS.some((cut, k) => {
    const after = outs(perturbedAfter(base, cut, 100 + k));
    return before.some((o, j) => {
      for (let i = 0; i <= cut; i++) if (!same(o[i], after[j][i])) return true;
      return false;
    });
  });
}

const isClass = (f: unknown) => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
const functionNames = Object.entries(kernels)
  .filter(([, v]) => typeof v === 'function' && !isClass(v))
  .map(([k]) => k);

describe('forward-looking kernels', () => {
  it('every exported kernel function has a causality probe (add one for a new kernel)', () => {
    expect(functionNames.filter((k) => !(k in CALLS))).toEqual([]);
  });

  it('the kernels whose past moves when the future changes are exactly FORWARD_LOOKING_KERNELS', () => {
    const moved = functionNames.filter((k) => readsTheFuture(CALLS[k]));
    expect(moved.sort()).toEqual([...FORWARD_LOOKING_KERNELS].sort());
  });

  it('the probe sees a one-bar look-ahead (it can fail)', () => {
    expect(readsTheFuture((x) => kernels.forwardReturn(x.close, 1))).toBe(true);
    expect(readsTheFuture((x) => kernels.lag(x.close, 1))).toBe(false);
  });

  it('registry entries are marked target exactly when their batch function reads the future', () => {
    for (const spec of KERNELS) {
      // Book kernels read the 3-level book of bookOf (levels capped at 3); trade kernels the trades of tradesOf.
      const p = spec.params.map((q) => Math.min(q.default, spec.on === 'book' && q.name === 'levels' ? 3 : 20));
      const run = (x: Inputs) => {
        const columns: Record<string, Float64Array> = { ...x, ...bookOf(x).columns, ...tradesOf(x) };
        const names = kernelInputs(spec, p);
        const outs = kernelOutputs(spec, p).map(() => new Float64Array(N));
        spec.batch(names.map((name) => columns[name]), p, outs);
        return outs;
      };
      expect(readsTheFuture(run), `${spec.name}: target is ${Boolean(spec.target)}`).toBe(Boolean(spec.target));
    }
  });

  it('strategies get every other kernel as ta, and none of the forward-looking ones', () => {
    for (const name of functionNames) {
      if ((FORWARD_LOOKING_KERNELS as readonly string[]).includes(name)) continue;
      expect((STRATEGY_KERNELS as unknown as Record<string, unknown>)[name], name).toBe((kernels as Record<string, unknown>)[name]);
    }
    expect(Object.keys(STRATEGY_KERNELS), 'not listed, so spreading ta does not trip them').not.toContain('forwardReturn');
    for (const name of FORWARD_LOOKING_KERNELS) {
      expect(() => (STRATEGY_KERNELS as unknown as Record<string, unknown>)[name]).toThrow(`ta.${name} is forward-looking (its value at bar i uses bars after i) and is not available to strategies`);
    }
  });
});

describe('a strategy that asks for ta.forwardReturn', () => {
  const bars: BarArrays = (() => {
    const x = inputs(3);
    const ts = BigInt64Array.from({ length: N }, (_, i) => BigInt(Date.UTC(2021, 0, 1 + i)) * 1_000_000n);
    return { ts, open: x.open, high: x.high, low: x.low, close: x.close, volume: x.volume };
  })();
  const peek = {
    params: {},
    init: ({ close }, _p, ta) => ({ f: (ta as unknown as typeof kernels).forwardReturn(close, 1) }),
    next(t, { f }) {
      if (f[t.i] > 0) t.buy();
    },
  } satisfies Strategy<Record<string, never>>;

  it('fails in init() with a LOOKAHEAD error naming the kernel', () => {
    let error: unknown;
    try {
      runBacktest(bars, peek, {}, DEFAULT_BROKER, { strategyLabel: 'peek' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CiftError);
    expect((error as CiftError).code).toBe('LOOKAHEAD');
    expect((error as CiftError).message).toBe('strategy peek: init() failed: ta.forwardReturn is forward-looking (its value at bar i uses bars after i) and is not available to strategies');
  });
});
