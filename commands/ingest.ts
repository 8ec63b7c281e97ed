import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from './commander.js';
import { CiftError } from '../src/errors.js';
import { MarketData } from '../src/market-data.js';
import { isTickKind, type TickKind } from '../src/schema.js';
import { parseColumnsFlag, parseMapFlags } from '../src/sources/columns.js';
import type { ReadDecisions } from '../src/sources/decisions.js';
import { parseDelimiterFlag } from '../src/sources/dialect.js';
import { parseEncodingFlag } from '../src/sources/encoding.js';
import { readTabularSources, type OpenOptions } from '../src/sources/files.js';
import { readLobster } from '../src/sources/lobster.js';
import { syntheticBatch } from '../src/sources/synthetic.js';
import { normalizeSymbol } from '../src/schema.js';
import { VENDOR_LAYOUTS, findPreset } from '../src/sources/vendors.js';
import { parseBound, parseInterval } from '../src/time.js';
import type { IngestItem, IngestOutcome, OverlapPolicy, SeriesSummary, SourceRef, StoredSource } from '../src/store/ticks/types.js';
import { AMBIGUOUS_RULES, NONEXISTENT_RULES, formatTs, type AmbiguousRule, type NonexistentRule } from '../src/time.js';
import { seriesListView, sourceJson } from '../src/usecases/symbols.js';
import { uiFrom } from './context.js';
import { examples, formatCount, printJson, printTable, withSpinner, type Ui } from './ui.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `ingest` and its subcommands share --symbol, --kind, --replace and --append. Commander parses an option the
 * parent also declares at the parent (the global flags must work after subcommands, so options cannot be
 * positional), so a subcommand reads such a value from itself or, failing that, from `ingest`.
 */
function shared<T>(cmd: Command, name: string): T | undefined {
  return (cmd.opts()[name] ?? cmd.parent?.opts()[name]) as T | undefined;
}

/** What to do with rows that overlap a stored source of the same symbol and kind. */
function overlapPolicy(cmd: Command): OverlapPolicy {
  const replace = Boolean(shared<boolean>(cmd, 'replace'));
  const append = Boolean(shared<boolean>(cmd, 'append'));
  if (replace && append) throw new CiftError('USAGE', '--replace and --append contradict each other', 'give one: --replace drops overlapping stored sources, --append keeps both');
  return replace ? 'replace' : append ? 'append' : 'refuse';
}

/** Where a file's rows came from (its real path, so a relative path and an absolute one read the same). */
const sourceRef = (file: string): SourceRef => ({ id: realpathSync(file), label: basename(file) });

const when = (o: IngestOutcome, ts: bigint): string | null => (o.rows ? formatTs(ts) : null);

const RESULT_TEXT: Record<IngestOutcome['action'], string> = {
  stored: 'stored',
  unchanged: 'already stored',
  duplicate: 'same as above',
  empty: 'no rows',
};

