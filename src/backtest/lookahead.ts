/**
 * `--check-lookahead`: catches a strategy that uses data from after the bar it is deciding on, two ways.
 *
 * 1. Reads. Everything next() can reach — what init() returned, the bar arrays init() was given, and the outputs of
 *    `ta` calls — is wrapped in a Proxy that knows the current bar i. Reading index ≤ i is allowed (bar i is the
 *    one just closed: backtesting.py's `self.data.Close[-1]`); reading i + 1 or later records a LookaheadRead
 *    naming the array and the index, and throws it. Array methods that would read past i (`at(-1)`, `slice()`,
 *    `indexOf`, iteration …) count as reads of the first index past i. While init() runs every read is allowed.
 * 2. Values. A read guard cannot see an indicator that init() itself computed from later bars (a centred mean, a
 *    z-score over the whole history, `close[i + 1]` copied into an array). So init() also runs on the history cut
 *    at several bars k; an indicator whose value at some j ≤ k differs between the cut and the whole history used
 *    bars after k. Indicators that differ between two runs on the *same* bars (random ones) are not judged.
 *
 * Nothing here runs without the flag: a default backtest hands the raw arrays to the strategy.
 */
import type { BarArrays, Indicators, KernelNamespace, Params, Strategy } from './types.js';

/** A read past the current bar: which array, at which index. The engine adds the bar and the strategy's line. */
export class LookaheadRead extends Error {
  constructor(
    readonly array: string,
    readonly index: number,
  ) {
    super(`read ${array}[${index}], past the current bar`);
    this.name = 'LookaheadRead';
  }
}

/** An indicator init() computed from later bars. */
export class LookaheadValue extends Error {
  constructor(
    readonly indicator: string,
    /** First index whose value changed when the history was cut. */
    readonly index: number,
    /** Last bar of the cut history. */
    readonly cut: number,
    readonly whole: number,
    readonly truncated: number,
  ) {
    super(`init() computed ${indicator}[${index}] from bars after ${cut}: ${whole} with the whole history, ${truncated} when it ends at bar ${cut}`);
    this.name = 'LookaheadValue';
  }
}

type Leaf = ArrayLike<number> | ArrayLike<bigint>;

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  v !== null && typeof v === 'object' && (ArrayBuffer.isView(v) || Array.isArray(v)) && typeof (v as ArrayLike<unknown>).length === 'number';

/** Methods that only write, or read nothing: no check. */
const UNCHECKED_METHODS = new Set<PropertyKey>(['fill', 'set', 'copyWithin', 'keys', 'constructor']);

function indexOfKey(key: string | symbol): number {
  if (typeof key !== 'string') return NaN;
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 ? Number(key) : NaN;
}

export class LookaheadGuard {
  /** Highest index strategy code may read; Infinity while init() runs. */
  limit = Infinity;
  /** The first read past the current bar, kept even if the strategy catches the throw. */
  violation: LookaheadRead | undefined;
  private readonly raw = new WeakMap<object, object>();

  /** The unguarded array behind a guard (anything else unchanged). */
  unwrap<T>(value: T): T {
    if (value === null || typeof value !== 'object') return value;
    return (this.raw.get(value) as T | undefined) ?? value;
  }

  private fail(array: string, index: number): never {
    const read = new LookaheadRead(array, index);
    this.violation ??= read;
    throw read;
  }

  /** Fails when reading [from, to) would touch an index past `limit`, naming the first such index. */
  private check(name: string, from: number, to: number): void {
    if (to - 1 > this.limit && to > from) this.fail(name, Math.max(from, this.limit + 1));
  }

