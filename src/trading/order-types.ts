/**
 * Placing a limit, stop or stop-limit order at its market time (issue 12 §2):
 * - the pre-trade checks price the order at its limit (a stop at its stop price): the most a buy limit can cost,
 *   and the price a stop becomes a market order at;
 * - a marketable order fills now at the placement quote (a buy at the ask when ask ≤ limit, a sell at the bid when
 *   bid ≥ limit; a stop already through its stop price triggers at once), never more than the quoted size when the
 *   quote has one (a trade or bar price has none: the whole order fills);
 * - the rest rests (open / partially_filled) for day and gtc; ioc cancels the rest; fok fills all or nothing;
 * - a resting buy reserves buying power: rest × limit (a stop: rest × stop price) + the fee at the account's rate.
 *   Sells reserve nothing (they free buying power when they fill).
 */
import { CiftError } from '../errors.js';
import { add, fmt, mul, neg, type Dec, ZERO } from '../money.js';
import { checkOrder, formatDenial, type Denial } from '../risk/checks.js';
import type { Decision, DecisionContext, FillDecision } from '../store/ledger/types.js';
import { limitCrosses, stopThrough } from './matching.js';
import { applyFill } from './position-math.js';
import type { MarketPrice } from './prices.js';
import { fillRangeDenial, priceOrder, type SubmitRequest } from './orders.js';

/** USAGE errors for a request whose type and prices do not fit together (named by their CLI flags). */
export function checkOrderShape(req: SubmitRequest): void {
  const type = req.type ?? 'market';
  const needsLimit = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop' || type === 'stop_limit';
  if (needsLimit && req.limitPrice === undefined) throw new CiftError('USAGE', `a ${type} order needs --limit PRICE`);
  if (!needsLimit && req.limitPrice !== undefined) throw new CiftError('USAGE', `--limit does not apply to a ${type} order`);
  if (needsStop && req.stopPrice === undefined) throw new CiftError('USAGE', `a ${type} order needs --stop PRICE`);
  if (!needsStop && req.stopPrice !== undefined) throw new CiftError('USAGE', `--stop does not apply to a ${type} order`);
  if (req.limitPrice !== undefined && !(req.limitPrice > 0n)) throw new CiftError('USAGE', `--limit ${fmt(req.limitPrice)} must be a price > 0`);
  if (req.stopPrice !== undefined && !(req.stopPrice > 0n)) throw new CiftError('USAGE', `--stop ${fmt(req.stopPrice)} must be a price > 0`);
}

/** A float price or size from market data as a Dec (6 places). */
const toDec = (v: number): Dec => BigInt(Math.round(v * 1e6)) as Dec;

export function decidePlacement(ctx: DecisionContext, req: SubmitRequest, price: MarketPrice | undefined, marks: ReadonlyMap<string, Dec>, staleness: Denial | undefined, placedNs: bigint): Decision {
  const type = req.type ?? 'limit';
  const tif = req.tif ?? 'day';
  const checkPrice = (type === 'stop' ? req.stopPrice : req.limitPrice)!;
  const reject = (denials: Denial[]): Decision => ({ status: 'rejected', codes: denials.map((d) => d.code), reason: denials.map(formatDenial).join('; ') });
  // No price in force yet (say, --at the open, before the first quote): the order cannot be marketable, so it
  // rests; the checks need only its limit (stop) price.
  const limitNumber = Number(fmt(checkPrice));
  // The checks see the order at its limit (stop) price, with no slippage: the price it is allowed to trade at.
  const atLimit: MarketPrice = price ? { ...price, buy: limitNumber, sell: limitNumber } : { buy: limitNumber, sell: limitNumber, mark: limitNumber, source: 'quote', ts: placedNs };
  const priced = priceOrder(ctx, { ...req, slippageBps: 0 }, atLimit, marks);
  if (!priced.ok) return reject([priced.denial]);
  const denials = checkOrder(priced.input);
  if (staleness) denials.push(staleness);
  if (denials.length) return reject(denials);

  if (price === undefined) return rest(ctx, req, ZERO, undefined, checkPrice, false, tif);
  const bid = toDec(price.sell);
  const ask = toDec(price.buy);
  const touch = req.side === 'buy' ? ask : bid;
  const triggered = type === 'stop' || type === 'stop_limit' ? stopThrough(req.side, req.stopPrice!, touch) : false;
  const acting = type === 'limit' || (type === 'stop_limit' && triggered) ? 'limit' : type === 'stop' && triggered ? 'market' : 'waiting';
  const marketable = acting === 'market' || (acting === 'limit' && limitCrosses(req.side, req.limitPrice!, bid, ask));
  const quoted = req.side === 'buy' ? price.askSize : price.bidSize;
  const available = price.source === 'quote' && quoted !== undefined && quoted > 0 ? toDec(quoted) : req.quantity;
  let fillQty = marketable ? (available < req.quantity ? available : req.quantity) : ZERO;
  if (tif === 'fok' && fillQty < req.quantity) fillQty = ZERO;

  let fill: FillDecision | undefined;
  if (fillQty > 0n) {
    const notional = mul(fillQty, touch);
    const fee = mul(notional, ctx.account.feeRate);
    const cashDelta = req.side === 'buy' ? neg(notional) : notional;
    const after = applyFill(priced.position, req.side, fillQty, touch);
    const range = fillRangeDenial(ctx, notional, fee, cashDelta, after);
    if (range) return reject([range]);
    fill = { quantity: fillQty, price: touch, fee, priceSource: price.source, position: after, cashDelta, filledNs: placedNs };
  }
  return rest(ctx, req, fillQty, fill, acting === 'market' ? ask : checkPrice, triggered, tif);
}

/** What follows the immediate fill (if any): filled, canceled (ioc/fok never rest) or resting with its reservation. */
function rest(ctx: DecisionContext, req: SubmitRequest, fillQty: Dec, fill: FillDecision | undefined, reservePrice: Dec, triggered: boolean, tif: string): Decision {
  const left = (req.quantity - fillQty) as Dec;
  if (left === 0n) return { status: 'placed', fill, final: 'filled', reserved: ZERO, triggered };
  if (tif === 'ioc' || tif === 'fok') return { status: 'placed', fill, final: 'canceled', reserved: ZERO, triggered };
  const notional = mul(left, reservePrice);
  const reserved = req.side === 'buy' ? add(notional, mul(notional, ctx.account.feeRate)) : ZERO;
  return { status: 'placed', fill, final: fill ? 'partially_filled' : 'open', reserved, triggered };
}
