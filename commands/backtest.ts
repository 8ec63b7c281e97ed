import { Command } from './commander.js';
import { lazySchema, numberFlag, parseFlags, type Z } from './flags.js';
import type pl from 'nodejs-polars';
import { BUILTIN_STRATEGIES } from '../strategies/index.js';
import { barsFromFile, barsFromStore } from '../src/usecases/backtest-input.js';
import { backtest, tradeRecords, type BacktestReport } from '../src/backtest/report-data.js';
import { STAT_KEYS } from '../src/backtest/stats.js';
import { jsonSafe } from '../src/backtest/html-text.js';
import type { HeatmapInput } from '../src/backtest/html-report.js';
import { loadStrategy, resolveParams } from '../src/backtest/strategy.js';
import { DEFAULT_BROKER, type BarArrays, type BrokerSettings } from '../src/backtest/types.js';
import { CiftError } from '../src/errors.js';
import { formatFromPath, writeFrame } from '../src/io/export.js';
import { checkOutputPath } from '../src/io/output-path.js';
import { MarketData } from '../src/market-data.js';
import { loadPolars, type Polars } from '../src/polars.js';
import { parseInterval, parseRange } from '../src/time.js';
import { VERSION } from '../src/version.js';
import { assertNoOptimizerFlags, runTargets, type OptimizeFlags } from './backtest-targets.js';
import { uiFrom } from './context.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { examples, formatCount, paint, printTable, withSpinner, type Ui } from './ui.js';

interface BacktestFlags extends SourceFlag, OptimizeFlags {
  strategy?: string;
  list?: boolean;
  symbol?: string;
  data: string[];
  param: string[];
  interval?: string;
  from?: string;
  to?: string;
  cash: string;
  commission: string;
  spread: string;
  margin: string;
  tradeOnClose?: boolean;
  exclusiveOrders?: boolean;
  finalizeTrades?: boolean;
  fractional?: string | boolean;
  slippage: string;
  trades?: string;
  equity?: string;
  report?: string;
  checkLookahead?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const commissionFlag = (z: Z) =>
  z.string().transform((text, ctx) => {
  const parts = text.split(',');
  const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  const rate = nums[nums.length - 1];
  const fixed = parts.length === 2 ? nums[0] : 0;
  if (parts.length > 2 || !Number.isFinite(rate) || !Number.isFinite(fixed)) {
    ctx.addIssue({ code: 'custom', message: 'is not RATE or FIXED,RATE' });
    return z.NEVER;
  }
  if (!(rate >= -0.1 && rate < 0.1)) {
    ctx.addIssue({ code: 'custom', message: 'must be a rate between -0.1 and 0.1 (e.g. 0.002 = 0.2 %)' });
    return z.NEVER;
  }
  if (!(fixed >= 0)) {
    ctx.addIssue({ code: 'custom', message: 'must have a fixed part ≥ 0' });
    return z.NEVER;
  }
  return { rate, fixed };
});

/** The broker flags: every number checked before the run, each error naming its flag. */
const BrokerFlags = lazySchema((z) => z.object({
  cash: numberFlag('must be positive', (v) => v > 0),
  commission: commissionFlag(z),
  spread: numberFlag('must be a relative spread in [0, 0.1)', (v) => v >= 0 && v < 0.1),
  margin: numberFlag('must be in (0, 1] (0.1 = 10:1 leverage)', (v) => v > 0 && v <= 1),
  slippage: numberFlag('must be basis points ≥ 0', (v) => v >= 0 && v < 10_000),
  // `--fractional` alone means satoshi-sized units; `--fractional 1e-6` names the unit.
  fractional: z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === false) return 1;
      if (v === true) return 1e-8;
      const unit = Number(v);
      if (v.trim() === '' || !(unit > 0 && unit <= 1)) {
        ctx.addIssue({ code: 'custom', message: 'must be a unit size in (0, 1], e.g. 1e-8' });
        return z.NEVER;
      }
      return unit;
    }),
  tradeOnClose: z.boolean().optional(),
  exclusiveOrders: z.boolean().optional(),
  finalizeTrades: z.boolean().optional(),
}), {
  // commander's defaults (--cash 10000, --commission 0, --spread 0, --margin 1, --slippage 0, no switches): no zod.
  flags: { cash: '10000', commission: '0', spread: '0', margin: '1', slippage: '0', fractional: undefined, tradeOnClose: undefined, exclusiveOrders: undefined, finalizeTrades: undefined },
  parsed: { cash: 10000, commission: { rate: 0, fixed: 0 }, spread: 0, margin: 1, slippage: 0, fractional: 1 },
});

