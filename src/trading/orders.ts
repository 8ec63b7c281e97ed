/**
 * Paper-trading orders: a market order is checked against every pre-trade risk limit and, if none denies it,
 * filled in full at the latest stored price, all inside one ledger transaction with the account locked.
 * Resubmitting a client order id returns the original order; reusing it for another order is a conflict.
 *
 * Submitting is two steps so a caller can hold the ledger as briefly as possible: prepareOrder (validation and
 * the market price, no ledger) and placeOrder (the transaction).
 */
import { randomUUID } from 'node:crypto';
import { CiftError } from '../errors.js';
import { abs, add, cmp, dec, div, fitsLedger, fmt, LEDGER_MAX, mul, ORDER_QUANTITY_MAX, neg, sub, ZERO, type Dec } from '../money.js';
import { checkOrder, formatDenial, type Denial, type RiskInput } from '../risk/checks.js';
import type { TickStore } from '../store/ticks/types.js';
import type { AccountLimits, Decision, DecisionContext, Ledger, Order, OrderType, Position, Side, TimeInForce } from '../store/ledger/types.js';
import { priceAt, sessionCloseNs } from './market-clock.js';
import { formatTs } from '../time.js';
import { checkOrderShape, decidePlacement } from './order-types.js';
import { latestPrice, type MarketPrice } from './prices.js';
import { applyFill } from './position-math.js';

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
  /** market (default), limit, stop or stop_limit; limitPrice / stopPrice as the type needs. */
  type?: OrderType;
  limitPrice?: Dec;
  stopPrice?: Dec;
  /** day (default), gtc, ioc or fok. */
  tif?: TimeInForce;
  /** Place the order at this earlier market time (UTC ns) instead of the latest stored price's time. */
  atNs?: bigint;
}

export interface SubmitResult {
  order: Order;
  duplicate: boolean;
  denials: string[];
}

export { applyFill };

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

/** The order as the risk checks see it, priced at its fill price; or the rejection when there is no usable price. */
export type PricedOrder =
  | { ok: true; input: RiskInput; position: Position; fillPrice: Dec; fee: Dec; priceSource: string }
  | { ok: false; denial: Denial };

export function priceOrder(ctx: DecisionContext, req: SubmitRequest, price: MarketPrice | undefined, marks: ReadonlyMap<string, Dec>): PricedOrder {
  if (price === undefined) return { ok: false, denial: { code: 'NO_MARKET_PRICE', context: { symbol: req.symbol } } };
  const slip = (req.slippageBps ?? 0) / 10_000;
  const raw = req.side === 'buy' ? price.buy * (1 + slip) : price.sell * (1 - slip);
  // Stored data can hold a zero or absurd price (an empty book side, a bad row): that is a reason to reject,
  // never a value to write.
  if (!(raw >= 0.000001 && raw < 1e14)) return { ok: false, denial: { code: 'INVALID_MARKET_PRICE', context: { symbol: req.symbol, source: price.source, price: String(raw) } } };
  const fillPrice = dec(raw);
  const fee = mul(mul(req.quantity, fillPrice), ctx.account.feeRate);
  const position = ctx.positions.find((p) => p.symbol === req.symbol) ?? { account: req.account, symbol: req.symbol, quantity: ZERO, avgCost: ZERO, realizedPnl: ZERO };
  const { equity, gross } = valuation(ctx.account.cash, ctx.positions, marks);
  const mark = marks.get(req.symbol) ?? position.avgCost;
  const input: RiskInput = {
    side: req.side,
    quantity: req.quantity,
    price: fillPrice,
    fee,
    position: position.quantity,
    equity,
    // Buying power held by resting orders is spoken for: it counts as exposure already taken.
    grossExposure: add(gross, ctx.reserved ?? ZERO),
    mark,
    limits: ctx.account,
    allowShort: Boolean(req.allowShort),
  };
  return { ok: true, input, position, fillPrice, fee, priceSource: price.source };
}

export function decide(ctx: DecisionContext, req: SubmitRequest, price: MarketPrice | undefined, marks: ReadonlyMap<string, Dec>, staleness: Denial | undefined): Decision {
  const priced = priceOrder(ctx, req, price, marks);
  if (!priced.ok) return { status: 'rejected', codes: [priced.denial.code], reason: formatDenial(priced.denial) };
  const { position, fillPrice, fee } = priced;
  const denials = checkOrder(priced.input);
  if (staleness) denials.push(staleness);
  if (denials.length) return { status: 'rejected', codes: denials.map((d) => d.code), reason: denials.map(formatDenial).join('; ') };
  const notional = mul(req.quantity, fillPrice);
  const cashDelta = req.side === 'buy' ? neg(notional) : notional;
  const after = applyFill(position, req.side, req.quantity, fillPrice);
  const range = fillRangeDenial(ctx, notional, fee, cashDelta, after);
  if (range) return { status: 'rejected', codes: [range.code], reason: formatDenial(range) };
  return { status: 'filled', price: fillPrice, fee, priceSource: priced.priceSource, position: after, cashDelta };
}

