/**
 * The bar loop. init() runs once over whole arrays; then, for every bar i from warm-up + 1 on, the broker first
 * fills pending orders with bar i's prices and records equity at its close, and then next() decides on bar i.
 * next() receives an index and one reused Trader object: nothing is sliced or allocated per bar. Anything init() or
 * next() throws becomes one line naming the bar and the strategy's source line (strategy-errors.ts); with
 * `checkLookahead` the arrays next() can reach are read-guarded (lookahead.ts), otherwise they are the raw arrays.
 */
import { crossedAbove, crossedBelow } from '../kernels/cross.js';
import { Broker, FULL_EQUITY, type BrokerOrder, type BrokerTrade } from './broker.js';
import { findInitLookahead, indicatorLeaves, initOnCuts, LookaheadGuard } from './lookahead.js';
import { strategyFailure, type FailureContext } from './strategy-errors.js';
import { STRATEGY_KERNELS } from './strategy-kernels.js';
import type { BacktestResult, BarArrays, BarView, BrokerSettings, Indicators, OrderOptions, Params, Strategy, Trader } from './types.js';
import { CiftError } from '../errors.js';

/** First index at which every indicator array is defined (backtesting.py: argmin of isnan; all-NaN counts as 0). */
export function warmupOf(indicators: Indicators): number {
  let warm = 0;
  const visit = (a: ArrayLike<number>) => {
    let k = 0;
    while (k < a.length && Number.isNaN(a[k])) k++;
    if (k < a.length && k > warm) warm = k;
  };
  for (const value of Object.values(indicators)) {
    if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<unknown>).length !== 'number') continue;
    const first = (value as ArrayLike<unknown>)[0];
    if (first !== null && typeof first === 'object') for (const row of value as ReadonlyArray<ArrayLike<number>>) visit(row);
    else visit(value as ArrayLike<number>);
  }
  return warm;
}

class Bar implements BarView {
  i = 0;
  constructor(private readonly b: BarArrays) {}
  get ts(): bigint {
    return this.b.ts[this.i];
  }
  get open(): number {
    return this.b.open[this.i];
  }
  get high(): number {
    return this.b.high[this.i];
  }
  get low(): number {
    return this.b.low[this.i];
  }
  get close(): number {
    return this.b.close[this.i];
  }
  get volume(): number {
    return this.b.volume[this.i];
  }
}

function orderSize(arg: number | OrderOptions | undefined, unit: number): { size: number; opts: OrderOptions } {
  const opts: OrderOptions = typeof arg === 'number' ? { size: arg } : (arg ?? {});
  const size = opts.size ?? FULL_EQUITY;
  if (!(size > 0) || !Number.isFinite(size)) throw new CiftError('INPUT_INVALID', `order size must be positive, got ${size}`, 'use 0 < size < 1 for a fraction of equity, or a number of units');
  if (size >= 1 && Math.abs(Math.round(size / unit) * unit - size) > 1e-9 * size) {
    throw new CiftError('INPUT_INVALID', `order size ${size} is not a whole number of units`, unit === 1 ? 'use --fractional for fractional units' : `units are multiples of ${unit}`);
  }
  return { size, opts };
}

class Engine implements Trader {
  i = 0;
  readonly bar: Bar;

  constructor(
    private readonly broker: Broker,
    bars: BarArrays,
    private readonly unit: number,
  ) {
    this.bar = new Bar(bars);
  }

  get position(): number {
    return this.broker.position;
  }

  get equity(): number {
    return this.broker.equityAt(this.i);
  }

  buy(arg?: number | OrderOptions): BrokerOrder {
    return this.place(1, arg);
  }

  sell(arg?: number | OrderOptions): BrokerOrder {
    return this.place(-1, arg);
  }

  /** buy (+1) or sell (−1). A JavaScript strategy may write null for "no price", as Python writes None. */
  private place(sign: 1 | -1, arg: number | OrderOptions | undefined): BrokerOrder {
    const { size, opts } = orderSize(arg, this.unit);
    return this.broker.newOrder(sign * size, opts.limit ?? undefined, opts.stop ?? undefined, opts.sl ?? undefined, opts.tp ?? undefined, opts.reason);
  }

  get orders(): readonly BrokerOrder[] {
    return this.broker.pendingOrders();
  }

  get trades(): readonly BrokerTrade[] {
    return this.broker.openTrades();
  }

  get closedTrades(): readonly BrokerTrade[] {
    return this.broker.closedTrades.slice();
  }

  close(reason?: string): void {
    this.broker.closeAllTrades(reason);
  }

  crossedAbove(a: ArrayLike<number>, b: ArrayLike<number> | number): boolean {
    if (typeof b === 'number') return this.i > 0 && a[this.i - 1] < b && a[this.i] > b;
    return crossedAbove(a, b, this.i);
  }

  crossedBelow(a: ArrayLike<number>, b: ArrayLike<number> | number): boolean {
    if (typeof b === 'number') return this.i > 0 && a[this.i - 1] > b && a[this.i] < b;
    return crossedBelow(a, b, this.i);
  }
}

