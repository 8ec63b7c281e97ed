/**
 * The simulated broker, with backtesting.py 0.6.6's semantics (../shared/specs/backtesting-parity.md §3):
 * market orders fill at the next bar's open (or, with trade-on-close, at the close of the bar they were placed
 * on, booked on that bar); sizes below 1 are a fraction of available margin turned into whole units (or whole
 * multiples of `unit`) after spread and commission; opposite trades close first-in-first-out at the raw price;
 * commission is charged at entry (on the spread-adjusted price) and at exit; orders the margin cannot cover are
 * cancelled; equity ≤ 0 closes everything and stops the run.
 */
import type { BrokerSettings, TradeLog } from './types.js';

/** backtesting.py's default order size, "all available equity": 1 − 2⁻⁵². */
export const FULL_EQUITY = 1 - 2.220446049250313e-16;

export interface OpenTrade {
  size: number;
  entryPrice: number;
  entryBar: number;
  commission: number;
  reason: string | undefined;
  /** Set once the trade is closed, so a second close order for it is a no-op without searching the open list. */
  closed: boolean;
}

export interface Order {
  size: number;
  limit: number | undefined;
  stop: number | undefined;
  /** Set for orders that close (part of) this trade. */
  parentTrade: OpenTrade | undefined;
  reason: string | undefined;
  /** Filled or cancelled during this broker step; dropped from the queue at the end of the step. */
  done: boolean;
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

export function emptyTradeLog(): TradeLog {
  return { size: [], entryBar: [], exitBar: [], entryPrice: [], exitPrice: [], pnl: [], commission: [], returnPct: [], reason: [], exitReason: [] };
}

export class Broker {
  cash: number;
  /**
   * Open trades, oldest first. A trade closed during a broker step stays here, marked `closed`, until the step
   * ends, so closing k trades costs O(k) rather than a splice each (O(k²)); between steps only open trades remain.
   */
  readonly trades: OpenTrade[] = [];
  private tradesClosedInStep = false;
  readonly orders: Order[] = [];
  readonly closed: TradeLog = emptyTradeLog();
  readonly equity: Float64Array;
  commissions = 0;
  cancelledOrders = 0;
  private readonly leverage: number;
  private readonly slip: number;
  /** Bar being processed. */
  private i = 0;
  private exitReason: string | undefined;

  constructor(
    private readonly bars: BrokerBars,
    private readonly s: BrokerSettings,
  ) {
    this.cash = s.cash;
    this.leverage = 1 / s.margin;
    this.slip = s.slippageBps / 10_000;
    this.equity = new Float64Array(bars.close.length).fill(NaN);
  }

  private commission(size: number, price: number): number {
    return this.s.commissionFixed + Math.abs(size) * price * this.s.commission;
  }

  /** Cash plus open trades marked at bar i's close. */
  equityAt(i: number): number {
    const c = this.bars.close[i];
    let eq = this.cash;
    for (const t of this.trades) if (!t.closed) eq += t.size * (c - t.entryPrice);
    return eq;
  }

  private marginAvailable(i: number): number {
    const c = this.bars.close[i];
    let used = 0;
    for (const t of this.trades) if (!t.closed) used += (Math.abs(t.size) * c) / this.leverage;
    return Math.max(0, this.equityAt(i) - used);
  }

  get position(): number {
    let p = 0;
    for (const t of this.trades) if (!t.closed) p += t.size;
    return p;
  }

  /** Queues an order. Closing orders go to the front of the queue, as backtesting.py's trade.close(). */
  newOrder(size: number, limit: number | undefined, stop: number | undefined, reason: string | undefined, parentTrade?: OpenTrade): void {
    if (parentTrade === undefined && this.s.exclusiveOrders) {
      this.orders.length = 0;
      this.closeAllTrades(undefined);
    }
    // Every field set at creation, so all orders (and trades) share one object shape and the loops stay fast.
    const order: Order = { size, limit, stop, parentTrade, reason, done: false };
    if (parentTrade !== undefined) this.orders.unshift(order);
    else this.orders.push(order);
  }

