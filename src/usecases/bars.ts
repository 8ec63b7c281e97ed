/**
 * Bars as JSON records: the same frame `cift bars` builds (loadBars) and the same records its `--json` prints
 * (frameToRecords), so the CLI and the bars route give the same columns and numbers.
 */
import { frameToRecords } from '../io/export.js';
import type { MarketData } from '../market-data.js';
import type { BarSource } from '../pipelines/bars.js';
import { loadPolars } from '../polars.js';
import { CiftError } from '../errors.js';
import type { TimeRange } from '../store/ticks/types.js';
import { loadBars } from './load-bars.js';

export interface BarsQuery {
  symbol: string;
  /** Omitted: 1m from trades or quotes, or the stored bars unchanged. */
  interval?: string;
  range?: TimeRange;
  /** At most this many bars, the first ones of the range. */
  limit?: number;
}

export interface BarsJson {
  symbol: string;
  /** null: the stored bars as they are. */
  interval: string | null;
  from: BarSource;
  bars: Array<Record<string, string | number | null>>;
}

export async function getBars(market: MarketData, q: BarsQuery): Promise<BarsJson> {
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 0)) throw new CiftError('USAGE', `limit ${q.limit} must be a whole number ≥ 0`);
  const polars = await loadPolars();
  const result = await loadBars(polars, market, { symbol: q.symbol, interval: q.interval, range: q.range });
  const frame = q.limit === undefined ? result.frame : result.frame.head(q.limit);
  return { symbol: q.symbol, interval: result.interval ?? null, from: result.from, bars: frameToRecords(polars, frame) };
}