/** Broker settings from flags. */
export function brokerSettings(f: BacktestFlags): BrokerSettings {
  const b = parseFlags(BrokerFlags, f as unknown as Record<string, unknown>);
  return {
    ...DEFAULT_BROKER,
    cash: b.cash,
    commission: b.commission.rate,
    commissionFixed: b.commission.fixed,
    spread: b.spread,
    margin: b.margin,
    tradeOnClose: Boolean(b.tradeOnClose),
    exclusiveOrders: Boolean(b.exclusiveOrders),
    finalizeTrades: Boolean(b.finalizeTrades),
    unit: b.fractional,
    slippageBps: b.slippage,
  };
}

const fmtStat = (v: number | string | undefined): string => (v === undefined ? '' : typeof v === 'string' ? v : Number.isNaN(v) ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 1000 ? 2 : 4));

/**
 * The statistics table, then the first and last three trades. With the run's own trade log (a report from
 * backtest()), only the shown trades' records are built and the tallies come from the log.
 */
function printReport(ui: Ui, r: Pick<BacktestReport, 'stats' | 'trades'> & Partial<Pick<BacktestReport, 'result' | 'equity'>>): void {
  const rows = STAT_KEYS.filter((k) => r.stats[k] !== undefined).map((k) => {
    const v = r.stats[k];
    const label = /Duration$/.test(k) ? `${k} [days]` : k;
    return [label, fmtStat(v)];
  });
  printTable(ui, ['statistic', 'value'], rows, ['left', 'right']);
  const log = r.result?.trades;
  const n = log ? log.size.length : r.trades.length;
  if (n === 0) {
    process.stdout.write('no trades\n');
    return;
  }
  const shown = n <= 6 ? Array.from({ length: n }, (_, k) => k) : [0, 1, 2, n - 3, n - 2, n - 1];
  const records = log && r.equity ? tradeRecords(r.result!, r.equity.ts, shown) : shown.map((k) => r.trades[k]);
  // Stop-loss and take-profit columns only when some trade had one.
  const levels = log ? log.sl.some((v) => !Number.isNaN(v)) || log.tp.some((v) => !Number.isNaN(v)) : r.trades.some((t) => t.SL !== null || t.TP !== null);
  const level = (v: number | null): string => (v === null ? '' : v.toFixed(4));
  printTable(
    ui,
    ['#', 'side', 'size', 'entry', 'exit', 'entry price', 'exit price', ...(levels ? ['SL', 'TP'] : []), 'P&L', 'return %', 'exit by', 'reason'],
    shown.map((k, j) => {
      const t = records[j];
      const pnl = t.PnL.toFixed(2);
      const reason = [t.Reason, t.ExitNote].filter((x) => x !== null).join(' → ');
      return [k, t.Size > 0 ? 'long' : 'short', t.Size, t.EntryTime.slice(0, 19), t.ExitTime.slice(0, 19), t.EntryPrice.toFixed(4), t.ExitPrice.toFixed(4), ...(levels ? [level(t.SL), level(t.TP)] : []), t.PnL >= 0 ? paint(ui, 'green', pnl) : paint(ui, 'red', pnl), (t.ReturnPct * 100).toFixed(2), t.ExitReason, reason];
    }),
    ['right', 'left', 'right', 'left', 'left', 'right', 'right', ...(levels ? (['right', 'right'] as const) : []), 'right', 'right', 'left', 'left'],
  );
  const wins = log ? log.pnl.filter((v) => v > 0).length : r.trades.filter((t) => t.PnL > 0).length;
  process.stdout.write(`${formatCount(n)} trades (${wins} won, ${n - wins} lost)${n > 6 ? '; first and last 3 shown, all with --trades FILE or --json' : ''}\n`);
}

