/**
 * The startup budget (issue 14): a command loads what it uses and nothing else. Each case spawns the built CLI
 * under a loader hook (test/fixtures/startup/record-loads.mjs) that records every module the process resolves,
 * and asserts which heavy packages were NOT loaded. No wall-time assertion: the time lives in `cift bench --suite cli`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Help } from 'commander';
import { SUITE_NAMES } from '../bench/suite-names.js';
import { SUITES } from '../bench/suites.js';
import { buildProgram } from '../commands/main.js';
import { COMMAND_TABLE, commandNamed } from '../commands/table.js';
import { ROOT, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** The npm packages a command line loaded (node_modules/<pkg>/… in the recorded URLs and paths). */
function packagesLoaded(args: string[], home = join(tmp.dir, 'home')): { status: number; stdout: string; stderr: string; packages: Set<string>; files: string[] } {
  const log = join(tmp.dir, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test', 'fixtures', 'startup', 'record-loads.mjs'), join(ROOT, 'bin', 'cift.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CIFT_HOME: home, CIFT_LOAD_LOG: log, CIFT_DATABASE_URL: '', CIFT_REDIS_URL: '', CIFT_BUS_URL: '', NO_COLOR: '1', FORCE_COLOR: '' },
    encoding: 'utf8',
  });
  const files = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const packages = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m) packages.add(m[1]);
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, packages, files };
}

const DATABASES = ['@duckdb/node-api', 'pg', 'ioredis', 'kafkajs'];
const HTTP = ['fastify', 'prom-client', 'ws'];
const FRAMES = ['nodejs-polars'];
/** Everything a help text or the version never needs. */
const HEAVY = [...DATABASES, ...HTTP, ...FRAMES, 'zod', 'cli-table3'];