  /** A read-guarded view of one per-bar array. */
  guardArray<T extends Leaf>(array: T, name: string): T {
    const inner = this.unwrap(array);
    const guard = this;
    const proxy = new Proxy(inner as object, {
      get(target, key) {
        const t = target as Record<PropertyKey, unknown> & ArrayLike<unknown>;
        const index = indexOfKey(key);
        if (index === index) {
          if (index > guard.limit && Number.isInteger(index)) guard.fail(name, index);
          return t[key as string];
        }
        if (key === 'length') return t.length;
        const value = t[key];
        if (typeof value !== 'function') return value;
        return guard.method(t, key, value as (...a: unknown[]) => unknown, name);
      },
      set(target, key, value) {
        (target as Record<PropertyKey, unknown>)[key] = value;
        return true;
      },
    });
    this.raw.set(proxy, inner);
    return proxy as T;
  }

  private method(target: ArrayLike<unknown>, key: PropertyKey, fn: (...a: unknown[]) => unknown, name: string): (...a: unknown[]) => unknown {
    const guard = this;
    const len = target.length;
    if (UNCHECKED_METHODS.has(key)) return (...args) => fn.apply(target, args);
    if (key === 'at') {
      return (i: unknown) => {
        const k = Math.trunc(Number(i));
        const at = k < 0 ? len + k : k;
        if (at >= 0 && at < len && at > guard.limit) guard.fail(name, at);
        return fn.call(target, i);
      };
    }
    if (key === 'slice' || key === 'subarray') {
      return (start?: unknown, end?: unknown) => {
        const clamp = (v: unknown, dflt: number) => {
          if (v === undefined) return dflt;
          const k = Math.trunc(Number(v)) || 0;
          return k < 0 ? Math.max(len + k, 0) : Math.min(k, len);
        };
        guard.check(name, clamp(start, 0), clamp(end, len));
        return fn.call(target, start, end);
      };
    }
    if (key === Symbol.iterator || key === 'values' || key === 'entries') {
      // Iterate lazily, so a loop that stops at the current bar is fine.
      return function* () {
        for (let k = 0; k < len; k++) {
          if (k > guard.limit) guard.fail(name, k);
          const v = (target as ArrayLike<unknown>)[k];
          yield key === 'entries' ? [k, v] : v;
        }
      };
    }
    // Everything else (map, reduce, indexOf, join, sort …) reads the whole array.
    return (...args) => {
      guard.check(name, 0, len);
      return fn.apply(target, args);
    };
  }

  /** What init() is given: the bar arrays behind guards (reads are free until next() runs). */
  guardBars(bars: BarArrays): BarArrays {
    return {
      ts: this.guardArray(bars.ts, 'ts'),
      open: this.guardArray(bars.open, 'open'),
      high: this.guardArray(bars.high, 'high'),
      low: this.guardArray(bars.low, 'low'),
      close: this.guardArray(bars.close, 'close'),
      volume: this.guardArray(bars.volume, 'volume'),
    };
  }

  /**
   * `ta` for init(): each kernel gets the raw arrays (full speed) and returns its per-bar outputs guarded, so an
   * output a strategy keeps in a closure is checked in next() too.
   */
  guardKernels(ta: KernelNamespace, bars: number): KernelNamespace {
    const guarded: Record<string, unknown> = {};
    for (const name of Object.getOwnPropertyNames(ta)) {
      const descriptor = Object.getOwnPropertyDescriptor(ta, name)!;
      const fn = descriptor.value as unknown;
      // Forward-looking getters and classes (streaming kernels hold no arrays) pass through as they are.
      if (typeof fn !== 'function' || /^class\b/.test(Function.prototype.toString.call(fn))) {
        Object.defineProperty(guarded, name, descriptor);
        continue;
      }
      guarded[name] = (...args: unknown[]) => {
        const out = (fn as (...a: unknown[]) => unknown)(...args.map((a) => this.unwrap(a)));
        return this.guardValue(out, `ta.${name}()`, bars);
      };
    }
    return Object.freeze(guarded) as unknown as KernelNamespace;
  }

