/** Daily bars written by hand for the built-in strategy tests, and the closed trades of a run as plain rows. */
import { runBacktest } from '../../src/backtest/engine.js';
import { DEFAULT_BROKER, type BarArrays, type BrokerSettings, type Params, type Strategy } from '../../src/backtest/types.js';

const DAY_NS = 86_400_000_000_000n;
const JAN_1_2024_NS = BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n;

/** Bars from open/high/low/close columns, one a day from 2024-01-01; volume 1000. */
export function handBars(open: number[], high: number[], low: number[], close: number[]): BarArrays {
  const n = close.length;
  if (open.length !== n || high.length !== n || low.length !== n) throw new Error('columns differ in length');
  return {
    ts: BigInt64Array.from({ length: n }, (_, i) => JAN_1_2024_NS + BigInt(i) * DAY_NS),
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: new Float64Array(n).fill(1000),
  };
}

/** Bars whose high and low are the open and close widened by 0.05: for market-order strategies, only open and close matter. */
export function closeBars(open: number[], close: number[]): BarArrays {
  return handBars(
    open,
    open.map((o, i) => Math.max(o, close[i]) + 0.05),
    open.map((o, i) => Math.min(o, close[i]) - 0.05),
    close,
  );
}

export interface ClosedTrade {
  size: number;
  entryBar: number;
  exitBar: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
}

/** Runs a strategy with the default broker (cash 10 000, no commission) unless settings say otherwise. */
export function closedTrades<P extends Params>(bars: BarArrays, strategy: Strategy<P, any>, params: P, settings: Partial<BrokerSettings> = {}): ClosedTrade[] {
  const { trades } = runBacktest(bars, strategy, params, { ...DEFAULT_BROKER, ...settings });
  return trades.size.map((size, k) => ({
    size,
    entryBar: trades.entryBar[k],
    exitBar: trades.exitBar[k],
    entryPrice: trades.entryPrice[k],
    exitPrice: trades.exitPrice[k],
    pnl: trades.pnl[k],
  }));
}

/** Rounds money to cents, so hand-worked P&L compares without float noise (1e-9 relative would do as well). */
export const cents = (rows: ClosedTrade[]): ClosedTrade[] => rows.map((r) => ({ ...r, pnl: Math.round(r.pnl * 100) / 100 }));
