/**
 * Backtest statistics: a pure function of trades, equity and bars, with backtesting.py 0.6.6's names and
 * formulas (_stats.py; ../shared/specs/backtesting-parity.md §4). Durations are in days (fractional for intraday
 * bars), rounded up to the bar resolution as pandas' Timedelta.ceil does; undefined values are NaN.
 */
import type { TradeLog } from './types.js';
import { NsTimes as BarTimes } from '../ns-times.js';

export const STAT_KEYS = [
  'Start',
  'End',
  'Duration',
  'Exposure Time [%]',
  'Equity Final [$]',
  'Equity Peak [$]',
  'Commissions [$]',
  'Return [%]',
  'Buy & Hold Return [%]',
  'Return (Ann.) [%]',
  'Volatility (Ann.) [%]',
  'CAGR [%]',
  'Sharpe Ratio',
  'Sortino Ratio',
  'Calmar Ratio',
  'Alpha [%]',
  'Beta',
  'Max. Drawdown [%]',
  'Avg. Drawdown [%]',
  'Max. Drawdown Duration',
  'Avg. Drawdown Duration',
  '# Trades',
  'Win Rate [%]',
  'Best Trade [%]',
  'Worst Trade [%]',
  'Avg. Trade [%]',
  'Max. Trade Duration',
  'Avg. Trade Duration',
  'Profit Factor',
  'Expectancy [%]',
  'SQN',
  'Kelly Criterion',
] as const;

export type StatKey = (typeof STAT_KEYS)[number];
/** Start/End are ISO strings; everything else a number (NaN when undefined). Commissions only when non-zero. */
export type Stats = Partial<Record<StatKey, number | string>>;

const NS_PER_DAY = 86_400e9;
const UNIT_NS = [86_400e9, 3_600e9, 60e9, 1e9, 1e6, 1e3, 1] as const;

export interface StatsInput {
  trades: TradeLog;
  equity: Float64Array;
  /** Bar times, UTC ns. */
  ts: BigInt64Array;
  close: Float64Array;
  /** First bar with every indicator defined. */
  warmup: number;
}

/** Largest value (NaN when empty). A loop, not Math.max(...a): spreading a data-sized array overflows the stack. */
export function maxOf(a: ArrayLike<number>): number {
  if (a.length === 0) return NaN;
  let m = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] > m || Number.isNaN(a[i])) m = a[i];
  return m;
}

/** Smallest value (NaN when empty); see maxOf. */
export function minOf(a: ArrayLike<number>): number {
  if (a.length === 0) return NaN;
  let m = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] < m || Number.isNaN(a[i])) m = a[i];
  return m;
}

