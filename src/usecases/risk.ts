/**
 * Pre-trade risk without trading: riskCheck runs the checks a submit would run on an order and records nothing;
 * maxOrderSize finds the largest quantity every check allows now. Both price and value the account exactly as
 * submit does (trading/orders.ts priceOrder and decide), so the answer cannot disagree with a submit made at the
 * same prices. They read the ledger without a transaction: another order may change the answer a moment later.
 */
import { CiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import { abs, add, cmp, div, fitsLedger, fmt, LEDGER_MAX, max, min, mul, neg, sub, ZERO, type Dec } from '../money.js';
import { buyingPower, CHECKS, concentrationAfter, formatDenial, type Denial, type RiskInput } from '../risk/checks.js';
import type { DecisionContext, Ledger, Side } from '../store/ledger/types.js';
import { openAccount, reservedBuyingPower } from '../trading/accounts.js';
import { applyFill, decide, fillRangeDenial, marksFor, prepareOrder, priceOrder, type SubmitRequest } from '../trading/orders.js';
import { latestPrice, type MarketPrice } from '../trading/prices.js';
import type { Reason } from './views.js';

type RiskMarket = Pick<MarketData, 'latest' | 'kindsOf'>;

export interface CheckResult {
  /** The denial code this check gives when it fails (e.g. MAX_POSITION_EXCEEDED). */
  code: string;
  passed: boolean;
  /** The denial line when it failed (`CODE: key=value …`), else what was checked. */
  message: string;
  /** The check's figures as decimal strings (need/have, notional/max, position_after/max, leverage/max …). */
  figures: Record<string, string>;
}

export interface RiskCheckJson {
  allowed: boolean;
  /** The failed checks, as a rejected submit would name them. */
  reasons: Reason[];
  checks: CheckResult[];
}

const CHECK_CODES: Record<keyof typeof CHECKS & string, string> = {
  shortSelling: 'SHORT_NOT_ALLOWED',
  orderNotional: 'MAX_ORDER_NOTIONAL_EXCEEDED',
  positionSize: 'MAX_POSITION_EXCEEDED',
  buyingPower: 'INSUFFICIENT_BUYING_POWER',
  leverage: 'MAX_LEVERAGE_EXCEEDED',
  concentration: 'MAX_CONCENTRATION_EXCEEDED',
};

/** The figures a check compares, for a check that passed (a failed one reports them in its denial). */
function figuresOf(name: string, r: RiskInput): Record<string, string> {
  const signed = r.side === 'buy' ? r.quantity : neg(r.quantity);
  const after = add(r.position, signed);
  switch (name) {
    case 'shortSelling':
      return { position: fmt(r.position), qty: fmt(r.quantity), allow_short: String(r.allowShort) };
    case 'orderNotional':
      return { notional: fmt(mul(r.quantity, r.price)), max: fmt(r.limits.maxOrderNotional) };
    case 'positionSize':
      return { position_after: fmt(after), max: fmt(r.limits.maxPositionQty) };
    case 'buyingPower': {
      const closing = r.side === 'buy' ? min(r.quantity, max(ZERO, neg(r.position))) : min(r.quantity, max(ZERO, r.position));
      return { need: fmt(add(mul(sub(r.quantity, closing), r.price), r.fee)), have: fmt(buyingPower(r.equity, r.grossExposure, r.limits.maxLeverage)) };
    }
    case 'concentration': {
      const share = concentrationAfter(r);
      return { concentration: share === undefined ? 'inf' : fmt(share), max: r.limits.maxConcentration ? fmt(r.limits.maxConcentration) : 'none' };
    }
    default: {
      const gross = add(sub(r.grossExposure, mul(abs(r.position), r.mark)), mul(abs(after), r.price));
      const equityAfter = sub(r.equity, r.fee);
      const leverage = cmp(gross, ZERO) === 0 ? fmt(ZERO) : cmp(equityAfter, ZERO) <= 0 ? 'inf' : fmt(div(gross, equityAfter));
      return { leverage, max: fmt(r.limits.maxLeverage) };
    }
  }
}

const failed = (d: Denial): CheckResult => ({ code: d.code, passed: false, message: formatDenial(d), figures: d.context });

async function contextOf(ledger: Ledger, market: RiskMarket, account: string, symbol: string, price: MarketPrice | undefined): Promise<{ ctx: DecisionContext; marks: Map<string, Dec> }> {
  const a = await openAccount(ledger, account);
  const positions = await ledger.positions(a.name);
  const marks = await marksFor(market, [symbol, ...positions.map((p) => p.symbol)], new Map([[symbol, price]]));
  // Buying power held by resting orders is spoken for, as a submit counts it.
  const reserved = await reservedBuyingPower(ledger, a.name);
  return { ctx: { account: a, positions, reserved }, marks };
}

/**
 * The price a limit order is checked at: the limit itself on both sides, since a buy limit fills at the limit or
 * lower and a sell limit at the limit or higher, so no fill can cost more buying power or add more exposure than
 * this. Positions are still marked at the stored price; no slippage applies (a limit caps it).
 */
export function atLimit(stored: MarketPrice | undefined, limitPrice: Dec): MarketPrice {
  const limit = Number(limitPrice) / Number(U);
  if (!(limitPrice > 0n) || !fitsLedger(limitPrice)) throw new CiftError('USAGE', `--limit ${fmt(limitPrice)} must be a positive price the ledger can hold`);
  return { buy: limit, sell: limit, mark: stored?.mark ?? limit, source: 'limit' as MarketPrice['source'], ts: stored?.ts ?? 0n };
}

export interface RiskCheckOptions {
  /** Check the order as a limit order at this price instead of at the latest stored price. */
  limitPrice?: Dec;
}

/**
 * Every check a submit of `req` would run now, with its figures; nothing is recorded. The one body of
 * `cift risk check --json` and POST /api/v1/trading/risk/check.
 */
export async function riskCheck(ledger: Ledger, market: RiskMarket, req: SubmitRequest, opts: RiskCheckOptions = {}): Promise<RiskCheckJson> {
  await market.kindsOf(req.symbol);
  if (opts.limitPrice !== undefined) req = { ...req, slippageBps: 0 };
  const prepared = await prepareOrder(market, req);
  const { staleness } = prepared;
  const price = opts.limitPrice === undefined ? prepared.price : atLimit(prepared.price, opts.limitPrice);
  const { ctx, marks } = await contextOf(ledger, market, req.account, req.symbol, price);
  const priced = priceOrder(ctx, req, price, marks);
  const checks: CheckResult[] = [];
  if (!priced.ok) checks.push(failed(priced.denial));
  else {
    for (const [name, check] of Object.entries(CHECKS)) {
      const d = check(priced.input);
      checks.push(d ? failed(d) : { code: CHECK_CODES[name as keyof typeof CHECK_CODES], passed: true, message: `${name} within limits`, figures: figuresOf(name, priced.input) });
    }
    const { fillPrice, fee, position } = priced;
    const notional = mul(req.quantity, fillPrice);
    const range = fitsLedger(req.quantity)
      ? fillRangeDenial(ctx, notional, fee, req.side === 'buy' ? neg(notional) : notional, applyFill(position, req.side, req.quantity, fillPrice))
      : { code: 'LEDGER_RANGE_EXCEEDED' as const, context: { field: 'quantity', value: fmt(req.quantity), max: fmt(LEDGER_MAX) } };
    checks.push(range ? failed(range) : { code: 'LEDGER_RANGE_EXCEEDED', passed: true, message: 'every amount fits the ledger', figures: { max: fmt(LEDGER_MAX) } });
  }
  if (req.maxQuoteAgeSeconds !== undefined) checks.push(staleness ? failed(staleness) : { code: 'STALE_QUOTE', passed: true, message: 'the price is recent enough', figures: { max_s: String(req.maxQuoteAgeSeconds) } });
  const reasons = checks.filter((c) => !c.passed).map((c) => ({ code: c.code, message: c.message }));
  return { allowed: reasons.length === 0, reasons, checks };
}

export interface MaxSizeRequest {
  account: string;
  symbol: string;
  side: Side;
  /** Price the order as if it filled here instead of at the latest stored price (a limit price). */
  limitPrice?: Dec;
  allowShort?: boolean;
  slippageBps?: number;
}

export interface MaxSizeJson {
  account: string;
  symbol: string;
  side: Side;
  /** The largest quantity every check allows now (0.000000 when none does). */
  max_quantity: string;
  /** The check that refuses max_quantity + 0.000001 (the first, when several do). */
  binding: string;
  /** Every check that refuses max_quantity + 0.000001. */
  binding_codes: string[];
  /** The fill price the checks used, and where it came from. */
  price: string | null;
  price_source: string | null;
  notional: string;
  fee: string;
}

const U = 1_000_000n;
/** floor(n / d) for d > 0 (bigint division truncates toward zero). */
const floorDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? n / d : -((-n + d - 1n) / d));

