/**
 * The account's risk at a glance: exposure, leverage, concentration and a risk score. Pure: it takes the marked
 * positions and the VaR already computed (var.ts) and does no I/O.
 *
 * Risk score in [0, 100] = 100 × (0.4 · L + 0.3 · C + 0.3 · V), each part capped to [0, 1]:
 *   L = gross leverage ÷ the account's max leverage (how much of the allowed leverage is used);
 *   C = the largest |market value| ÷ equity of one symbol (one name worth all the equity scores 1);
 *   V = 1-day 99 % VaR ÷ equity ÷ 0.10 (losing 10 % of equity on a 1-in-100 day scores 1).
 * Unknown parts score as the worst case: equity ≤ 0 gives 100; VaR unknown while positions are open (too few
 * aligned daily returns) gives V = 1. An account with no positions scores 0.
 */
import { abs, add, cmp, div, fmt, neg, ZERO, type Dec } from '../money.js';
import type { VarEs } from './var.js';

export const SCORE_WEIGHTS = { leverage: 0.4, concentration: 0.3, var: 0.3 } as const;
/** The 1-day 99 % VaR, as a share of equity, at which the VaR part of the score is full. */
export const VAR_SCORE_CAP = 0.1;

export interface MarkedPosition {
  symbol: string;
  quantity: Dec;
  /** Signed quantity × mark. */
  marketValue: Dec;
}

export interface Exposure {
  /** Σ |value|. */
  gross: Dec;
  /** Σ value (long − short). */
  net: Dec;
  /** Σ value of long positions. */
  long: Dec;
  /** Σ |value| of short positions. */
  short: Dec;
}

export function exposureOf(positions: readonly MarkedPosition[]): Exposure {
  let long = ZERO;
  let short = ZERO;
  for (const p of positions) {
    if (p.marketValue > 0n) long = add(long, p.marketValue);
    else short = add(short, neg(p.marketValue));
  }
  return { gross: add(long, short), net: add(long, neg(short)), long, short };
}

export interface Concentration {
  symbol: string;
  market_value: string;
  /** |value| ÷ equity (null when equity ≤ 0). */
  share_of_equity: string | null;
  /** |value| ÷ gross exposure. */
  share_of_gross: string | null;
}

/** Each position's share of equity and of gross exposure, largest first. */
export function concentrationOf(positions: readonly MarkedPosition[], equity: Dec, gross: Dec): Concentration[] {
  return positions
    .filter((p) => p.quantity !== ZERO)
    .map((p) => ({ p, a: abs(p.marketValue) }))
    .sort((x, y) => cmp(y.a, x.a) || x.p.symbol.localeCompare(y.p.symbol))
    .map(({ p, a }) => ({
      symbol: p.symbol,
      market_value: fmt(p.marketValue),
      share_of_equity: cmp(equity, ZERO) > 0 ? fmt(div(a, equity)) : null,
      share_of_gross: cmp(gross, ZERO) > 0 ? fmt(div(a, gross)) : null,
    }));
}

export interface ScoreParts {
  leverage_use: number;
  concentration: number;
  var: number;
}

const clamp01 = (x: number): number => (x > 1 ? 1 : x > 0 ? x : 0);
const num = (d: Dec): number => Number(d) / 1e6;

/** The score and its three capped parts (see the module comment for the formula). */
export function riskScore(a: { equity: Dec; gross: Dec; maxLeverage: Dec; largestValue: Dec; var99: number | undefined; hasPositions: boolean }): { score: number; parts: ScoreParts } {
  if (!a.hasPositions) return { score: 0, parts: { leverage_use: 0, concentration: 0, var: 0 } };
  if (cmp(a.equity, ZERO) <= 0) return { score: 100, parts: { leverage_use: 1, concentration: 1, var: 1 } };
  const equity = num(a.equity);
  const parts: ScoreParts = {
    leverage_use: clamp01(num(a.gross) / equity / num(a.maxLeverage)),
    concentration: clamp01(num(abs(a.largestValue)) / equity),
    var: a.var99 === undefined ? 1 : clamp01(a.var99 / equity / VAR_SCORE_CAP),
  };
  const score = 100 * (SCORE_WEIGHTS.leverage * parts.leverage_use + SCORE_WEIGHTS.concentration * parts.concentration + SCORE_WEIGHTS.var * parts.var);
  return { score: Math.round(score * 100) / 100, parts };
}

export interface VarJson {
  confidence: number;
  var: string | null;
  es: string | null;
  /** VaR ÷ equity. */
  var_share_of_equity: string | null;
  k: number | null;
}

export const varJson = (v: VarEs | undefined, confidence: number, equity: Dec): VarJson => ({
  confidence,
  var: v ? v.var.toFixed(6) : null,
  es: v ? v.es.toFixed(6) : null,
  var_share_of_equity: v && cmp(equity, ZERO) > 0 ? (v.var / num(equity)).toFixed(6) : null,
  k: v ? v.k : null,
});
