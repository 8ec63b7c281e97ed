/**
 * The account at the latest prices: positions with unrealized and realized P&L, equity, buying power, leverage.
 * It takes the account and positions already read, so a caller can release the ledger before the prices are read.
 */
import { add, div, mul, sub, ZERO, cmp, dec, type Dec } from '../money.js';
import { buyingPower } from '../risk/checks.js';
import type { TickStore } from '../store/ticks/types.js';
import type { Account, Position } from '../store/ledger/types.js';
import { latestPrice } from './prices.js';
import { valuation } from './orders.js';

export interface PositionView {
  symbol: string;
  quantity: Dec;
  avgCost: Dec;
  last: Dec | undefined;
  marketValue: Dec;
  unrealizedPnl: Dec;
  realizedPnl: Dec;
}

export interface Portfolio {
  account: Account;
  positions: PositionView[];
  cash: Dec;
  equity: Dec;
  grossExposure: Dec;
  buyingPower: Dec;
  /** Gross exposure ÷ equity (undefined when equity ≤ 0). */
  grossLeverage: Dec | undefined;
  unrealizedPnl: Dec;
  realizedPnl: Dec;
}

/** `reserved`: buying power resting orders hold, taken off the buying power (not off equity: nothing is spent yet). */
export async function portfolio(store: Pick<TickStore, 'latest'>, account: Account, positions: readonly Position[], reserved: Dec = ZERO): Promise<Portfolio> {
  const marks = new Map<string, Dec>();
  for (const p of positions) {
    const price = await latestPrice(store, p.symbol);
    // An unusable stored price (zero, absurd) values the position at its average cost, as a missing one does.
    if (price && price.mark >= 0.000001 && price.mark < 1e14) marks.set(p.symbol, dec(price.mark));
  }
  const { equity, gross } = valuation(account.cash, positions, marks);
  let unrealized = ZERO;
  let realized = ZERO;
  const views = positions.map((p) => {
    const last = marks.get(p.symbol);
    const mark = last ?? p.avgCost;
    const u = mul(sub(mark, p.avgCost), p.quantity);
    unrealized = add(unrealized, u);
    realized = add(realized, p.realizedPnl);
    return { symbol: p.symbol, quantity: p.quantity, avgCost: p.avgCost, last, marketValue: mul(p.quantity, mark), unrealizedPnl: u, realizedPnl: p.realizedPnl };
  });
  return {
    account,
    positions: views,
    cash: account.cash,
    equity,
    grossExposure: gross,
    buyingPower: buyingPower(equity, add(gross, reserved), account.maxLeverage),
    grossLeverage: cmp(equity, ZERO) > 0 ? div(gross, equity) : undefined,
    unrealizedPnl: unrealized,
    realizedPnl: realized,
  };
}
