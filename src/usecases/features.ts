/**
 * `cift features` as one function: read what the requested kernels need (bars, quotes, the book, trades), compute
 * them, line them up (per input row, or per bar with --interval), add transforms, lags and targets, and say what
 * each column is (for the export's schema metadata).
 *
 * Rows: without an interval, one row per input row of the one kind the features read (bars, quotes, book updates,
 * trades); features of two kinds need an interval. With one, every kind aggregates to bars (FeatureRequest's
 * perBar: OFI summed, spreads averaged, the rest last) and the tables join on the bar's start. The first columns
 * are always ts and seq: the source's seq for per-update rows, the bar's number for bars.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { KernelSpec } from '../kernels/registry.js';
import type { MarketData } from '../market-data.js';
import type { FeatureRequest } from '../pipelines/feature-set.js';
import { computeFeatures, featuresPerBar, quoteFeaturesPerBar } from '../pipelines/features.js';
import { tradeFeatures } from '../pipelines/trade-quotes.js';
import { addMlColumns, type ColumnInfo, type MlColumnsRequest } from '../pipelines/ml-columns.js';
import { filterSession, sessionRows, type TradingSession } from '../pipelines/session.js';
import type { Polars } from '../polars.js';
import { bookLevels, VALUE_COLUMNS } from '../schema.js';
import type { TimeRange } from '../store/ticks/types.js';
import type { FrameMetadata } from '../io/export.js';
import { parseInterval } from '../time.js';
import { loadBars } from './load-bars.js';

/** The kind of row a kernel reads. */
export type RowKind = KernelSpec['on'] | 'trades';

export interface FeatureTableRequest {
  symbol: string;
  requests: readonly FeatureRequest[];
  /** Bar length (parsed text, e.g. "1m"); omitted: one row per input row. */
  interval?: string;
  range?: TimeRange;
  /** Zone whose calendar days are VWAP sessions. */
  vwapTz?: string;
  /** Transforms, lags and targets; targetOn omitted: close for bars, the mid for quotes and books, the price for trades. */
  ml?: Omit<MlColumnsRequest, 'targetOn'> & { targetOn?: string };
  /** Drop rows with a null in any feature, lag or target column (warm-up and tail rows). */
  dropna?: boolean;
  /** Only input rows inside this exchange session; bars of a day or more are labelled by exchange date. */
  session?: TradingSession;
}

/** What a column of the table is. */
export interface FeatureColumnInfo extends ColumnInfo {
  /** The rows the kernel ran over: 'bars', 'quotes', 'book' (updates) or 'trades'. */
  input: RowKind | 'table';
  /** How per-update values became one per bar, when they did. */
  aggregate?: 'sum' | 'mean' | 'last';
}

export interface FeatureTable {
  frame: pl.DataFrame;
  /** The rows: 'bars' with an interval or bar features, else the kind the features read. */
  rows: RowKind;
  /** Every computed column (features, transforms, lags, targets) in table order. */
  columns: Map<string, FeatureColumnInfo>;
}

const BAR_INPUTS = ['ts', 'open', 'high', 'low', 'close', 'volume'];
const BAR_VALUES = BAR_INPUTS.slice(1);
const KIND_WORD: Record<RowKind, string> = { bars: 'bar', quotes: 'quote', book: 'book', trades: 'trade' };
const ROW_WORD: Record<RowKind, string> = { bars: 'bar', quotes: 'quote', book: 'book update', trades: 'trade' };
const names = (rs: readonly FeatureRequest[]): string => rs.map((r) => r.spec.name).join(', ');

function featureInfo(r: FeatureRequest, j: number, rows: RowKind, aggregated: boolean): FeatureColumnInfo {
  const params: Record<string, number> = {};
  r.spec.params.forEach((p, i) => (params[p.name] = r.params[i]));
  const info: FeatureColumnInfo = { kernel: r.spec.name, params, warmup: aggregated ? 0 : r.spec.warmup(r.params)[j], tail: 0, target: r.spec.target === true, input: rows };
  if (aggregated) info.aggregate = r.spec.perBar ?? 'last';
  return info;
}

