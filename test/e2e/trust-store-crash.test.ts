/**
 * Issue 8 item 8: a crash at any moment of an ingest leaves the store showing exactly the old state or exactly the
 * new one (never a LOBSTER day's trades without its quotes), and the next command leaves no temp file and no data
 * file the catalog does not name. CIFT_TEST_CRASH_AFTER=N makes the store SIGKILL itself right after its N-th file
 * operation; the loop crashes the ingest at every step until it runs to the end. A real kill of a running ingest
 * (SIGKILL, and Ctrl-C's SIGINT) checks the same without the hook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cift, tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const CIFT = join(ROOT, 'bin', 'cift.js');

/** A LOBSTER pair: `n` messages half a second apart from 09:30 New York time; every third one is an execution. */
function lobsterPair(dir: string, symbol: string, n: number, priceBase: number): string[] {
  mkdirSync(dir, { recursive: true });
  const stem = `${symbol}_2012-06-21_34200000_57600000`;
  const msg: string[] = [];
  const book: string[] = [];
  for (let i = 0; i < n; i++) {
    msg.push(`${(34200 + i * 0.5).toFixed(3)},${i % 3 === 0 ? 4 : 1},${1000 + i},100,${(priceBase + i) * 10000},-1`);
    book.push(`${(priceBase + i + 1) * 10000},100,${(priceBase + i) * 10000},200`);
  }
  const message = join(dir, `${stem}_message_1.csv`);
  const orderbook = join(dir, `${stem}_orderbook_1.csv`);
  writeFileSync(message, `${msg.join('\n')}\n`);
  writeFileSync(orderbook, `${book.join('\n')}\n`);
  return [message, orderbook];
}