  /** Guards every per-bar array in what init() returned, named by its key ("bands[2]", "z"). */
  guardIndicators(indicators: Indicators, bars: number): Indicators {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(indicators)) out[key] = this.guardValue(value, key, bars);
    return out as Indicators;
  }

  private guardValue(value: unknown, name: string, bars: number): unknown {
    const v = this.unwrap(value);
    if (isArrayLike(v)) {
      if (v.length === bars && !isArrayLike(v[0])) return this.guardArray(v as Leaf, name);
      // A tuple of per-bar outputs (Bollinger's [lower, mid, upper]): guard each, keep the tuple.
      if (Array.isArray(v) && v.some(isArrayLike)) return v.map((item, k) => this.guardValue(item, `${name}[${k}]`, bars));
      return v;
    }
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) out[key] = this.guardValue(item, `${name}.${key}`, bars);
      return out;
    }
    return v;
  }
}

/** Every per-bar numeric array in what init() returned, by name, unwrapped. */
export function indicatorLeaves(indicators: unknown, bars: number, guard?: LookaheadGuard, name = '', out = new Map<string, ArrayLike<number>>()): Map<string, ArrayLike<number>> {
  const v = guard ? guard.unwrap(indicators) : indicators;
  if (isArrayLike(v)) {
    if (v.length === bars && !isArrayLike(v[0])) out.set(name, v as ArrayLike<number>);
    else if (Array.isArray(v)) v.forEach((item, k) => indicatorLeaves(item, bars, guard, `${name}[${k}]`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [key, item] of Object.entries(v)) indicatorLeaves(item, bars, guard, name ? `${name}.${key}` : key, out);
  }
  return out;
}

const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

function prefixOf(bars: BarArrays, length: number): BarArrays {
  return {
    ts: bars.ts.subarray(0, length),
    open: bars.open.subarray(0, length),
    high: bars.high.subarray(0, length),
    low: bars.low.subarray(0, length),
    close: bars.close.subarray(0, length),
    volume: bars.volume.subarray(0, length),
  };
}

/** Bars at which the history is cut: spread over the run, plus the second-to-last bar. */
export function cutPoints(n: number, count = 8): number[] {
  const cuts = new Set<number>();
  for (let k = 1; k <= count; k++) cuts.add(Math.floor((n * k) / (count + 1)));
  cuts.add(n - 2);
  return [...cuts].filter((c) => c >= 1 && c < n - 1).sort((a, b) => a - b);
}

export interface CutRun {
  /** Last bar of the cut history. */
  cut: number;
  leaves: Map<string, ArrayLike<number>>;
}

/**
 * init() on the history cut at several bars. Cuts where init() throws (too little data for the strategy) are
 * skipped. Run these before the real init(), so a strategy that keeps state from init() keeps the real run's.
 */
export function initOnCuts<P extends Params, I extends Indicators>(strategy: Strategy<P, I>, bars: BarArrays, params: P, ta: KernelNamespace): CutRun[] {
  const runs: CutRun[] = [];
  for (const cut of cutPoints(bars.close.length)) {
    try {
      runs.push({ cut, leaves: indicatorLeaves(strategy.init(prefixOf(bars, cut + 1), params, ta), cut + 1) });
    } catch {
      // Not judged at this cut.
    }
  }
  return runs;
}

/**
 * Compares each indicator of `whole` (init() on all bars) with the cut runs: the first value that differs reveals
 * an indicator computed from later bars. `again` is a second run on all bars; indicators that differ between the
 * two are not deterministic and are not judged.
 */
export function findInitLookahead(whole: Map<string, ArrayLike<number>>, again: Map<string, ArrayLike<number>>, cuts: readonly CutRun[]): LookaheadValue | undefined {
  const judged = [...whole].filter(([name, a]) => {
    const b = again.get(name);
    if (b === undefined || b.length !== a.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  });
  for (const { cut, leaves } of cuts) {
    for (const [name, full] of judged) {
      const part = leaves.get(name);
      if (part === undefined) continue;
      for (let j = 0; j <= cut; j++) if (!same(full[j], part[j])) return new LookaheadValue(name, j, cut, full[j], part[j]);
    }
  }
  return undefined;
}