/** Stores every batch of one ingest as one step (all inputs were validated first) and prints what happened. */
async function store(ui: Ui, items: IngestItem[], overlap: OverlapPolicy, decisions: ReadonlyArray<ReadDecisions | undefined> = []): Promise<void> {
  const market = await MarketData.open(ui.settings);
  const outcomes = await withSpinner(ui, `storing ${items.length} series`, () => market.ingest(items, { overlap }));
  // The market clock moved for these symbols: their resting orders match now (stderr, so --json stays the outcomes).
  const moved = [...new Set(outcomes.filter((o) => o.action === 'stored' && (o.kind === 'quotes' || o.kind === 'trades')).map((o) => o.symbol))];
  // Loaded only then: an ingest of bars, or of nothing new, never pays for the trading modules.
  const matchAfterIngest = moved.length ? (await import('../src/usecases/orders.js')).matchAfterIngest : undefined;
  const matched = matchAfterIngest ? await matchAfterIngest(ui.settings, market, moved).catch((e: Error) => (process.stderr.write(`note: resting orders not matched (${e.message}); run \`cift order match\`\n`), undefined)) : undefined;
  for (const c of matched?.changes ?? []) process.stderr.write(`matched: order ${c.order.id} ${c.order.status} (${c.order.side} ${c.order.quantity} ${c.order.symbol}, filled ${c.order.filled_quantity})\n`);
  const replacedRows = (o: IngestOutcome) => o.replaced.reduce((n, s) => n + s.rows, 0);
  if (ui.json) {
    printJson(
      outcomes.map((o, i) => ({
        source: o.label,
        symbol: o.symbol,
        kind: o.kind,
        rows: o.rows,
        first: when(o, o.first),
        last: when(o, o.last),
        replaced_rows: replacedRows(o),
        stored_rows: o.seriesRows,
        ...(decisions[i] ? { read: decisions[i] } : {}),
      })),
    );
    return;
  }
  printTable(
    ui,
    ['symbol', 'kind', 'rows', 'first', 'last', 'source', 'id', 'result', 'replaced'],
    outcomes.map((o) => [
      o.symbol,
      o.kind,
      formatCount(o.rows),
      when(o, o.first) ?? '-',
      when(o, o.last) ?? '-',
      o.label,
      o.rows ? o.id.slice(0, 12) : '-',
      RESULT_TEXT[o.action],
      o.action === 'stored' && o.replaced.length ? `${formatCount(replacedRows(o))} rows of ${o.replaced.map((s) => s.id.slice(0, 12)).join(', ')}` : '',
    ]),
    ['left', 'left', 'right', 'left', 'left', 'left', 'left', 'left', 'left'],
  );
  const described = new Set<string>();
  items.forEach((item, i) => {
    const d = decisions[i];
    if (d === undefined || described.has(item.source.label)) return;
    described.add(item.source.label);
    process.stdout.write(`read ${item.source.label}: ${describeDecisions(d)}\n`);
  });
}

/** One line saying what reading a file decided: "csv, utf-8, delimiter ",", header line 1; columns ts=Date …". */
export function describeDecisions(d: ReadDecisions): string {
  const parts: string[] = [[d.container, d.format].filter(Boolean).join(' → ')];
  if (d.encoding) parts.push(d.encoding);
  if (d.delimiter) parts.push(`delimiter ${JSON.stringify(d.delimiter)}`);
  if (d.decimal && d.decimal !== '.') parts.push(`decimal ${JSON.stringify(d.decimal)}`);
  if (d.thousands) parts.push(`thousands ${JSON.stringify(d.thousands)}`);
  if (d.header) parts.push(`header ${d.header}`);
  if (d.ticker) parts.push(`ticker ${d.ticker}`);
  if (d.layout) parts.push(`layout ${d.layout}`);
  const more: string[] = [];
  if (d.columns) more.push(`columns ${Object.entries(d.columns).map(([f, c]) => `${f}=${c}`).join(' ')}`);
  if (d.ignored?.length) more.push(`ignored ${d.ignored.join(', ')}`);
  if (d.time) more.push(`time ${d.time}`);
  if (d.epochUnit) more.push(`epoch unit ${d.epochUnit}`);
  if (d.priceScale !== undefined && d.priceScale !== 1) more.push(`prices × ${d.priceScale}`);
  for (const [reason, n] of Object.entries(d.skipped ?? {})) more.push(`skipped ${formatCount(n)} ${reason}`);
  for (const w of d.warnings ?? []) more.push(`warning: ${w}`);
  return [parts.join(', '), ...more].join('; ');
}


