/**
 * Backtests and outputs that cannot be silently wrong (issue 8, items 11–14; issue 11's SL/TP values), through the
 * CLI: every mistake a user can make with a strategy, its parameters, its orders or an output path is one line and an
 * exit code, never an "internal error"; look-ahead is refused or caught; binary exports can go down a pipe.
 *
 * Expected bar times come from data/GOOG.csv read here (row k of the file is bar k), and expected line:column
 * positions from the strategy text written here (V8 reports a throw at its `new`, a call at the called name).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, cift, tempDir, writeText } from '../helpers.js';
import { loadPolars } from '../../src/polars.js';
import { outputFormat } from '../../commands/output.js';

const tmp = tempDir('cift-trust-backtest-');
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

/** data/GOOG.csv as rows of [date, open, high, low, close, volume]. */
const GOOG = readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
const barTime = (k: number) => `${GOOG[k][0]}T00:00:00.000Z`;

/** The 1-based line and column of `needle` in `text` (first occurrence). */
function positionOf(text: string, needle: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  expect(line, `"${needle}" is in the strategy`).toBeGreaterThanOrEqual(0);
  return `${line + 1}:${lines[line].indexOf(needle) + 1}`;
}

function strategyFile(name: string, text: string): { path: string; text: string } {
  return { path: writeText(tmp.dir, name, text), text };
}

const backtest = (args: string[]) => cift(['backtest', ...args], { home });
const firstLine = (stderr: string) => stderr.split('\n')[0];

