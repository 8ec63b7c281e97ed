/**
 * Ticks or finer bars → OHLCV bars at any interval, with nodejs-polars.
 *
 * Conventions: a bar is labelled with its interval's start and holds [start, start + interval) (left-closed).
 * Intervals are aligned to the UTC epoch grid, except weeks, which start Monday 00:00 UTC, and calendar months
 * and years. open/close are the first/last rows in (ts, seq) order; high/low max/min; volume the sum.
 * From trades: vwap = Σ price·size / Σ size and trades = the row count. From bars: vwap = Σ p·volume / Σ volume,
 * where p is each input bar's vwap when it has one, else its typical price (high + low + close)/3; trades is
 * the sum of the input bars' trade counts when they have them, else null. From quotes (a symbol with no trades or
 * bars, e.g. a Dukascopy tick file): OHLC of the mid price (bid + ask)/2, volume 0 and vwap and trades null, since
 * quotes carry no traded volume. Intervals with no rows are omitted.
 * Input frames must be sorted by (ts, seq), as the tick store returns them.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { Polars } from '../polars.js';
import { BAR_OUTPUT_COLUMNS } from '../schema.js';
import type { Interval } from '../time.js';

export type BarSource = 'trades' | 'bars' | 'quotes';

export function aggregateBars(polars: Polars, input: pl.DataFrame, from: BarSource, interval: Interval): pl.DataFrame {
  const { col } = polars;
  const bucketed = input.withColumns(col('ts').date.truncate(interval.text).alias('bucket'));
  const mid = col('bid').add(col('ask')).div(2);
  const aggs =
    from === 'quotes'
      ? [
          mid.first().alias('open'),
          mid.max().alias('high'),
          mid.min().alias('low'),
          mid.last().alias('close'),
          polars.lit(0).cast(polars.Float64).alias('volume'),
          polars.lit(null).cast(polars.Float64).alias('vwap'),
          polars.lit(null).cast(polars.Int64).alias('trades'),
        ]
      : from === 'trades'
      ? [
          col('price').first().alias('open'),
          col('price').max().alias('high'),
          col('price').min().alias('low'),
          col('price').last().alias('close'),
          col('size').sum().alias('volume'),
          col('price').mul(col('size')).sum().div(col('size').sum()).alias('vwap'),
          col('price').count().cast(polars.Int64).alias('trades'),
        ]
      : [
          col('open').first().alias('open'),
          col('high').max().alias('high'),
          col('low').min().alias('low'),
          col('close').last().alias('close'),
          col('volume').sum().alias('volume'),
          typicalPrice(polars, input).mul(col('volume')).sum().div(col('volume').sum()).alias('vwap'),
          input.columns.includes('trades') ? col('trades').sum().cast(polars.Int64).alias('trades') : polars.lit(null).cast(polars.Int64).alias('trades'),
        ];
  return bucketed
    .groupBy('bucket')
    .agg(...aggs)
    .sort('bucket')
    .rename({ bucket: 'ts' })
    .select(...BAR_OUTPUT_COLUMNS);
}

function typicalPrice(polars: Polars, input: pl.DataFrame): pl.Expr {
  const { col } = polars;
  if (input.columns.includes('vwap')) return col('vwap');
  return col('high').add(col('low')).add(col('close')).div(3);
}

/** How far apart stored bars are: a fixed length, or a number of calendar months (monthly, quarterly, yearly). */
export interface BarResolution {
  /** As an interval is spelled: 1d, 40m, 1mo, 3mo, 1y. */
  text: string;
  ns: bigint | undefined;
  months: number | undefined;
}

const DAY_NS = 86_400_000_000_000;
/** Beyond this many distinct spacings the counting map gives way to sorting (irregular data). */
const MAX_DISTINCT_SPACINGS = 4096;

/** The most common positive spacing (ns) between consecutive timestamps; ties go to the smaller spacing. */
function commonestSpacing(ts: BigInt64Array): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const d = Number(ts[i] - ts[i - 1]);
    if (d <= 0) continue;
    counts.set(d, (counts.get(d) ?? 0) + 1);
    if (counts.size > MAX_DISTINCT_SPACINGS) return commonestBySorting(ts);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [d, c] of counts) {
    if (c > bestCount || (c === bestCount && d < best!)) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

function commonestBySorting(ts: BigInt64Array): number | undefined {
  const diffs = new Float64Array(ts.length - 1);
  let n = 0;
  for (let i = 1; i < ts.length; i++) {
    const d = Number(ts[i] - ts[i - 1]);
    if (d > 0) diffs[n++] = d;
  }
  const sorted = diffs.subarray(0, n).sort();
  let best: number | undefined;
  let bestCount = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      best = sorted[i];
      bestCount = j - i;
    }
    i = j;
  }
  return best;
}

