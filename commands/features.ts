import { Command, Option } from 'commander';
import { CiftError } from '../src/errors.js';
import { EXPORT_FORMATS } from '../src/io/export.js';
import { KERNELS, kernelInputs, kernelOutputs } from '../src/kernels/registry.js';
import { parseFeatureSet } from '../src/pipelines/feature-set.js';
import { computeFeatures, quoteFeaturesPerBar } from '../src/pipelines/features.js';
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

function printRegistry(ui: Ui): void {
  const rows = KERNELS.map((k) => ({
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
  .option('-i, --interval <interval>', 'bar length (default: the stored bars as they are; per quote for quote features)')
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
    if (bookRequests.length > 0) {
      // The kernels exist (src/kernels/book.ts); reading the stored book kind into them is the next step.
      throw new CiftError('USAGE', `${bookRequests.map((r) => r.spec.name).join(', ')} ${bookRequests.length === 1 ? 'needs' : 'need'} the stored order book, which cift features does not read yet`, 'see `cift features --list` for the features it computes today');
    }
    const barRequests = requests.filter((r) => r.spec.on === 'bars');
    const quoteRequests = requests.filter((r) => r.spec.on === 'quotes');
    const polars = await loadPolars();
    const { market } = await openStores(ui.settings, { source: opts.source });
    if (barRequests.length > 0) await noteOrigin(market, symbol);

    const frame = await withSpinner(ui, `computing ${requests.length} features for ${symbol}`, async () => {
      let quoteFrame;
      if (quoteRequests.length > 0) {
        const quotes = await market.read('quotes', symbol, range);
        if (quotes === undefined) {
          throw new CiftError('NO_DATA', `no quotes stored for "${symbol}"; ${quoteRequests.map((r) => r.spec.name).join(', ')} need quotes`, 'ingest quotes (e.g. a LOBSTER day with `cift ingest lobster`)');
        }
        const perQuote = computeFeatures(polars, quotes.drop('seq'), quoteRequests);
        if (barRequests.length === 0 && interval === undefined) return perQuote;
        if (interval === undefined) throw new CiftError('USAGE', 'bar and quote features together need --interval', 'e.g. --interval 1m');
        quoteFrame = quoteFeaturesPerBar(polars, perQuote, quoteRequests, interval);
        if (barRequests.length === 0) return quoteFrame;
      }
      const bars = await loadBars(polars, market, { symbol, interval, range });
      const withFeatures = computeFeatures(polars, bars.frame.select(...BAR_INPUTS), barRequests, { sessionTz: opts.tz });
      if (quoteFrame === undefined) return withFeatures;
      return withFeatures.join(quoteFrame.drop('bid', 'ask', 'bid_size', 'ask_size'), { on: 'ts', how: 'left' });
    });
    emitFrame(ui, polars, frame, opts, format, `${symbol} features`, { symbol, interval: interval ?? null, features: requests.flatMap((r) => r.columns) });
  });