/** Series (stored and shipped) and, below, the stored sources they are made of. */
export function printSeriesList(ui: Ui, list: SeriesSummary[], sources: StoredSource[]): void {
  const views = seriesListView(list, sources);
  if (ui.json) return printJson(views);
  printTable(
    ui,
    ['symbol', 'kind', 'rows', 'first', 'last', 'origin'],
    list.map((s, i) => [
      s.symbol,
      s.kind,
      formatCount(s.rows),
      formatTs(s.first),
      formatTs(s.last),
      s.builtin ? (views[i].used ? 'shipped sample' : 'shipped sample (stored data is used; --source shipped reads this)') : `${s.sources} source${s.sources === 1 ? '' : 's'}`,
    ]),
    ['left', 'left', 'right', 'left', 'left', 'left'],
  );
  if (sources.length === 0) {
    process.stdout.write('no stored sources yet: add data with `cift ingest FILE --symbol SYMBOL`\n');
    return;
  }
  printTable(
    ui,
    ['source id', 'symbol', 'kind', 'rows', 'first', 'last', 'from'],
    sources.map((s) => [s.id.slice(0, 12), s.symbol, s.kind, formatCount(s.rows), formatTs(s.first), formatTs(s.last), s.origin && s.origin !== s.label ? `${s.label} (${s.origin})` : s.label]),
    ['left', 'left', 'left', 'right', 'left', 'left', 'left'],
  );
}

interface FileOptions {
  symbol?: string;
  map?: string[];
  columns?: string;
  preset?: string;
  presets?: boolean;
  dateFormat?: string;
  priceScale?: string;
  tz?: string;
  ambiguous?: AmbiguousRule;
  nonexistent?: NonexistentRule;
  adjusted?: boolean;
  kind?: string;
  list?: boolean;
  rm?: string;
  repair?: boolean;
  replace?: boolean;
  append?: boolean;
  format?: 'csv' | 'parquet';
  encoding?: string;
  delimiter?: string;
  decimal?: '.' | ',';
}

/** The reading flags, checked before any file is read; `-` reads this process's standard input. */
function openOptions(paths: string[], opts: FileOptions): OpenOptions {
  const dashes = paths.filter((p) => p === '-').length;
  if (dashes > 1) throw new CiftError('USAGE', '- (standard input) is given more than once', 'standard input can be read once');
  if (dashes === 1 && process.stdin.isTTY) throw new CiftError('USAGE', '- reads standard input, but it is a terminal', 'pipe the data in, e.g. gunzip -c prices.csv.gz | cift ingest - --symbol SPY');
  return {
    format: opts.format,
    encoding: opts.encoding === undefined ? undefined : parseEncodingFlag(opts.encoding),
    delimiter: opts.delimiter === undefined ? undefined : parseDelimiterFlag(opts.delimiter),
    decimal: opts.decimal,
    stdin: dashes === 1 ? process.stdin : undefined,
  };
}

/** The layouts --preset names, as data (vendors.ts), for `cift ingest --presets`. */
function printPresets(ui: Ui): void {
  if (ui.json) {
    printJson(
      VENDOR_LAYOUTS.map((l) => ({
        name: l.name,
        source: l.source,
        kind: l.kind,
        columns: l.columns ?? null,
        fields: l.fields,
        optional: l.optional ?? [],
        epoch_units: l.epochUnits ?? null,
        fixed_point: l.fixedPoint ?? null,
        recognised_by: { file_name: l.recognise?.fileName?.source ?? null, header: l.recognise?.header ?? null },
        note: l.note ?? null,
      })),
    );
    return;
  }
  printTable(
    ui,
    ['preset', 'kind', 'recognised by', 'time', 'prices', 'file'],
    VENDOR_LAYOUTS.map((l) => [
      l.name,
      l.kind,
      [l.recognise?.fileName && 'file name', l.recognise?.header && 'header'].filter(Boolean).join(' or ') || '--preset only',
      l.epochUnits ? `epoch ${l.epochUnits.join('/')}` : '',
      l.fixedPoint ? `× ${l.fixedPoint} if whole` : '',
      l.source,
    ]),
    ['left', 'left', 'left', 'left', 'left', 'left'],
  );
  process.stdout.write('columns read from each: cift ingest --presets --json\n');
}

