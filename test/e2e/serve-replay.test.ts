/**
 * `cift serve --replay`: the replayed rows become the latest prices the quote route answers, a line says when the
 * replay ends, the server stays up and exits 0 on SIGTERM; resting orders fill as the replay moves the clock; bad
 * replay flags fail before listening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cift, startServe, tempDir, storeQqzQuotes } from '../helpers.js';

const tmp = tempDir('cift-serve-replay-');
const home = join(tmp.dir, 'home');

beforeAll(() => {
  storeQqzQuotes(tmp.dir, home);
});
afterAll(() => tmp.cleanup());

describe('cift serve --replay', { tags: ['e2e'] }, () => {
  it('moves the quote route to the replayed prices, says when the replay ends, and keeps serving', async () => {
    const server = await startServe(home, ['--replay', 'qqz', '--speed', 'max', '--to', '2024-01-02T14:30:00Z']);
    const { child, url, exit } = server;
    const ended = (async () => {
      while (!server.stderr().includes('replay ended')) await new Promise((r) => setTimeout(r, 25));
    })();
    try {
      await ended;
      expect(server.stderr()).toContain('cift serve: replaying 1 QQZ quotes at max speed');
      expect(server.stderr()).toContain('cift serve: replay ended: 0 trades, 1 quotes, 1 1m bars (2024-01-02T14:30:00.000Z … 2024-01-02T14:30:00.000Z); still serving');
      // The stored latest quote is 10.25/10.5 (14:30:01); the replay stopped at --to 14:30:00, whose quote is 10.5/10.75.
      const quote = await (await fetch(`${url}/api/v1/market-data/quote/QQZ`)).json();
      expect(quote).toMatchObject({ symbol: 'QQZ', source: 'quote', bid: 10.5, ask: 10.75, bid_size: 100, ask_size: 200, ts: '2024-01-02T14:30:00.000Z' });
      const batch = await (await fetch(`${url}/api/v1/market-data/quotes?symbols=QQZ`)).json();
      expect(batch.quotes[0]).toMatchObject({ bid: 10.5, ask: 10.75 });
      // ?source=stored asks the store, not the live prices.
      const stored = await (await fetch(`${url}/api/v1/market-data/quote/QQZ?source=stored`)).json();
      expect(stored).toMatchObject({ bid: 10.25, ask: 10.5 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('fills a resting order placed at the replay clock as the replay reaches a crossing quote', async () => {
    // QQZ: 14:30:00 ask 10.75, 14:30:01 ask 10.5 (400 offered). A buy limit 10.5 × 10 placed while the replay sits
    // at 14:30:00 rests; the replayed 14:30:01 quote fills it, at 10.5, at 14:30:01.
    const created = cift(['serve', 'keys', 'create', '--account', 'paper', '--json'], { home });
    expect(created.status, created.stderr).toBe(0);
    const headers = { 'x-api-key': JSON.parse(created.stdout).key as string, 'content-type': 'application/json' };
    // 0.5× real time: the second quote is replayed 2 s after the first, time enough to place the order between.
    const server = await startServe(home, ['--replay', 'QQZ', '--speed', '0.5']);
    const { child, url, exit } = server;
    try {
      // Until the replay published the first quote (before, the route answers the stored latest, 14:30:01).
      let q = { ts: '' };
      for (let i = 0; i < 250 && q.ts !== '2024-01-02T14:30:00.000Z'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        q = (await (await fetch(`${url}/api/v1/market-data/quote/QQZ`)).json()) as { ts: string };
      }
      expect(q.ts).toBe('2024-01-02T14:30:00.000Z');
      const placed = await fetch(`${url}/api/v1/trading/orders`, { method: 'POST', headers, body: JSON.stringify({ symbol: 'QQZ', side: 'buy', order_type: 'limit', limit_price: '10.5', quantity: '10' }) });
      const order = (await placed.json()) as { id: string; status: string };
      expect(placed.status, JSON.stringify(order)).toBe(201);
      expect(order).toMatchObject({ status: 'open', placed_at: '2024-01-02T14:30:00.000Z' });
      let after: { status: string; fills?: unknown[] } = order;
      for (let i = 0; i < 200 && after.status === 'open'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = (await (await fetch(`${url}/api/v1/trading/orders/${order.id}`, { headers })).json()) as typeof after;
      }
      expect(after).toMatchObject({ status: 'filled', filled_avg_price: '10.500000' });
      expect(after.fills).toMatchObject([{ price: '10.500000', quantity: '10.000000', filled_at: '2024-01-02T14:30:01.000Z' }]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('refuses replay flags it cannot use, before listening', () => {
    const stray = cift(['serve', '--port', '0', '--speed', '10'], { home });
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/^cift: --speed needs --replay/);
    const speed = cift(['serve', '--port', '0', '--replay', 'QQZ', '--speed', 'fast'], { home });
    expect(speed.status).toBe(2);
    expect(speed.stderr).toMatch(/^cift: --speed "fast" is not a speed/);
    const range = cift(['serve', '--port', '0', '--replay', 'QQZ', '--from', '2024-01-03', '--to', '2024-01-02'], { home });
    expect(range.status).toBe(2);
    expect(range.stderr).toMatch(/^cift: --from 2024-01-03 is after --to 2024-01-02/);
    const unknown = cift(['serve', '--port', '0', '--replay', 'QQX'], { home });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/^cift: no data for symbol "QQX"/);
    expect(unknown.stdout).toBe('');
  });
});