function exportTrades(polars: Polars, r: BacktestReport, path: string): void {
  const cols = Object.keys(r.trades[0] ?? { Size: 0 }) as Array<keyof BacktestReport['trades'][number]>;
  const frame = polars.DataFrame(Object.fromEntries(cols.map((c) => [c, r.trades.map((t) => t[c])])));
  writeFrame(polars, frame, exportFormat(path, '--trades'), path);
}

function exportEquity(polars: Polars, r: BacktestReport, path: string): void {
  const frame: pl.DataFrame = polars.DataFrame([
    polars.Series('ts', r.equity.ts as unknown as number[]).cast(polars.Datetime('ns')),
    polars.Series('equity', r.equity.equity),
    polars.Series('drawdown_pct', r.equity.drawdownPct.map((v) => v * 100)),
  ]);
  writeFrame(polars, frame, exportFormat(path, '--equity'), path);
}

function exportFormat(path: string, flag: string) {
  const f = formatFromPath(path);
  if (f !== 'csv' && f !== 'parquet') throw new CiftError('USAGE', `${flag} "${path}" must end in .csv or .parquet`);
  return f;
}


/** JSON text of `value` for a place `depth` levels deep in an indent-2 document. */
const nestedJson = (value: unknown, depth: number) => JSON.stringify(value, jsonSafe, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);

/**
 * The --json document, written in pieces: one JSON.stringify of a million trades would pass V8's largest string
 * (~512 MB) and fail. The text is the same as JSON.stringify(report, jsonSafe, 2).
 */
function printJsonReport(r: BacktestReport, extra: Record<string, unknown> = {}): void {
  const { stats, trades, params, settings, run } = r;
  const out = process.stdout;
  out.write(`{\n  "stats": ${nestedJson(stats, 1)},\n  "trades": [`);
  const CHUNK = 10_000;
  for (let k = 0; k < trades.length; k += CHUNK) {
    const part = trades.slice(k, k + CHUNK).map((t) => `\n    ${nestedJson(t, 2)}`);
    out.write(`${k === 0 ? '' : ','}${part.join(',')}`);
  }
  const more = Object.entries(extra).map(([key, value]) => `,\n  ${JSON.stringify(key)}: ${nestedJson(value, 1)}`);
  out.write(`${trades.length ? '\n  ' : ''}],\n  "params": ${nestedJson(params, 1)},\n  "settings": ${nestedJson(settings, 1)},\n  "run": ${nestedJson(run, 1)}${more.join('')}\n}\n`);
}

