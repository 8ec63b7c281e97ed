/**
 * The equal-weight combination of several backtests (one strategy over several symbols or files): a portfolio
 * that gives each of the K runs cash/K at the start and never rebalances. Pure: curves in, one curve out.
 *
 * - Timeline: the union of the runs' bar times, sorted. A run's equity is carried forward between its bars and
 *   after its last one; before its first bar its share is still cash (worth cash/K).
 * - Equity: Σₖ (cash/K) · equityₖ(t) / equityₖ(first bar). Each run is normalised to its own start, so runs
 *   with different starting equity still weigh 1/K each.
 * - Benchmark ("close"), for Buy & Hold, Alpha and Beta: the same equal-weight split bought and held in the
 *   instruments themselves, each from the close of its warm-up bar (its first tradable bar, as backtesting.py's
 *   Buy & Hold) and cash before that: 1/K · Σₖ closeₖ(t) / closeₖ(warm-upₖ). It starts at 1, so with warm-up 0
 *   its Buy & Hold Return is the mean of the runs' own Buy & Hold Returns.
 * - Trades: every run's closed trades pooled, with bars re-indexed onto the union timeline and PnL and
 *   commission scaled into the portfolio's cash (× (cash/K) / equityₖ(first bar)). Per-trade statistics (# Trades,
 *   Win Rate, Best/Worst/Avg. Trade, Profit Factor, Expectancy, SQN, Kelly) are therefore over the pool of all
 *   trades on all symbols; their percentages and ratios do not depend on the scaling. Exposure Time counts the
 *   bars on which any run holds a trade.
 */
import { emptyTradeLog } from './broker.js';
import type { TradeLog } from './types.js';

export interface CombineMember {
  /** Bar times (UTC ns), increasing. */
  ts: BigInt64Array;
  /** Equity at each bar. */
  equity: Float64Array;
  close: Float64Array;
  /** First bar with every indicator defined: the Buy & Hold base. */
  warmup: number;
  trades: TradeLog;
}

export interface Combination {
  ts: BigInt64Array;
  equity: Float64Array;
  /** The equal-weight buy-and-hold index of the members' closes, starting at 1. */
  close: Float64Array;
  trades: TradeLog;
}

/** The sorted union of several increasing time arrays, each time once. */
export function unionTimes(series: readonly BigInt64Array[]): BigInt64Array {
  let total = 0;
  for (const ts of series) total += ts.length;
  const all = new BigInt64Array(total);
  let at = 0;
  for (const ts of series) {
    all.set(ts, at);
    at += ts.length;
  }
  all.sort();
  let unique = 0;
  for (let k = 0; k < total; k++) if (k === 0 || all[k] !== all[k - 1]) all[unique++] = all[k];
  return all.slice(0, unique);
}

/** For each of `ts`'s bars, its index in `union` (which contains every time of `ts`). */
function indexIn(union: BigInt64Array, ts: BigInt64Array): Int32Array {
  const at = new Int32Array(ts.length);
  let u = 0;
  for (let j = 0; j < ts.length; j++) {
    while (union[u] !== ts[j]) u++;
    at[j] = u;
  }
  return at;
}

/** The equal-weight, never-rebalanced combination of `members`, each starting with cash/K (see the module comment). */
export function combineEqualWeight(members: readonly CombineMember[], cash: number): Combination {
  if (members.length === 0) throw new RangeError('nothing to combine');
  const ts = unionTimes(members.map((m) => m.ts));
  const n = ts.length;
  const equity = new Float64Array(n);
  const close = new Float64Array(n);
  const trades = emptyTradeLog();
  const share = cash / members.length;
  const weight = 1 / members.length;
  for (const m of members) {
    const at = indexIn(ts, m.ts);
    const start = m.equity[0];
    const base = m.close[Math.min(m.warmup, m.close.length - 1)];
    // Before the member's first bar: its share in cash, and 1 in the benchmark.
    let value = share;
    let held = weight;
    let j = 0;
    for (let u = 0; u < n; u++) {
      if (j < at.length && at[j] === u) {
        value = (share * m.equity[j]) / start;
        if (j >= m.warmup) held = (weight * m.close[j]) / base;
        j++;
      }
      equity[u] += value;
      close[u] += held;
    }
    const scale = share / start;
    const t = m.trades;
    for (let k = 0; k < t.size.length; k++) {
      trades.size.push(t.size[k]);
      trades.entryBar.push(at[t.entryBar[k]]);
      trades.exitBar.push(at[t.exitBar[k]]);
      trades.entryPrice.push(t.entryPrice[k]);
      trades.exitPrice.push(t.exitPrice[k]);
      trades.pnl.push(t.pnl[k] * scale);
      trades.commission.push(t.commission[k] * scale);
      trades.returnPct.push(t.returnPct[k]);
      trades.reason.push(t.reason[k]);
      trades.exitReason.push(t.exitReason[k]);
      trades.exitNote.push(t.exitNote[k]);
      trades.sl.push(t.sl[k]);
      trades.tp.push(t.tp[k]);
    }
  }
  return { ts, equity, close, trades };
}
