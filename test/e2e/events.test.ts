/**
 * `cift order` → outbox → bus → `cift events tail`, through the built CLI: without a bus (tail reads the outbox),
 * with CIFT_BUS_URL on a private redis-server (the stream read back by an independent client too), with the bus
 * down (the order stands, the events wait and go out with the next order command), and a bad CIFT_BUS_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { cift, startServe, tempDir } from '../helpers.js';
import { freePort, hasRedisServer, startRedis, stopRedis } from '../bus/fixture.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; kind: string; order_id: string; account: string; order: { symbol: string; status: string } });

describe('cift events tail without a bus: the outbox', () => {
  it('shows accepted then filled for a market buy of GOOG (shipped data), and --from skips', () => {
    const home = join(tmp.dir, 'plain');
    const buy = cift(['order', 'buy', 'GOOG', '1', '--json'], { home });
    expect(buy.status, buy.stderr).toBe(0);
    const id = JSON.parse(buy.stdout).id as string;
    const tail = cift(['events', 'tail', '--json'], { home });
    expect(tail.status, tail.stderr).toBe(0);
    expect(lines(tail.stdout).map((e) => [e.id, e.order_id, e.kind, e.order.status, e.order.symbol])).toEqual([
      ['1', id, 'accepted', 'accepted', 'GOOG'],
      ['2', id, 'filled', 'filled', 'GOOG'],
    ]);
    expect(lines(cift(['events', 'tail', '--json', '--from', '1'], { home }).stdout).map((e) => e.kind)).toEqual(['filled']);
    const text = cift(['events', 'tail'], { home });
    expect(text.stdout.trim().split('\n')[1]).toMatch(new RegExp(`^\\s+2  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  paper\\s+filled\\s+order ${id}\\s+GOOG\\s+buy\\s+1\\.000000  filled$`));
  });

  it('refuses a bad --from in one line, exit 2', () => {
    const r = cift(['events', 'tail', '--from', 'abc'], { home: join(tmp.dir, 'plain') });
    expect([r.status, r.stderr.trim()]).toEqual([2, 'cift: --from "abc" must be an event id (a whole number ≥ 0)']);
  });
});

describe.skipIf(!hasRedisServer)('cift order with CIFT_BUS_URL=redis://… (private redis-server)', () => {
  let port = 0;
  let server: ChildProcess;
  const prefix = 'e2e:';
  const env = () => ({ CIFT_BUS_URL: `redis://127.0.0.1:${port}/0?prefix=${prefix}` });
  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port, tmp.dir);
  });
  afterAll(async () => server && stopRedis(server));

  it('publishes accepted and filled after the order; tail reads them from the stream', async () => {
    const home = join(tmp.dir, 'redis');
    const buy = cift(['order', 'buy', 'GOOG', '1', '--json'], { home, env: env() });
    expect(buy.status, buy.stderr).toBe(0);
    expect(buy.stderr).toBe('');
    const id = JSON.parse(buy.stdout).id as string;
    const tail = cift(['events', 'tail', '--json'], { home, env: env() });
    expect(tail.status, tail.stderr).toBe(0);
    expect(lines(tail.stdout).map((e) => [e.order_id, e.kind])).toEqual([
      [id, 'accepted'],
      [id, 'filled'],
    ]);
    const raw = new Redis(`redis://127.0.0.1:${port}`);
    try {
      expect((await raw.xrange(`${prefix}cift.orders`, '-', '+')).map(([entry]) => entry)).toEqual(['1-0', '2-0']);
    } finally {
      raw.disconnect();
    }
  });

  it('with the bus down the order stands and its events wait; the next order command publishes them all', async () => {
    const home = join(tmp.dir, 'outage');
    const down = { CIFT_BUS_URL: `redis://127.0.0.1:${await freePort()}/0?prefix=${prefix}` };
    const first = cift(['order', 'buy', 'GOOG', '1', '--json'], { home, env: down });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^note: order events wait in the outbox: .*; the next order command or cift serve publishes them\n$/);
    const outage = { CIFT_BUS_URL: `redis://127.0.0.1:${port}/0?prefix=outage:` };
    const second = cift(['order', 'sell', 'GOOG', '1', '--json'], { home, env: outage });
    expect(second.status, second.stderr).toBe(0);
    const events = lines(cift(['events', 'tail', '--json'], { home, env: outage }).stdout);
    expect(events.map((e) => [e.id, e.order_id, e.kind])).toEqual([
      ['1', JSON.parse(first.stdout).id, 'accepted'],
      ['2', JSON.parse(first.stdout).id, 'filled'],
      ['3', JSON.parse(second.stdout).id, 'accepted'],
      ['4', JSON.parse(second.stdout).id, 'filled'],
    ]);
  });

  it('cift serve relays: an order forwarded to it, and one left in the outbox before it started, reach the stream', async () => {
    const home = join(tmp.dir, 'serve');
    const bus = { CIFT_BUS_URL: `redis://127.0.0.1:${port}/0?prefix=serve:` };
    // Left in the outbox: the bus was away when this order was placed.
    const early = cift(['order', 'buy', 'GOOG', '1', '--json'], { home, env: { CIFT_BUS_URL: `redis://127.0.0.1:${await freePort()}` } });
    expect(early.status, early.stderr).toBe(0);
    const serve = await startServe(home, [], bus);
    try {
      // Sent to the server (it holds the embedded ledger); its relay publishes after the commit.
      const late = cift(['order', 'sell', 'GOOG', '1', '--json'], { home, env: bus });
      expect(late.status, late.stderr).toBe(0);
      const want = [JSON.parse(early.stdout).id, JSON.parse(early.stdout).id, JSON.parse(late.stdout).id, JSON.parse(late.stdout).id];
      let got: string[] = [];
      for (const until = Date.now() + 10_000; got.length < 4 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        got = lines(cift(['events', 'tail', '--json'], { home, env: bus }).stdout).map((e) => `${e.order_id}:${e.kind}`);
      }
      expect(got).toEqual([`${want[0]}:accepted`, `${want[1]}:filled`, `${want[2]}:accepted`, `${want[3]}:filled`]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exit;
    }
  });

  it('cift serve says once that the bus went away and once that it is back; nothing is lost meanwhile', async () => {
    const home = join(tmp.dir, 'serve-outage');
    const busPort = await freePort();
    const dir = join(tmp.dir, 'serve-outage-redis');
    mkdirSync(dir);
    let own = await startRedis(busPort, dir);
    const bus = { CIFT_BUS_URL: `redis://127.0.0.1:${busPort}` };
    const serve = await startServe(home, [], bus);
    try {
      await stopRedis(own);
      const during = cift(['order', 'buy', 'GOOG', '1', '--json'], { home, env: bus });
      expect(during.status, during.stderr).toBe(0);
      for (const until = Date.now() + 5000; !/unavailable/.test(serve.stderr()) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      own = await startRedis(busPort, dir);
      for (const until = Date.now() + 10_000; !/is back/.test(serve.stderr()) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      const said = serve.stderr().split('\n').filter((l) => /bus /.test(l));
      expect(said).toEqual([
        expect.stringMatching(new RegExp(`^cift serve: bus redis://127\\.0\\.0\\.1:${busPort} unavailable \\(.*\\); order events wait in the outbox, retrying with backoff$`)),
        `cift serve: bus redis://127.0.0.1:${busPort} is back; order events published`,
      ]);
      const id = JSON.parse(during.stdout).id as string;
      expect(lines(cift(['events', 'tail', '--json'], { home, env: bus }).stdout).map((e) => `${e.order_id}:${e.kind}`)).toEqual([`${id}:accepted`, `${id}:filled`]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exit;
      await stopRedis(own);
    }
  });

  it('a bad CIFT_BUS_URL fails in one line before any order is recorded', () => {
    const home = join(tmp.dir, 'bad');
    const r = cift(['order', 'buy', 'GOOG', '1'], { home, env: { CIFT_BUS_URL: 'amqp://x' } });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('cift: CIFT_BUS_URL "amqp://x" has an unknown scheme "amqp://" (redis:// or kafka://)');
    expect(lines(cift(['events', 'tail', '--json'], { home }).stdout)).toEqual([]);
  });
});
