/**
 * The strategy API and the engine's data shapes. A strategy is a plain object: params with defaults, `init`
 * computing indicators once over whole arrays, `next` deciding per bar through the verbs on `t`.
 */
import type * as kernels from '../kernels/index.js';

/** Whole-history columns handed to init(). ts is UTC epoch ns. */
export interface BarArrays {
  ts: BigInt64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** An indicator: one array, or several (e.g. Bollinger's [lower, mid, upper]). */
export type Indicator = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;
export type Indicators = Record<string, Indicator>;

export interface OrderOptions {
  /** 0 < size < 1: fraction of available equity; size ≥ 1: whole units (fractional units with --fractional). */
  size?: number;
  /** Fill only at this price or better. */
  limit?: number;
  /** Becomes a market (or limit) order once the price trades through it. */
  stop?: number;
  /** Kept on the trade this order opens. */
  reason?: string;
}

/** The view of the bar being decided on. One object, reused for every bar: copy fields you want to keep. */
export interface BarView {
  ts: bigint;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What next() receives: the bar index, the bar, the account, and the order verbs. */
export interface Trader {
  /** Index of the current bar in the whole history (indicators are indexed the same way). */
  readonly i: number;
  readonly bar: BarView;
  /** Net position in units (negative = short). */
  readonly position: number;
  /** Cash plus open trades marked at this bar's close. */
  readonly equity: number;
  buy(sizeOrOptions?: number | OrderOptions): void;
  sell(sizeOrOptions?: number | OrderOptions): void;
  /** Closes every open trade (ahead of any other queued order), optionally with a reason. */
  close(reason?: string): void;
  /** a crossed above b at this bar (strict, as backtesting.py's crossover). */
  crossedAbove(a: ArrayLike<number>, b: ArrayLike<number> | number): boolean;
  crossedBelow(a: ArrayLike<number>, b: ArrayLike<number> | number): boolean;
}

export type Params = Record<string, number | string | boolean>;

/** The kernels a strategy receives as `ta`: every kernel except the forward-looking ones (labels such as forwardReturn). */
export type KernelNamespace = Omit<typeof kernels, kernels.ForwardLookingKernel | 'FORWARD_LOOKING_KERNELS'>;

/** Allowed values of a numeric parameter, inclusive; `-p name=value` outside them is a usage error naming the bound. */
export interface ParamBound {
  min?: number;
  max?: number;
  /** Whole numbers only (bar counts, periods). */
  integer?: boolean;
}

export interface Strategy<P extends Params = Params, I extends Indicators = Record<string, Float64Array>> {
  /** Shown in listings. */
  description?: string;
  params: P;
  /** Optional bounds of numeric params, checked before the run (e.g. `{ fast: { min: 1, integer: true } }`). */
  bounds?: { [K in keyof P]?: ParamBound };
  init(bars: BarArrays, params: P, ta: KernelNamespace): I;
  next(t: Trader, indicators: I, params: P): void;
}

export interface BrokerSettings {
  cash: number;
  /** Relative commission per unit of traded value. */
  commission: number;
  /** Fixed commission per order fill. */
  commissionFixed: number;
  /** Relative spread: longs fill at price·(1+spread), shorts at price·(1−spread). */
  spread: number;
  /** Initial margin ratio (1 = no leverage; 0.1 = 10:1). */
  margin: number;
  tradeOnClose: boolean;
  exclusiveOrders: boolean;
  finalizeTrades: boolean;
  /** Units are multiples of this (1 = whole units, as backtesting.py; e.g. 1e-8 for crypto). */
  unit: number;
  /** Extra adverse slippage on every fill, in basis points (0 keeps backtesting.py parity). */
  slippageBps: number;
}

export const DEFAULT_BROKER: Readonly<BrokerSettings> = {
  cash: 10_000,
  commission: 0,
  commissionFixed: 0,
  spread: 0,
  margin: 1,
  tradeOnClose: false,
  exclusiveOrders: false,
  finalizeTrades: false,
  unit: 1,
  slippageBps: 0,
};

/** Closed trades as columns (struct of arrays), in the order they closed. */
export interface TradeLog {
  size: number[];
  entryBar: number[];
  exitBar: number[];
  entryPrice: number[];
  exitPrice: number[];
  pnl: number[];
  commission: number[];
  returnPct: number[];
  reason: Array<string | undefined>;
  exitReason: Array<string | undefined>;
}

export interface BacktestResult {
  trades: TradeLog;
  /** Equity at each bar's close (after the final broker step on the last bar). */
  equity: Float64Array;
  /** First bar with every indicator defined (backtesting.py's warm-up); next() first runs at warmup + 1. */
  warmup: number;
  /** Total commissions paid. */
  commissions: number;
  /** True when equity reached 0 and the run stopped. */
  outOfMoney: boolean;
  /** Orders the broker cancelled for lack of margin. */
  cancelledOrders: number;
}

/** Bars for a run plus what makes it reproducible: a symbol or a file, first/last ts, rows, a hash of the input. */
export interface BacktestInput {
  bars: BarArrays;
  /** What the run read: a symbol or a file. */
  source: { symbol?: string; file?: string; interval: string | null; rows: number; first: string; last: string; sha256: string };
}
