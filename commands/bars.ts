import { Command, Option } from 'commander';
import { CiftError } from '../src/errors.js';
import { EXPORT_FORMATS, formatFromPath, frameColumns, frameToText, parseExportFormat, writeFrame } from '../src/io/export.js';
import { MarketData } from '../src/market-data.js';
import { loadBars } from '../src/pipelines/select.js';
import { loadPolars } from '../src/polars.js';
import { normalizeSymbol } from '../src/sources/tabular.js';
import { parseBound, parseInterval } from '../src/time.js';
import { uiFrom } from './context.js';
import { examples, formatCount, printJson, printTable, withSpinner } from './ui.js';
import type pl from 'nodejs-polars';
import type { Polars } from '../src/polars.js';
import type { Ui } from './ui.js';

interface BarsOptions {
  interval?: string;
  from?: string;
  to?: string;
  export?: string;
  out?: string;
}

const PREVIEW_ROWS = 5;

/** A table of the first and last rows and the row count, for people. */
export function printFramePreview(ui: Ui, polars: Polars, frame: pl.DataFrame, title: string): void {
  const cols = frameColumns(polars, frame);
  const n = frame.height;
  const idx = n <= 2 * PREVIEW_ROWS ? [...Array(n).keys()] : [...Array(PREVIEW_ROWS).keys(), -1, ...Array.from({ length: PREVIEW_ROWS }, (_, k) => n - PREVIEW_ROWS + k)];
  const fmt = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(10))) : v);
  const rows = idx.map((i) => (i < 0 ? cols.map(() => '…') : cols.map((c) => fmt(c.values[i]))));
  printTable(ui, cols.map((c) => c.name), rows, cols.map((c) => (c.name === 'ts' ? 'left' : 'right')));
  process.stdout.write(`${title}: ${formatCount(n)} rows\n`);
}

export const barsCommand = new Command('bars')
  .description('OHLCV bars at any interval from stored trades or finer bars')
  .argument('<symbol>', 'a stored or shipped symbol (see `cift ingest --list`)')
  .option('-i, --interval <interval>', 'bar length: 1s, 1m, 5m, 1h, 1d, 1w, 1mo … (default: 1m from trades; stored bars as they are)')
  .option('--from <time>', 'first bar time, inclusive (ISO-8601, UTC unless it has an offset)')
  .option('--to <time>', 'last input time, inclusive')
  .addOption(new Option('--export <format>', 'write csv, json, parquet or arrow').choices([...EXPORT_FORMATS]))
  .option('-o, --out <path>', 'write to this file (atomically) instead of stdout')
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
    const range = { from: parseBound(opts.from, '--from'), to: parseBound(opts.to, '--to') };
    const format = opts.export !== undefined ? parseExportFormat(opts.export) : opts.out !== undefined ? formatFromPath(opts.out) : undefined;
    if (opts.out !== undefined && format === undefined) {
      throw new CiftError('USAGE', `cannot tell the format of --out "${opts.out}"`, 'add --export csv|json|parquet|arrow');
    }
    const polars = await loadPolars();
    const market = await MarketData.open(ui.settings);
    const result = await withSpinner(ui, `building ${symbol} bars`, () => loadBars(polars, market, { symbol, interval: opts.interval, range }));
    const { frame } = result;
    if (opts.out !== undefined) {
      writeFrame(polars, frame, format!, opts.out);
      if (ui.json) printJson({ symbol, interval: result.interval ?? null, from: result.from, rows: frame.height, out: opts.out, format });
      else if (ui.tty) process.stdout.write(`wrote ${formatCount(frame.height)} ${symbol} bars to ${opts.out}\n`);
      return;
    }
    if (format === 'parquet' || format === 'arrow') throw new CiftError('USAGE', `--export ${format} is binary`, 'give --out FILE');
    if (format !== undefined) process.stdout.write(frameToText(polars, frame, format));
    else if (ui.json) process.stdout.write(frameToText(polars, frame, 'json'));
    else if (ui.tty) printFramePreview(ui, polars, frame, `${symbol} ${result.interval ?? 'stored'} bars from ${result.from}`);
    else process.stdout.write(frameToText(polars, frame, 'csv'));
  });
