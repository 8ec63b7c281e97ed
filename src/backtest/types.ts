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
/**
 * What init() returns: indicators by name. Fields that are not arrays (numbers, plain objects) are the strategy's own
 * state, passed to next() as they are and ignored by warm-up.
 */
export type Indicators = Record<string, unknown>;

export interface OrderOptions {
  /** 0 < size < 1: fraction of available equity; size ≥ 1: whole units (fractional units with --fractional). */
  size?: number;
  /** Fill only at this price or better. */
  limit?: number;
  /** Becomes a market (or limit) order once the price trades through it. */
  stop?: number;
  /** Stop-loss price (absolute): a contingent stop order placed when this order's trade opens. */
  sl?: number;
  /** Take-profit price (absolute): a contingent limit order placed when this order's trade opens. */
  tp?: number;
  /** Kept on the trade this order opens. */
  reason?: string;
}

/** A pending order, as next() sees it (backtesting.py's Order). */
export interface Order {
  /** Units (≥ 1) or a fraction of available equity (< 1); negative sells. */
  readonly size: number;
  readonly limit: number | undefined;
  /** The stop price until it triggers; undefined afterwards (the order is then a market or limit order). */
  readonly stop: number | undefined;
  readonly sl: number | undefined;
  readonly tp: number | undefined;
  readonly reason: string | undefined;
  /** True for a trade's stop-loss or take-profit order. */
  readonly isContingent: boolean;
  /** The trade this order closes (close, stop-loss and take-profit orders), else undefined. */
  readonly parentTrade: Trade | undefined;
  /** Takes the order off the queue; for a stop-loss or take-profit, the trade no longer has it. */
  cancel(): void;
}

/** Why a trade closed: a strategy's order, its stop-loss, its take-profit, the end of data, or equity reaching 0. */
export type ExitReason = 'signal' | 'sl' | 'tp' | 'finalize' | 'out_of_money';

/** An open or closed trade, as next() sees it (backtesting.py's Trade). */
export interface Trade {
  /** Units; negative for a short. */
  readonly size: number;
  readonly isLong: boolean;
  readonly isShort: boolean;
  /** Entry price, spread included. */
  readonly entryPrice: number;
  readonly entryBar: number;
  /** Set once closed. */
  readonly exitPrice: number | undefined;
  readonly exitBar: number | undefined;
  /** Profit in cash, commissions deducted; open trades are marked at the current bar's close. */
  readonly pl: number;
  /** Return as a fraction of the entry value, commissions deducted. */
  readonly plPct: number;
  readonly reason: string | undefined;
  readonly exitReason: ExitReason | undefined;
  /**
   * Stop-loss price. Assigning replaces the contingent order (live from the next bar); undefined removes it. After the
   * trade closes it keeps the last value.
   */
  sl: number | undefined;
  /** Take-profit price, as sl. */
  tp: number | undefined;
  /** Queues a market order closing the trade, or `portion` (0 < portion < 1) of it, ahead of other orders. */
  close(portion?: number, reason?: string): void;
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
  buy(sizeOrOptions?: number | OrderOptions): Order;
  sell(sizeOrOptions?: number | OrderOptions): Order;
  /** Closes every open trade (ahead of any other queued order), optionally with a reason. */
  close(reason?: string): void;
  /** Pending orders in queue order; a copy, so cancelling while iterating is safe. */
  readonly orders: readonly Order[];
  /** Open trades, oldest first (a copy). */
  readonly trades: readonly Trade[];
  /** Closed trades in the order they closed (a copy). */
  readonly closedTrades: readonly Trade[];
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
  /** Why each trade closed. */
  exitReason: ExitReason[];
  /** The text given to close()/trade.close(), if any. */
  exitNote: Array<string | undefined>;
  /** Last stop-loss / take-profit price of each trade (NaN when it had none). */
  sl: number[];
  tp: number[];
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
  /**
   * What the run read: a symbol or a file. sha256 is absent only when the caller asked for no fingerprint because
   * its output never shows one (a table-only run): hashing 1M bars' 48 MB costs ~35 ms for nothing there.
   */
  source: { symbol?: string; file?: string; interval: string | null; rows: number; first: string; last: string; sha256?: string };
}
