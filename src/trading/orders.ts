/**
 * Paper-trading orders: a market order is checked against every pre-trade risk limit and, if none denies it,
 * filled in full at the latest stored price, all inside one ledger transaction with the account locked.
 * Resubmitting a client order id returns the original order.
 */
import { randomUUID } from 'node:crypto';
import { CiftError } from '../errors.js';
import { abs, add, cmp, dec, div, fmt, mul, neg, sub, ZERO, type Dec } from '../money.js';
import { checkOrder, formatDenial, type Denial } from '../risk/checks.js';
import type { TickStore } from '../store/ticks/types.js';
import type { AccountLimits, Decision, DecisionContext, Ledger, Order, Position, Side } from '../store/ledger/types.js';
import { latestPrice, type MarketPrice } from './prices.js';

export const DEFAULT_ACCOUNT = 'paper';

export interface AccountDefaults extends AccountLimits {
  cash: Dec;
  currency: string;
}

/** A new paper account: 100,000 USD, no fees, cash-only (leverage 1), 1M per order and 1M units per position. */
export const DEFAULT_ACCOUNT_SETTINGS: AccountDefaults = {
  cash: dec('100000'),
  currency: 'USD',
  feeRate: dec('0'),
  maxPositionQty: dec('1000000'),
  maxOrderNotional: dec('1000000'),
  maxLeverage: dec('1'),
};

export interface SubmitRequest {
  account: string;
  symbol: string;
  side: Side;
  quantity: Dec;
  clientOrderId?: string;
  allowShort?: boolean;
  /** Adverse slippage in basis points on the fill price (0 by default). */
  slippageBps?: number;
  /** Reject when the price is older than this many seconds before `now` (off by default: prices are historical). */
  maxQuoteAgeSeconds?: number;
  now?: () => number;
}

export interface SubmitResult {
  order: Order;
  duplicate: boolean;
  denials: string[];
}

/** New position state after a fill: average cost on adds, realized P&L on reductions, flips at the fill price. */
export function applyFill(position: Pick<Position, 'quantity' | 'avgCost' | 'realizedPnl'>, side: Side, qty: Dec, price: Dec): Pick<Position, 'quantity' | 'avgCost' | 'realizedPnl'> {
  const q = position.quantity;
  const delta = side === 'buy' ? qty : neg(qty);
  const after = add(q, delta);
  const sameDirection = cmp(q, ZERO) === 0 || q > 0n === delta > 0n;
  if (sameDirection) {
    const avgCost = div(add(mul(abs(q), position.avgCost), mul(qty, price)), abs(after));
    return { quantity: after, avgCost, realizedPnl: position.realizedPnl };
  }
  const closing = cmp(qty, abs(q)) < 0 ? qty : abs(q);
  // Long closed by a sell gains (price − avg); short closed by a buy gains (avg − price).
  const perUnit = q > 0n ? sub(price, position.avgCost) : sub(position.avgCost, price);
  const realizedPnl = add(position.realizedPnl, mul(perUnit, closing));
  const avgCost = cmp(after, ZERO) === 0 ? ZERO : cmp(abs(q), qty) < 0 ? price : position.avgCost;
  return { quantity: after, avgCost, realizedPnl };
}

/** Cash + Σ position × mark, and Σ |position| × mark; a symbol without a mark is valued at its average cost. */
export function valuation(cash: Dec, positions: readonly Position[], marks: ReadonlyMap<string, Dec>): { equity: Dec; gross: Dec } {
  let equity = cash;
  let gross = ZERO;
  for (const p of positions) {
    const mark = marks.get(p.symbol) ?? p.avgCost;
    equity = add(equity, mul(p.quantity, mark));
    gross = add(gross, mul(abs(p.quantity), mark));
  }
  return { equity, gross };
}

export function decide(ctx: DecisionContext, req: SubmitRequest, price: MarketPrice | undefined, marks: ReadonlyMap<string, Dec>, staleness: Denial | undefined): Decision {
  if (price === undefined) {
    const d: Denial = { code: 'NO_MARKET_PRICE', context: { symbol: req.symbol } };
    return { status: 'rejected', codes: [d.code], reason: formatDenial(d) };
  }
  const slip = (req.slippageBps ?? 0) / 10_000;
  const raw = req.side === 'buy' ? price.buy * (1 + slip) : price.sell * (1 - slip);
  const fillPrice = dec(raw);
  const fee = mul(mul(req.quantity, fillPrice), ctx.account.feeRate);
  const position = ctx.positions.find((p) => p.symbol === req.symbol) ?? { account: req.account, symbol: req.symbol, quantity: ZERO, avgCost: ZERO, realizedPnl: ZERO };
  const { equity, gross } = valuation(ctx.account.cash, ctx.positions, marks);
  const mark = marks.get(req.symbol) ?? position.avgCost;
  const denials = checkOrder({
    side: req.side,
    quantity: req.quantity,
    price: fillPrice,
    fee,
    position: position.quantity,
    equity,
    grossExposure: gross,
    mark,
    limits: ctx.account,
    allowShort: Boolean(req.allowShort),
  });
  if (staleness) denials.push(staleness);
  if (denials.length) return { status: 'rejected', codes: denials.map((d) => d.code), reason: denials.map(formatDenial).join('; ') };
  const notional = mul(req.quantity, fillPrice);
  return {
    status: 'filled',
    price: fillPrice,
    fee,
    priceSource: price.source,
    position: applyFill(position, req.side, req.quantity, fillPrice),
    cashDelta: req.side === 'buy' ? neg(notional) : notional,
  };
}

/**
 * Marks for the symbols an account holds, as Decs. Called under the account lock with the positions the lock
 * protects; the tick store remembers the last row of each (immutable) data file, so after the first order per
 * file this reads only the small manifests.
 */
async function marksFor(store: Pick<TickStore, 'latest'>, symbols: readonly string[], known: ReadonlyMap<string, MarketPrice | undefined>): Promise<Map<string, Dec>> {
  const prices = await Promise.all(symbols.map((s) => (known.has(s) ? known.get(s) : latestPrice(store, s))));
  const marks = new Map<string, Dec>();
  symbols.forEach((s, k) => {
    const p = prices[k];
    if (p) marks.set(s, dec(p.mark));
  });
  return marks;
}

export async function submitOrder(ledger: Ledger, store: Pick<TickStore, 'latest'>, req: SubmitRequest): Promise<SubmitResult> {
  if (!(req.quantity > 0n)) throw new CiftError('USAGE', `quantity ${fmt(req.quantity)} must be positive`);
  const price = await latestPrice(store, req.symbol);
  let staleness: Denial | undefined;
  if (req.maxQuoteAgeSeconds !== undefined && price !== undefined) {
    const ageS = ((req.now ?? Date.now)() - Number(price.ts / 1_000_000n)) / 1000;
    if (ageS > req.maxQuoteAgeSeconds) staleness = { code: 'STALE_QUOTE', context: { age_s: ageS.toFixed(0), max_s: String(req.maxQuoteAgeSeconds) } };
  }
  const intent = { account: req.account, clientOrderId: req.clientOrderId ?? randomUUID(), symbol: req.symbol, side: req.side, quantity: req.quantity };
  const { order, duplicate } = await ledger.submit(intent, async (ctx) => {
    const marks = await marksFor(store, [req.symbol, ...ctx.positions.map((p) => p.symbol)], new Map([[req.symbol, price]]));
    return decide(ctx, req, price, marks, staleness);
  });
  return { order, duplicate, denials: order.rejectReason ? order.rejectReason.split('; ') : [] };
}