/**
 * Where each limit stops the order, from its closed form in millionths (the ledger's units): the caller checks
 * and corrects the smallest with the real checks, since fills round at the 6th place.
 */
function closedFormBounds(ctx: DecisionContext, r: RiskInput): bigint[] {
  const { account } = ctx;
  const p = r.price as bigint;
  const f = account.feeRate as bigint;
  const y = r.side === 'buy' ? (r.position as bigint) : -(r.position as bigint);
  const E = r.equity as bigint;
  const G = r.grossExposure as bigint;
  const ML = account.maxLeverage as bigint;
  const bounds = [
    // notional q·p ≤ max order notional
    floorDiv((account.maxOrderNotional as bigint) * U, p),
    // |position after| ≤ max position: in the order's direction, y + q ≤ max
    (account.maxPositionQty as bigint) - y,
  ];
  if (r.side === 'sell' && !r.allowShort) bounds.push(y < 0n ? -y : 0n);
  // Buying power: (q − closing)·p + q·p·f ≤ have, where closing = min(q, c0) frees its own exposure.
  const have = buyingPower(r.equity, r.grossExposure, r.limits.maxLeverage) as bigint;
  const c0 = y < 0n ? -y : 0n;
  const beyond = floorDiv(have * U * U + c0 * p * U, p * (U + f));
  bounds.push(beyond >= c0 || f === 0n ? beyond : floorDiv(have * U * U, p * f));
  // Leverage: G − |x|·m + (y + q)·p ≤ ML·(E − q·p·f), once q is past any closing (convex ≤ affine: an interval).
  const absX = (r.position < 0n ? -r.position : r.position) as bigint;
  bounds.push(floorDiv((ML * E - U * G + absX * (r.mark as bigint) - y * p) * U * U, p * (U * U + ML * f)));
  if (f > 0n) bounds.push(floorDiv(E * U * U - 1n, p * f));
  // Concentration: (y + q)·p ≤ C·(E − q·p·f) once the order grows the position; an order that only shrinks it
  // (q ≤ −2y when it starts on the other side) always passes.
  const C = r.limits.maxConcentration as bigint | null | undefined;
  if (C) {
    const grow = floorDiv((C * E - y * p) * U * U, p * (U * U + C * f));
    bounds.push(y < 0n && -2n * y > grow ? -2n * y : grow);
  }
  return bounds;
}