describe('the load recorder works', () => {
  it('sees an ESM package, a CommonJS package and a native addon that a command does load', () => {
    const r = packagesLoaded(['bars', 'GOOG', '--interval', '1w', '--export', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.packages.has('commander')).toBe(true);
    expect(r.packages.has('nodejs-polars'), 'polars builds the bars').toBe(true);
    expect(r.files.some((f) => f.endsWith('.node')), 'the polars addon').toBe(true);
  });
});

describe('--help and --version load no heavy package', () => {
  const lines = [['--help'], ['--version'], ['help'], ...COMMAND_TABLE.map((c) => [c.name, '--help']), ['order', 'buy', '--help'], ['risk', 'check', '--help'], ['ingest', 'lobster', '--help']];
  for (const args of lines) {
    it(`cift ${args.join(' ')}`, () => {
      const r = packagesLoaded(args);
      expect(r.status, r.stderr).toBe(0);
      expect(HEAVY.filter((p) => r.packages.has(p))).toEqual([]);
    });
  }

  it('the root help and --version load no command module', () => {
    for (const args of [['--help'], ['--version']]) {
      // commander.js is the require shim of the commander package (commands/commander.ts), not a command.
      const own = packagesLoaded(args).files.filter((f) => f.includes('/dist/commands/'));
      expect(own.map((f) => f.replace(/.*\/dist\//, '')).sort()).toEqual(['commands/commander.js', 'commands/main.js', 'commands/table.js', 'commands/ui.js']);
    }
  });
});

describe('commands load only what their path needs', () => {
  it('cift bars GOOG --interval 1w: polars, but no database client and no HTTP stack', () => {
    const r = packagesLoaded(['bars', 'GOOG', '--interval', '1w']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toMatch(/^2004-08-16T00:00:00\.000Z,/);
    expect([...DATABASES, ...HTTP, 'zod'].filter((p) => r.packages.has(p))).toEqual([]);
  });

  it('cift order buy AAPL 10 (embedded, shipped bars): DuckDB, but no polars once the last bar is remembered, and no zod at default flags', () => {
    // A data folder that exists (as a cron job's does): the last bar is remembered only in an existing one.
    const home = join(tmp.dir, 'order-home');
    mkdirSync(home);
    // The first order in a data folder parses data/AAPL.csv (polars) and remembers its last bar; later ones read that.
    const first = packagesLoaded(['order', 'buy', 'AAPL', '10'], home);
    expect(first.status, first.stderr).toBe(0);
    expect(first.packages.has('nodejs-polars')).toBe(true);
    const second = packagesLoaded(['order', 'buy', 'AAPL', '10'], home);
    expect(second.status, second.stderr).toBe(0);
    // The last close of data/AAPL.csv (2017-02-16, the file's last line): the shipped bar the price comes from.
    expect(first.stdout).toMatch(/^filled order 1: buy 10\.000000 AAPL @ 135\.350006 \(bar\)/);
    expect(second.stdout).toMatch(/^filled order 2: buy 10\.000000 AAPL @ 135\.350006 \(bar\)/);
    expect(second.packages.has('@duckdb/node-api')).toBe(true);
    expect([...FRAMES, 'pg', 'ioredis', 'kafkajs', ...HTTP, 'zod'].filter((p) => second.packages.has(p))).toEqual([]);
    // A flag away from its default is checked by the schema: zod loads, and a bad value is refused before any order.
    const bad = packagesLoaded(['order', 'buy', 'AAPL', '10', '--slippage', 'abc'], home);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--slippage "abc"/);
    expect(bad.packages.has('zod')).toBe(true);
  });
});

describe('a plain backtest loads only its own path', () => {
  it('cift backtest --strategy sma-cross --symbol GOOG: no CSV reader, optimiser, multi-input or HTML report modules, no database client', () => {
    // The first run in a data folder parses data/GOOG.csv and keeps the parsed series; the second reads that.
    const home = join(tmp.dir, 'backtest-home');
    mkdirSync(home);
    expect(packagesLoaded(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG'], home).files.some((f) => f.includes('/dist/src/sources/files.js'))).toBe(true);
    const r = packagesLoaded(['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG'], home);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# Trades/);
    const own = r.files.filter((f) => f.includes('/dist/')).map((f) => f.replace(/.*\/dist\//, ''));
    const unneeded = own.filter((f) => /^src\/sources\/|^src\/backtest\/(html-report|report-chart|optimize|optimize-pool|run-many|walk-forward)\.js$|^commands\/backtest-(multi|optimize|list)\.js$|^src\/usecases\/backtest-report\.js$/.test(f));
    expect(unneeded).toEqual([]);
    expect([...DATABASES, ...HTTP, 'zod'].filter((p) => r.packages.has(p))).toEqual([]);
  });
});

describe('the command table', () => {
  it('names the command a command line runs', () => {
    expect(commandNamed(['bars', 'GOOG'])).toBe('bars');
    expect(commandNamed(['--home', '/tmp/h', '--json', 'order', 'buy'])).toBe('order');
    expect(commandNamed(['--redis-url', 'redis://x', 'risk'])).toBe('risk');
    expect(commandNamed(['help', 'order'])).toBe('order');
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(commandNamed(['-V'])).toBeUndefined();
    expect(commandNamed([])).toBeUndefined();
  });

  it("lists each command as commander lists the loaded command: the root help is the same with stubs", async () => {
    const full = await buildProgram();
    const lazy = await buildProgram(['node', 'cift', '--help']);
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    for (const entry of COMMAND_TABLE) {
      const loaded = full.commands.find((c) => c.name() === entry.name)!;
      expect(entry.term, entry.name).toBe(new Help().subcommandTerm(loaded));
      expect(entry.description, entry.name).toBe(loaded.description());
    }
    expect(full.commands.map((c) => c.name())).toEqual(COMMAND_TABLE.map((c) => c.name));
  });

  it('names the bench suites as bench/suites.ts registers them (bench --help reads the light list)', () => {
    expect([...SUITE_NAMES]).toEqual(Object.keys(SUITES));
  });
});
