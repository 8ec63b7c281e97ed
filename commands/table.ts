/**
 * The light command table: what `cift --help` lists for each command (its name, usage term and description) and
 * how to load the command's full definition. Only the command a run names is loaded (its module pulls in what
 * its options and actions need); the others stay stubs, so `cift --help`, `--version` and every single command
 * start without the module graph of the rest. test/startup.test.ts checks each entry against its loaded command.
 */
import type { Command } from './commander.js';

export interface CommandEntry {
  name: string;
  /** The root help's term for the command, as commander derives it from the loaded one ("bars [options] <symbol>"). */
  term: string;
  description: string;
  load: () => Promise<Command>;
}

export const COMMAND_TABLE: readonly CommandEntry[] = [
  {
    name: 'ingest',
    term: 'ingest [options] [paths...]',
    description: 'read bars, trades or quotes from CSV, Parquet or LOBSTER files (also the order book) into the tick store',
    load: () => import('./ingest.js').then((m) => m.ingestCommand),
  },
  {
    name: 'bars',
    term: 'bars [options] <symbol>',
    description: 'OHLCV bars at any interval from stored trades or finer bars',
    load: () => import('./bars.js').then((m) => m.barsCommand),
  },
  {
    name: 'features',
    term: 'features [options] [symbol]',
    description: 'indicator and microstructure features from typed-array kernels, one column per output',
    load: () => import('./features.js').then((m) => m.featuresCommand),
  },
  {
    name: 'backtest',
    term: 'backtest [options]',
    description: 'run a strategy over stored, shipped or file data with backtesting.py-compatible fills and statistics',
    load: () => import('./backtest.js').then((m) => m.backtestCommand),
  },
  {
    name: 'order',
    term: 'order',
    description: 'paper trading on an ACID ledger (embedded DuckDB, or PostgreSQL with CIFT_DATABASE_URL)',
    load: () => import('./order.js').then((m) => m.orderCommand),
  },
  {
    name: 'risk',
    term: 'risk',
    description: 'pre-trade risk without trading, account limits, and a risk report (VaR/ES, exposure, a risk score)',
    load: () => import('./risk.js').then((m) => m.riskCommand),
  },
  {
    name: 'bench',
    term: 'bench [options]',
    description: 'benchmarks of kernels, backtests, trading, serve, polars pipelines and wire codecs, each checked against a reference before timing',
    load: () => import('./bench.js').then((m) => m.benchCommand),
  },
  {
    name: 'serve',
    term: 'serve [options]',
    description: 'serve market data, paper trading (API keys), a WebSocket stream, health, metrics and API docs over HTTP (the same core as the CLI)',
    load: () => import('./serve.js').then((m) => m.serveCommand),
  },
  {
    name: 'events',
    term: 'events',
    description: 'order events (accepted, rejected, filled, partially filled, canceled, expired) as other programs receive them',
    load: () => import('./events.js').then((m) => m.eventsCommand),
  },
];

/** Global options that take a value: the word after them is that value, not a command name. */
const VALUE_OPTIONS = new Set(['--home', '--redis-url']);

/**
 * The command a command line names (`cift --home h bars GOOG` → bars; `cift help order` → order), or undefined
 * for `cift --help`, `cift --version` or a bare `cift`. `args` are the words after the program name.
 */
export function commandNamed(args: readonly string[]): string | undefined {
  let helpWord = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === '--') return undefined;
    if (word.startsWith('-')) {
      if (VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    if (word === 'help' && !helpWord) {
      helpWord = true;
      continue;
    }
    return word;
  }
  return undefined;
}
