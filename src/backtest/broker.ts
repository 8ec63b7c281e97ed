/**
 * The simulated broker, with backtesting.py 0.6.6's semantics (../shared/specs/backtesting-parity.md §3 and §7):
 * - market orders fill at the next bar's open (or, with trade-on-close, at the close of the bar they were placed
 *   on, booked on that bar); stop orders trigger on the high/low and then act as market or limit orders; limit
 *   orders fill at the limit or a better open;
 * - an entry with `sl`/`tp` gets contingent orders when it fills: a stop-loss (a stop order, queued first) and a
 *   take-profit (a limit order, queued last); when both are reachable in one bar the stop-loss wins;
 * - after a market entry with sl/tp the whole queue is processed again on the same bar (rule 15);
 * - sizes below 1 are a fraction of available margin turned into whole units (or whole multiples of `unit`) after
 *   spread and commission; opposite trades close first-in-first-out at the raw price;
 * - commission is charged at entry (on the spread-adjusted price) and at exit; orders the margin cannot cover are
 *   cancelled; equity ≤ 0 closes everything and stops the run.
 * Rule numbers in comments are §7's.
 */
import { CiftError } from '../errors.js';
import type { BrokerSettings, ExitReason, Order, Trade, TradeLog } from './types.js';

/** backtesting.py's default order size, "all available equity": 1 − 2⁻⁵². */
export const FULL_EQUITY = 1 - 2.220446049250313e-16;

/** What an order is for. Stand-alone orders open (or net) positions; the others close a parent trade. */
export const enum OrderKind {
  Standalone,
  Close,
  StopLoss,
  TakeProfit,
}

export class BrokerOrder implements Order {
  /** The stop price as placed; `stop` is cleared when it triggers (rule 7), this is not (rule 19's SL column). */
  readonly stopLevel: number | undefined;
  /** False once filled or cancelled. Removed orders stay in the queue array until the next compaction. */
  queued = true;

  constructor(
    private readonly broker: Broker,
    public size: number,
    readonly limit: number | undefined,
    public stop: number | undefined,
    readonly sl: number | undefined,
    readonly tp: number | undefined,
    readonly reason: string | undefined,
    readonly parentTrade: BrokerTrade | undefined,
    readonly kind: OrderKind,
    /** For close orders: what the trade's exit will be recorded as ('signal' or 'finalize'). */
    readonly closeAs: ExitReason,
  ) {
    this.stopLevel = stop;
  }

  get isContingent(): boolean {
    return this.kind === OrderKind.StopLoss || this.kind === OrderKind.TakeProfit;
  }

  cancel(): void {
    this.broker.cancelOrder(this);
  }
}

export class BrokerTrade implements Trade {
  exitPrice: number | undefined = undefined;
  exitBar: number | undefined = undefined;
  exitReason: ExitReason | undefined = undefined;
  closed = false;
  /** Kept after the trade closes (and after the order fills), so the record shows the last levels (rule 19). */
  slOrder: BrokerOrder | undefined = undefined;
  tpOrder: BrokerOrder | undefined = undefined;

  constructor(
    private readonly broker: Broker,
    public size: number,
    readonly entryPrice: number,
    readonly entryBar: number,
    /** Commissions paid so far: the entry's, then also the exit's. */
    public commission: number,
    readonly reason: string | undefined,
  ) {}

  get isLong(): boolean {
    return this.size > 0;
  }

  get isShort(): boolean {
    return this.size < 0;
  }

  get pl(): number {
    const price = this.exitPrice ?? this.broker.lastClose;
    return this.size * (price - this.entryPrice) - this.commission;
  }

  get plPct(): number {
    const price = this.exitPrice ?? this.broker.lastClose;
    return Math.sign(this.size) * (price / this.entryPrice - 1) - this.commission / (Math.abs(this.size) * this.entryPrice);
  }

  get sl(): number | undefined {
    return this.slOrder?.stopLevel;
  }

