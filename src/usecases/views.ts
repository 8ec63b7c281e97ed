/**
 * The JSON shapes both front doors print: snake_case fields, amounts as 6-place decimal strings (never floats),
 * timestamps ISO-8601 UTC. `cift order … --json` and the API answer with these same objects.
 */
import { fmt, type Dec } from '../money.js';
import type { Account, Fill, Order, Position } from '../store/ledger/types.js';
import type { Portfolio } from '../trading/portfolio.js';
import { formatTs } from '../time.js';

export interface OrderJson {
  id: string;
  client_order_id: string;
  account: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  status: string;
  reject_codes: string[];
  reject_reason: string | null;
  created_at: string;
  /** The first fill (a market order's only one); `fills` lists them all. */
  fill: FillJson | null;
  /** After `fill`, so the CLI's older fields keep their order. */
  filled_quantity: string;
  filled_avg_price: string | null;
  limit_price?: string | null;
  stop_price?: string | null;
  tif?: string;
  fills?: FillJson[];
  /** Buying power held for the unfilled rest. */
  reserved?: string;
  /** Market time the order was placed at (the latest stored price's, or --at). */
  placed_at?: string;
  expires_at?: string | null;
  duplicate?: boolean;
}

export interface FillJson {
  price: string;
  quantity: string;
  fee: string;
  price_source: string;
  filled_at: string;
}

const fillJson = (f: Fill): FillJson => ({ price: fmt(f.price), quantity: fmt(f.quantity), fee: fmt(f.fee), price_source: f.priceSource, filled_at: formatTs(f.filledNs) });

export function orderJson(o: Order, duplicate?: boolean): OrderJson {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    account: o.account,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: fmt(o.quantity),
    status: o.status,
    reject_codes: o.rejectCodes,
    reject_reason: o.rejectReason ?? null,
    created_at: formatTs(o.createdNs),
    fill: o.fill ? fillJson(o.fill) : null,
    filled_quantity: fmt(o.filledQuantity),
    filled_avg_price: o.filledAvgPrice === undefined ? null : fmt(o.filledAvgPrice),
    limit_price: money(o.limitPrice),
    stop_price: money(o.stopPrice),
    tif: o.tif,
    fills: o.fills.map(fillJson),
    reserved: fmt(o.reserved),
    placed_at: formatTs(o.placedNs),
    expires_at: o.expiresNs === undefined ? null : formatTs(o.expiresNs),
    ...(duplicate === undefined ? {} : { duplicate }),
  };
}

export interface Reason {
  code: string;
  message: string;
}

/** A rejected order's reasons, one per denial: its code and the denial line (`CODE: key=value …`). */
export function reasonsOf(o: Order): Reason[] {
  return reasonsOfView({ reject_codes: o.rejectCodes, reject_reason: o.rejectReason ?? null });
}

/** reasonsOf for an order's JSON view (what a client of the API holds). */
export function reasonsOfView(o: Pick<OrderJson, 'reject_codes' | 'reject_reason'>): Reason[] {
  if (o.reject_codes.length === 0) return [];
  const lines = (o.reject_reason ?? '').split('; ');
  // decide() writes one line per code, in the same order; a reason without its line keeps the code as message.
  return o.reject_codes.map((code, k) => ({ code, message: lines[k] ?? code }));
}

export interface PositionJson {
  symbol: string;
  quantity: string;
  avg_cost: string;
  realized_pnl: string;
}

export const positionJson = (p: Position): PositionJson => ({ symbol: p.symbol, quantity: fmt(p.quantity), avg_cost: fmt(p.avgCost), realized_pnl: fmt(p.realizedPnl) });

const money = (d: Dec | undefined): string | null => (d === undefined ? null : fmt(d));

export interface PortfolioSummaryJson {
  account: string;
  currency: string;
  cash: string;
  equity: string;
  gross_exposure: string;
  buying_power: string;
  gross_leverage: string | null;
  unrealized_pnl: string;
  realized_pnl: string;
}

export interface MarkedPositionJson {
  symbol: string;
  quantity: string;
  avg_cost: string;
  last: string | null;
  market_value: string;
  unrealized_pnl: string;
  realized_pnl: string;
}

export type PortfolioJson = PortfolioSummaryJson & { positions: MarkedPositionJson[] };

export function portfolioJson(p: Portfolio): PortfolioJson {
  return {
    account: p.account.name,
    currency: p.account.currency,
    cash: fmt(p.cash),
    equity: fmt(p.equity),
    gross_exposure: fmt(p.grossExposure),
    buying_power: fmt(p.buyingPower),
    gross_leverage: money(p.grossLeverage),
    unrealized_pnl: fmt(p.unrealizedPnl),
    realized_pnl: fmt(p.realizedPnl),
    positions: p.positions.map((x) => ({
      symbol: x.symbol,
      quantity: fmt(x.quantity),
      avg_cost: fmt(x.avgCost),
      last: money(x.last),
      market_value: fmt(x.marketValue),
      unrealized_pnl: fmt(x.unrealizedPnl),
      realized_pnl: fmt(x.realizedPnl),
    })),
  };
}

export interface AccountJson {
  name: string;
  currency: string;
  cash: string;
  fee_rate: string;
  max_position: string;
  max_order_notional: string;
  max_leverage: string;
  /** Largest share of equity one symbol may reach by an order (0.25 = 25 %); null = no limit. */
  max_concentration: string | null;
  created_at: string;
}

export const accountJson = (a: Account): AccountJson => ({
  name: a.name,
  currency: a.currency,
  cash: fmt(a.cash),
  fee_rate: fmt(a.feeRate),
  max_position: fmt(a.maxPositionQty),
  max_order_notional: fmt(a.maxOrderNotional),
  max_leverage: fmt(a.maxLeverage),
  max_concentration: a.maxConcentration ? fmt(a.maxConcentration) : null,
  created_at: formatTs(a.createdNs),
});

export interface LimitsJson {
  account: string;
  max_position: string;
  max_order_notional: string;
  max_leverage: string;
  /** null = no limit. */
  max_concentration: string | null;
  fee_rate: string;
}

export const limitsJson = (a: Account): LimitsJson => ({
  account: a.name,
  max_position: fmt(a.maxPositionQty),
  max_order_notional: fmt(a.maxOrderNotional),
  max_leverage: fmt(a.maxLeverage),
  max_concentration: a.maxConcentration ? fmt(a.maxConcentration) : null,
  fee_rate: fmt(a.feeRate),
});
