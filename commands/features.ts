import { Command, Option } from 'commander';
import { CiftError } from '../src/errors.js';
import { EXPORT_FORMATS } from '../src/io/export.js';
import { KERNEL_VARIANTS, kernelInputs, kernelOutputs } from '../src/kernels/registry.js';
import { parseFeatureSet } from '../src/pipelines/feature-set.js';
import { computeFeatures, featuresPerBar, quoteFeaturesPerBar } from '../src/pipelines/features.js';
import { bookLevels } from '../src/schema.js';
import type pl from 'nodejs-polars';
import type { FeatureRequest } from '../src/pipelines/feature-set.js';
import { loadBars } from '../src/usecases/load-bars.js';
import { openStores } from '../src/usecases/stores.js';
import { loadPolars } from '../src/polars.js';
import { normalizeSymbol } from '../src/sources/tabular.js';
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
  tz: string;
  list?: boolean;
}

const BAR_INPUTS = ['ts', 'open', 'high', 'low', 'close', 'volume'];

const names = (rs: readonly FeatureRequest[]): string => rs.map((r) => r.spec.name).join(', ');

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
      `${r.summary}\n(${r.reference})`,
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
  .option('--tz <zone>', 'zone whose calendar days are VWAP sessions', 'UTC')
  .addOption(new Option('--export <format>', 'write csv, json, parquet or arrow').choices([...EXPORT_FORMATS]))
  .option('-o, --out <path>', 'write to this file (atomically) instead of stdout')
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
    ]),
  )
  .action(async (symbolText: string | undefined, opts: FeaturesOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (opts.list) return printRegistry(ui);
    if (symbolText === undefined) throw new CiftError('USAGE', 'missing symbol', 'e.g. cift features GOOG --set rsi:14');
    if (opts.set === undefined) throw new CiftError('USAGE', 'missing --set', 'e.g. --set "rsi:14,ema:20"; see `cift features --list`');
    const symbol = normalizeSymbol(symbolText);
    const requests = parseFeatureSet(opts.set);
    assertTimeZone(opts.tz);
    const interval = opts.interval === undefined ? undefined : parseInterval(opts.interval).text;
    const range = parseRange(opts.from, opts.to);
    const format = outputFormat(opts);
    const bookRequests = requests.filter((r) => r.spec.on === 'book');
    const barRequests = requests.filter((r) => r.spec.on === 'bars');
    const quoteRequests = requests.filter((r) => r.spec.on === 'quotes');
    const otherRequests = [...barRequests, ...quoteRequests];
    if (bookRequests.length > 0 && otherRequests.length > 0 && interval === undefined) {
      // Book features have one row per book update, the others one per bar or quote: only bars line them up.
      throw new CiftError('USAGE', `book features (${names(bookRequests)}) and bar/quote features (${names(otherRequests)}) together need --interval`, 'e.g. --interval 1m, or ask for each kind on its own');
    }
    const polars = await loadPolars();
    const { market } = await openStores(ui.settings, { source: opts.source });
    if (barRequests.length > 0) await noteOrigin(market, symbol);

    const frame = await withSpinner(ui, `computing ${requests.length} features for ${symbol}`, async () => {
      const perBar: pl.DataFrame[] = [];
      if (bookRequests.length > 0) {
        const book = await market.read('book', symbol, range);
        if (book === undefined) {
          throw new CiftError('NO_DATA', `no order book stored for "${symbol}"; ${names(bookRequests)} ${bookRequests.length === 1 ? 'needs' : 'need'} the book`, 'ingest a LOBSTER day with `cift ingest lobster`');
        }
        const stored = bookLevels(book.columns.filter((c) => c !== 'ts' && c !== 'seq'));
        for (const r of bookRequests) {
          const asked = r.spec.levels?.(r.params) ?? 0;
          if (asked > stored) throw new CiftError('USAGE', `${r.spec.name}:${asked} asks for ${asked} levels but the stored book of ${symbol} has ${stored}`, `ask for at most ${stored} levels`);
        }
        // computeFeatures reads each level column once as Float64Array, nulls (empty levels) as NaN.
        const perUpdate = computeFeatures(polars, book, bookRequests);
        const columns = bookRequests.flatMap((r) => r.columns);
        if (interval === undefined) return perUpdate.select('ts', 'seq', ...columns);
        perBar.push(featuresPerBar(polars, perUpdate.select('ts', ...columns), bookRequests, interval));
      }
      if (quoteRequests.length > 0) {
        const quotes = await market.read('quotes', symbol, range);
        if (quotes === undefined) {
          throw new CiftError('NO_DATA', `no quotes stored for "${symbol}"; ${names(quoteRequests)} need quotes`, 'ingest quotes (e.g. a LOBSTER day with `cift ingest lobster`)');
        }
        const perQuote = computeFeatures(polars, quotes.drop('seq'), quoteRequests);
        if (barRequests.length === 0 && interval === undefined) return perQuote;
        if (interval === undefined) throw new CiftError('USAGE', 'bar and quote features together need --interval', 'e.g. --interval 1m');
        const quoteFrame = quoteFeaturesPerBar(polars, perQuote, quoteRequests, interval);
        // On their own, quote features per bar keep the bar's last quote; beside other features only the features.
        perBar.push(barRequests.length === 0 && bookRequests.length === 0 ? quoteFrame : quoteFrame.drop('bid', 'ask', 'bid_size', 'ask_size'));
      }
      let base: pl.DataFrame;
      if (barRequests.length > 0) {
        const bars = await loadBars(polars, market, { symbol, interval, range });
        base = computeFeatures(polars, bars.frame.select(...BAR_INPUTS), barRequests, { sessionTz: opts.tz });
      } else base = perBar.shift() as pl.DataFrame;
      for (const f of perBar) base = base.join(f, { on: 'ts', how: 'left' });
      return base;
    });
    emitFrame(ui, polars, frame, opts, format, `${symbol} features`, { symbol, interval: interval ?? null, features: requests.flatMap((r) => r.columns) });
  });