/** LEDGER_RANGE_EXCEEDED when an amount the fill would write does not fit DECIMAL(20,6). */
export function fillRangeDenial(ctx: DecisionContext, notional: Dec, fee: Dec, cashDelta: Dec, after: Pick<Position, 'quantity' | 'avgCost' | 'realizedPnl'>): Denial | undefined {
  return rangeDenial({ notional, fee, cash_after: add(add(ctx.account.cash, cashDelta), neg(fee)), position_after: after.quantity, avg_cost: after.avgCost, realized_pnl: after.realizedPnl });
}

/** Every amount a fill writes must fit DECIMAL(20,6); limits set very high could otherwise let one overflow. */
function rangeDenial(amounts: Record<string, Dec>): Denial | undefined {
  for (const [field, value] of Object.entries(amounts)) {
    if (!fitsLedger(value)) return { code: 'LEDGER_RANGE_EXCEEDED', context: { field, value: fmt(value), max: fmt(LEDGER_MAX) } };
  }
  return undefined;
}

/**
 * Marks for the symbols an account holds, as Decs. Called under the account lock with the positions the lock
 * protects; the tick store remembers the last row of each (immutable) data file, so after the first order per
 * file this reads only the small manifests.
 */
export async function marksFor(store: Pick<TickStore, 'latest'>, symbols: readonly string[], known: ReadonlyMap<string, MarketPrice | undefined>): Promise<Map<string, Dec>> {
  const prices = await Promise.all(symbols.map((s) => (known.has(s) ? known.get(s) : latestPrice(store, s))));
  const marks = new Map<string, Dec>();
  symbols.forEach((s, k) => {
    const p = prices[k];
    // A missing or unusable mark values the position at its average cost (valuation()).
    if (p && p.mark >= 0.000001 && p.mark < 1e14) marks.set(s, dec(p.mark));
  });
  return marks;
}

/** The largest client order id the ledger stores (orders.client_order_id is VARCHAR(128)). */
const MAX_CLIENT_ID = 128;

/** An order checked and priced, ready to place: everything that needs no ledger, done before opening it. */
export interface PreparedOrder {
  req: SubmitRequest;
  price: MarketPrice | undefined;
  staleness: Denial | undefined;
  /** Market time the order is placed at: --at, else a replay's clock, else the latest price's time (the wall clock without one). */
  placedNs: bigint;
  /** The market clock when it was given (--at) or live (a replay): a market order fills at this time, not the wall clock. */
  clockNs?: bigint;
}

/** Validates the request (usage errors, exit 2) and reads its market price. */
/** The tick store a submit reads: the latest prices, and history for --at (read is optional for callers without --at). */
export type OrderMarket = Pick<TickStore, 'latest'> & Partial<Pick<TickStore, 'read'>> & {
  /** A live market clock (a replaying server's LiveMarket): the symbol's replayed time, which may be past its latest quote's. */
  clockNs?(symbol: string): bigint | undefined;
};

export async function prepareOrder(store: OrderMarket, req: SubmitRequest): Promise<PreparedOrder> {
  checkOrderShape(req);
  if (!(req.quantity > 0n)) throw new CiftError('USAGE', `quantity ${fmt(req.quantity)} must be positive`);
  if (req.quantity > ORDER_QUANTITY_MAX) throw new CiftError('USAGE', `quantity ${fmt(req.quantity)} is larger than any order (at most ${fmt(ORDER_QUANTITY_MAX)})`);
  if (req.clientOrderId !== undefined && req.clientOrderId.trim() === '') {
    throw new CiftError('USAGE', '--client-id is empty', 'give a non-empty id, or leave --client-id out to get a generated one');
  }
  if (req.clientOrderId !== undefined && req.clientOrderId.length > MAX_CLIENT_ID) {
    throw new CiftError('USAGE', `--client-id is ${req.clientOrderId.length} characters long (at most ${MAX_CLIENT_ID})`);
  }
  const slippage = req.slippageBps ?? 0;
  if (!(slippage >= 0 && slippage < 10_000)) throw new CiftError('USAGE', `--slippage ${slippage} must be basis points in [0, 10000)`);
  if (req.maxQuoteAgeSeconds !== undefined && !(req.maxQuoteAgeSeconds > 0)) throw new CiftError('USAGE', `--max-quote-age ${req.maxQuoteAgeSeconds} must be seconds > 0`);
  if (req.atNs !== undefined && store.read === undefined) throw new CiftError('INTERNAL', '--at needs the stored history');
  const latest = await latestPrice(store, req.symbol);
  // --at is a what-if on stored history: a time past the data would be trading on prices nobody has seen.
  if (req.atNs !== undefined && latest !== undefined && req.atNs > latest.ts) {
    throw new CiftError('USAGE', `--at ${formatTs(req.atNs)} is after ${req.symbol}'s latest stored price (${formatTs(latest.ts)})`, 'leave --at out to place the order at the latest stored price time');
  }
  const price = req.atNs === undefined ? latest : await priceAt(store as Pick<TickStore, 'read'>, req.symbol, req.atNs);
  let staleness: Denial | undefined;
  if (req.maxQuoteAgeSeconds !== undefined && price !== undefined) {
    const ageS = ((req.now ?? Date.now)() - Number(price.ts / 1_000_000n)) / 1000;
    if (ageS > req.maxQuoteAgeSeconds) staleness = { code: 'STALE_QUOTE', context: { age_s: ageS.toFixed(0), max_s: String(req.maxQuoteAgeSeconds) } };
  }
  // The market clock: --at, else a replay's clock for the symbol (its latest replayed trade or quote), else the
  // latest stored price's time; the wall clock only when the symbol has no price at all.
  const clock = req.atNs ?? store.clockNs?.(req.symbol);
  return { req, price, staleness, placedNs: clock ?? price?.ts ?? BigInt(Date.now()) * 1_000_000n, clockNs: clock };
}