describe('strategy parameters', () => {
  it.each([
    [['-p', 'fast=0'], 'cift: parameter fast=0 must be an integer ≥ 1'],
    [['-p', 'fast=2.5'], 'cift: parameter fast=2.5 must be an integer ≥ 1'],
    [['-p', 'slow=-4'], 'cift: parameter slow=-4 must be an integer ≥ 1'],
    [['-p', 'fast=abc'], 'cift: parameter fast="abc" is not a number'],
    [['-p', 'fast='], 'cift: parameter fast="" is not a number'],
    [['-p', '=5'], 'cift: -p "=5" is not name=value'],
  ])('sma-cross %j is a usage error naming the parameter and its bound, exit 2', (flags, message) => {
    const r = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', ...flags]);
    expect(r.status, r.stderr).toBe(2);
    expect(firstLine(r.stderr)).toBe(message);
    expect(r.stderr).not.toContain('internal error');
  });

  it('the other built-ins declare their bounds too', () => {
    const m = backtest(['--strategy', 'mean-reversion', '--symbol', 'GOOG', '-p', 'n=1']);
    expect([m.status, firstLine(m.stderr)]).toEqual([2, 'cift: parameter n=1 must be an integer ≥ 2']);
    const r = backtest(['--strategy', 'momentum', '--symbol', 'GOOG', '-p', 'lookback=0']);
    expect([r.status, firstLine(r.stderr)]).toEqual([2, 'cift: parameter lookback=0 must be an integer ≥ 1']);
  });

  it("a user strategy without bounds: the kernel's bound is traced back to the -p parameter, exit 2", () => {
    const s = strategyFile(
      'unbounded.ts',
      `import type { Strategy } from 'cift';
export default {
  params: { fast: 10, slow: 30 },
  init: ({ close }, p, ta) => ({ fast: ta.sma(close, p.fast), slow: ta.sma(close, p.slow) }),
  next(t, { fast, slow }) {
    if (t.crossedAbove(fast, slow)) t.buy();
  },
} satisfies Strategy<{ fast: number; slow: number }>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG', '-p', 'fast=0']);
    expect(r.status, r.stderr).toBe(2);
    expect(firstLine(r.stderr)).toBe(`cift: parameter fast=0 is out of range: ta.sma needs n to be an integer ≥ 1 (${s.path}:${positionOf(s.text, 'sma(close, p.fast)')})`);
  });

  it('a user strategy may declare bounds, checked before the run', () => {
    const s = strategyFile(
      'bounded.ts',
      `import type { Strategy } from 'cift';
export default {
  params: { risk: 0.5 },
  bounds: { risk: { min: 0, max: 1 } },
  init: () => ({}),
  next() {},
} satisfies Strategy<{ risk: number }>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG', '-p', 'risk=2']);
    expect([r.status, firstLine(r.stderr)]).toEqual([2, 'cift: parameter risk=2 must be a number from 0 to 1']);
  });
});

describe('errors inside a user strategy', () => {
  it('an exception in next() is one line: file:line:column, bar index, bar time and message, exit 1', () => {
    const s = strategyFile(
      'throws-in-next.ts',
      `import type { Strategy } from 'cift';
type P = { at: number };
export default {
  params: { at: 100 } as P,
  init: () => ({}),
  next(t, _ind, p: P) {
    if (t.i === p.at) {
      const label: string = 'boom at bar ' + t.i;
      throw new Error(label);
    }
  },
} satisfies Strategy<P>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status, r.stderr).toBe(1);
    expect(firstLine(r.stderr), 'the line is the .ts source line, not a compiled one').toBe(`cift: ${s.path}:${positionOf(s.text, 'new Error(label)')}: next() threw at bar 100 (${barTime(100)}): boom at bar 100`);
    expect(r.stderr).not.toContain('internal error');
  });

  it('an exception in init() names init() and the line', () => {
    const s = strategyFile(
      'throws-in-init.ts',
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init({ close }) {
    if (close.length > 10) throw new RangeError('too many bars: ' + close.length);
    return {};
  },
  next() {},
} satisfies Strategy<{}>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(`cift: ${s.path}:${positionOf(s.text, 'new RangeError')}: init() threw: too many bars: ${GOOG.length}`);
  });

  it('a bad order size from next() keeps its message and gains the bar and line', () => {
    const s = strategyFile(
      'bad-size.ts',
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init: () => ({}),
  next(t) {
    if (t.i === 5) t.buy(-2);
  },
} satisfies Strategy<{}>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(`cift: ${s.path}:${positionOf(s.text, 'buy(-2)')}: next() at bar 5 (${barTime(5)}) failed: order size must be positive, got -2`);
  });

  it('a syntax error in a .ts strategy gives file:line:column and the message', () => {
    const text = `import type { Strategy } from 'cift';
export default {
  params: {},
  init: ({ close }) => ({ ),
  next() {},
} satisfies Strategy<{}>;
`;
    const s = strategyFile('syntax-error.ts', text);
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    const [line, col] = positionOf(text, '{ ),').split(':').map(Number);
    expect(firstLine(r.stderr), 'the column of the ")" that cannot start a property').toBe(`cift: ${s.path}:${line}:${col + 2}: syntax error: Expected identifier but found ")"`);
  });

  it('a syntax error in a .js strategy gives file:line:column too', () => {
    const text = `export default {
  params: {},
  init() { return {}; },
  next(t) { const x = ; },
};
`;
    const s = strategyFile('syntax-error.mjs', text);
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    const [line, col] = positionOf(text, '= ;').split(':').map(Number);
    expect(firstLine(r.stderr)).toMatch(new RegExp(`^cift: ${s.path.replace(/[.]/g, '\\.')}:${line}:${col + 2}: syntax error: `));
  });

  it.each([
    ['no-default.ts', 'export const params = { n: 1 };\n', 'it has no default export (it exports params)'],
    ['number-default.ts', 'export default 42;\n', 'its default export is a number, not an object'],
    ['no-next.ts', 'export default { params: {}, init: () => ({}) };\n', '`next` is missing or not a function'],
    ['bad-params.ts', 'export default { params: { n: [1, 2] }, init: () => ({}), next() {} };\n', 'params.n is a object; defaults are numbers, strings or booleans'],
    ['bad-bounds.ts', 'export default { params: { n: 0 }, bounds: { n: { min: 1 } }, init: () => ({}), next() {} };\n', 'the default n=0 must be ≥ 1'],
  ])('%s is not a strategy, and the error says what is missing', (name, text, problem) => {
    const s = strategyFile(name, text);
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(`cift: ${s.path} is not a strategy: ${problem}`);
  });
});

describe('bad stop-loss and take-profit values (§7 rules 14 and 18)', () => {
  const closeOf = (k: number) => Number(GOOG[k][4]);

  it.each([
    ['sl-above.ts', 't.buy({ sl: t.bar.close * 1.1 })', 'sl', closeOf(40) * 1.1],
    ['tp-below.ts', 't.buy({ tp: t.bar.close * 0.9 })', 'tp', closeOf(40) * 0.9],
    ['sell-sl-below.ts', 't.sell({ sl: t.bar.close * 0.9 })', 'sl', closeOf(40) * 0.9],
  ])('%s: one line naming the strategy line, bar 40, the field and the price, exit 1', (name, call, field, price) => {
    const s = strategyFile(
      name,
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init: () => ({}),
  next(t) {
    if (t.i === 40) ${call};
  },
} satisfies Strategy<{}>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status, r.stderr).toBe(1);
    const first = firstLine(r.stderr);
    const verb = call.slice(2, call.indexOf('('));
    expect(first.startsWith(`cift: ${s.path}:${positionOf(s.text, `${verb}({`)}: next() at bar 40 (${barTime(40)}) failed: `), first).toBe(true);
    expect(first, 'names the field').toMatch(new RegExp(`\\b${field}\\b`));
    expect(first, "and the price (its whole part: how many digits are shown is the engine's choice)").toContain(String(Math.trunc(price)));
    expect(r.stderr).not.toContain('internal error');
  });

  it('assigning a negative trade.sl is refused the same way', () => {
    const s = strategyFile(
      'negative-sl.ts',
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init: () => ({}),
  next(t) {
    if (t.i === 40) t.buy(1);
    if (t.i === 42) t.trades[0].sl = -1;
  },
} satisfies Strategy<{}>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status, r.stderr).toBe(1);
    const first = firstLine(r.stderr);
    expect(first.startsWith(`cift: ${s.path}:`), first).toBe(true);
    expect(first).toContain(`next() at bar 42 (${barTime(42)}) failed: `);
    expect(first).toContain('-1');
  });
});

describe('look-ahead', () => {
  const peek = strategyFile(
    'peek.ts',
    `import type { Strategy } from 'cift';
export default {
  params: {},
  init: ({ close }, _p, ta) => ({ slow: ta.sma(close, 30) }),
  next(t, { slow }) {
    const ahead = slow[t.i + 1];
    if (ahead > slow[t.i] && t.position <= 0) { t.close(); t.buy(); }
    else if (ahead < slow[t.i] && t.position >= 0) { t.close(); t.sell(); }
  },
} satisfies Strategy<{}>;
`,
  );

  it('--check-lookahead fails a strategy that reads the next bar, naming the bar, its time and the read', () => {
    const plain = backtest(['--strategy', peek.path, '--symbol', 'GOOG', '--json']);
    expect(plain.status, 'without the flag it runs (and looks brilliant)').toBe(0);
    const r = backtest(['--strategy', peek.path, '--symbol', 'GOOG', '--check-lookahead']);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr), 'SMA(30) warms up over 29 bars, so next() first runs on bar 30').toBe(
      `cift: ${peek.path}:${positionOf(peek.text, 'slow[t.i + 1]')}: look-ahead at bar 30 (${barTime(30)}): next() read slow[31], past the current bar`,
    );
  });

  it('ta.forwardReturn is not available to strategies', () => {
    const s = strategyFile(
      'forward.ts',
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init: ({ close }, _p, ta: any) => ({ f: ta.forwardReturn(close, 1) }),
  next(t, { f }) {
    if (f[t.i] > 0) t.buy();
  },
} satisfies Strategy<{}>;
`,
    );
    const r = backtest(['--strategy', s.path, '--symbol', 'GOOG']);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(
      `cift: ${s.path}:${positionOf(s.text, 'forwardReturn(')}: init() failed: ta.forwardReturn is forward-looking (its value at bar i uses bars after i) and is not available to strategies`,
    );
  });

  it('sma-cross passes --check-lookahead with the same statistics and trades as without it', () => {
    const plain = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', '--json']);
    const checked = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', '--json', '--check-lookahead']);
    expect(checked.status, checked.stderr).toBe(0);
    const [a, b] = [JSON.parse(plain.stdout), JSON.parse(checked.stdout)];
    expect(b.stats).toEqual(a.stats);
    expect(b.trades).toEqual(a.trades);
    expect(b.stats['# Trades'], 'Case A: 65 closed trades (backtesting.py)').toBe(65);
    expect(b.run.lookahead_checked).toBe(true);
  });
});

describe('output paths', () => {
  it('--trades into a folder that does not exist is an error naming the folder, and creates nothing', () => {
    const missing = join(tmp.dir, 'no-such-dir', 'deeper');
    const r = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', '--trades', join(missing, 't.csv')]);
    expect(r.status).toBe(1);
    expect(firstLine(r.stderr)).toBe(`cift: --trades ${join(missing, 't.csv')}: folder ${missing} does not exist`);
    expect(existsSync(join(tmp.dir, 'no-such-dir')), 'no folder was created').toBe(false);
  });

  it.each(['--trades', '--equity'])('%s given a folder is a usage error', (flag) => {
    const r = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', flag, tmp.dir]);
    expect([r.status, firstLine(r.stderr)]).toEqual([2, `cift: ${flag} ${tmp.dir} is a folder`]);
  });

  it('bars/features --out and bench --save refuse a missing folder or a folder, before any work', () => {
    const missing = join(tmp.dir, 'absent');
    const bars = cift(['bars', 'GOOG', '--out', join(missing, 'b.csv')], { home });
    expect([bars.status, firstLine(bars.stderr)]).toEqual([1, `cift: --out ${join(missing, 'b.csv')}: folder ${missing} does not exist`]);
    const features = cift(['features', 'GOOG', '--set', 'rsi:14', '--out', tmp.dir], { home });
    expect([features.status, firstLine(features.stderr)]).toEqual([2, `cift: --out ${tmp.dir} is a folder`]);
    const bench = cift(['bench', '--suite', 'kernels', '--size', '1000', '--save', join(missing, 'b.json')], { home });
    expect([bench.status, firstLine(bench.stderr)]).toEqual([1, `cift: --save ${join(missing, 'b.json')}: folder ${missing} does not exist`]);
    expect(existsSync(missing)).toBe(false);
  });

  it('writes into a folder that exists', () => {
    const dir = join(tmp.dir, 'exists');
    mkdirSync(dir);
    const r = backtest(['--strategy', 'sma-cross', '--symbol', 'GOOG', '--trades', join(dir, 't.csv')]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 't.csv'), 'utf8').trim().split('\n').length, 'header + 65 trades').toBe(66);
  });
});

