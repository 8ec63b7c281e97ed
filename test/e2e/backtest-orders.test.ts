/**
 * Bad stop-loss / take-profit values from a user strategy, through the CLI (§7 rules 14 and 18 of
 * ../shared/specs/backtesting-parity.md): one line naming the strategy file's line, the bar and its time, and a
 * non-zero exit, never an "internal error". Expected bar times come from data/GOOG.csv read here (row k is bar k).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cift, tempDir, writeText } from '../helpers.js';

const tmp = tempDir('cift-backtest-orders-');
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

const GOOG = readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
const barTime = (k: number) => `${GOOG[k][0]}T00:00:00.000Z`;
const closeOf = (k: number) => Number(GOOG[k][4]);

/** The 1-based line:column of `needle` in `text`. */
function positionOf(text: string, needle: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  expect(line, `"${needle}" is in the strategy`).toBeGreaterThanOrEqual(0);
  return `${line + 1}:${lines[line].indexOf(needle) + 1}`;
}

const strategyText = (body: string) => `import type { Strategy } from 'cift';
export default {
  params: {},
  init: () => ({}),
  next(t) {
${body}
  },
} satisfies Strategy<{}>;
`;

describe('cift backtest: bad stop-loss and take-profit values', { tags: ['e2e'] }, () => {
  it.each([
    ['sl-above.ts', '    if (t.i === 40) t.buy({ sl: t.bar.close * 1.1 });', 'buy({', 'sl', closeOf(40) * 1.1],
    ['tp-below.ts', '    if (t.i === 40) t.buy({ tp: t.bar.close * 0.9 });', 'buy({', 'tp', closeOf(40) * 0.9],
    ['sell-sl-below.ts', '    if (t.i === 40) t.sell({ sl: t.bar.close * 0.9 });', 'sell({', 'sl', closeOf(40) * 0.9],
  ])('%s: one line naming the strategy line and bar 40, exit non-zero', (name, body, call, field, price) => {
    const text = strategyText(body);
    const path = writeText(tmp.dir, name, text);
    const r = cift(['backtest', '--strategy', path, '--data', join(ROOT, 'data', 'GOOG.csv')], { home });
    expect(r.status, r.stderr).not.toBe(0);
    const [first] = r.stderr.split('\n');
    expect(first.startsWith(`cift: ${path}:${positionOf(text, call)}: next() at bar 40 (${barTime(40)}) `), first).toBe(true);
    expect(first, 'names the field').toMatch(new RegExp(`\\b${field}\\b`, 'i'));
    expect(first, 'and the offending price (whole part: the digits shown are the engine\'s choice)').toContain(String(Math.trunc(price)));
    expect(r.stderr).not.toContain('internal error');
  });

  it('assigning a non-positive trade.sl is refused the same way', () => {
    const text = strategyText(`    if (t.i === 40) t.buy(1);
    if (t.i === 42 && t.trades.length) t.trades[0].sl = -1;`);
    const path = writeText(tmp.dir, 'negative-sl.ts', text);
    const r = cift(['backtest', '--strategy', path, '--data', join(ROOT, 'data', 'GOOG.csv')], { home });
    expect(r.status, r.stderr).not.toBe(0);
    const [first] = r.stderr.split('\n');
    expect(first.startsWith(`cift: ${path}:`), first).toBe(true);
    expect(first).toContain(`at bar 42 (${barTime(42)})`);
    expect(r.stderr).not.toContain('internal error');
  });
});
