/**
 * Which stored series to turn into bars for a symbol: its trades when it has them (the finest data), else its
 * bars, else the mid price of its quotes. Shared by `bars`, `features` and `backtest` so they agree on what "the symbol's data" is.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import type { Polars } from '../polars.js';
import type { TimeRange } from '../store/ticks/types.js';
import { timestampsOf } from '../frames.js';
import { NS_PER_DAY, parseInterval, type Interval } from '../time.js';
import { aggregateBars, assertResamplable, barResolution, describeResolution, type BarSource } from '../pipelines/bars.js';
import { assertSessionInterval, sessionRows, sessionText, type TradingSession } from '../pipelines/session.js';

export interface BarsRequest {
  symbol: string;
  /** Omitted: 1m from trades or quotes, or the stored bars unchanged. */
  interval?: string;
  range?: TimeRange;
  /** Keep only rows inside this trading session; bars of a day or longer are labelled by exchange date. */
  session?: TradingSession;
  /**
   * The caller reads only ts and OHLCV (a backtest): stored bars come back as stored, without the null vwap and
   * trades columns added to match aggregated bars (two 1M-row columns built for nothing otherwise).
   */
  ohlcvOnly?: boolean;
}

export interface BarsResult {
  frame: pl.DataFrame;
  from: BarSource;
  interval: string | undefined;
}

const DEFAULT_TICK_INTERVAL = '1m';

export async function loadBars(polars: Polars, market: MarketData, req: BarsRequest): Promise<BarsResult> {
  const kinds = await market.kindsOf(req.symbol);
  const from: BarSource | undefined = kinds.includes('trades') ? 'trades' : kinds.includes('bars') ? 'bars' : kinds.includes('quotes') ? 'quotes' : undefined;
  if (from === undefined) {
    throw new CiftError('NO_DATA', `symbol "${req.symbol}" has only ${kinds.join(', ')}; bars need trades, bars or quotes`);
  }
  const text = req.interval ?? (from === 'bars' ? undefined : DEFAULT_TICK_INTERVAL);
  const interval = text === undefined ? undefined : parseInterval(text);
  if (req.session !== undefined && interval !== undefined) assertSessionInterval(interval);
  let input = (await market.read(from, req.symbol, req.range))!;
  const readAllBars = async () => (await market.read('bars', req.symbol))!;
  if (from === 'bars' && interval !== undefined) await assertIntervalFitsStoredBars(polars, input, interval, req.symbol, readAllBars);
  if (req.session !== undefined) {
    if (from === 'bars') await assertIntradayBars(polars, input, req.symbol, readAllBars);
    input = sessionInput(polars, input, req.session, interval, `${req.symbol} ${from}`);
  }
  if (interval === undefined) {
    if (req.ohlcvOnly) return { frame: input, from, interval: undefined };
    const frame = input.drop('seq').withColumns(polars.lit(null).cast(polars.Float64).alias('vwap'), polars.lit(null).cast(polars.Int64).alias('trades'));
    return { frame, from, interval: undefined };
  }
  return { frame: aggregateBars(polars, input, from, interval), from, interval: interval.text };
}

/** The rows of `input` inside the session, ready for `interval` bars (sessionRows); none at all is an error naming `what`. */
function sessionInput(polars: Polars, input: pl.DataFrame, session: TradingSession, interval: Interval | undefined, what: string): pl.DataFrame {
  const kept = sessionRows(polars, input, session, interval);
  if (input.height > 0 && kept.height === 0) {
    throw new CiftError('NO_DATA', `none of the ${input.height} ${what} read falls inside the session ${sessionText(session)}`, `check the hours and the zone: they are read on ${session.tz} clocks`);
  }
  return kept;
}

/**
 * A session selects rows by time of day, so stored bars must be shorter than a day: a daily bar's timestamp is a
 * date, not a time its trading happened at, and filtering it by hours would keep or drop whole days by accident.
 */
async function assertIntradayBars(polars: Polars, input: pl.DataFrame, symbol: string, readAll: () => Promise<pl.DataFrame>): Promise<void> {
  const frame = input.height >= MIN_BARS_FOR_RESOLUTION ? input : await readAll();
  const resolution = barResolution(timestampsOf(polars, frame));
  if (resolution !== undefined && (resolution.months !== undefined || resolution.ns! >= NS_PER_DAY)) {
    throw new CiftError('USAGE', `${symbol}'s stored bars are ${describeResolution(resolution)}; --session needs rows shorter than a day`, 'use --session on trades, quotes or intraday bars, or leave it out');
  }
}

/** Below this many bars in the requested range, the resolution is taken from the whole series. */
const MIN_BARS_FOR_RESOLUTION = 64;

/**
 * Refuses an --interval that stored bars cannot honestly be resampled to (finer, or not a whole multiple; see
 * assertResamplable). The resolution comes from the bars in range, or from the whole series when the range holds
 * too few to tell (one Friday-to-Monday pair would otherwise look like 3-day bars).
 */
export async function assertIntervalFitsStoredBars(
  polars: Polars,
  input: pl.DataFrame,
  interval: Interval,
  symbol: string,
  readAll: () => Promise<pl.DataFrame>,
): Promise<void> {
  const frame = input.height >= MIN_BARS_FOR_RESOLUTION ? input : await readAll();
  const resolution = barResolution(timestampsOf(polars, frame));
  if (resolution !== undefined) assertResamplable(resolution, interval, symbol);
}
