/**
 * `cift serve` as a user runs it: spawn bin/cift.js, read the URL line, call it over real HTTP, SIGTERM → exit 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cift, startServe, tempDir, storeQqzQuotes } from '../helpers.js';

const tmp = tempDir('cift-serve-');
const home = join(tmp.dir, 'home');

beforeAll(() => {
  storeQqzQuotes(tmp.dir, home);
});
afterAll(() => tmp.cleanup());

describe('cift serve', { tags: ['e2e'] }, () => {
  it('prints its URL as one JSON line, answers /health and a quote, and exits 0 on SIGTERM', async () => {
    const server = await startServe(home);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number(new URL(server.url).port)).toBeGreaterThan(0);
      const health = await (await fetch(`${server.url}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      const res = await fetch(`${server.url}/api/v1/market-data/quote/QQZ`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ symbol: 'QQZ', source: 'quote', bid: 10.25, ask: 10.5, bid_size: 300, ask_size: 400, ts: '2024-01-02T14:30:01.000Z' });
      const missing = await fetch(`${server.url}/api/v1/market-data/quote/NOSUCH`);
      expect(missing.status).toBe(404);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
  });

  it('refuses a port that is taken and a port that is not a number (exit 2, one-line error)', async () => {
    const server = await startServe(home);
    try {
      const port = new URL(server.url).port;
      const taken = cift(['serve', '--port', port], { home });
      expect(taken.status).toBe(2);
      expect(taken.stderr).toMatch(new RegExp(`^cift: port ${port} on 127\\.0\\.0\\.1 is in use\\nhint: `));
    } finally {
      server.child.kill('SIGINT');
    }
    expect((await server.exit).code).toBe(0);
    const bad = cift(['serve', '--port', 'http'], { home });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^cift: --port "http" is not a port/);
  });
});