/** The largest quantity every check (the same as submit's) allows now, and the limit that binds it. */
export async function maxOrderSize(ledger: Ledger, market: RiskMarket, req: MaxSizeRequest): Promise<MaxSizeJson> {
  await market.kindsOf(req.symbol);
  const stored = await latestPrice(market, req.symbol);
  const price: MarketPrice | undefined = req.limitPrice === undefined ? stored : atLimit(stored, req.limitPrice);
  const { ctx, marks } = await contextOf(ledger, market, req.account, req.symbol, stored);
  const order = (q: bigint): SubmitRequest => ({ account: req.account, symbol: req.symbol, side: req.side, quantity: q as Dec, allowShort: req.allowShort, slippageBps: req.limitPrice === undefined ? req.slippageBps : 0 });
  const refusals = (q: bigint): string[] => {
    const d = decide(ctx, order(q), price, marks, undefined);
    return d.status === 'rejected' ? d.codes : [];
  };
  const passes = (q: bigint): boolean => q === 0n || refusals(q).length === 0;
  const view = (q: bigint, binding: string[]): MaxSizeJson => {
    const priced = priceOrder(ctx, order(q), price, marks);
    return {
      account: ctx.account.name,
      symbol: req.symbol,
      side: req.side,
      max_quantity: fmt(q as Dec),
      binding: binding[0],
      binding_codes: binding,
      price: priced.ok ? fmt(priced.fillPrice) : null,
      price_source: priced.ok ? priced.priceSource : null,
      notional: priced.ok ? fmt(mul(q as Dec, priced.fillPrice)) : fmt(ZERO),
      fee: priced.ok ? fmt(priced.fee) : fmt(ZERO),
    };
  };
  const probe = priceOrder(ctx, order(1n), price, marks);
  if (!probe.ok) return view(0n, [probe.denial.code]);
  const top = LEDGER_MAX as bigint;
  let q = closedFormBounds(ctx, probe.input).reduce((a, b) => (b < a ? b : a), top);
  if (q < 0n) q = 0n;
  // Correct the closed form against the real checks: gallop to a bracket [pass, fail], then bisect.
  let lo: bigint;
  let hi: bigint;
  if (passes(q)) {
    let step = 1n;
    while (q + step <= top && passes(q + step)) {
      q += step;
      step *= 2n;
    }
    [lo, hi] = [q, q + step > top ? top + 1n : q + step];
  } else {
    let step = 1n;
    while (q - step > 0n && !passes(q - step)) step *= 2n;
    [lo, hi] = [q - step > 0n ? q - step : 0n, q];
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return view(lo, lo >= top ? ['LEDGER_RANGE_EXCEEDED'] : refusals(lo + 1n));
}