/** --price-scale as a positive number (1e-9, 0.0001). */
function parsePriceScale(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const scale = Number(text);
  if (text.trim() === '' || !(scale > 0) || !Number.isFinite(scale)) throw new CiftError('USAGE', `--price-scale "${text}" is not a positive number`, 'e.g. --price-scale 1e-9 for prices in units of a billionth');
  return scale;
}

async function removeSources(ui: Ui, selector: string): Promise<void> {
  const market = await MarketData.open(ui.settings);
  const gone = await market.remove(selector);
  if (ui.json) return printJson(gone.map(sourceJson));
  process.stdout.write(`removed ${gone.length} source${gone.length === 1 ? '' : 's'} (${formatCount(gone.reduce((n, s) => n + s.rows, 0))} rows)\n`);
  printTable(
    ui,
    ['source id', 'symbol', 'kind', 'rows', 'from'],
    gone.map((s) => [s.id.slice(0, 12), s.symbol, s.kind, formatCount(s.rows), s.label]),
    ['left', 'left', 'left', 'right', 'left'],
  );
}

async function repairStore(ui: Ui): Promise<void> {
  const market = await MarketData.open(ui.settings);
  const report = await market.repair();
  if (ui.json) return printJson(report);
  process.stdout.write(`catalog rebuilt: ${report.sources} source${report.sources === 1 ? '' : 's'} in ${report.files} file${report.files === 1 ? '' : 's'}\n`);
  for (const line of report.skipped) process.stdout.write(`left out: ${line}\n`);
}