/**
 * Records the prepared order in one ledger transaction with the account locked. A quantity the ledger's
 * DECIMAL(20,6) cannot hold cannot be recorded either: it is checked all the same (exact bigint arithmetic) and
 * refused as ORDER_REJECTED naming every limit it breaks, with nothing written.
 */
export async function placeOrder(ledger: Ledger, store: Pick<TickStore, 'latest'>, prepared: PreparedOrder): Promise<SubmitResult> {
  const { req, price, staleness, placedNs, clockNs } = prepared;
  if (!fitsLedger(req.quantity)) return rejectUnrecordable(ledger, store, prepared);
  const type = req.type ?? 'market';
  const tif = req.tif ?? 'day';
  const intent = {
    account: req.account,
    clientOrderId: req.clientOrderId ?? randomUUID(),
    clientOrderIdGenerated: req.clientOrderId === undefined,
    symbol: req.symbol,
    side: req.side,
    quantity: req.quantity,
    type,
    limitPrice: req.limitPrice,
    stopPrice: req.stopPrice,
    tif,
    placedNs,
    expiresNs: tif === 'day' && type !== 'market' ? sessionCloseNs(placedNs) : undefined,
  };
  const { order, duplicate } = await ledger.submit(intent, async (ctx) => {
    const marks = await marksFor(store, [req.symbol, ...ctx.positions.map((p) => p.symbol)], new Map([[req.symbol, price]]));
    if (type !== 'market') return decidePlacement(ctx, req, price, marks, staleness, placedNs);
    const decision = decide(ctx, req, price, marks, staleness);
    return clockNs === undefined ? decision : atMarketTime(decision, req.quantity, clockNs);
  });
  return { order, duplicate, denials: order.rejectReason ? order.rejectReason.split('; ') : [] };
}

/** A market order placed with --at or during a replay fills at that market time (otherwise at the wall clock as before). */
function atMarketTime(d: Decision, quantity: Dec, atNs: bigint): Decision {
  if (d.status !== 'filled') return d;
  const { status: _status, ...fill } = d;
  return { status: 'placed', final: 'filled', reserved: ZERO, triggered: false, fill: { ...fill, quantity, filledNs: atNs } };
}

async function rejectUnrecordable(ledger: Ledger, store: Pick<TickStore, 'latest'>, { req, price, staleness }: PreparedOrder): Promise<never> {
  const account = await ledger.getAccount(req.account);
  if (account === undefined) throw new CiftError('UNKNOWN_ACCOUNT', `no account "${req.account}"`);
  const positions = await ledger.positions(req.account);
  const marks = await marksFor(store, [req.symbol, ...positions.map((p) => p.symbol)], new Map([[req.symbol, price]]));
  const decision = decide({ account, positions }, req, price, marks, staleness);
  const range = formatDenial({ code: 'LEDGER_RANGE_EXCEEDED', context: { field: 'quantity', value: fmt(req.quantity), max: fmt(LEDGER_MAX) } });
  const reasons = decision.status === 'rejected' ? `${decision.reason}; ${range}` : range;
  throw new CiftError('ORDER_REJECTED', `order rejected and not recorded: ${reasons}`, `the ledger records quantities up to ${fmt(LEDGER_MAX)}`);
}

export async function submitOrder(ledger: Ledger, store: OrderMarket, req: SubmitRequest): Promise<SubmitResult> {
  return placeOrder(ledger, store, await prepareOrder(store, req));
}