export const backtestCommand = new Command('backtest')
  .description('run a strategy over stored, shipped or file data with backtesting.py-compatible fills and statistics')
  .option('-s, --strategy <name|path>', `built-in (${Object.keys(BUILTIN_STRATEGIES).join(', ')}) or your .ts/.js file`)
  .option('--list', 'list the built-in strategies with their parameters, defaults and bounds')
  .option('--symbol <SYMBOL[,SYMBOL…]>', 'a stored or shipped symbol; several (AAPL,GOOG) run each and their equal-weight combination')
  .option('--data <file>', 'a CSV or Parquet file of bars or trades instead of a symbol (repeatable, as --symbol A,B)', collect, [])
  .option('-p, --param <name=value>', 'override a strategy parameter (repeatable)', collect, [])
  .option('-i, --interval <interval>', 'resample to this bar length (default: as stored; 1m for ticks)')
  .option('--from <time>', 'first bar time, inclusive')
  .option('--to <time>', 'last bar time, inclusive')
  .option('--cash <amount>', 'starting cash', '10000')
  .option('--commission <rate|fixed,rate>', 'commission per fill: a rate (0.002 = 0.2 %) or a fixed amount plus a rate', '0')
  .option('--spread <rate>', 'relative bid-ask spread paid on entry', '0')
  .option('--margin <ratio>', 'initial margin (0.1 = 10:1 leverage)', '1')
  .option('--trade-on-close', 'fill market orders at the close of the bar they are placed on')
  .option('--exclusive-orders', 'each new order closes the open position first')
  .option('--finalize-trades', 'close trades still open at the end, so they count in the statistics')
  .option('--fractional [unit]', 'trade fractional units (multiples of unit, default 1e-8), e.g. for crypto')
  .option('--slippage <bps>', 'adverse slippage on every fill, basis points', '0')
  .option('--trades <file>', 'write the trade list (.csv or .parquet)')
  .option('--equity <file>', 'write the equity curve (.csv or .parquet)')
  .option('--report <file.html>', 'write an HTML report (chart, trades, statistics) that opens offline')
  .addOption(sourceOption())
  .option('--check-lookahead', 'fail on any read of an indicator or bar past the current bar (slower; for checking a strategy)')
  .option('--optimize <name=start:stop:step|name=a,b,c>', 'optimise a parameter over a range (stop included) or a list (repeatable; the first is the outer loop)', collect, [])
  .option('--constraint <expr>', 'only combinations where this holds, e.g. "fast < slow" (comparisons, + - * / %, and/or/not)')
  .option('--maximize <stat>', 'statistic to maximise (default SQN); -STAT minimises, e.g. "-Volatility (Ann.) [%]"')
  .option('--method <grid|random>', 'grid runs every admissible combination; random samples --max-tries of them (default grid)')
  .option('--max-tries <n>', 'run at most n combinations, sampled reproducibly with --seed (also with grid, as backtesting.py)')
  .option('--seed <n>', 'seed of the --max-tries sample (default 0)')
  .option('--heatmap <file>', 'write every combination and its value (.csv, .parquet or .json)')
  .option('--walk-forward <train=N,test=M[,anchored]>', 'optimise on N bars, trade the winner on the next M, step by M; stats over the stitched test bars')
  .addHelpText(
    'after',
    examples([
      'cift backtest --list',
      'cift backtest --strategy sma-cross --symbol GOOG',
      'cift backtest --strategy breakout --symbol AAPL,GOOG,AMZN',
      'cift backtest --strategy sma-cross --symbol GOOG -p fast=10 -p slow=20 --commission 0.002 --exclusive-orders --json',
      'cift backtest --strategy momentum --symbol AAPL --interval 5m -p lookback=12',
      'cift backtest --strategy ./my-strategy.ts --data prices.csv --finalize-trades --trades trades.csv',
      'cift backtest --strategy ./my-strategy.ts --symbol GOOG --check-lookahead',
      'cift backtest --strategy sma-cross --symbol GOOG --commission 0.002 --report goog.html',
      'cift backtest --strategy sma-cross --symbol GOOG --commission .002 --optimize fast=5:30:5 --optimize slow=10:80:10 --constraint "fast < slow" --maximize "Sharpe Ratio" --heatmap heat.csv',
      'cift backtest --strategy sma-cross --symbol GOOG --optimize fast=5:50:1 --optimize slow=20:200:5 --method random --max-tries 200 --seed 7',
      'cift backtest --strategy sma-cross --symbol GOOG --optimize fast=5:30:5 --optimize slow=10:80:10 --constraint "fast < slow" --walk-forward train=750,test=250',
    ]),
  )
  .action(async (flags: BacktestFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    // The list, several inputs, the optimiser and the HTML report each load their modules only when asked for.
    if (flags.list) return (await import('./backtest-list.js')).printStrategyList(ui);
    if (flags.strategy === undefined) throw new CiftError('USAGE', 'missing --strategy', 'e.g. --strategy sma-cross; `cift backtest --list` shows the built-ins');
    const targets = runTargets(flags.symbol, flags.data);
    const settings = brokerSettings(flags);
    const { strategy, name, path: strategyFile } = await loadStrategy(flags.strategy, BUILTIN_STRATEGIES);
    const params = resolveParams(strategy.params, flags.param, strategy.bounds);
    const optimizer = flags.optimize.length > 0 ? await import('./backtest-optimize.js') : undefined;
    const optimizing = optimizer ? optimizer.optimizeRequest(flags, strategy, params) : assertNoOptimizerFlags(flags);
    if (optimizing && targets.length > 1) throw new CiftError('USAGE', `--optimize runs on one input, not ${targets.length}`, 'optimise one --symbol or --data at a time');
    const interval = flags.interval === undefined ? undefined : parseInterval(flags.interval).text;
    const range = parseRange(flags.from, flags.to);
    for (const [flag, path] of [['--trades', flags.trades], ['--equity', flags.equity]] as const) {
      if (path === undefined) continue;
      checkOutputPath(path, flag);
      exportFormat(path, flag);
    }
    const reports = flags.report !== undefined ? await import('../src/usecases/backtest-report.js') : undefined;
    if (flags.report !== undefined) reports!.checkReportPath(flags.report);
    const polars = await loadPolars();
    if (flags.symbol === undefined && flags.source !== undefined) throw new CiftError('USAGE', '--source chooses between stored and shipped data of a --symbol; it does not apply to --data');
    // Frames only: no ledger and no price cache (what openStores adds for the trading commands).
    const market = flags.symbol !== undefined ? await MarketData.open(ui.settings, { source: flags.source }) : undefined;
    const options = { checkLookahead: Boolean(flags.checkLookahead), strategyFile };
    if (targets.length > 1) {
      const context = { ui, polars, market, interval, range, strategy, strategySpec: flags.strategy, strategyName: name, params, settings, options, trades: flags.trades, equity: flags.equity, report: flags.report };
      return (await import('./backtest-multi.js')).backtestMany(targets, context, { printJsonReport, exportTrades, exportEquity });
    }
    const [target] = targets;
    if (market) await noteOrigin(market, target.symbol!);
    // The input's sha256 appears in the JSON and the HTML report only: a table run does not hash its bars.
    const fingerprint = ui.json || flags.report !== undefined;
    const loadInput = () => (target.symbol !== undefined ? barsFromStore(polars, market!, target.symbol, interval, range, { fingerprint }) : barsFromFile(polars, target.file!, { interval, range, fingerprint }));
    const exportRun = (r: BacktestReport, bars: BarArrays, heatmap?: HeatmapInput) => {
      if (flags.trades) exportTrades(polars, r, flags.trades);
      if (flags.equity) exportEquity(polars, r, flags.equity);
      if (flags.report) reports!.writeHtmlReport(flags.report, r, bars, heatmap);
    };
    if (optimizing) {
      const exports = [flags.trades && '--trades', flags.equity && '--equity'].filter((f): f is string => Boolean(f));
      const context = { ui, polars, loadInput, strategy, strategySpec: flags.strategy, name, strategyFile, settings, checkLookahead: Boolean(flags.checkLookahead), exports };
      return optimizer!.runOptimized(optimizing, context, { printReport, printJsonReport, exportRun });
    }
    const { input, report } = await withSpinner(ui, `backtesting ${name}`, async () => {
      const input = await loadInput();
      return { input, report: backtest(input, strategy, name, params, settings, VERSION, options) };
    });
    exportRun(report, input.bars);
    if (ui.json) printJsonReport(report);
    else printReport(ui, report);
  });