describe('binary exports on stdout', () => {
  const pl = loadPolars();
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'cift.js'), ...args], { env: { ...process.env, CIFT_HOME: home, NO_COLOR: '1' }, cwd: ROOT });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
  };
  const lastRow = GOOG.length - 1;

  it('bars --export parquet into a pipe writes a Parquet file (PAR1 at both ends) holding the bars', async () => {
    const r = run(['bars', 'GOOG', '--export', 'parquet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(r.stdout.subarray(-4).toString('latin1')).toBe('PAR1');
    const frame = (await pl).readParquet(r.stdout);
    expect(frame.height).toBe(GOOG.length);
    for (const [k, row] of [[0, GOOG[0]], [lastRow, GOOG[lastRow]]] as const) {
      expect(['open', 'high', 'low', 'close', 'volume'].map((c) => frame.getColumn(c).get(k)), `row ${k}`).toEqual(row.slice(1).map(Number));
    }
  });

  it('features --export arrow into a pipe is Arrow IPC with the feature values', async () => {
    const r = run(['features', 'GOOG', '--set', 'sma:5', '--export', 'arrow']);
    expect(r.status, r.stderr).toBe(0);
    const frame = (await pl).readIPC(r.stdout);
    expect(frame.height).toBe(GOOG.length);
    const firstFive = GOOG.slice(0, 5).map((row) => Number(row[4]));
    expect(frame.getColumn('sma_5').get(4), 'mean of the first five closes').toBeCloseTo(firstFive.reduce((a, b) => a + b) / 5, 10);
    expect(frame.getColumn('close').get(lastRow)).toBe(Number(GOOG[lastRow][4]));
  });

  it('on a terminal, --export parquet without --out is refused with a hint', () => {
    expect(() => outputFormat({ export: 'parquet' }, true)).toThrow('--export parquet is binary and stdout is a terminal');
    expect(outputFormat({ export: 'parquet' }, false)).toBe('parquet');
  });
});

