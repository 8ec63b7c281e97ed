/**
 * Ticks or finer bars → OHLCV bars at any interval, with nodejs-polars.
 *
 * Conventions: a bar is labelled with its interval's start and holds [start, start + interval) (left-closed).
 * Intervals are aligned to the UTC epoch grid, except weeks, which start Monday 00:00 UTC, and calendar months
 * and years. open/close are the first/last rows in (ts, seq) order; high/low max/min; volume the sum.
 * From trades: vwap = Σ price·size / Σ size and trades = the row count. From bars: vwap = Σ p·volume / Σ volume,
 * where p is each input bar's vwap when it has one, else its typical price (high + low + close)/3; trades is
 * the sum of the input bars' trade counts when they have them, else null. Intervals with no rows are omitted.
 * Input frames must be sorted by (ts, seq), as the tick store returns them.
 */
import type pl from 'nodejs-polars';
import type { Polars } from '../polars.js';
import { BAR_OUTPUT_COLUMNS } from '../schema.js';
import type { Interval } from '../time.js';

export type BarSource = 'trades' | 'bars';

export function aggregateBars(polars: Polars, input: pl.DataFrame, from: BarSource, interval: Interval): pl.DataFrame {
  const { col } = polars;
  const bucketed = input.withColumns(col('ts').date.truncate(interval.text).alias('bucket'));
  const aggs =
    from === 'trades'
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
