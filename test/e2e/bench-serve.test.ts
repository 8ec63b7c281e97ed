/**
 * `cift bench --suite serve --json` with tiny sizes: it finishes, exits 0, reports each case with its figures (or
 * `skipped` and why, for a part the server does not offer), and leaves no process and no temporary home behind.
 * The bench runs with TMPDIR set to a folder of this test, so its temp home must be made there and gone after;
 * every process it starts inherits that TMPDIR, so any still alive afterwards is found by its environment.
 * No timing is asserted: figures only have to be there, with the right types.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cift, tempDir } from '../helpers.js';

const tmp = tempDir('cift-bench-serve-test-');
afterAll(tmp.cleanup);

/** Pids of live processes whose environment has TMPDIR=dir. */
function processesWithTmpdir(dir: string): number[] {
  const marker = `TMPDIR=${dir}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or another user's
    }
  }
  return found;
}

const NAMES = ['quote route GET /market-data/quote/GOOG', 'order submit POST /trading/orders', 'idle subscribed WebSocket connections', 'WebSocket fan-out SYN trades (replay --speed 1)'];

const FIELDS: Record<string, string[]> = {
  [NAMES[0]]: ['req_per_s', 'p50_ms', 'p99_ms', 'requests'],
  [NAMES[1]]: ['p50_ms', 'p99_ms', 'requests', 'created'],
  [NAMES[2]]: ['rss_mb', 'rss_mb_before', 'connected'],
  [NAMES[3]]: ['frames_per_s', 'frames', 'dropped', 'connected'],
};

describe('cift bench --suite serve', () => {
  it('runs every case with tiny sizes, reports figures and targets, and cleans up after itself', () => {
    const scratch = join(tmp.dir, 'tmp');
    mkdirSync(scratch);
    const home = join(tmp.dir, 'home');
    const r = cift(['bench', '--suite', 'serve', '--clients', '6', '--idle', '12', '--seconds', '0.5', '--connections', '2', '--orders', '10', '--json'], {
      home,
      env: { TMPDIR: scratch },
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['machine', 'cases']);
    expect(doc.cases.map((c: { name: string }) => c.name).sort()).toEqual([...NAMES].sort());
    for (const c of doc.cases) {
      expect(c.suite).toBe('serve');
      expect(typeof c.target, `${c.name} names its target`).toBe('object');
      expect(['ok', 'skipped'], `${c.name}: ${c.reason}`).toContain(c.status);
      if (c.status === 'skipped') {
        expect(typeof c.reason, `${c.name} says why it was skipped`).toBe('string');
        expect(c.reason.length).toBeGreaterThan(0);
        expect(c.target_met).toBeNull();
        continue;
      }
      expect(typeof c.target_met, `${c.name} says whether its target was met`).toBe('boolean');
      for (const f of FIELDS[c.name]) expect(typeof c[f], `${c.name} ${f}`).toBe('number');
    }
    const byName = Object.fromEntries(doc.cases.map((c: { name: string }) => [c.name, c]));
    // The quote route is in every server (market data over the shipped and ingested GOOG): never skipped.
    const quote = byName[NAMES[0]];
    expect(quote.status).toBe('ok');
    expect(quote.size).toBe(2);
    expect(quote.ok_responses, 'every quote request answered 200').toBe(quote.requests);
    expect(quote.requests).toBeGreaterThan(0);
    expect(quote.p50_ms).toBeLessThanOrEqual(quote.p99_ms);
    expect(byName[NAMES[1]].size).toBe(10);
    expect(byName[NAMES[2]].size).toBe(12);
    expect(byName[NAMES[3]].size).toBe(6);
    if (byName[NAMES[2]].status === 'ok') expect(byName[NAMES[2]].connected).toBe(12);

    expect(readdirSync(scratch), 'the temporary CIFT_HOME is removed').toEqual([]);
    expect(processesWithTmpdir(scratch), 'no server or load process is left running').toEqual([]);
  });

  it('refuses a bad size flag as a usage error', () => {
    const r = cift(['bench', '--suite', 'serve', '--clients', '0'], { home: join(tmp.dir, 'home2') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--clients "0" must be a positive whole number/);
  });
});
