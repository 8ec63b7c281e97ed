import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { CiftError } from '../src/errors.js';
import { MarketData } from '../src/market-data.js';
import { isTickKind, type TickBatch, type TickKind } from '../src/schema.js';
import { parseMapFlags } from '../src/sources/columns.js';
import { readTabularFile } from '../src/sources/files.js';
import { readLobster } from '../src/sources/lobster.js';
import { syntheticBatch } from '../src/sources/synthetic.js';
import { normalizeSymbol } from '../src/sources/tabular.js';
import { parseBound, parseInterval } from '../src/time.js';
import type { SeriesSummary, SourceRef, WriteSummary } from '../src/store/ticks/types.js';
import { AMBIGUOUS_RULES, NONEXISTENT_RULES, formatTs, type AmbiguousRule, type NonexistentRule } from '../src/time.js';
import { uiFrom } from './context.js';
import { examples, formatCount, printJson, printTable, withSpinner, type Ui } from './ui.js';

interface Pending {
  batch: TickBatch;
  source: SourceRef;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `ingest` and its subcommands share --symbol and --kind. Commander parses an option the parent also declares
 * at the parent (the global flags must work after subcommands, so options cannot be positional), so a
 * subcommand reads such a value from itself or, failing that, from `ingest`.
 */
function shared<T>(cmd: Command, name: string): T | undefined {
  return (cmd.opts()[name] ?? cmd.parent?.opts()[name]) as T | undefined;
}

/** Source identity is the file's real path, so re-ingesting it through another relative path still replaces. */
const sourceRef = (file: string): SourceRef => ({ id: realpathSync(file), label: basename(file) });

/** Writes every pending batch (all inputs were validated before this is called) and prints the summary. */
async function store(ui: Ui, pending: Pending[]): Promise<void> {
  const market = await MarketData.open(ui.settings);
  const written: Array<{ source: string; summary: WriteSummary; batchRows: number; batchFirst: bigint; batchLast: bigint }> = [];
  await withSpinner(ui, `storing ${pending.length} series`, async () => {
    for (const { batch, source } of pending) {
      const summary = await market.write(batch, source);
      const n = batch.ts.length;
      written.push({ source: source.label, summary, batchRows: n, batchFirst: batch.ts[0], batchLast: batch.ts[n - 1] });
    }
  });
  if (ui.json) {
    printJson(
      written.map((w) => ({
        source: w.source,
        symbol: w.summary.symbol,
        kind: w.summary.kind,
        rows: w.batchRows,
        first: w.batchRows ? formatTs(w.batchFirst) : null,
        last: w.batchRows ? formatTs(w.batchLast) : null,
        replaced_rows: w.summary.replacedRows,
        stored_rows: w.summary.rows,
      })),
    );
    return;
  }
  printTable(
    ui,
    ['symbol', 'kind', 'rows', 'first', 'last', 'source', 'replaced'],
    written.map((w) => [
      w.summary.symbol,
      w.summary.kind,
      formatCount(w.batchRows),
      w.batchRows ? formatTs(w.batchFirst) : '-',
      w.batchRows ? formatTs(w.batchLast) : '-',
      w.source,
      formatCount(w.summary.replacedRows),
    ]),
    ['left', 'left', 'right', 'left', 'left', 'left', 'right'],
  );
}

export function printSeriesList(ui: Ui, list: SeriesSummary[]): void {
  if (ui.json) {
    printJson(list.map((s) => ({ symbol: s.symbol, kind: s.kind, rows: s.rows, first: formatTs(s.first), last: formatTs(s.last), sources: s.sources, builtin: s.builtin })));
    return;
  }
  printTable(
    ui,
    ['symbol', 'kind', 'rows', 'first', 'last', 'origin'],
    list.map((s) => [s.symbol, s.kind, formatCount(s.rows), formatTs(s.first), formatTs(s.last), s.builtin ? 'shipped sample' : `${s.sources} source${s.sources === 1 ? '' : 's'}`]),
    ['left', 'left', 'right', 'left', 'left', 'left'],
  );
}

interface FileOptions {
  symbol?: string;
  map?: string[];
  tz?: string;
  ambiguous?: AmbiguousRule;
  nonexistent?: NonexistentRule;
  adjusted?: boolean;
  kind?: string;
  list?: boolean;
}

const lobster = new Command('lobster')
  .description('ingest a LOBSTER message/orderbook pair: trades (event types 4, 5) and top-of-book quotes')
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
    await store(ui, [
      { batch: day.trades, source },
      { batch: day.quotes, source },
    ]);
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
    await store(ui, [{ batch, source: { id: `synthetic:${symbol}:${kind}`, label: `synthetic seed ${seed}` } }]);
  });

export const ingestCommand = new Command('ingest')
  .description('read bars, trades or quotes from CSV, Parquet or LOBSTER files into the tick store')
  .argument('[paths...]', 'CSV or Parquet files; the kind (bars, trades, quotes) is read from the header')
  .option('--symbol <SYMBOL>', 'symbol for files without a symbol column')
  .option('--map <field=Column>', 'take a field from a named column (repeatable), e.g. --map ts=Date', collect)
  .option('--tz <ZONE>', 'IANA time zone of timestamps that have no offset', 'UTC')
  .addOption(new Option('--ambiguous <rule>', 'a --tz time that happens twice (clocks going back): the earliest or latest reading, infer from row order, or error').choices([...AMBIGUOUS_RULES]).default('error'))
  .addOption(new Option('--nonexistent <rule>', 'a --tz time that never happens (clocks going forward): forward to the first time after the jump, backward to the last before it, or error').choices([...NONEXISTENT_RULES]).default('error'))
  .option('--adjusted', 'take close from "Adj Close"')
  .addOption(new Option('--kind <kind>', 'force the kind instead of detecting it').choices(['bars', 'trades', 'quotes']))
  .option('--list', 'list what is stored (and the shipped sample data) instead of ingesting')
  .addCommand(lobster)
  .addCommand(synthetic)
  .addHelpText(
    'after',
    examples([
      'cift ingest data/GOOG.csv --symbol GOOG',
      'cift ingest trades.parquet --symbol BTCUSD --map ts=time --tz America/New_York',
      'cift ingest hourly.csv --symbol SPY --tz America/New_York --ambiguous infer',
      'cift ingest lobster AAPL_..._message_1.csv AAPL_..._orderbook_1.csv',
      'cift ingest synthetic --symbol SYN --rows 1000000 --seed 7',
      'cift ingest --list --json',
    ]),
  )
  .action(async (paths: string[], opts: FileOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (opts.list) {
      const market = await MarketData.open(ui.settings);
      printSeriesList(ui, await market.list());
      return;
    }
    if (paths.length === 0) throw new CiftError('USAGE', 'nothing to ingest', 'give one or more files, `cift ingest lobster MESSAGE ORDERBOOK`, or --list');
    const map = parseMapFlags(opts.map);
    const kind: TickKind | undefined = opts.kind !== undefined && isTickKind(opts.kind) ? opts.kind : undefined;
    // Read and validate every input before writing any of them.
    const pending: Pending[] = [];
    await withSpinner(ui, `reading ${paths.length} file${paths.length === 1 ? '' : 's'}`, async () => {
      for (const path of paths) {
        const batches = await readTabularFile(path, { symbol: opts.symbol, map, tz: opts.tz, ambiguous: opts.ambiguous, nonexistent: opts.nonexistent, adjusted: opts.adjusted, kind });
        for (const batch of batches) pending.push({ batch, source: sourceRef(path) });
      }
    });
    await store(ui, pending);
  });
