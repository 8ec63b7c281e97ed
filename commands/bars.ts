import { Command, Option } from 'commander';
import { EXPORT_FORMATS } from '../src/io/export.js';
import { loadBars } from '../src/usecases/load-bars.js';
import { openStores } from '../src/usecases/stores.js';
import { loadPolars } from '../src/polars.js';
import { normalizeSymbol } from '../src/sources/tabular.js';
import { parseInterval, parseRange } from '../src/time.js';
import { uiFrom } from './context.js';
import { emitFrame, outputFormat, type OutputFlags } from './output.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { examples, withSpinner } from './ui.js';

interface BarsOptions extends OutputFlags, SourceFlag {
  interval?: string;
  from?: string;
  to?: string;
}

export const barsCommand = new Command('bars')
  .description('OHLCV bars at any interval from stored trades or finer bars')
  .argument('<symbol>', 'a stored or shipped symbol (see `cift ingest --list`)')
  .option('-i, --interval <interval>', 'bar length: 1s, 1m, 5m, 1h, 1d, 1w, 1mo …; from stored bars, a whole multiple of their spacing (default: 1m from trades; stored bars as they are)')
  .option('--from <time>', 'first input time, inclusive (ISO-8601, UTC unless it has an offset)')
  .option('--to <time>', 'last input time, inclusive')
  .addOption(new Option('--export <format>', 'write csv, json, parquet or arrow').choices([...EXPORT_FORMATS]))
  .option('-o, --out <path>', 'write to this file (atomically) instead of stdout')
  .addOption(sourceOption())
  .addHelpText(
    'after',
    examples([
      'cift bars GOOG --interval 1w',
      'cift bars AAPL --interval 1m --export csv --out aapl-1m.csv',
      'cift bars AAPL --interval 5m --from 2012-06-21T14:00:00Z --to 2012-06-21T15:00:00Z --export json',
      'cift bars GOOG --interval 1mo --export parquet --out goog-monthly.parquet',
    ]),
  )
  .action(async (symbolText: string, opts: BarsOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    const symbol = normalizeSymbol(symbolText);
    if (opts.interval !== undefined) parseInterval(opts.interval);
    const range = parseRange(opts.from, opts.to);
    const format = outputFormat(opts);
    const polars = await loadPolars();
    const { market } = await openStores(ui.settings, { source: opts.source });
    await noteOrigin(market, symbol);
    const result = await withSpinner(ui, `building ${symbol} bars`, () => loadBars(polars, market, { symbol, interval: opts.interval, range }));
    emitFrame(ui, polars, result.frame, opts, format, `${symbol} ${result.interval ?? 'stored'} bars from ${result.from}`, {
      symbol,
      interval: result.interval ?? null,
      from: result.from,
    });
  });
