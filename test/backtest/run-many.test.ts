/**
 * runMany on worker threads gives every report a single thread gives (stats, trades, equity), for a built-in and for
 * a user's .ts file each worker loads itself; a strategy error in a worker comes back as the one-line error a single
 * thread throws. The workers run the compiled dist/ (npm test builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runMany, type BacktestJob } from '../../src/backtest/run-many.js';
import { loadStrategy, type AnyStrategy } from '../../src/backtest/strategy.js';
import { DEFAULT_BROKER, type BacktestInput } from '../../src/backtest/types.js';
import { readTabularFile } from '../../src/sources/files.js';
import { BUILTIN_STRATEGIES } from '../../strategies/index.js';
import { errorOf, ROOT, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const BUILTINS_URL = pathToFileURL(join(ROOT, 'dist', 'strategies', 'index.js')).href;

async function input(symbol: string): Promise<BacktestInput> {
  const [g] = await readTabularFile(join(ROOT, 'data', `${symbol}.csv`), { symbol });
  const bars = { ts: g.ts, open: g.values.open, high: g.values.high, low: g.values.low, close: g.values.close, volume: g.values.volume };
  return { bars, source: { symbol, interval: '1d', rows: g.ts.length, first: '', last: '', sha256: '' } };
}

async function jobs(spec: string, strategy: AnyStrategy): Promise<BacktestJob[]> {
  const inputs = await Promise.all(['GOOG', 'AMZN', 'AAPL'].map(input));
  const settings = { ...DEFAULT_BROKER, commission: 0.002, finalizeTrades: true };
  return inputs.map((i) => ({ input: i, strategy, strategySpec: spec, strategyName: spec, params: strategy.params, settings, version: 'test', options: { strategyLabel: spec } }));
}

/** What a run means to a user: everything but the wall-clock engine time. */
const meaning = (r: Awaited<ReturnType<typeof runMany>>[number]) => ({ stats: r.stats, trades: r.trades, equity: Array.from(r.equity.equity).map(String), params: r.params });

describe('runMany', () => {
  it('on two worker threads gives, report for report, what one thread gives (a built-in)', async () => {
    const js = await jobs('sma-cross', BUILTIN_STRATEGIES['sma-cross']);
    const one = await runMany(js, { threads: 1 });
    const two = await runMany(js, { threads: 2, alwaysParallel: true, builtinsModule: BUILTINS_URL });
    expect(two.map((r) => r.run.input)).toEqual(js.map((j) => j.input.source));
    expect(two.map(meaning)).toEqual(one.map(meaning));
    expect(one[0].trades.length, 'Case A with finalize: 66 trades').toBe(66);
  });

  it('loads a user .ts strategy in each worker', async () => {
    const file = writeText(tmp.dir, 'ema-bracket.ts', `import type { Strategy } from 'cift';
export default {
  params: { n: 15 },
  init: ({ close }, p, ta) => ({ ema: ta.ema(close, p.n) }),
  next(t, { ema }) {
    const c = t.bar.close;
    if (t.position === 0 && c > ema[t.i]) t.buy({ sl: c * 0.95, tp: c * 1.1 });
  },
} satisfies Strategy<{ n: number }>;
`);
    const { strategy } = await loadStrategy(file, {});
    const js = await jobs(file, strategy);
    const one = await runMany(js, { threads: 1 });
    const two = await runMany(js, { threads: 2, alwaysParallel: true });
    expect(two.map(meaning)).toEqual(one.map(meaning));
    expect(one.some((r) => r.trades.some((t) => t.ExitReason === 'sl')) && one.some((r) => r.trades.some((t) => t.ExitReason === 'tp')), 'the runs exercise SL and TP').toBe(true);
  });

  it('returns a strategy error from a worker as the one-line CiftError a single thread throws', async () => {
    const file = writeText(tmp.dir, 'fails.ts', `export default { params: {}, init: () => ({}), next(t) { if (t.i === 100) throw new Error('boom at 100'); } };\n`);
    const { strategy } = await loadStrategy(file, {});
    const js = await jobs(file, strategy);
    const inThread = await errorOf(runMany(js, { threads: 1 }));
    const inWorker = await errorOf(runMany(js, { threads: 2, alwaysParallel: true }));
    expect(inWorker.message).toBe(inThread.message);
    expect(inWorker.message).toMatch(/bar 100 .*boom at 100/);
  });
});
