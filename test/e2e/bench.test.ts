import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { regressions, summarize } from '../../bench/harness.js';
import { cift, tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

describe('cift bench', () => {
  it('prints the documented JSON document, with peers, and saves it', () => {
    const saved = join(tmp.dir, 'bench.json');
    const r = cift(['bench', '--suite', 'kernels', '--size', '5000', '--repeat', '2', '--warmup', '1', '--peers', '--json', '--save', saved], { home });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['machine', 'cases']);
    expect(doc.machine.node).toBe(process.version);
    const names = doc.cases.map((c: { name: string }) => c.name);
    expect(names).toContain('rsi(14)');
    for (const c of doc.cases) {
      expect(c.suite).toBe('kernels');
      expect(c.size).toBe(5000);
      for (const k of ['median_ms', 'min_ms', 'max_ms', 'ns_per_element', 'floor_ratio']) expect(typeof c[k], `${c.name} ${k}`).toBe('number');
      expect(c.min_ms).toBeLessThanOrEqual(c.median_ms);
      expect(c.median_ms).toBeLessThanOrEqual(c.max_ms);
      expect(c.max_rel_error, `${c.name} was checked against its reference`).toBeLessThanOrEqual(1e-10);
    }
    const ema = doc.cases.find((c: { name: string }) => c.name === 'ema(20)');
    expect(['technicalindicators', 'trading-signals', '@ixjb94/indicators']).toContain(ema.peer);
    expect(ema.peer_ratio).toBeGreaterThan(0);
    const sma = doc.cases.find((c: { name: string }) => c.name === 'sma(20)');
    expect(sma.peer, 'fields that do not apply are omitted').toBeUndefined();
    expect(JSON.parse(readFileSync(saved, 'utf8')).cases.length).toBe(doc.cases.length);
  });

  it('exits 1 naming the cases slower than a baseline by more than --max-regression', () => {
    const baseline = join(tmp.dir, 'fast-baseline.json');
    // A baseline claiming every case took a nanosecond: the current run must count as a regression.
    writeFileSync(baseline, JSON.stringify({ machine: {}, cases: [{ suite: 'kernels', name: 'sma(20)', size: 2000, median_ms: 1e-6 }] }));
    const r = cift(['bench', '--size', '2000', '--repeat', '1', '--warmup', '0', '--baseline', baseline], { home });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cift: 1 case\(s\) slower than the baseline by more than 25%: kernels\/sma\(20\)@2000 \+\d+%\n$/);
  });

  it('compares only cases with the same suite, name and size', () => {
    const current = { machine: {}, cases: [{ suite: 'k', name: 'a', size: 10, median_ms: 12, min_ms: 1, max_ms: 1 }] };
    expect(regressions(current, { machine: {}, cases: [{ suite: 'k', name: 'a', size: 10, median_ms: 10, min_ms: 1, max_ms: 1 }] }, 25)).toEqual([]);
    expect(regressions(current, { machine: {}, cases: [{ suite: 'k', name: 'a', size: 10, median_ms: 10, min_ms: 1, max_ms: 1 }] }, 15)[0].slower_pct, '12 ms against 10 ms is 20 % slower').toBeCloseTo(20, 9);
    expect(regressions(current, { machine: {}, cases: [{ suite: 'k', name: 'a', size: 99, median_ms: 1, min_ms: 1, max_ms: 1 }] }, 20)).toEqual([]);
    expect(summarize([5, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 5 });
  });
});