describe('a flip strategy over 310,000 bars', () => {
  it('prints its statistics (no stack overflow), with every trade costing two fees', () => {
    const n = 310_000;
    const lines = ['ts,open,high,low,close,volume'];
    const t0 = Date.UTC(2020, 0, 1);
    for (let i = 0; i < n; i++) lines.push(`${new Date(t0 + i * 60_000).toISOString()},128,128,128,128,1`);
    const data = join(tmp.dir, 'flat.csv');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const s = strategyFile(
      'flip.ts',
      `import type { Strategy } from 'cift';
export default {
  params: {},
  init: () => ({}),
  next(t) {
    const wasLong = t.position > 0;
    t.close();
    if (wasLong) t.sell(1);
    else t.buy(1);
  },
} satisfies Strategy<{}>;
`,
    );
    // 2⁻¹⁰ of 128 is 0.125 per fill: a trade loses 0.25, i.e. 0.25/128 = 0.1953125 %.
    const r = backtest(['--strategy', s.path, '--data', data, '--cash', '1000000', '--commission', String(2 ** -10)]);
    expect(r.status, r.stderr).toBe(0);
    const stat = (name: string) => new RegExp(`│ ${name.replace(/[[\]().$]/g, '\\$&')}\\s+│\\s+(\\S+) │`).exec(r.stdout)?.[1];
    expect(stat('# Trades'), 'one opens each bar from bar 2, the last stays open').toBe(String(n - 3));
    expect(stat('Best Trade [%]')).toBe('-0.1953');
    expect(stat('Worst Trade [%]')).toBe('-0.1953');
    expect(stat('Commissions [$]'), '0.25 per closed trade').toBe((0.25 * (n - 3)).toFixed(2));
  });
});