export interface RunOptions {
  /** Reads past the current bar, and indicators init() computed from later bars, become errors (see lookahead.ts). */
  checkLookahead?: boolean;
  /** The strategy as the user named it, for errors. */
  strategyLabel?: string;
  /** Absolute path of the strategy's file, so errors point at the user's line. */
  strategyFile?: string;
  /** next() first runs at max(warm-up + 1, firstBar): earlier bars serve only as indicator history (walk-forward). */
  firstBar?: number;
}

const isThenable = (value: unknown): boolean => value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/** What init() returned, checked: nothing (a strategy without indicators) counts as {}. */
function indicatorsFrom(value: unknown): Indicators {
  if (value === undefined || value === null) return {};
  // An async init() would hand the engine a Promise and run with no indicators at all.
  if (isThenable(value)) throw new CiftError('STRATEGY_ERROR', 'it returned a Promise, but init() must be synchronous', 'remove `async` from init; compute indicators over the arrays directly');
  if (typeof value !== 'object') throw new CiftError('STRATEGY_ERROR', `it returned a ${typeof value}, not an object of indicators`, 'return e.g. { fast: ta.sma(close, p.fast) }');
  return value as Indicators;
}

/** init() with the look-ahead checks: guarded inputs and outputs, and init() on cut histories compared with the whole. */
function initChecked<P extends Params, I extends Indicators>(strategy: Strategy<P, I>, bars: BarArrays, params: P, guard: LookaheadGuard): { raw: Indicators; seen: Indicators } {
  const n = bars.close.length;
  const whole = indicatorLeaves(indicatorsFrom(strategy.init(bars, params, STRATEGY_KERNELS)), n);
  const cuts = initOnCuts(strategy, bars, params, STRATEGY_KERNELS);
  // The real run comes last, so state a strategy keeps from init() is this run's.
  const result = indicatorsFrom(strategy.init(guard.guardBars(bars), params, guard.guardKernels(STRATEGY_KERNELS, n)));
  const found = findInitLookahead(whole, indicatorLeaves(result, n, guard), cuts);
  if (found) throw found;
  const raw: Indicators = {};
  for (const [key, value] of Object.entries(result)) raw[key] = guard.unwrap(value);
  return { raw, seen: guard.guardIndicators(result, n) };
}

export function runBacktest<P extends Params, I extends Indicators>(bars: BarArrays, strategy: Strategy<P, I>, params: P, settings: BrokerSettings, options: RunOptions = {}): BacktestResult {
  const n = bars.close.length;
  const guard = options.checkLookahead ? new LookaheadGuard() : undefined;
  const context = (phase: FailureContext['phase'], bar?: number): FailureContext => ({ phase, bar, ts: bars.ts, label: options.strategyLabel ?? 'strategy', file: options.strategyFile, params });
  let indicators: Indicators;
  let seen: Indicators;
  try {
    if (guard) ({ raw: indicators, seen } = initChecked(strategy, bars, params, guard));
    else seen = indicators = indicatorsFrom(strategy.init(bars, params, STRATEGY_KERNELS));
  } catch (e) {
    throw strategyFailure(e, context('init'));
  }
  const warmup = warmupOf(indicators);
  const start = Math.max(1 + warmup, options.firstBar ?? 0);
  const broker = new Broker(bars, settings);
  const t = new Engine(broker, bars, settings.unit);
  let outOfMoney = false;
  for (let i = start; i < n; i++) {
    if (!broker.next(i)) {
      outOfMoney = true;
      break;
    }
    t.i = i;
    t.bar.i = i;
    if (guard) guard.limit = i;
    try {
      const returned: unknown = strategy.next(t, seen as I, params);
      // An async next() would place its orders after the bar has passed.
      if (returned !== undefined && isThenable(returned)) throw new CiftError('STRATEGY_ERROR', 'it returned a Promise, but next() must be synchronous', 'remove `async` from next');
    } catch (e) {
      throw strategyFailure(e, context('next', i));
    }
    // A read past the bar counts even when the strategy caught the throw.
    if (guard?.violation) throw strategyFailure(guard.violation, context('next', i));
  }
  if (!outOfMoney && settings.finalizeTrades) {
    // Close what is still open with one more broker step on the last bar (backtesting.py's finalize_trades).
    broker.closeTradesFirst(broker.trades, undefined, 'finalize');
    if (start < n) outOfMoney = !broker.next(n - 1);
  }
  // Bars before the first broker step carry the first recorded equity (backfill), or the cash if none.
  const equity = broker.equity;
  let firstKnown = NaN;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(equity[i])) {
      firstKnown = equity[i];
      break;
    }
  }
  for (let i = 0; i < n && Number.isNaN(equity[i]); i++) equity[i] = Number.isNaN(firstKnown) ? broker.cash : firstKnown;
  return { trades: broker.closed, equity, warmup, commissions: broker.commissions, outOfMoney, cancelledOrders: broker.cancelledOrders };
}
