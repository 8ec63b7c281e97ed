/**
 * The cift program: global flags, one addCommand per command, and the one place errors become exit codes.
 * Exit 0 on success, 1 on a failure (a CiftError or anything unexpected), 2 on a usage error.
 */
import { Command, CommanderError, Help } from './commander.js';
import { VERSION as version } from '../src/version.js';
import { isCiftError } from '../src/errors.js';
import { onCacheFault } from '../src/store/cache/faults.js';
import { closeCaches } from '../src/store/cache/opened.js';
import { COMMAND_TABLE, commandNamed } from './table.js';
import { colorEnabled, examples, paint } from './ui.js';

/**
 * The program with the commands `argv` needs loaded: the one it names (all of them when `argv` is not given);
 * every other command is a stub carrying what the root help lists (commands/table.ts).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const wanted = argv === undefined ? undefined : commandNamed(argv.slice(2));
  const program = new Command('cift')
    .description('a command-line quant toolkit: ticks to bars, indicator kernels, backtests')
    .version(version, '-V, --version')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--debug', 'show stack traces on errors')
    .option('--home <dir>', 'data folder (env CIFT_HOME, default ~/.cift)')
    .option('--no-color', 'no colour (also when NO_COLOR is set)')
    .option('--redis-url <url>', 'cache latest prices, positions and buying power in Redis (env CIFT_REDIS_URL; default in-process)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      examples([
        'cift bars GOOG --interval 1w',
        'cift ingest lobster AAPL_..._message_1.csv AAPL_..._orderbook_1.csv',
        'cift bars AAPL --interval 1m --export csv --out aapl.csv',
        'cift ingest --list',
        'cift features GOOG --set "rsi:14,macd,bbands:20:2" --export csv',
      ]),
    );
  const terms = new Map(COMMAND_TABLE.map((c) => [c.name, c.term]));
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? new Help().subcommandTerm(cmd) });
  for (const entry of COMMAND_TABLE) {
    program.addCommand(argv === undefined || entry.name === wanted ? await entry.load() : new Command(entry.name).description(entry.description));
  }
  // Usage errors print "cift: …" and exit 2; everything commander prints goes through here.
  const applyToAll = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (str, write) => write(`cift: ${str.replace(/^error: /, '')}`) });
    cmd.commands.forEach(applyToAll);
  };
  applyToAll(program);
  return program;
}

function reportError(e: unknown, debug: boolean): number {
  const color = colorEnabled(undefined, process.stderr) && !process.argv.includes('--no-color');
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  if (isCiftError(e)) {
    process.stderr.write(`${paint({ color }, 'red', 'cift:')} ${e.message}\n`);
    if (e.hint) process.stderr.write(`${paint({ color }, 'dim', 'hint:')} ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.code === 'USAGE' ? 2 : 1;
  }
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  process.stderr.write(`${paint({ color }, 'red', 'cift:')} internal error: ${message}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('hint: run again with --debug for the stack trace\n');
  return 1;
}

export async function run(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // `cift bars GOOG | head`: the reader leaving early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // A cache that fails never fails a command (reads go to the ledger and the tick store); it is said once.
  let cacheNoted = false;
  const stopNoting = onCacheFault((f) => {
    if (cacheNoted) return;
    cacheNoted = true;
    process.stderr.write(`cift: cache ${f.where} unavailable (${f.message}); reading from the ledger and the tick store\n`);
  });
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    process.exitCode = 0;
  } catch (e) {
    process.exitCode = reportError(e, debug);
  } finally {
    await closeCaches();
    stopNoting();
  }
}