  set sl(price: number | undefined) {
    this.broker.setContingent(this, OrderKind.StopLoss, price);
  }

  get tp(): number | undefined {
    return this.tpOrder?.limit;
  }

  set tp(price: number | undefined) {
    this.broker.setContingent(this, OrderKind.TakeProfit, price);
  }

  close(portion = 1, reason?: string): void {
    this.broker.closeTrade(this, portion, reason);
  }

  /** A closed copy of part of this trade (a reduction), without its stop-loss and take-profit orders. */
  part(size: number, commission: number): BrokerTrade {
    return new BrokerTrade(this.broker, size, this.entryPrice, this.entryBar, commission, this.reason);
  }
}

export interface BrokerBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** Python's float floor division (CPython float_floor_div), so unit counts match backtesting.py exactly. */
export function pyFloorDiv(a: number, b: number): number {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) {
    mod += b;
    div -= 1;
  }
  if (div === 0) return 0;
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return floordiv;
}

/** Python's round(): halves go to the even neighbour (trade.close(portion) rounds its size this way). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function emptyTradeLog(): TradeLog {
  return { size: [], entryBar: [], exitBar: [], entryPrice: [], exitPrice: [], pnl: [], commission: [], returnPct: [], reason: [], exitReason: [], exitNote: [], sl: [], tp: [] };
}

const isPrice = (v: number | undefined): boolean => v === undefined || (v > 0 && v < Infinity);
const shownPrice = (v: number | undefined): string => (v === undefined ? 'none' : String(Number(v.toPrecision(10))));

export class Broker {
  cash: number;
  /**
   * Open trades, oldest first. A trade closed during a broker step stays here, marked `closed`, until the step
   * ends, so closing k trades costs O(k) rather than a splice each (O(k²)); between steps only open trades remain.
   */
  readonly trades: BrokerTrade[] = [];
  private tradesClosedInStep = false;
  /** The queue, in processing order. May hold removed orders (queued = false) until the next compaction. */
  private queue: BrokerOrder[] = [];
  /** Reused buffer for the snapshot each pass walks (rule 4), so a pass allocates nothing. */
  private snapshot: BrokerOrder[] = [];
  readonly closedTrades: BrokerTrade[] = [];
  readonly closed: TradeLog = emptyTradeLog();
  readonly equity: Float64Array;
  commissions = 0;
  cancelledOrders = 0;
  private readonly leverage: number;
  private readonly slip: number;
  /** Bar being processed, or decided on by next(). */
  i = 0;

  constructor(
    private readonly bars: BrokerBars,
    private readonly s: BrokerSettings,
  ) {
    this.cash = s.cash;
    this.leverage = 1 / s.margin;
    this.slip = s.slippageBps / 10_000;
    this.equity = new Float64Array(bars.close.length).fill(NaN);
  }

  get lastClose(): number {
    return this.bars.close[this.i];
  }

  private commission(size: number, price: number): number {
    return this.s.commissionFixed + Math.abs(size) * price * this.s.commission;
  }

  /** Cash plus open trades marked at bar i's close. */
  equityAt(i: number): number {
    const c = this.bars.close[i];
    let eq = this.cash;
    // Indexed loops over trades here and below: they run on every bar, mostly before the JIT has optimised
    // anything (a short backtest never gets there), where an array iterator per call costs far more than an index.
    const trades = this.trades;
    for (let k = 0; k < trades.length; k++) if (!trades[k].closed) eq += trades[k].size * (c - trades[k].entryPrice);
    return eq;
  }

  /** Rule 21: equity less the margin open trades use, both at bar i's close. */
  private marginAvailable(i: number): number {
    const c = this.bars.close[i];
    let used = 0;
    const trades = this.trades;
    for (let k = 0; k < trades.length; k++) if (!trades[k].closed) used += (Math.abs(trades[k].size) * c) / this.leverage;
    return Math.max(0, this.equityAt(i) - used);
  }

  get position(): number {
    let p = 0;
    const trades = this.trades;
    for (let k = 0; k < trades.length; k++) if (!trades[k].closed) p += trades[k].size;
    return p;
  }

  /** The pending orders in queue order (a copy). */
  pendingOrders(): BrokerOrder[] {
    return this.queue.filter((o) => o.queued);
  }

  /** The open trades, oldest first (a copy). */
  openTrades(): BrokerTrade[] {
    return this.trades.filter((t) => !t.closed);
  }

  /**
   * A strategy's buy or sell (rules 14, 24): sl/tp are checked against the limit, else the stop, else the current
   * close with spread; exclusive orders first cancel every other stand-alone order and close every trade.
   */
  newOrder(size: number, limit: number | undefined, stop: number | undefined, sl: number | undefined, tp: number | undefined, reason: string | undefined): BrokerOrder {
    for (const [name, value] of [['limit', limit], ['stop', stop], ['sl', sl], ['tp', tp]] as const) {
      if (!isPrice(value)) throw new CiftError('STRATEGY_ERROR', `${size > 0 ? 'buy' : 'sell'} with ${name} ${value}: prices must be finite and > 0`);
    }
    if (sl !== undefined || tp !== undefined) {
      const reference = limit ?? stop ?? this.bars.close[this.i] * (1 + Math.sign(size) * this.s.spread);
      const ok = size > 0 ? (sl ?? -Infinity) < reference && reference < (tp ?? Infinity) : (tp ?? -Infinity) < reference && reference < (sl ?? Infinity);
      if (!ok) {
        const rule = size > 0 ? `sl (${shownPrice(sl)}) < price (${shownPrice(reference)}) < tp (${shownPrice(tp)})` : `tp (${shownPrice(tp)}) < price (${shownPrice(reference)}) < sl (${shownPrice(sl)})`;
        const basis = limit !== undefined ? 'the limit' : stop !== undefined ? 'the stop' : "this bar's close";
        throw new CiftError('STRATEGY_ERROR', `a ${size > 0 ? 'buy' : 'sell'} needs ${rule}, price being ${basis}`, 'stop-loss and take-profit are absolute prices on either side of the entry');
      }
    }
    if (this.s.exclusiveOrders) {
      for (const o of this.queue) if (o.queued && !o.isContingent) this.cancelOrder(o);
      this.closeAllTrades(undefined);
    }
    const order = new BrokerOrder(this, size, limit, stop, sl, tp, reason, undefined, OrderKind.Standalone, 'signal');
    this.queue.push(order);
    return order;
  }

  /** trade.close(portion): a market order for round(|size|·portion) units (at least one), ahead of the queue. */
  closeTrade(trade: BrokerTrade, portion: number, reason: string | undefined): void {
    if (!(portion > 0 && portion <= 1)) throw new CiftError('STRATEGY_ERROR', `trade.close(${portion}): portion must be in (0, 1]`);
    if (trade.closed) return;
    const unit = this.s.unit;
    const units = portion === 1 ? Math.abs(trade.size) / unit : Math.max(1, roundHalfEven((Math.abs(trade.size) / unit) * portion));
    const size = portion === 1 ? -trade.size : -Math.sign(trade.size) * units * unit;
    this.queue.unshift(new BrokerOrder(this, size, undefined, undefined, undefined, undefined, reason, trade, OrderKind.Close, 'signal'));
  }

  /**
   * Close orders for `trades`, placed ahead of the queue in the order given, in one pass: the same queue as
   * calling trade.close() for each in reverse, without an O(queue) unshift per trade.
   */
  closeTradesFirst(trades: readonly BrokerTrade[], reason: string | undefined, closeAs: ExitReason = 'signal'): void {
    const queued = this.queue;
    const front: BrokerOrder[] = [];
    for (const trade of trades) if (!trade.closed) front.push(new BrokerOrder(this, -trade.size, undefined, undefined, undefined, undefined, reason, trade, OrderKind.Close, closeAs));
    for (const order of queued) if (order.queued) front.push(order);
    this.queue = front;
  }

  /** trade.close() on every open trade, oldest first, so the newest trade's close ends up first (position.close()). */
  closeAllTrades(reason: string | undefined): void {
    const newestFirst: BrokerTrade[] = [];
    for (let k = this.trades.length - 1; k >= 0; k--) newestFirst.push(this.trades[k]);
    this.closeTradesFirst(newestFirst, reason);
  }

  cancelOrder(order: BrokerOrder): void {
    if (!order.queued) return;
    order.queued = false;
    const trade = order.parentTrade;
    if (trade !== undefined) {
      if (trade.slOrder === order) trade.slOrder = undefined;
      else if (trade.tpOrder === order) trade.tpOrder = undefined;
    }
  }

  /** Rule 18: assigning trade.sl / trade.tp replaces its contingent order (SL first in the queue, TP last). */
  setContingent(trade: BrokerTrade, kind: OrderKind.StopLoss | OrderKind.TakeProfit, price: number | undefined | null): void {
    // A JavaScript strategy may write null for "none", as Python writes None.
    if (price === null) price = undefined;
    const name = kind === OrderKind.StopLoss ? 'sl' : 'tp';
    if (trade.closed) throw new CiftError('STRATEGY_ERROR', `cannot set ${name} of a trade that has closed`);
    if (price !== undefined && !(price > 0 && price < Infinity)) throw new CiftError('STRATEGY_ERROR', `trade.${name} = ${price}: a price must be finite and > 0 (undefined removes it)`);
    const old = kind === OrderKind.StopLoss ? trade.slOrder : trade.tpOrder;
    if (old !== undefined) this.cancelOrder(old);
    if (price === undefined) return;
    const isSl = kind === OrderKind.StopLoss;
    const order = new BrokerOrder(this, -trade.size, isSl ? undefined : price, isSl ? price : undefined, undefined, undefined, trade.reason, trade, kind, isSl ? 'sl' : 'tp');
    if (isSl) {
      trade.slOrder = order;
      this.queue.unshift(order);
    } else {
      trade.tpOrder = order;
      this.queue.push(order);
    }
  }

  private dropClosedTrades(): void {
    if (!this.tradesClosedInStep) return;
    const trades = this.trades;
    let kept = 0;
    for (let k = 0; k < trades.length; k++) if (!trades[k].closed) trades[kept++] = trades[k];
    trades.length = kept;
    this.tradesClosedInStep = false;
  }

  private compactQueue(): void {
    const queue = this.queue;
    let kept = 0;
    for (let k = 0; k < queue.length; k++) if (queue[k].queued) queue[kept++] = queue[k];
    if (kept !== queue.length) queue.length = kept;
  }

  /** One broker step on bar i: fill what can be filled, record equity. Returns false when out of money. */
  next(i: number): boolean {
    this.i = i;
    // Rule 15: a pass that opened a trade with market entry (or rule 16's case) runs the whole queue again.
    while (this.queue.length !== 0 && this.processOrders()) {
      /* reprocess */
    }
    if (this.tradesClosedInStep) this.dropClosedTrades();
    const eq = this.equityAt(i);
    this.equity[i] = eq;
    if (eq <= 0) {
      const c = this.bars.close[i];
      for (const t of this.trades) this.closeTradeAt(t, c, i, 'out_of_money', undefined);
      this.dropClosedTrades();
      this.cash = 0;
      this.equity.fill(0, i);
      return false;
    }
    return true;
  }

  /** One pass over the queue as it stood when the pass began (rule 4). Returns whether to pass again. */
  private processOrders(): boolean {
    const i = this.i;
    const { open, high, low, close } = this.bars;
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const tradeOnClose = this.s.tradeOnClose;
    const snapshot = this.snapshot;
    let count = 0;
    for (const order of this.queue) if (order.queued) snapshot[count++] = order;
    let reprocess = false;
    for (let k = 0; k < count; k++) {
      const order = snapshot[k];
      // Filled, cancelled, or the sibling of a stop-loss/take-profit that just closed its trade.
      if (!order.queued) continue;
      const isLong = order.size > 0;
      const stopPrice = order.stop;
      if (stopPrice !== undefined) {
        const hit = isLong ? h >= stopPrice : l <= stopPrice;
        if (!hit) continue;
        // Rule 7: once hit, a stop order is a market (or limit) order for good.
        order.stop = undefined;
      }
      const limit = order.limit;
      const contingent = order.kind === OrderKind.StopLoss || order.kind === OrderKind.TakeProfit;
      let price: number;
      if (limit !== undefined) {
        const limitHit = isLong ? l <= limit : h >= limit;
        // Rule 9: stop and limit both reached in this bar: assume, pessimistically, the limit came first.
        const limitBeforeStop = limitHit && (isLong ? limit <= (stopPrice ?? -Infinity) : limit >= (stopPrice ?? Infinity));
        if (!limitHit || limitBeforeStop) continue;
        // Rule 8: at the limit or the better open; a stop-limit that triggered here takes the stop as its open.
        price = isLong ? Math.min(stopPrice ?? o, limit) : Math.max(stopPrice ?? o, limit);
      } else {
        // Rules 10, 11: market orders take the open (the previous close under trade-on-close, never for SL/TP).
        price = tradeOnClose && !contingent && i > 0 ? close[i - 1] : o;
        if (stopPrice !== undefined) price = isLong ? Math.max(price, stopPrice) : Math.min(price, stopPrice);
      }
      const isMarket = limit === undefined && stopPrice === undefined;
      // Rule 12: only true market orders under trade-on-close are booked on the previous bar.
      const at = isMarket && tradeOnClose && !contingent && i > 0 ? i - 1 : i;
      if (this.slip !== 0) price *= isLong ? 1 + this.slip : 1 - this.slip;

      const parent = order.parentTrade;
      if (parent !== undefined) {
        if (!parent.closed) {
          const size = Math.sign(order.size) * Math.min(Math.abs(parent.size), Math.abs(order.size));
          const exitReason = order.kind === OrderKind.StopLoss ? 'sl' : order.kind === OrderKind.TakeProfit ? 'tp' : order.closeAs;
          this.reduceTrade(parent, price, size, at, exitReason, order.kind === OrderKind.Close ? order.reason : undefined);
        }
        order.queued = false;
        continue;
      }
      if (this.fillStandalone(order, price, at, isMarket, stopPrice, h, l)) reprocess = true;
      order.queued = false;
    }
    this.compactQueue();
    return reprocess;
  }

  /** Sizing, netting, the margin check and the new trade (rules 13, 15-17, 20-23). Returns whether to reprocess. */
  private fillStandalone(order: BrokerOrder, price: number, at: number, isMarket: boolean, stopPrice: number | undefined, h: number, l: number): boolean {
    const i = this.i;
    const sign = Math.sign(order.size);
    const adjusted = price * (1 + sign * this.s.spread);
    const unit = this.s.unit;
    // Cost of one unit including commission; the fixed fee is spread over the *order* size, as in backtesting.py
    // (for a fractional order of ~1 this makes it a per-unit cost).
    const unitCost = (adjusted + (this.commission(order.size, price) - this.s.commissionFixed) / Math.abs(order.size)) * unit + this.s.commissionFixed / Math.abs(order.size);
    let size = order.size;
    if (size > -1 && size < 1) {
      const units = pyFloorDiv(this.marginAvailable(i) * this.leverage * Math.abs(size), unitCost);
      if (units === 0) {
        this.cancelledOrders++;
        return false;
      }
      size = sign * units * unit;
    }
    let need = size;
    // No hedging: close opposite trades first-in-first-out, at the raw price.
    const trades = this.trades;
    const count = trades.length;
    for (let k = 0; k < count && need !== 0; k++) {
      const t = trades[k];
      if (t.closed || t.size > 0 === need > 0) continue;
      if (Math.abs(need) >= Math.abs(t.size)) {
        need += t.size;
        this.closeTradeAt(t, price, at, 'signal', undefined);
      } else {
        this.reduceTrade(t, price, need, at, 'signal', undefined);
        need = 0;
      }
    }
    // Rule 22: the margin check comes after the netting, which stands even if the rest is cancelled.
    if ((Math.abs(need) / unit) * unitCost > this.marginAvailable(i) * this.leverage) {
      this.cancelledOrders++;
      return false;
    }
    if (need === 0) return false;
    const commission = this.commission(need, adjusted);
    this.cash -= commission;
    this.commissions += commission;
    const trade = new BrokerTrade(this, need, adjusted, at, commission, order.reason);
    trades.push(trade);
    const { sl, tp } = order;
    if (sl === undefined && tp === undefined) return false;
    // Rule 14: take-profit first, then stop-loss (which goes to the front of the queue).
    if (tp !== undefined) this.setContingent(trade, OrderKind.TakeProfit, tp);
    if (sl !== undefined) this.setContingent(trade, OrderKind.StopLoss, sl);
    if (isMarket) return true;
    // Rule 16: a stop-market entry whose take-profit this bar also reached, and whose stop-loss it did not.
    if (stopPrice !== undefined && order.limit === undefined && tp !== undefined) {
      if (sign > 0 ? tp <= h && (sl ?? -Infinity) < l : tp >= l && (sl ?? Infinity) > h) return true;
    }
    return false;
  }

  private reduceTrade(trade: BrokerTrade, price: number, size: number, bar: number, exitReason: ExitReason, note: string | undefined): void {
    const left = trade.size + size;
    if (left === 0) {
      this.closeTradeAt(trade, price, bar, exitReason, note);
      return;
    }
    // Close a copy holding the reduced part (without the stop-loss/take-profit, which stay with the rest). Rule 23:
    // each piece's entry commission is recomputed for its own size, so with a fixed fee both pieces carry it in their
    // P&L (backtesting.py's records), while cash paid it once at entry.
    const part = trade.part(-size, this.commission(size, trade.entryPrice));
    trade.commission = this.commission(left, trade.entryPrice);
    trade.size = left;
    if (trade.slOrder?.queued) trade.slOrder.size = -left;
    if (trade.tpOrder?.queued) trade.tpOrder.size = -left;
    this.trades.push(part);
    this.closeTradeAt(part, price, bar, exitReason, note);
  }

  private closeTradeAt(trade: BrokerTrade, price: number, bar: number, exitReason: ExitReason, note: string | undefined): void {
    trade.closed = true;
    this.tradesClosedInStep = true;
    // Rule 19: its stop-loss/take-profit leave the queue, but the trade keeps them for the record.
    if (trade.slOrder?.queued) trade.slOrder.queued = false;
    if (trade.tpOrder?.queued) trade.tpOrder.queued = false;
    const exitCommission = this.commission(trade.size, price);
    this.cash -= exitCommission;
    this.commissions += exitCommission;
    trade.commission += exitCommission;
    trade.exitPrice = price;
    trade.exitBar = bar;
    trade.exitReason = exitReason;
    const gross = trade.size * (price - trade.entryPrice);
    this.cash += gross;
    this.closedTrades.push(trade);
    const log = this.closed;
    log.size.push(trade.size);
    log.entryBar.push(trade.entryBar);
    log.exitBar.push(bar);
    log.entryPrice.push(trade.entryPrice);
    log.exitPrice.push(price);
    log.pnl.push(gross - trade.commission);
    log.commission.push(trade.commission);
    log.returnPct.push(Math.sign(trade.size) * (price / trade.entryPrice - 1) - trade.commission / (Math.abs(trade.size) * trade.entryPrice));
    log.reason.push(trade.reason);
    log.exitReason.push(exitReason);
    log.exitNote.push(note);
    log.sl.push(trade.slOrder?.stopLevel ?? NaN);
    log.tp.push(trade.tpOrder?.limit ?? NaN);
  }
}