const mean = (a: ArrayLike<number>): number => {
  if (a.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
};

/** Sample variance (ddof 1), NaN for fewer than two values, like pandas. */
function variance(a: ArrayLike<number>): number {
  if (a.length < 2) return NaN;
  const m = mean(a);
  let q = 0;
  for (let i = 0; i < a.length; i++) q += (a[i] - m) * (a[i] - m);
  return q / (a.length - 1);
}

/** backtesting.py's geometric_mean: 0 if any 1 + r ≤ 0. */
export function geometricMean(returns: ArrayLike<number>): number {
  if (returns.length === 0) return NaN;
  let logSum = 0;
  for (let i = 0; i < returns.length; i++) {
    const g = (Number.isNaN(returns[i]) ? 0 : returns[i]) + 1;
    if (g <= 0) return 0;
    logSum += Math.log(g);
  }
  return Math.exp(logSum / returns.length) - 1;
}

/** Median spacing of the last 100 bars (backtesting.py's _data_period), in ns. */
function dataPeriodNs(times: BarTimes, n: number): number {
  const from = Math.max(0, n - 100);
  if (n - from < 2) return NaN;
  // Exactly Number(ts[i] − ts[i−1]) (nsBetween), sorted numerically (a typed array sorts by value, no comparator).
  const diffs = new Float64Array(n - from - 1);
  for (let i = from + 1; i < n; i++) diffs[i - from - 1] = times.nsBetween(i - 1, i);
  diffs.sort();
  const mid = diffs.length >> 1;
  return diffs.length % 2 ? diffs[mid] : (diffs[mid - 1] + diffs[mid]) / 2;
}

/** pandas Timedelta.resolution_string as a length: the smallest non-zero component of the period. */
function resolutionNs(periodNs: number): number {
  if (!(periodNs > 0)) return 1;
  let rest = periodNs;
  let smallest: number = UNIT_NS[0];
  for (const u of UNIT_NS) {
    const whole = Math.floor(rest / u);
    if (whole > 0) smallest = u;
    rest -= whole * u;
  }
  return smallest;
}

/** Round a duration up to the data's resolution and express it in days. */
const ceilDays = (ns: number, resolution: number): number => (Number.isNaN(ns) ? NaN : (Math.ceil(ns / resolution - 1e-9) * resolution) / NS_PER_DAY);

/** A day in ns less one ms: before 1970, an instant later than this in its day truncates to the next day's ms. */
const LAST_MS_OF_DAY_NS = NS_PER_DAY - 1e6;

/** Calendar bucket of a UTC day number for pandas resample: 'D', 'W' (weeks ending Sunday), 'ME', 'YE'. */
function bucketOfDay(day: number, freq: 'D' | 'W' | 'ME' | 'YE'): number {
  // A day is 86,400 s = 86,400,000,000,000 ns. (It once read 86.4e9 ns, which made every hourly bar its own "day"
  // and inflated annualised figures on intraday data ~20×; daily bars hid it, one bar per day either way.)
  if (freq === 'D') return day;
  if (freq === 'W') return Math.floor((day - 4) / 7); // 1970-01-05 (day 4) is a Monday
  const d = new Date(day * 86_400_000);
  return freq === 'ME' ? d.getUTCFullYear() * 12 + d.getUTCMonth() : d.getUTCFullYear();
}

/** Drawdown periods between consecutive `ends` (equityPass's periodEnds). */
function drawdownPeriods(dd: Float64Array, ends: Int32Array, times: BarTimes): { durations: number[]; peaks: number[] } {
  const durations: number[] = [];
  const peaks: number[] = [];
  for (let k = 1; k < ends.length; k++) {
    const prev = ends[k - 1];
    const cur = ends[k];
    if (cur <= prev + 1) continue;
    durations.push(times.nsBetween(prev, cur));
    let peak = -Infinity;
    for (let j = prev; j <= cur; j++) if (dd[j] > peak) peak = dd[j];
    peaks.push(peak);
  }
  return { durations, peaks };
}

/**
 * Equity at the last bar of each calendar bucket (backtesting.py resamples equity and takes each bucket's last),
 * and how many bars fall on a Saturday or Sunday: one pass over the bars' day numbers.
 */
function bucketEquity(times: BarTimes, n: number, equity: Float64Array, freq: 'D' | 'W' | 'ME' | 'YE'): { last: Float64Array; weekendBars: number } {
  const last = new Float64Array(n);
  let buckets = 0;
  let weekendBars = 0;
  let bucket = NaN;
  let prevDay = NaN;
  for (let i = 0; i < n; i++) {
    const day = times.day(i);
    // The weekday as new Date(Number(ts / 1_000_000n)) reads it: ms truncated toward zero, so before 1970 the last
    // sub-ms of a day belongs to the next day. (day + 4) mod 7 is the weekday, 0 = Sunday: 1970-01-01 was a Thursday.
    const weekdayDay = day < 0 && times.nsOfDay > LAST_MS_OF_DAY_NS ? day + 1 : day;
    const dow = (((weekdayDay + 4) % 7) + 7) % 7;
    if (dow === 0 || dow === 6) weekendBars++;
    // A bucket changes only with the day (and months and years go through Date), so only then is it looked up.
    if (day !== prevDay) {
      prevDay = day;
      const b = bucketOfDay(day, freq);
      if (b !== bucket) {
        buckets++;
        bucket = b;
      }
    }
    last[buckets - 1] = equity[i];
  }
  return { last: last.subarray(0, buckets), weekendBars };
}

/*
 * The passes over every bar live in small functions of their own: in a one-shot CLI run each is optimised on its
 * own (a quick compile of a small function) instead of computeStats being recompiled on-stack for every loop.
 */

interface EquityPass {
  /** dd = 1 − equity / running peak at each bar. */
  dd: Float64Array;
  /** Its largest value (0 when equity never falls). */
  maxDd: number;
  /** Largest equity, NaN bars skipped (unlike maxOf): the running peak at the last bar. */
  peak: number;
  /** Where drawdown periods end: the bars at a peak (dd = 0), in order, then the last bar if it is not one. */
  periodEnds: Int32Array;
  /** Bars inside some trade's [entry, exit]. */
  exposed: number;
}

/**
 * One pass over the bars for everything the equity curve gives: drawdowns, the peak, where drawdown periods end and the
 * exposure (in a one-shot CLI run each pass over a million bars starts interpreted, so passes are shared). Each
 * value is computed as its own loop would: the same comparisons and the same arithmetic, bar by bar.
 * Exposure: +1 at each entry and −1 after each exit (one pass over the trades), then a running sum over the bars,
 * however long or overlapping the trades are.
 */
function equityPass(equity: Float64Array, trades: TradeLog): EquityPass {
  const n = equity.length;
  const opened = new Int32Array(n + 1);
  for (let k = 0; k < trades.size.length; k++) {
    opened[trades.entryBar[k]]++;
    opened[trades.exitBar[k] + 1]--;
  }
  const dd = new Float64Array(n);
  const periodEnds = new Int32Array(n + 1);
  let ends = 0;
  let peakEquity = -Infinity;
  let maxDd = 0;
  let exposed = 0;
  let open = 0;
  for (let i = 0; i < n; i++) {
    if (equity[i] > peakEquity) peakEquity = equity[i];
    const d = 1 - equity[i] / peakEquity;
    dd[i] = d;
    if (d > maxDd) maxDd = d;
    if (d === 0) periodEnds[ends++] = i;
    open += opened[i];
    if (open > 0) exposed++;
  }
  if (ends === 0 || periodEnds[ends - 1] !== n - 1) periodEnds[ends++] = n - 1;
  return { dd, maxDd, peak: peakEquity, periodEnds: periodEnds.subarray(0, ends), exposed };
}

/** Beta of log equity returns on log market returns over every bar (np.cov, ddof 1); needs n > 2. */
function betaOf(equity: Float64Array, close: Float64Array): number {
  const n = equity.length;
  const eqLog = new Float64Array(n - 1);
  const mkLog = new Float64Array(n - 1);
  // The sums run in index order, as mean() adds them, so me and mm are mean(eqLog) and mean(mkLog) to the bit.
  let sumE = 0;
  let sumM = 0;
  for (let i = 1; i < n; i++) {
    // Equity stands still between trades: a ratio of exactly 1, whose log is exactly 0, so the log is skipped.
    const growth = equity[i] / equity[i - 1];
    const e = growth === 1 ? 0 : Math.log(growth);
    const m = Math.log(close[i] / close[i - 1]);
    eqLog[i - 1] = e;
    mkLog[i - 1] = m;
    sumE += e;
    sumM += m;
  }
  const me = sumE / (n - 1);
  const mm = sumM / (n - 1);
  let cov = 0;
  let varM = 0;
  for (let k = 0; k < n - 1; k++) {
    cov += (eqLog[k] - me) * (mkLog[k] - mm);
    varM += (mkLog[k] - mm) * (mkLog[k] - mm);
  }
  return cov / (n - 2) / (varM / (n - 2));
}

export function computeStats(input: StatsInput): Stats {
  const { trades, equity, ts, close, warmup } = input;
  const n = equity.length;
  const s: Stats = {};
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
  s.Start = iso(ts[0]);
  s.End = iso(ts[n - 1]);
  const durationNs = Number(ts[n - 1] - ts[0]);
  s.Duration = durationNs / NS_PER_DAY;

  const times = new BarTimes(ts);
  const period = dataPeriodNs(times, n);
  const resolution = resolutionNs(period);

  const { dd, maxDd, peak, periodEnds, exposed } = equityPass(equity, trades);
  const periods = drawdownPeriods(dd, periodEnds, times);

  const nTrades = trades.size.length;
  s['Exposure Time [%]'] = (exposed / n) * 100;
  s['Equity Final [$]'] = equity[n - 1];
  s['Equity Peak [$]'] = peak;
  // Commissions of closed trades (a trade still open at the end is not counted, as in backtesting.py).
  let commissions = 0;
  for (const c of trades.commission) commissions += c;
  if (commissions) s['Commissions [$]'] = commissions;
  const totalReturn = (equity[n - 1] - equity[0]) / equity[0];
  s['Return [%]'] = totalReturn * 100;
  const c0 = close[Math.min(warmup, n - 1)];
  const buyHold = (close[n - 1] - c0) / c0;
  s['Buy & Hold Return [%]'] = buyHold * 100;

  // Periodic returns of equity, as backtesting.py resamples them.
  const freqDays = Math.floor(period / NS_PER_DAY);
  const freq = freqDays === 7 ? 'W' : freqDays === 31 ? 'ME' : freqDays === 365 ? 'YE' : 'D';
  const { last: lastPerBucket, weekendBars } = bucketEquity(times, n, equity, freq);
  const haveWeekends = weekendBars / n > (2 / 7) * 0.6;
  const annual = freqDays === 7 ? 52 : freqDays === 31 ? 12 : freqDays === 365 ? 1 : haveWeekends ? 365 : 252;
  const periodic = new Float64Array(Math.max(0, lastPerBucket.length - 1));
  let kept = 0;
  for (let k = 1; k < lastPerBucket.length; k++) {
    const v = lastPerBucket[k] / lastPerBucket[k - 1] - 1;
    if (!Number.isNaN(v)) periodic[kept++] = v;
  }
  const r = periodic.subarray(0, kept);
  const g = r.length ? geometricMean(r) : 0;
  const annReturn = (1 + g) ** annual - 1;
  s['Return (Ann.) [%]'] = annReturn * 100;
  const annVol = Math.sqrt((variance(r) + (1 + g) ** 2) ** annual - (1 + g) ** (2 * annual));
  s['Volatility (Ann.) [%]'] = annVol * 100;
  const durationDays = durationNs / NS_PER_DAY;
  s['CAGR [%]'] = durationDays ? ((equity[n - 1] / equity[0]) ** (365.25 / durationDays) - 1) * 100 : NaN;
  s['Sharpe Ratio'] = (annReturn * 100) / (annVol * 100 || NaN);
  let downside = 0;
  for (let k = 0; k < r.length; k++) if (r[k] < 0) downside += r[k] * r[k];
  s['Sortino Ratio'] = annReturn / (Math.sqrt(downside / r.length) * Math.sqrt(annual));
  s['Calmar Ratio'] = annReturn / (maxDd || NaN);

  const beta = n > 2 ? betaOf(equity, close) : NaN;
  s['Alpha [%]'] = totalReturn * 100 - beta * (buyHold * 100);
  s.Beta = beta;
  s['Max. Drawdown [%]'] = -maxDd * 100;
  s['Avg. Drawdown [%]'] = periods.peaks.length ? -mean(periods.peaks) * 100 : NaN;
  s['Max. Drawdown Duration'] = periods.durations.length ? ceilDays(maxOf(periods.durations), resolution) : NaN;
  s['Avg. Drawdown Duration'] = periods.durations.length ? ceilDays(mean(periods.durations), resolution) : NaN;

  s['# Trades'] = nTrades;
  const pl = trades.pnl;
  const rets = trades.returnPct;
  // One pass over trades for the win/loss tallies (no filtered copies of 10⁶-element arrays).
  let nWins = 0;
  let winSum = 0;
  let nLosses = 0;
  let lossSum = 0;
  let gains = 0;
  let losses = 0;
  for (let k = 0; k < nTrades; k++) {
    if (pl[k] > 0) {
      nWins++;
      winSum += pl[k];
    } else if (pl[k] < 0) {
      nLosses++;
      lossSum += pl[k];
    }
    if (rets[k] > 0) gains += rets[k];
    else if (rets[k] < 0) losses -= rets[k];
  }
  const winRate = nTrades ? nWins / nTrades : NaN;
  s['Win Rate [%]'] = winRate * 100;
  s['Best Trade [%]'] = maxOf(rets) * 100;
  s['Worst Trade [%]'] = minOf(rets) * 100;
  s['Avg. Trade [%]'] = geometricMean(rets) * 100;
  const tradeDurations = new Float64Array(nTrades);
  for (let k = 0; k < nTrades; k++) tradeDurations[k] = times.nsBetween(trades.entryBar[k], trades.exitBar[k]);
  s['Max. Trade Duration'] = nTrades ? ceilDays(maxOf(tradeDurations), resolution) : NaN;
  s['Avg. Trade Duration'] = nTrades ? ceilDays(mean(tradeDurations), resolution) : NaN;
  s['Profit Factor'] = gains / (losses || NaN);
  s['Expectancy [%]'] = mean(rets) * 100;
  s.SQN = (Math.sqrt(nTrades) * mean(pl)) / (Math.sqrt(variance(pl)) || NaN);
  // mean() of an empty list is NaN, as pandas' mean of an empty Series.
  const meanWin = nWins ? winSum / nWins : NaN;
  const meanLoss = nLosses ? lossSum / nLosses : NaN;
  s['Kelly Criterion'] = winRate - (1 - winRate) / (meanWin / -meanLoss);
  return s;
}