  closeTradeOrder(trade: OpenTrade, reason: string | undefined): void {
    this.newOrder(-trade.size, undefined, undefined, reason, trade);
  }

  /**
   * Close orders for `trades`, placed ahead of the queue in the order given, in one pass: the same queue as
   * calling closeTradeOrder for each in reverse, without an O(queue) unshift per trade.
   */
  closeTradesFirst(trades: readonly OpenTrade[], reason: string | undefined): void {
    const queued = this.orders.splice(0);
    for (const trade of trades) if (!trade.closed) this.orders.push({ size: -trade.size, limit: undefined, stop: undefined, parentTrade: trade, reason, done: false });
    for (const order of queued) this.orders.push(order);
  }

  /** trade.close() on every open trade, newest first, as backtesting.py's position.close() queues them. */
  closeAllTrades(reason: string | undefined): void {
    const newestFirst: OpenTrade[] = [];
    for (let k = this.trades.length - 1; k >= 0; k--) newestFirst.push(this.trades[k]);
    this.closeTradesFirst(newestFirst, reason);
  }

  private dropClosedTrades(): void {
    if (!this.tradesClosedInStep) return;
    const trades = this.trades;
    let kept = 0;
    for (let k = 0; k < trades.length; k++) if (!trades[k].closed) trades[kept++] = trades[k];
    trades.length = kept;
    this.tradesClosedInStep = false;
  }

  /** One broker step on bar i: fill what can be filled, record equity. Returns false when out of money. */
  next(i: number): boolean {
    this.i = i;
    this.processOrders();
    this.dropClosedTrades();
    const eq = this.equityAt(i);
    this.equity[i] = eq;
    if (eq <= 0) {
      const c = this.bars.close[i];
      for (const t of this.trades) this.closeTrade(t, c, i);
      this.dropClosedTrades();
      this.cash = 0;
      this.equity.fill(0, i);
      return false;
    }
    return true;
  }

