/**
 * Historical-simulation value at risk: pure functions, no I/O.
 *
 * Scenarios: the portfolio held now, repriced by each past day's close-to-close return of every held symbol
 * (P&L_t = Σ_s value_s · r_s,t, value_s = signed quantity × current mark). Only days on which every held symbol
 * has a return are used (aligned by UTC date), the most recent `window` of them.
 *
 * Quantile convention: losses L = −P&L sorted worst first; at confidence c, k = ceil(n · (1 − c)) and
 * VaR_c = the k-th worst loss (no interpolation). ES_c = the mean of the k worst losses, i.e. of the losses at
 * or beyond VaR (VaR itself included). Both are in currency, positive for a loss; a negative VaR means even the
 * k-th worst day was a gain.
 */

export interface DailyClose {
  /** UTC calendar day, YYYY-MM-DD. */
  date: string;
  close: number;
}

/** Close-to-close simple returns r_t = close_t / close_{t−1} − 1, keyed by the later day. */
export function dailyReturns(closes: readonly DailyClose[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let t = 1; t < closes.length; t++) {
    const prev = closes[t - 1].close;
    // A zero or missing previous close has no return; the day drops out of the aligned set for every symbol.
    if (prev > 0 && Number.isFinite(closes[t].close)) out.set(closes[t].date, closes[t].close / prev - 1);
  }
  return out;
}

export interface AlignedReturns {
  /** Ascending days present in every symbol's returns, the last `window` of them. */
  dates: string[];
  /** returns.get(symbol)[i] is that symbol's return on dates[i]. */
  returns: Map<string, number[]>;
}

/** The days on which every symbol has a return, the most recent `window` of them, oldest first. */
export function alignReturns(bySymbol: ReadonlyMap<string, ReadonlyMap<string, number>>, window: number): AlignedReturns {
  const symbols = [...bySymbol.keys()];
  if (symbols.length === 0) return { dates: [], returns: new Map() };
  const common = [...bySymbol.get(symbols[0])!.keys()].filter((d) => symbols.every((s) => bySymbol.get(s)!.has(d))).sort();
  const dates = common.slice(Math.max(0, common.length - window));
  return { dates, returns: new Map(symbols.map((s) => [s, dates.map((d) => bySymbol.get(s)!.get(d)!)])) };
}

/** The portfolio's P&L on each aligned day: Σ value_s · r_s,t (a symbol without returns contributes nothing). */
export function scenarioPnl(values: ReadonlyMap<string, number>, aligned: AlignedReturns): number[] {
  return aligned.dates.map((_, i) => {
    let pnl = 0;
    for (const [s, v] of values) pnl += v * (aligned.returns.get(s)?.[i] ?? 0);
    return pnl;
  });
}

export interface VarEs {
  confidence: number;
  /** Number of scenarios. */
  n: number;
  /** The rank of the VaR loss, worst first: ceil(n · (1 − c)). */
  k: number;
  var: number;
  es: number;
}

/** VaR and ES at `confidence` (e.g. 0.95) from P&L scenarios; undefined when there are none. */
export function historicalVarEs(pnl: readonly number[], confidence: number): VarEs | undefined {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} must be in (0, 1)`);
  const n = pnl.length;
  if (n === 0) return undefined;
  const losses = pnl.map((p) => -p).sort((a, b) => b - a);
  // Rounded before ceil so 20 · (1 − 0.95) = 1.0000000000000009 is 1, not 2.
  const k = Math.max(1, Math.ceil(Number((n * (1 - confidence)).toFixed(9))));
  const tail = losses.slice(0, k);
  return { confidence, n, k, var: losses[k - 1], es: tail.reduce((a, b) => a + b, 0) / k };
}