/** What the store shows: every source as kind/symbol/id/rows, sorted (read through the CLI, which also sweeps). */
function shownState(home: string): string[] {
  const r = cift(['ingest', '--list', '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  const series = JSON.parse(r.stdout) as Array<{ builtin: boolean; kind: string; symbol: string; sources: Array<{ id: string; rows: number }> }>;
  return series.filter((s) => !s.builtin).flatMap((s) => s.sources.map((x) => `${s.kind}/${s.symbol}/${x.id}/${x.rows}`)).sort();
}

function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Leftovers, judged from the files themselves: temp files, a lock, writer entries, data files the catalog does not name (or names but lacks). */
function leftovers(home: string): string[] {
  const ticks = join(home, 'ticks');
  const files = walk(ticks);
  const catalog = JSON.parse(readFileSync(join(ticks, 'catalog.json'), 'utf8')) as { sources: Array<{ kind: string; symbol: string; files: Array<{ name: string }> }> };
  const named = new Set(catalog.sources.flatMap((s) => s.files.map((f) => `${s.kind}/${s.symbol}/${f.name}`)));
  const problems = files.filter((f) => f.endsWith('.tmp') || f === '.lock' || f.startsWith('.writers/') || (f.endsWith('.parquet') && !named.has(f)) || f.includes('_sources/'));
  for (const f of named) if (!files.includes(f)) problems.push(`missing ${f}`);
  return problems;
}

let crashHomes = 0;

/**
 * Runs `args` on a copy of `template` with CIFT_TEST_CRASH_AFTER = 1, 2, … until it runs to the end; after each
 * crash one more command must show exactly `oldState` or `newState` and leave nothing behind.
 */
function crashAtEveryStep(template: string, args: string[], oldState: string[], newState: string[]): { old: number; new: number } {
  const seen = { old: 0, new: 0 };
  let finished = false;
  for (let n = 1; n <= 200 && !finished; n++) {
    const home = join(tmp.dir, `crash-${crashHomes++}`);
    cpSync(template, home, { recursive: true });
    const r = spawnSync(process.execPath, [CIFT, ...args], { env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1', CIFT_TEST_CRASH_AFTER: String(n) }, encoding: 'utf8' });
    if (r.status === 0) finished = true;
    else expect(r.signal, `step ${n}: killed by the hook, not failed (${r.stderr})`).toBe('SIGKILL');
    const state = shownState(home);
    const which = JSON.stringify(state) === JSON.stringify(oldState) ? 'old' : JSON.stringify(state) === JSON.stringify(newState) ? 'new' : undefined;
    expect(which, `after a crash at step ${n} of ${args.join(' ')} the store shows ${JSON.stringify(state)}`).toBeDefined();
    seen[which!]++;
    expect(leftovers(home), `after a crash at step ${n} and one more command`).toEqual([]);
    if (finished) expect(which, 'a run to the end shows the new state').toBe('new');
  }
  expect(finished, `${args.join(' ')} finished within 200 steps`).toBe(true);
  return seen;
}

describe('item 8: crash safety of an ingest', () => {
  const template = join(tmp.dir, 'template');
  const oldPair = lobsterPair(join(tmp.dir, 'old'), 'CRS', 60, 500);
  const newPair = lobsterPair(join(tmp.dir, 'new'), 'CRS', 60, 700);
  const other = join(tmp.dir, 'other.csv');
  writeFileSync(other, 'ts,price,size\n2024-01-02T10:00:00Z,10,1\n');

  beforeAll(() => {
    expect(cift(['ingest', 'lobster', ...oldPair], { home: template }).status).toBe(0);
    expect(cift(['ingest', other, '--symbol', 'OTHER'], { home: template }).status).toBe(0);
  });

  it('shows exactly the old or the new state after a SIGKILL at every file operation of a replacing LOBSTER ingest, and the next command cleans up', () => {
    const oldState = shownState(template);
    expect(oldState.map((s) => s.split('/').slice(0, 2).join('/'))).toEqual(['book/CRS', 'quotes/CRS', 'trades/CRS', 'trades/OTHER']);

    const reference = join(tmp.dir, 'reference');
    cpSync(template, reference, { recursive: true });
    expect(cift(['ingest', 'lobster', ...newPair, '--replace'], { home: reference }).status).toBe(0);
    const newState = shownState(reference);
    expect(newState, 'the new day replaces every series of the old one (book, quotes, trades)').not.toEqual(oldState);
    expect(newState.filter((s) => s.startsWith('trades/OTHER')), 'and leaves other symbols alone').toEqual(oldState.filter((s) => s.startsWith('trades/OTHER')));

    const seen = crashAtEveryStep(template, ['ingest', 'lobster', ...newPair, '--replace'], oldState, newState);
    expect(seen.old, 'early crashes keep the old state').toBeGreaterThan(3);
    expect(seen.new, 'crashes after the catalog swap show the new state').toBeGreaterThan(1);
  }, 600_000);

  it('shows exactly the old or the new state after a SIGKILL at every file operation of --rm', () => {
    const oldState = shownState(template);
    const reference = join(tmp.dir, 'reference-rm');
    cpSync(template, reference, { recursive: true });
    expect(cift(['ingest', '--rm', 'CRS'], { home: reference }).status).toBe(0);
    const newState = shownState(reference);
    expect(newState.map((s) => s.split('/').slice(0, 2).join('/'))).toEqual(['trades/OTHER']);
    const seen = crashAtEveryStep(template, ['ingest', '--rm', 'CRS'], oldState, newState);
    expect(seen.old + seen.new).toBeGreaterThan(5);
  }, 600_000);

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`shows the old or the new state after a real ${signal} in the middle of a large ingest, and the next command cleans up`, async () => {
      const home = join(tmp.dir, `real-${signal}`);
      expect(cift(['ingest', 'synthetic', '--symbol', 'BIG', '--rows', '1000', '--seed', '1'], { home }).status).toBe(0);
      const oldState = shownState(home);
      const child = spawn(process.execPath, [CIFT, 'ingest', 'synthetic', '--symbol', 'BIG', '--rows', '2000000', '--seed', '2', '--replace'], {
        env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1' },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const dir = join(home, 'ticks', 'trades', 'BIG');
      const mine = `p${child.pid}t`;
      // Kill it once its first data file (or temp file) is on disk: mid-write, before the catalog swap.
      for (let waited = 0; waited < 30_000 && child.exitCode === null; waited += 5) {
        if (existsSync(dir) && readdirSync(dir).some((f) => f.includes(mine) || f.includes(`.${child.pid}.`))) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      child.kill(signal);
      await exited;
      const state = shownState(home);
      const rowsShown = state.map((s) => s.split('/')[3]);
      expect([['1000'], ['2000000']], `the store shows ${JSON.stringify(state)}`).toContainEqual(rowsShown);
      if (rowsShown[0] === '1000') expect(state).toEqual(oldState);
      expect(leftovers(home)).toEqual([]);
    }, 120_000);
  }
});
