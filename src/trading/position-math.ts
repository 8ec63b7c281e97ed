/** Position arithmetic shared by the submit path and the ledger's resting-order fills. */
import { abs, add, cmp, div, mul, neg, sub, ZERO, type Dec } from '../money.js';
import type { Position, Side } from '../store/ledger/types.js';

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

