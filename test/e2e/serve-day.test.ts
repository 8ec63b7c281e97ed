/**
 * The end-to-end path through one `cift serve`: a replayed day moves the prices orders fill at, an order
 * submitted over HTTP with an API key fills at the replayed ask and is pushed on the key's `orders` channel, the
 * replayed trades reach a WebSocket subscriber in order, `cift order list` in another shell reads the order
 * through the server (the embedded ledger is the server's), and SIGTERM ends it with exit 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { cift, startServe, tempDir, writeText } from '../helpers.js';

const tmp = tempDir('cift-serve-day-');
const home = join(tmp.dir, 'home');
let key = '';

beforeAll(() => {
  mkdirSync(home);
  // Three quotes and three trades of a made-up symbol. The replay stops at 14:30:01, so the latest ask is 20.5
  // (the stored latest, 14:30:02, is 21.5): a market buy of 2 must fill at 20.5, not 21.5.
  const quotes = writeText(tmp.dir, 'quotes.csv', 'ts,bid,ask,bid_size,ask_size\n2024-01-02T14:30:00Z,19.9,20.1,5,5\n2024-01-02T14:30:01Z,20.25,20.5,5,5\n2024-01-02T14:30:02Z,21.25,21.5,5,5\n');
  const trades = writeText(tmp.dir, 'trades.csv', 'ts,price,size\n2024-01-02T14:30:00.5Z,20,100\n2024-01-02T14:30:00.75Z,20.05,50\n2024-01-02T14:30:02.5Z,21.4,10\n');
  expect(cift(['ingest', quotes, '--symbol', 'DAYQ'], { home }).status).toBe(0);
  expect(cift(['ingest', trades, '--symbol', 'DAYQ'], { home }).status).toBe(0);
  const made = cift(['serve', 'keys', 'create', '--account', 'paper', '--name', 'bot', '--json'], { home });
  expect(made.status).toBe(0);
  key = JSON.parse(made.stdout).key;
});
afterAll(() => tmp.cleanup());

describe('cift serve: a replayed day traded over HTTP and watched over WebSocket', { tags: ['e2e'] }, () => {
  it('fills at the replayed price, pushes trades and the order event, lists through the server, exits 0 on SIGTERM', async () => {
    // Speed 0.2: the first trade (0.5 s into the window) is replayed 2.5 s after listening, time for a subscriber to connect.
    const server = await startServe(home, ['--replay', 'DAYQ', '--speed', '0.2', '--from', '2024-01-02T14:30:00Z', '--to', '2024-01-02T14:30:01Z']);
    const { child, url, exit } = server;
    try {
      const messages: Array<Record<string, unknown>> = [];
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/market-data/ws/stream`, { headers: { 'X-API-Key': key } });
      ws.on('message', (data) => messages.push(JSON.parse(String(data))));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ action: 'subscribe', symbols: ['DAYQ'], channels: ['trades', 'orders'] }));
      const until = async (done: () => boolean, what: string) => {
        for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
        if (!done()) throw new Error(`timed out waiting for ${what}; stderr: ${server.stderr()}`);
      };
      await until(() => server.stderr().includes('replay ended'), 'the replay to end');

      // The two trades inside the window, in time order (the third is after --to).
      const trades = messages.filter((m) => m.type === 'trade');
      expect(trades.map((t) => [t.ts, t.price, t.size])).toEqual([
        ['2024-01-02T14:30:00.500Z', 20, 100],
        ['2024-01-02T14:30:00.750Z', 20.05, 50],
      ]);

      const submit = await fetch(`${url}/api/v1/trading/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ symbol: 'DAYQ', side: 'buy', order_type: 'market', quantity: 2, client_order_id: 'day-1' }),
      });
      expect(submit.status).toBe(201);
      const placed = await submit.json();
      // Ask at the end of the replay, 20.5; 2 × 20.5 = 41 at the default fee rate 0.
      expect(placed).toMatchObject({ status: 'filled', symbol: 'DAYQ', quantity: '2.000000', filled_quantity: '2.000000', filled_avg_price: '20.500000' });
      expect(placed.fill).toMatchObject({ price: '20.500000', price_source: 'quote' });

      await until(() => messages.some((m) => m.type === 'order'), 'the order event');
      const event = messages.find((m) => m.type === 'order')!;
      expect(event).toMatchObject({ channel: 'orders', event: 'filled', account: 'paper', symbol: 'DAYQ' });
      expect((event.order as { id: string }).id).toBe(placed.id);
      ws.close();

      // Another shell: the ledger is the server's, so `cift order list` goes through it and shows the same order.
      const listed = cift(['order', 'list', '--json', '--lock-timeout', '0'], { home });
      expect(listed.status).toBe(0);
      const orders = JSON.parse(listed.stdout);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ id: placed.id, client_order_id: 'day-1', status: 'filled' });
      expect(orders[0].fill.price).toBe('20.500000');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toEqual({ code: 0, signal: null });
    // The ledger is free again: a local read sees the order the server recorded.
    const after = cift(['order', 'list', '--json'], { home });
    expect(after.status).toBe(0);
    expect(JSON.parse(after.stdout)).toHaveLength(1);
  });
});