  private processOrders(): void {
    const i = this.i;
    const { open, high, low, close } = this.bars;
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const tradeOnClose = this.s.tradeOnClose;
    // Walk the queue as it stood at the start of the step (nothing is queued during it); orders that fill or are
    // cancelled are marked and dropped in one pass at the end, rather than spliced out one by one (O(orders²)).
    const queue = this.orders;
    const queued = queue.length;
    for (let k = 0; k < queued; k++) {
      const order = queue[k];
      if (order.done) continue;
      const isLong = order.size > 0;
      const stopPrice = order.stop;
      if (stopPrice !== undefined) {
        const hit = isLong ? h >= stopPrice : l <= stopPrice;
        if (!hit) continue;
        // Once hit, a stop order becomes a market (or limit) order.
        order.stop = undefined;
      }
      let price: number;
      if (order.limit !== undefined) {
        const limitHit = isLong ? l < order.limit : h > order.limit;
        // Stop and limit hit in one bar: assume, pessimistically, the limit was reached before the stop.
        const limitBeforeStop = limitHit && (isLong ? order.limit < (stopPrice ?? -Infinity) : order.limit > (stopPrice ?? Infinity));
        if (!limitHit || limitBeforeStop) continue;
        price = isLong ? Math.min(stopPrice ?? o, order.limit) : Math.max(stopPrice ?? o, order.limit);
      } else {
        price = tradeOnClose && i > 0 ? close[i - 1] : o;
        if (stopPrice !== undefined) price = isLong ? Math.max(price, stopPrice) : Math.min(price, stopPrice);
      }
      const isMarket = order.limit === undefined && stopPrice === undefined;
      const at = isMarket && tradeOnClose && i > 0 ? i - 1 : i;
      if (this.slip !== 0) price *= isLong ? 1 + this.slip : 1 - this.slip;

      const parent = order.parentTrade;
      if (parent !== undefined) {
        const size = Math.sign(order.size) * Math.min(Math.abs(parent.size), Math.abs(order.size));
        if (!parent.closed) {
          this.exitReason = order.reason;
          this.reduceTrade(parent, price, size, at);
          this.exitReason = undefined;
        }
        this.removeOrder(order);
        continue;
      }

      const adjusted = price * (1 + Math.sign(order.size) * this.s.spread);
      const unit = this.s.unit;
      // Cost of one unit including commission; the fixed fee is spread over the *order* size, as in backtesting.py
      // (for a fractional order of ~1 this makes it a per-unit cost).
      const unitCost = (adjusted + (this.commission(order.size, price) - this.s.commissionFixed) / Math.abs(order.size)) * unit + this.s.commissionFixed / Math.abs(order.size);
      let size = order.size;
      if (size > -1 && size < 1) {
        const units = pyFloorDiv(this.marginAvailable(i) * this.leverage * Math.abs(size), unitCost);
        size = Math.sign(size) * units * unit;
        if (units === 0) {
          this.cancelledOrders++;
          this.removeOrder(order);
          continue;
        }
      }
      let need = size;
      // No hedging: close opposite trades first-in-first-out, at the raw price.
      const open = this.trades;
      const count = open.length;
      for (let k = 0; k < count; k++) {
        const t = open[k];
        if (t.closed || t.size > 0 === need > 0) continue;
        if (Math.abs(need) >= Math.abs(t.size)) {
          this.closeTrade(t, price, at);
          need += t.size;
        } else {
          this.reduceTrade(t, price, need, at);
          need = 0;
        }
        if (need === 0) break;
      }
      if ((Math.abs(need) / unit) * unitCost > this.marginAvailable(i) * this.leverage) {
        this.cancelledOrders++;
        this.removeOrder(order);
        continue;
      }
      if (need !== 0) this.openTrade(adjusted, need, at, order.reason);
      this.removeOrder(order);
    }
    if (queued === 0) return;
    let kept = 0;
    for (let k = 0; k < queue.length; k++) if (!queue[k].done) queue[kept++] = queue[k];
    if (kept !== queue.length) queue.length = kept;
  }

  private removeOrder(order: Order): void {
    order.done = true;
  }

  private openTrade(price: number, size: number, bar: number, reason: string | undefined): void {
    const commission = this.commission(size, price);
    this.cash -= commission;
    this.commissions += commission;
    this.trades.push({ size, entryPrice: price, entryBar: bar, commission, reason, closed: false });
  }

  private reduceTrade(trade: OpenTrade, price: number, size: number, bar: number): void {
    const left = trade.size + size;
    if (left === 0) {
      this.closeTrade(trade, price, bar);
      return;
    }
    // Close a copy holding the reduced part; the entry commission is split in proportion to size.
    const share = Math.abs(size) / Math.abs(trade.size);
    const part: OpenTrade = { ...trade, size: -size, commission: trade.commission * share };
    trade.commission -= part.commission;
    trade.size = left;
    this.trades.push(part);
    this.closeTrade(part, price, bar);
  }

  private closeTrade(trade: OpenTrade, price: number, bar: number): void {
    trade.closed = true;
    this.tradesClosedInStep = true;
    const exitCommission = this.commission(trade.size, price);
    this.cash -= exitCommission;
    this.commissions += exitCommission;
    const commission = trade.commission + exitCommission;
    const gross = trade.size * (price - trade.entryPrice);
    this.cash += gross;
    const log = this.closed;
    log.size.push(trade.size);
    log.entryBar.push(trade.entryBar);
    log.exitBar.push(bar);
    log.entryPrice.push(trade.entryPrice);
    log.exitPrice.push(price);
    log.pnl.push(gross - commission);
    log.commission.push(commission);
    log.returnPct.push(Math.sign(trade.size) * (price / trade.entryPrice - 1) - commission / (Math.abs(trade.size) * trade.entryPrice));
    log.reason.push(trade.reason);
    log.exitReason.push(this.exitReason);
  }
}