const lobster = new Command('lobster')
  .description('ingest a LOBSTER message/orderbook pair: trades (event types 4, 5), top-of-book quotes and the book at every level of the file')
  .argument('<message>', 'the ..._message_N.csv file')
  .argument('<orderbook>', 'the matching ..._orderbook_N.csv file')
  .option('--symbol <SYMBOL>', 'override the symbol from the file name')
  .option('--date <YYYY-MM-DD>', 'override the trading day from the file name')
  .addHelpText(
    'after',
    examples([
      'cift ingest lobster AAPL_2012-06-21_34200000_57600000_message_1.csv AAPL_2012-06-21_34200000_57600000_orderbook_1.csv',
      'cift ingest lobster msgs.csv book.csv --symbol AAPL --date 2012-06-21',
    ]),
  )
  .action(async (message: string, orderbook: string, opts: { symbol?: string; date?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const day = readLobster(message, orderbook, { ...opts, symbol: shared<string>(cmd, 'symbol') });
    const source = sourceRef(message);
    // Trades, quotes and the book are checked for conflicts together and become visible together (one catalog swap).
    await store(
      ui,
      [
        { batch: day.trades, source },
        { batch: day.quotes, source },
        { batch: day.book, source },
      ],
      overlapPolicy(cmd),
    );
  });

const synthetic = new Command('synthetic')
  .description('generate a seeded synthetic series (same seed, same numbers) and store it')
  .option('--symbol <SYMBOL>', 'symbol to store it under (required)')
  .addOption(new Option('--kind <kind>', 'what to generate (default trades)').choices(['trades', 'quotes', 'bars']))
  .option('--rows <N>', 'number of rows', '100000')
  .option('--seed <S>', 'random seed', '7')
  .option('--start <time>', 'time of the first row (UTC)', '2024-01-02T14:30:00Z')
  .option('--every <interval>', 'spacing between rows', '1s')
  .addHelpText('after', examples(['cift ingest synthetic --symbol SYN --rows 1000000', 'cift ingest synthetic --symbol SYNB --kind bars --every 1m --seed 42']))
  .action(async (opts: { rows: string; seed: string; start: string; every: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const symbolText = shared<string>(cmd, 'symbol');
    if (symbolText === undefined) throw new CiftError('USAGE', 'ingest synthetic needs --symbol', 'e.g. cift ingest synthetic --symbol SYN');
    const kind = shared<'trades' | 'quotes' | 'bars'>(cmd, 'kind') ?? 'trades';
    const rows = Number(opts.rows);
    if (!Number.isInteger(rows) || rows < 1 || rows > 100_000_000) throw new CiftError('USAGE', `--rows "${opts.rows}" must be a whole number from 1 to 100000000`);
    const seed = Number(opts.seed);
    if (!Number.isInteger(seed)) throw new CiftError('USAGE', `--seed "${opts.seed}" must be a whole number`);
    const step = parseInterval(opts.every).ns;
    if (step === undefined) throw new CiftError('USAGE', `--every "${opts.every}" must be a fixed length (s, m, h, d, w)`);
    const symbol = normalizeSymbol(symbolText);
    const batch = syntheticBatch({ symbol, kind, rows, seed, start: parseBound(opts.start, '--start')!, stepNs: step });
    // One origin per symbol and kind, so another seed over the same times is named as a re-ingest in a conflict.
    await store(ui, [{ batch, source: { id: `synthetic ${symbol} ${kind}`, label: `synthetic seed ${seed}` } }], overlapPolicy(cmd));
  });

export const ingestCommand = new Command('ingest')
  .description('read bars, trades or quotes from CSV, Parquet or LOBSTER files (also the order book) into the tick store')
  .argument('[paths...]', 'CSV or Parquet files, plain or in .gz, .zst or .zip (each CSV in a zip is a source), or - for standard input; the kind (bars, trades, quotes) is read from the header')
  .option('--symbol <SYMBOL>', 'symbol for files without a symbol column')
  .option('--map <field=Column>', 'take a field from a named column (repeatable), e.g. --map ts=Date', collect)
  .option('--tz <ZONE>', 'IANA time zone of timestamps that have no offset', 'UTC')
  .addOption(new Option('--ambiguous <rule>', 'a --tz time that happens twice (clocks going back): the earliest or latest reading, infer from row order, or error').choices([...AMBIGUOUS_RULES]).default('error'))
  .addOption(new Option('--nonexistent <rule>', 'a --tz time that never happens (clocks going forward): forward to the first time after the jump, backward to the last before it, or error').choices([...NONEXISTENT_RULES]).default('error'))
  .option('--adjusted', 'scale open, high, low and close by Adj Close / Close, and volume by its inverse')
  .addOption(new Option('--format <format>', 'what the data is, instead of telling from its first bytes (inside any .gz, .zst or .zip)').choices(['csv', 'parquet']))
  .option('--encoding <NAME>', 'text encoding when it is not UTF-8 or UTF-16 with a byte-order mark, e.g. cp1252, latin1, utf-16le')
  .option('--delimiter <CHAR>', 'field delimiter instead of telling it from the first lines (, ; tab |)')
  .addOption(new Option('--decimal <MARK>', 'decimal mark of number cells instead of telling it from the first lines').choices(['.', ',']))
  .option('--columns <names>', 'name the columns in order, for headerless files: e.g. ts,open,high,low,close,volume (_ skips one; date,time for two columns)')
  .option('--preset <NAME>', 'read the file as a published layout (list them with --presets)')
  .option('--presets', 'list the layouts --preset knows (and which are recognised without it)')
  .option('--date-format <format>', 'how dates are written, in strftime syntax, e.g. "%d/%m/%Y" or "%m/%d/%Y %H:%M" (needed when 01/02/2024 could be either)')
  .option('--price-scale <X>', 'multiply prices by X (fixed-point files), e.g. 1e-9')
  .addOption(new Option('--kind <kind>', 'force the kind instead of detecting it').choices(['bars', 'trades', 'quotes']))
  .option('--replace', 'drop stored sources whose time range the new rows overlap (same symbol and kind), then store')
  .option('--append', 'store the new rows beside overlapping stored sources (both are then read)')
  .option('--list', 'list stored sources and series (and the shipped sample data) instead of ingesting')
  .option('--rm <source|symbol>', 'remove a stored source (its id or a unique prefix) or every source of a symbol')
  .option('--repair', 'rebuild the store catalog from the data files (after "catalog … is damaged")')
  .addCommand(lobster)
  .addCommand(synthetic)
  .addHelpText(
    'after',
    examples([
      'cift ingest data/GOOG.csv --symbol GOOG',
      'cift ingest trades.parquet --symbol BTCUSD --map ts=time --tz America/New_York',
      'cift ingest AAPL.csv.gz BTCUSDT-1m-2024-01.zip --symbol BTCUSDT',
      'gunzip -c prices.csv.gz | cift ingest - --symbol SPY',
      'cift ingest broker-export.txt --symbol DAX --decimal , --encoding cp1252',
      'cift ingest hourly.csv --symbol SPY --tz America/New_York --ambiguous infer',
      'cift ingest lobster AAPL_..._message_1.csv AAPL_..._orderbook_1.csv',
      'cift ingest synthetic --symbol SYN --rows 1000000 --seed 7',
      'cift ingest copy-of-prices.csv --symbol SPY --replace',
      'cift ingest BTCUSDT-1m-2024-01.csv                      # Binance klines: layout and symbol from the name',
      'cift ingest prices.csv --symbol X --columns ts,open,high,low,close,volume,_',
      'cift ingest export.txt --symbol EURUSD --preset metatrader --tz Europe/Athens',
      'cift ingest eu.csv --symbol SAP --date-format %d/%m/%Y',
      'cift ingest --presets',
      'cift ingest --list --json',
      'cift ingest --rm 3fa2c1d0',
      'cift ingest --rm SPY',
      'cift ingest --repair',
    ]),
  )
  .action(async (paths: string[], opts: FileOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    const modes = [opts.list && '--list', opts.rm !== undefined && '--rm', opts.repair && '--repair', opts.presets && '--presets'].filter(Boolean);
    if (modes.length > 1) throw new CiftError('USAGE', `${modes.join(' and ')} cannot be combined`, 'give one at a time');
    if (modes.length === 1 && paths.length > 0) throw new CiftError('USAGE', `${modes[0]} takes no files (got ${paths[0]})`, 'ingest the files in a separate command');
    if (opts.list) {
      const market = await MarketData.open(ui.settings);
      printSeriesList(ui, await market.list(), await market.sources());
      return;
    }
    if (opts.presets) return printPresets(ui);
    if (opts.rm !== undefined) return removeSources(ui, opts.rm);
    if (opts.repair) return repairStore(ui);
    if (paths.length === 0) throw new CiftError('USAGE', 'nothing to ingest', 'give one or more files, `cift ingest lobster MESSAGE ORDERBOOK`, or --list');
    const overlap = overlapPolicy(cmd);
    const map = parseMapFlags(opts.map);
    const kind: TickKind | undefined = opts.kind !== undefined && isTickKind(opts.kind) ? opts.kind : undefined;
    const meaning = {
      columns: opts.columns === undefined ? undefined : parseColumnsFlag(opts.columns),
      preset: opts.preset === undefined ? undefined : findPreset(opts.preset).name,
      dateFormat: opts.dateFormat,
      priceScale: parsePriceScale(opts.priceScale),
    };
    const reading = openOptions(paths, opts);
    // Read and validate every input before writing any of them. A zip yields one source per data file in it.
    const pending: IngestItem[] = [];
    const decisions: ReadDecisions[] = [];
    await withSpinner(ui, `reading ${paths.length} file${paths.length === 1 ? '' : 's'}`, async () => {
      for (const path of paths) {
        const sources = await readTabularSources(path, { ...reading, symbol: opts.symbol, map, tz: opts.tz, ambiguous: opts.ambiguous, nonexistent: opts.nonexistent, adjusted: opts.adjusted, kind, ...meaning });
        for (const read of sources) {
          for (const batch of read.batches) {
            pending.push({ batch, source: { id: read.id, label: read.name } });
            decisions.push(read.decisions);
          }
        }
      }
    });
    await store(ui, pending, overlap, decisions);
  });