/** The commonest step in calendar months between consecutive bars, if it covers at least half of them. */
function commonMonthStep(ts: BigInt64Array): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const a = new Date(Number(ts[i - 1] / 1_000_000n));
    const b = new Date(Number(ts[i] / 1_000_000n));
    const step = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
    counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  for (const [step, c] of counts) if (step > 0 && 2 * c >= ts.length - 1) return step;
  return undefined;
}

const FIXED_UNITS: Array<[string, bigint]> = [
  ['w', 7n * 86_400_000_000_000n],
  ['d', 86_400_000_000_000n],
  ['h', 3_600_000_000_000n],
  ['m', 60_000_000_000n],
  ['s', 1_000_000_000n],
  ['ms', 1_000_000n],
  ['us', 1000n],
  ['ns', 1n],
];

function fixedText(ns: bigint): string {
  const [unit, size] = FIXED_UNITS.find(([, size]) => ns % size === 0n)!;
  return `${ns / size}${unit}`;
}

/**
 * The resolution of stored bars: the most common positive spacing between consecutive bars, so weekends,
 * holidays, sessions and gaps (which only make some spacings longer) do not change it. A spacing of 28 days or
 * more is read as calendar months when most consecutive bars are that many calendar months apart, so month-end
 * dated monthly bars (28–31 days apart) are 1mo, quarter ends 3mo and year ends 1y. Undefined for fewer than two
 * distinct times.
 */
export function barResolution(ts: BigInt64Array): BarResolution | undefined {
  const spacing = commonestSpacing(ts);
  if (spacing === undefined) return undefined;
  if (spacing >= 28 * DAY_NS) {
    const months = commonMonthStep(ts);
    if (months !== undefined && spacing <= (31 * months + 1) * DAY_NS && spacing >= 28 * months * DAY_NS) {
      return { text: months % 12 === 0 ? `${months / 12}y` : `${months}mo`, ns: undefined, months };
    }
  }
  const ns = BigInt(spacing);
  return { text: fixedText(ns), ns, months: undefined };
}

const RESOLUTION_WORDS: Record<string, string> = { '1s': 'per second', '1m': 'per minute', '1h': 'hourly', '1d': 'daily', '1w': 'weekly', '1mo': 'monthly', '3mo': 'quarterly', '1y': 'yearly' };

/** "daily (1d)" or "40m apart". */
export const describeResolution = (r: BarResolution): string => (RESOLUTION_WORDS[r.text] ? `${RESOLUTION_WORDS[r.text]} (${r.text})` : `${r.text} apart`);

/** The shortest and longest a span of `months` calendar months can be. */
const shortestMonthsNs = (months: number): bigint => BigInt(months) * 28n * BigInt(DAY_NS);
const longestMonthsNs = (months: number): bigint => BigInt(months) * 31n * BigInt(DAY_NS);

/**
 * Checks that bars `stored` apart can be resampled to `interval`, else throws naming both (`who` names the data:
 * a symbol or a file). Rules:
 * - an interval finer than the stored bars is an error: resampling cannot split a bar, and passing the stored bars
 *   through under the finer label would be silently wrong;
 * - a coarser interval must be a whole multiple of the stored spacing (90m from 1h bars, or 1h from 40m bars,
 *   is an error), since otherwise consecutive output bars would hold different amounts of data (pandas would
 *   resample it silently); calendar months count as whole multiples of any spacing that divides a day, and of
 *   fewer months that divide them (1y from 1mo or 3mo bars);
 * - the same interval is allowed.
 * Stored bars are placed by their start time, like any input row.
 */
export function assertResamplable(stored: BarResolution, interval: Interval, who: string): void {
  const finer = (): never => {
    throw new CiftError(
      'USAGE',
      `${who} bars are ${describeResolution(stored)}; --interval ${interval.text} is finer`,
      `use --interval ${stored.text} or a whole multiple of it; finer bars need finer data (trades or shorter bars)`,
    );
  };
  const notMultiple = (): never => {
    throw new CiftError(
      'USAGE',
      `--interval ${interval.text} is not a whole multiple of ${who}'s ${stored.text} bars; its bars would hold different numbers of them`,
      `use a whole multiple of ${stored.text}`,
    );
  };
  if (stored.ns !== undefined && interval.ns !== undefined) {
    if (interval.ns < stored.ns) finer();
    if (interval.ns % stored.ns !== 0n) notMultiple();
  } else if (stored.ns !== undefined) {
    // Calendar interval from fixed bars: months are whole days, so a spacing that divides a day tiles them.
    if (stored.ns > longestMonthsNs(interval.months!)) finer();
    if (BigInt(DAY_NS) % stored.ns !== 0n) notMultiple();
  } else if (interval.ns !== undefined) {
    if (interval.ns < shortestMonthsNs(stored.months!)) finer();
    notMultiple();
  } else {
    if (interval.months! < stored.months!) finer();
    if (interval.months! % stored.months! !== 0) notMultiple();
  }
}
