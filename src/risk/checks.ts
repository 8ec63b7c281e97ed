/**
 * Pre-trade risk: pure functions from an order and the account's state to denials. Every check runs (none
 * short-circuits another), so a rejected order reports all its reasons at once. Each denial is a stable code plus
 * key=value context, e.g. `INSUFFICIENT_BUYING_POWER: need=5776700.000000 have=100000.000000`.
 */
import { abs, add, cmp, div, fmt, max, min, mul, neg, sub, ZERO, type Dec } from '../money.js';

export type DenialCode =
  | 'INSUFFICIENT_BUYING_POWER'
  | 'MAX_POSITION_EXCEEDED'
  | 'MAX_ORDER_NOTIONAL_EXCEEDED'
  | 'MAX_LEVERAGE_EXCEEDED'
  | 'MAX_CONCENTRATION_EXCEEDED'
  | 'SHORT_NOT_ALLOWED'
  | 'NO_MARKET_PRICE'
  | 'INVALID_MARKET_PRICE'
  | 'LEDGER_RANGE_EXCEEDED'
  | 'STALE_QUOTE';

export interface Denial {
  code: DenialCode;
  context: Record<string, string>;
}

export const formatDenial = (d: Denial): string => `${d.code}: ${Object.entries(d.context).map(([k, v]) => `${k}=${v}`).join(' ')}`;

export interface RiskInput {
  side: 'buy' | 'sell';
  quantity: Dec;
  price: Dec;
  fee: Dec;
  /** Signed position in the order's symbol before the order. */
  position: Dec;
  /** Cash + Σ position × mark. */
  equity: Dec;
  /** Σ |position| × mark over every symbol, this one included. */
  grossExposure: Dec;
  /** Mark of this symbol's position used in grossExposure. */
  mark: Dec;
  /** maxConcentration null or absent: no concentration limit. */
  limits: { maxPositionQty: Dec; maxOrderNotional: Dec; maxLeverage: Dec; maxConcentration?: Dec | null };
  allowShort: boolean;
}

type Check = (r: RiskInput) => Denial | undefined;

const signed = (r: RiskInput): Dec => (r.side === 'buy' ? r.quantity : neg(r.quantity));
const positionAfter = (r: RiskInput): Dec => add(r.position, signed(r));
const notional = (r: RiskInput): Dec => mul(r.quantity, r.price);
/** Gross exposure after the fill, marking this symbol at the fill price. */
const grossAfter = (r: RiskInput): Dec => add(sub(r.grossExposure, mul(abs(r.position), r.mark)), mul(abs(positionAfter(r)), r.price));

/**
 * The share of equity this symbol holds after the fill: |position after| × fill price ÷ (equity − fee). Share of
 * equity, not of gross exposure: a first order in an empty account is 100 % of gross whatever its size, while its
 * share of equity is what a loss in that one name would cost. undefined when equity after the fee is ≤ 0.
 */
export const concentrationAfter = (r: RiskInput): Dec | undefined => {
  const equityAfter = sub(r.equity, r.fee);
  return cmp(equityAfter, ZERO) > 0 ? div(mul(abs(positionAfter(r)), r.price), equityAfter) : undefined;
};

/** equity · max leverage − gross exposure, never below 0. */
export const buyingPower = (equity: Dec, grossExposure: Dec, maxLeverage: Dec): Dec => max(ZERO, sub(mul(equity, maxLeverage), grossExposure));

export const CHECKS: Readonly<Record<string, Check>> = {
  shortSelling: (r) => {
    if (r.side !== 'sell' || r.allowShort || cmp(r.quantity, max(ZERO, r.position)) <= 0) return undefined;
    return { code: 'SHORT_NOT_ALLOWED', context: { position: fmt(r.position), qty: fmt(r.quantity) } };
  },
  orderNotional: (r) => {
    const n = notional(r);
    return cmp(n, r.limits.maxOrderNotional) > 0 ? { code: 'MAX_ORDER_NOTIONAL_EXCEEDED', context: { notional: fmt(n), max: fmt(r.limits.maxOrderNotional) } } : undefined;
  },
  positionSize: (r) => {
    const after = positionAfter(r);
    return cmp(abs(after), r.limits.maxPositionQty) > 0 ? { code: 'MAX_POSITION_EXCEEDED', context: { position_after: fmt(after), max: fmt(r.limits.maxPositionQty) } } : undefined;
  },
  buyingPower: (r) => {
    // Only the part of the order that adds exposure needs buying power; the part that closes a position frees it.
    const closing = r.side === 'buy' ? min(r.quantity, max(ZERO, neg(r.position))) : min(r.quantity, max(ZERO, r.position));
    const need = add(mul(sub(r.quantity, closing), r.price), r.fee);
    const have = buyingPower(r.equity, r.grossExposure, r.limits.maxLeverage);
    return cmp(need, have) > 0 ? { code: 'INSUFFICIENT_BUYING_POWER', context: { need: fmt(need), have: fmt(have) } } : undefined;
  },
  leverage: (r) => {
    const equityAfter = sub(r.equity, r.fee);
    const gross = grossAfter(r);
    if (cmp(gross, ZERO) === 0) return undefined;
    if (cmp(equityAfter, ZERO) <= 0) return { code: 'MAX_LEVERAGE_EXCEEDED', context: { leverage: 'inf', max: fmt(r.limits.maxLeverage) } };
    const leverage = div(gross, equityAfter);
    return cmp(leverage, r.limits.maxLeverage) > 0 ? { code: 'MAX_LEVERAGE_EXCEEDED', context: { leverage: fmt(leverage), max: fmt(r.limits.maxLeverage) } } : undefined;
  },
  concentration: (r) => {
    const max = r.limits.maxConcentration;
    if (!max) return undefined;
    // An order that does not grow the position (a reduction, or a flip to a smaller opposite one) lowers the
    // risk in this name: it passes even when the position is already over a limit set after it was opened.
    if (cmp(abs(positionAfter(r)), abs(r.position)) <= 0) return undefined;
    const share = concentrationAfter(r);
    if (share === undefined) return { code: 'MAX_CONCENTRATION_EXCEEDED', context: { concentration: 'inf', max: fmt(max) } };
    // Compared exactly (both sides in millionths², no rounding): |after| × price > max × (equity − fee).
    const over = (abs(positionAfter(r)) as bigint) * (r.price as bigint) > (max as bigint) * ((r.equity as bigint) - (r.fee as bigint));
    return over ? { code: 'MAX_CONCENTRATION_EXCEEDED', context: { concentration: fmt(share), max: fmt(max) } } : undefined;
  },
};

/** Runs every check and returns all denials (empty = the order may fill). */
export function checkOrder(r: RiskInput): Denial[] {
  const denials: Denial[] = [];
  for (const check of Object.values(CHECKS)) {
    const d = check(r);
    if (d) denials.push(d);
  }
  return denials;
}