/** Reads one kind and computes its features, one row per stored row: ts, seq, the kind's kept columns, features. */
async function perRow(polars: Polars, market: MarketData, kind: Exclude<RowKind, 'bars'>, symbol: string, requests: readonly FeatureRequest[], req: FeatureTableRequest): Promise<pl.DataFrame> {
  const stored = await market.read(kind, symbol, req.range);
  // Session rows only; for bars of a day or more each row's ts becomes its exchange date (sessionRows).
  const frame = stored === undefined || req.session === undefined ? stored : req.interval === undefined ? filterSession(polars, stored, req.session) : sessionRows(polars, stored, req.session, parseInterval(req.interval));
  const want = `${names(requests)} ${requests.length === 1 ? 'needs' : 'need'}`;
  if (kind === 'book') {
    if (frame === undefined) throw new CiftError('NO_DATA', `no order book stored for "${symbol}"; ${want} the book`, 'ingest a LOBSTER day with `cift ingest lobster`');
    const stored = bookLevels(frame.columns.filter((c) => c !== 'ts' && c !== 'seq'));
    for (const r of requests) {
      const asked = r.spec.levels?.(r.params) ?? 0;
      if (asked > stored) throw new CiftError('USAGE', `${r.spec.name}:${asked} asks for ${asked} levels but the stored book of ${symbol} has ${stored}`, `ask for at most ${stored} levels`);
    }
    const withFeatures = computeFeatures(polars, frame, requests);
    // The level-1 mid: what a default target on book rows is computed on (dropped again unless asked for).
    const mid = withFeatures.getColumn('bid_px_1').add(withFeatures.getColumn('ask_px_1')).div(2).alias('mid');
    return withFeatures.select('ts', 'seq', ...requests.flatMap((r) => r.columns)).withColumns(mid);
  }
  if (kind === 'quotes') {
    if (frame === undefined) throw new CiftError('NO_DATA', `no quotes stored for "${symbol}"; ${want} quotes`, 'ingest quotes (e.g. a LOBSTER day with `cift ingest lobster`)');
    const withFeatures = computeFeatures(polars, frame, requests);
    if (withFeatures.columns.includes('mid')) return withFeatures; // asked for as a feature
    return withFeatures.withColumns(withFeatures.getColumn('bid').add(withFeatures.getColumn('ask')).div(2).alias('mid'));
  }
  if (frame === undefined) throw new CiftError('NO_DATA', `no trades stored for "${symbol}"; ${want} trades`, 'ingest trades (e.g. a LOBSTER day with `cift ingest lobster`)');
  // The quote in force comes from the whole stored book (or quotes), uncut: a range or session cut of it would
  // leave the first trades without a quote and the last realized spreads without a future mid.
  const book = (await market.read('book', symbol)) ?? (await market.read('quotes', symbol));
  if (book === undefined) throw new CiftError('NO_DATA', `no book or quotes stored for "${symbol}"; ${want} the quote in force at each trade`, 'ingest a LOBSTER day with `cift ingest lobster`');
  return tradeFeatures(polars, frame, book, requests);
}

/** Features of two row kinds (bars, quotes, book updates, trades) line up only per bar: a usage error without an interval. */
export function assertRowsLineUp(requests: readonly FeatureRequest[], interval: string | undefined): void {
  if (interval !== undefined) return;
  const kinds = [...new Set(requests.map((r) => r.spec.on))];
  if (kinds.length < 2) return;
  const parts = kinds.map((k) => `${KIND_WORD[k]} features (${names(requests.filter((r) => r.spec.on === k))})`);
  throw new CiftError('USAGE', `${parts.join(' and ')} together need --interval: they have one row per ${kinds.map((k) => ROW_WORD[k]).join(' vs one per ')}`, 'e.g. --interval 1m, or ask for each kind on its own');
}

