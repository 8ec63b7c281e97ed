import { Command, Option } from './commander.js';
import { EXPORT_FORMATS } from '../src/io/export.js';
import { CiftError } from '../src/errors.js';
import { describeSession, parseSession, sessionText } from '../src/pipelines/session.js';
import { loadBars } from '../src/usecases/load-bars.js';
import { MarketData } from '../src/market-data.js';
import { loadPolars } from '../src/polars.js';
import { normalizeSymbol } from '../src/schema.js';
import { parseInterval, parseRange } from '../src/time.js';
import { uiFrom } from './context.js';
import { emitFrame, outputFormat, type OutputFlags } from './output.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { examples, withSpinner } from './ui.js';

interface BarsOptions extends OutputFlags, SourceFlag {
  interval?: string;
  from?: string;
  to?: string;
  session?: string;
  tz?: string;
}

export const barsCommand = new Command('bars')
  .description('OHLCV bars at any interval from stored trades or finer bars')
  .argument('<symbol>', 'a stored or shipped symbol (see `cift ingest --list`)')
  .option('-i, --interval <interval>', 'bar length: 1s, 1m, 5m, 1h, 1d, 1w, 1mo …; from stored bars, a whole multiple of their spacing (default: 1m from trades; stored bars as they are)')
  .option('--from <time>', 'first input time, inclusive (ISO-8601, UTC unless it has an offset)')
  .option('--to <time>', 'last input time, inclusive')
  .option(
    '--session <hours>',
    'keep only rows inside the exchange session [open, close) in local time, HH:MM-HH:MM (DST-aware); "rth" = 09:30-16:00 America/New_York. Daily and longer bars are labelled by exchange date; an overnight session (18:00-17:00) belongs to the date it closes on',
  )
  .option('--tz <zone>', 'IANA zone whose clocks --session hours are on (required with HH:MM hours; with rth it replaces America/New_York)')
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
      'cift bars AAPL --interval 1d --session rth --export csv   # one bar per New York trading date',
      'cift bars ES --interval 1h --session 18:00-17:00 --tz America/New_York',
    ]),
  )
  .action(async (symbolText: string, opts: BarsOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    const symbol = normalizeSymbol(symbolText);
    if (opts.interval !== undefined) parseInterval(opts.interval);
    if (opts.tz !== undefined && opts.session === undefined) throw new CiftError('USAGE', '--tz only sets the zone of --session hours', 'add --session, e.g. --session 09:30-16:00 --tz America/New_York');
    const session = opts.session === undefined ? undefined : parseSession(opts.session, opts.tz);
    const range = parseRange(opts.from, opts.to);
    const format = outputFormat(opts);
    const polars = await loadPolars();
    // Frames only: no ledger and no price cache (what openStores adds for the trading commands).
    const market = await MarketData.open(ui.settings, { source: opts.source });
    await noteOrigin(market, symbol);
    const result = await withSpinner(ui, `building ${symbol} bars`, () => loadBars(polars, market, { symbol, interval: opts.interval, range, session }));
    const title = `${symbol} ${result.interval ?? 'stored'} bars from ${result.from}${session ? `, session ${sessionText(session)}` : ''}`;
    emitFrame(ui, polars, result.frame, opts, format, title, {
      symbol,
      interval: result.interval ?? null,
      from: result.from,
      session: session ? describeSession(session) : null,
    });
  });
