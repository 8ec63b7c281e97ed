import { Command, Option } from './commander.js';
import { CiftError } from '../src/errors.js';
import { EXPORT_FORMATS } from '../src/io/export.js';
import { KERNEL_VARIANTS, kernelInputs, kernelOutputs } from '../src/kernels/registry.js';
import { parseFeatureSet } from '../src/pipelines/feature-set.js';
import { parseColumnSpecs, parseTargets } from '../src/pipelines/ml-columns.js';
import { describeSession, parseSession } from '../src/pipelines/session.js';
import { assertRowsLineUp, buildFeatureTable, featureMetadata, type FeatureTableRequest } from '../src/usecases/features.js';
import { MarketData } from '../src/market-data.js';
import { loadPolars } from '../src/polars.js';
import { normalizeSymbol } from '../src/schema.js';
import { assertTimeZone, parseInterval, parseRange } from '../src/time.js';
import { uiFrom } from './context.js';
import { emitFrame, outputFormat, type OutputFlags } from './output.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { examples, printJson, printTable, withSpinner, type Ui } from './ui.js';

interface FeaturesOptions extends OutputFlags, SourceFlag {
  set?: string;
  interval?: string;
  from?: string;
  to?: string;
  tz?: string;
  session?: string;
  list?: boolean;
  lags?: string[];
  zscore?: string[];
  minmax?: string[];
  target?: string[];
  targetOn?: string;
  flatEps?: string;
  dropna?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** --lags/--zscore/--minmax/--target as one request, or undefined when none is given. */
function mlRequest(opts: FeaturesOptions): FeatureTableRequest['ml'] {
  const specs = (texts: string[] | undefined, flag: string, what: string, min: number) => (texts ?? []).flatMap((t) => parseColumnSpecs(t, flag, what, min));
  const lags = specs(opts.lags, '--lags', 'the lag', 1);
  const zscores = specs(opts.zscore, '--zscore', 'the window', 2);
  const minmaxes = specs(opts.minmax, '--minmax', 'the window', 2);
  const targets = (opts.target ?? []).flatMap(parseTargets);
  let flatEps = 0;
  if (opts.flatEps !== undefined) {
    flatEps = Number(opts.flatEps);
    if (opts.flatEps.trim() === '' || !Number.isFinite(flatEps) || flatEps < 0) throw new CiftError('USAGE', `--flat-eps "${opts.flatEps}" must be a number ≥ 0 (a return, e.g. 0.0005)`);
    if (!targets.some((t) => t.kind === 'fwd_dir')) throw new CiftError('USAGE', '--flat-eps only applies to a fwd_dir target', 'e.g. --target fwd_dir:5 --flat-eps 0.0005');
  }
  if (opts.targetOn !== undefined && targets.length === 0) throw new CiftError('USAGE', '--target-on needs --target', 'e.g. --target fwd_ret:10 --target-on weighted_mid_5');
  if (lags.length + zscores.length + minmaxes.length + targets.length === 0) return undefined;
  return { lags, zscores, minmaxes, targets, targetOn: opts.targetOn, flatEps };
}

function printRegistry(ui: Ui): void {
  const rows = KERNEL_VARIANTS.map((k) => ({
    name: k.name,
    on: k.on,
    // Book kernels' columns depend on the levels asked for: shown for the defaults.
    inputs: kernelInputs(k, k.params.map((p) => p.default)),
    params: k.params.map((p) => ({ name: p.name, default: p.default, min: p.min, max: p.max, integer: p.integer })),
    outputs: kernelOutputs(k, k.params.map((p) => p.default)).map((o) => o || k.name),
    warmup: k.warmup(k.params.map((p) => p.default)),
    summary: k.summary,
    reference: k.reference,
    // A target reads rows after its own: a label for training, never a feature (strategies do not get it).
    target: k.target === true,
  }));
  if (ui.json) return printJson(rows);
  printTable(
    ui,
    ['feature', 'on', 'params (defaults)', 'outputs', 'warm-up', 'what'],
    rows.map((r) => [
      r.name,
      r.on,
      r.params.map((p) => `${p.name}=${p.default}`).join(' ') || '-',
      r.outputs.join(' '),
      r.warmup.join('/'),
      `${r.target ? '[target: reads the future] ' : ''}${r.summary}\n(${r.reference})`,
    ]),
  );
}

export const featuresCommand = new Command('features')
  .description('indicator and microstructure features from typed-array kernels, one column per output')
  .argument('[symbol]', 'a stored or shipped symbol')
  .option('-s, --set <features>', 'comma-separated name[:param…], e.g. "rsi:14,ema:20,bbands:20:2,macd,atr:14"')
  .option('-i, --interval <interval>', 'bar length (default: the stored bars as they are; per quote for quote features, per book update for book features)')
  .option('--from <time>', 'first input time, inclusive')
  .option('--to <time>', 'last input time, inclusive')
  .option('--tz <zone>', 'zone of --session hours, and whose calendar days are VWAP sessions (default UTC; with --session, its zone)')
  .option('--session <hours>', 'only input rows inside the exchange session [open, close), HH:MM-HH:MM with --tz (DST-aware), or "rth" = 09:30-16:00 America/New_York; daily bars labelled by exchange date')
  .addOption(new Option('--export <format>', 'write csv, json, parquet or arrow').choices([...EXPORT_FORMATS]))
  .option('-o, --out <path>', 'write to this file (atomically) instead of stdout')
  .option('--lags <column:k,…>', 'lagged copies of any column, e.g. "close:1,2,5,book_pressure_10:1" → close_lag_1 …', collect)
  .option('--zscore <column:w,…>', 'rolling z-score of any column over w rows, e.g. "close:20" → close_zscore_20', collect)
  .option('--minmax <column:w,…>', 'rolling min-max scaling of any column over w rows → close_minmax_20', collect)
  .option('--target <kind:h,…>', 'forward targets: fwd_ret:h, fwd_logret:h, fwd_dir:h (the only columns that look forward; null past the data end)', collect)
  .option('--target-on <column>', 'the price targets use (default: close on bars, the mid on quotes and books, the price on trades)')
  .option('--flat-eps <return>', 'fwd_dir: a forward return within ±this is class 0 (default 0)')
  .option('--dropna', 'drop rows with a null feature, lag or target (warm-up and tail rows)')
  .option('--list', 'list every feature with its parameters, outputs and warm-up')
  .addOption(sourceOption())
  .addHelpText(
    'after',
    examples([
      'cift features --list',
      'cift features GOOG --set "rsi:14,ema:20,bbands:20:2,macd:12:26:9,atr:14" --export csv --out goog-features.csv',
      'cift features AAPL --set microprice,spread,ofi --interval 1m',
      'cift features AAPL --set "vwap,rsi:14,ofi" --interval 5m --tz America/New_York --json',
      'cift features GOOG --set "mlofi:5,book_pressure:10,book_slope:10" --export csv   # one row per book update',
      'cift features GOOG --set "mlofi:5,book_pressure:10,rsi:14" --interval 1m',
      'cift features AAPL --set "rsi:14,vwap" --interval 5m --session rth',
      'cift features GOOG --interval 1m --set "mlofi:5,book_pressure:10,book_slope:10" --lags close:1,5 --target fwd_ret:10 --dropna --export parquet --out f.parquet',
    ]),
  )
  .action(async (symbolText: string | undefined, opts: FeaturesOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (opts.list) return printRegistry(ui);
    if (symbolText === undefined) throw new CiftError('USAGE', 'missing symbol', 'e.g. cift features GOOG --set rsi:14');
    if (opts.set === undefined) throw new CiftError('USAGE', 'missing --set', 'e.g. --set "rsi:14,ema:20"; see `cift features --list`');
    const symbol = normalizeSymbol(symbolText);
    const requests = parseFeatureSet(opts.set);
    if (opts.tz !== undefined) assertTimeZone(opts.tz);
    const session = opts.session === undefined ? undefined : parseSession(opts.session, opts.tz);
    const vwapTz = session?.tz ?? opts.tz ?? 'UTC';
    const interval = opts.interval === undefined ? undefined : parseInterval(opts.interval).text;
    const range = parseRange(opts.from, opts.to);
    const format = outputFormat(opts);
    assertRowsLineUp(requests, interval);
    const ml = mlRequest(opts);
    const polars = await loadPolars();
    // Frames only: no ledger and no price cache (what openStores adds for the trading commands).
    const market = await MarketData.open(ui.settings, { source: opts.source });
    if (requests.some((r) => r.spec.on === 'bars') || ml !== undefined) await noteOrigin(market, symbol);
    const table = await withSpinner(ui, `computing ${requests.length} features for ${symbol}`, () =>
      buildFeatureTable(polars, market, { symbol, requests, interval, range, vwapTz, ml, dropna: opts.dropna === true, session }),
    );
    const frame = table.frame;
    const about = { symbol, interval: interval ?? null, session: session ? describeSession(session) : null };
    emitFrame(ui, polars, frame, opts, format, `${symbol} features`, { ...about, rows: table.rows, features: [...table.columns.keys()] }, featureMetadata(table, about));
  });