/** Builds the feature table the request describes. */
export async function buildFeatureTable(polars: Polars, market: MarketData, req: FeatureTableRequest): Promise<FeatureTable> {
  const { symbol, interval, range } = req;
  const byKind = new Map<RowKind, FeatureRequest[]>();
  for (const r of req.requests) byKind.set(r.spec.on, [...(byKind.get(r.spec.on) ?? []), r]);
  const kinds = [...byKind.keys()];
  const columns = new Map<string, FeatureColumnInfo>();
  const ml = req.ml;
  // Bars carry the close every default target and most lags read: load them when a bar column is asked for.
  const mlColumns = ml ? [...ml.lags, ...ml.zscores, ...ml.minmaxes].map((s) => s.column) : [];
  const wantsBarColumns = mlColumns.some((c) => BAR_VALUES.includes(c)) || (ml !== undefined && ml.targets.length > 0 && (ml.targetOn === undefined || BAR_VALUES.includes(ml.targetOn)));

  let frame: pl.DataFrame;
  let rows: RowKind;
  let internal: string[] = [];
  if (interval === undefined) {
    assertRowsLineUp(req.requests, interval);
    rows = kinds[0];
    const requests = byKind.get(rows)!;
    if (rows === 'bars') {
      const bars = await loadBars(polars, market, { symbol, range, session: req.session });
      frame = withBarNumbers(polars, computeFeatures(polars, bars.frame.select(...BAR_INPUTS), requests, { sessionTz: req.vwapTz }));
    } else {
      frame = await perRow(polars, market, rows, symbol, requests, req);
      // The mid perRow adds for a default target leaves again, unless it was asked for (as a feature or --target-on).
      const midAsked = requests.some((r) => r.columns.includes('mid')) || ml?.targetOn === 'mid';
      internal = (rows === 'book' || rows === 'quotes') && !midAsked ? ['mid'] : [];
    }
    requests.forEach((r) => r.columns.forEach((c, j) => columns.set(c, featureInfo(r, j, rows, false))));
  } else {
    rows = 'bars';
    const perBar: pl.DataFrame[] = [];
    for (const kind of kinds) {
      if (kind === 'bars') continue;
      const requests = byKind.get(kind)!;
      const updates = await perRow(polars, market, kind, symbol, requests, req);
      const features = requests.flatMap((r) => r.columns);
      // Quote features on their own keep the bar's last quote beside them, as a bar keeps its close.
      const keepQuote = kind === 'quotes' && kinds.length === 1 && !wantsBarColumns;
      perBar.push(
        keepQuote
          ? quoteFeaturesPerBar(polars, updates.select('ts', ...VALUE_COLUMNS.quotes, ...features), requests, interval)
          : featuresPerBar(polars, updates.select('ts', ...features), requests, interval),
      );
      requests.forEach((r) => r.columns.forEach((c, j) => columns.set(c, featureInfo(r, j, kind, true))));
    }
    let base: pl.DataFrame;
    if (byKind.has('bars') || wantsBarColumns) {
      const bars = await loadBars(polars, market, { symbol, interval, range, session: req.session });
      const barRequests = byKind.get('bars') ?? [];
      base = computeFeatures(polars, bars.frame.select(...BAR_INPUTS), barRequests, { sessionTz: req.vwapTz });
      barRequests.forEach((r) => r.columns.forEach((c, j) => columns.set(c, featureInfo(r, j, 'bars', false))));
    } else {
      // No bars asked for: the bars are those in which any kind had an update.
      base = polars.concat(perBar.map((f) => f.select('ts'))).unique().sort('ts');
    }
    for (const f of perBar) base = base.join(f, { on: 'ts', how: 'left' });
    frame = withBarNumbers(polars, base);
  }

  if (ml !== undefined) {
    const targetOn = ml.targetOn ?? (rows === 'bars' ? 'close' : rows === 'trades' ? 'price' : 'mid');
    frame = addMlColumns(polars, frame, { ...ml, targetOn }, columns);
    // Transforms, lags and targets run over the table's own rows.
    for (const info of columns.values()) info.input ??= 'table';
  }
  for (const c of internal) if (frame.columns.includes(c)) frame = frame.drop(c);
  // NaN (a warm-up, a target past the data's end, an undefined ratio) leaves as null: one missing-value marker.
  const computed = [...columns.keys()];
  frame = frame.withColumns(...computed.map((c) => polars.col(c).fillNan(null)));
  // A direction is a class label: −1, 0, +1 as integers (null past the data's end).
  const classes = computed.filter((c) => columns.get(c)!.kernel === 'fwd_dir');
  if (classes.length > 0) frame = frame.withColumns(...classes.map((c) => polars.col(c).cast(polars.Int8)));
  if (req.dropna && computed.length > 0) frame = frame.dropNulls(computed);
  return { frame, rows, columns };
}

/** ts, then seq = the bar's number (bars have no source row of their own), then the rest. */
function withBarNumbers(polars: Polars, frame: pl.DataFrame): pl.DataFrame {
  const seq = polars.Series('seq', Array.from({ length: frame.height }, (_, i) => i), polars.Int64);
  const rest = frame.columns.filter((c) => c !== 'ts' && c !== 'seq');
  return (frame.columns.includes('seq') ? frame.drop('seq') : frame).withColumns(seq).select('ts', 'seq', ...rest);
}


/**
 * The table's description for a Parquet/Arrow schema: `cift.features` (JSON: symbol, interval, rows, session and
 * every computed column) on the schema, and `cift.kernel`, `cift.params` (JSON), `cift.warmup`, `cift.tail`,
 * `cift.target` ("true"/"false"), `cift.input` and `cift.aggregate` on each computed column.
 */
export function featureMetadata(table: FeatureTable, about: Record<string, unknown>): FrameMetadata {
  const fields: Record<string, Record<string, string>> = {};
  const columns: Record<string, FeatureColumnInfo> = {};
  for (const [name, info] of table.columns) {
    if (!table.frame.columns.includes(name)) continue;
    columns[name] = info;
    const f: Record<string, string> = {
      'cift.kernel': info.kernel,
      'cift.params': JSON.stringify(info.params),
      'cift.warmup': String(info.warmup),
      'cift.tail': String(info.tail),
      'cift.target': String(info.target),
      'cift.input': info.input,
    };
    if (info.aggregate !== undefined) f['cift.aggregate'] = info.aggregate;
    fields[name] = f;
  }
  return { schema: { 'cift.features': JSON.stringify({ ...about, rows: table.rows, columns }) }, fields };
}
