/**
 * Bars for a backtest, from the store (a symbol) or a file, as typed arrays; plus what makes the run
 * reproducible (source, first/last ts, row count, a hash of the exact input).
 */
import { createHash } from 'node:crypto';
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { sliceByTime, timestampsOf } from '../frames.js';
import type { MarketData } from '../market-data.js';
import { aggregateBars, assertResamplable, barResolution } from '../pipelines/bars.js';
import { numericColumn } from '../pipelines/features.js';
import { loadBars } from './load-bars.js';
import type { Polars } from '../polars.js';
import { batchToFrame } from '../store/ticks/parquet.js';
import type { TimeRange } from '../store/ticks/types.js';
import { formatTs, parseInterval } from '../time.js';
import type { BacktestInput, BarArrays } from '../backtest/types.js';


export function frameToBarArrays(polars: Polars, frame: pl.DataFrame): BarArrays {
  return {
    ts: timestampsOf(polars, frame),
    open: numericColumn(polars, frame, 'open'),
    high: numericColumn(polars, frame, 'high'),
    low: numericColumn(polars, frame, 'low'),
    close: numericColumn(polars, frame, 'close'),
    volume: numericColumn(polars, frame, 'volume'),
  };
}

/** SHA-256 of the bars' bytes (ts and OHLCV), so two runs on the same input can be told apart from others. */
export function hashBars(b: BarArrays): string {
  const h = createHash('sha256');
  for (const a of [b.ts, b.open, b.high, b.low, b.close, b.volume]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

/** Whether the input's sha256 is computed: on by default; off for a caller whose output never shows it. */
export interface FingerprintOption {
  fingerprint?: boolean;
}

function describe(bars: BarArrays, extra: { symbol?: string; file?: string; interval: string | null }, fingerprint = true): BacktestInput {
  const n = bars.ts.length;
  if (n < 2) throw new CiftError('NO_DATA', `only ${n} bar${n === 1 ? '' : 's'} to backtest on`, 'widen --from/--to or use a finer --interval');
  return { bars, source: { ...extra, rows: n, first: formatTs(bars.ts[0]), last: formatTs(bars.ts[n - 1]), ...(fingerprint ? { sha256: hashBars(bars) } : {}) } };
}

export async function barsFromStore(polars: Polars, market: MarketData, symbol: string, interval: string | undefined, range: TimeRange, opts: FingerprintOption = {}): Promise<BacktestInput> {
  const result = await loadBars(polars, market, { symbol, interval, range, ohlcvOnly: true });
  return describe(frameToBarArrays(polars, result.frame), { symbol, interval: result.interval ?? null }, opts.fingerprint);
}

export async function barsFromFile(polars: Polars, file: string, opts: { symbol?: string; interval?: string; range: TimeRange } & FingerprintOption): Promise<BacktestInput> {
  // The CSV/Parquet reader's modules load only for a file input, never for a stored symbol.
  const { readTabularFile } = await import('../sources/files.js');
  const batches = await readTabularFile(file, { symbol: opts.symbol, defaultSymbol: 'DATA' });
  if (batches.length > 1) throw new CiftError('USAGE', `${file} holds ${batches.length} symbols`, 'backtest one at a time: ingest the file and use --symbol');
  const batch = batches[0];
  if (batch.kind === 'quotes') throw new CiftError('INPUT_INVALID', `${file} holds quotes; a backtest needs bars or trades`);
  let frame = sliceByTime(polars, batchToFrame(polars, batch), opts.range.from, opts.range.to);
  let interval: string | null = null;
  if (batch.kind === 'trades' || opts.interval !== undefined) {
    const parsed = parseInterval(opts.interval ?? '1m');
    interval = parsed.text;
    // The whole file is in hand, so its resolution comes from every bar, not only those in range.
    const resolution = batch.kind === 'bars' ? barResolution(batch.ts) : undefined;
    if (resolution !== undefined) assertResamplable(resolution, parsed, file);
    frame = aggregateBars(polars, frame, batch.kind === 'trades' ? 'trades' : 'bars', parsed);
  }
  return describe(frameToBarArrays(polars, frame), { file, interval }, opts.fingerprint);
}
