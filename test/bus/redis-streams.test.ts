/**
 * Redis Streams live, against a PRIVATE redis-server this test starts on a free port (never the shared one), with
 * an append-only file so the stream survives a restart. A burst of orders on three accounts runs while the relay
 * publishes; the server is stopped in the middle and started again. The stream is then read back by an independent
 * ioredis client and decoded by MessagePack directly (not by the adapter): every outbox event exactly once, entry
 * id = `<event id>-0`, and each account's events in the order of its orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { decode } from '@msgpack/msgpack';
import { RedisStreamsBus } from '../../src/store/bus/redis-streams.js';
import { startRelay } from '../../src/store/bus/relay.js';
import { TOPICS, type BusEvent } from '../../src/store/bus/types.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { tempDir } from '../helpers.js';
import { hasPostgres } from '../services.js';
import { ACCOUNTS, duckLedger, hasRedisServer, pgLedger, expectedPerAccount, freePort, openAccounts, startRedis, stopRedis, submitNth } from './fixture.js';

function redisSuite(name: string, open: () => Promise<{ ledger: Ledger; cleanup: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`Redis Streams bus (private redis-server), ${name} ledger`, () => {
    const PREFIX = 'cift-test:';
    const KEY = `${PREFIX}${TOPICS.orders}`;
    const tmp = tempDir();
    let port = 0;
    let server: ChildProcess;
    let ledger: Ledger;
    let closeLedger: () => Promise<void>;
    let bus: RedisStreamsBus;
    const url = () => `redis://127.0.0.1:${port}`;

    beforeAll(async () => {
      port = await freePort();
      server = await startRedis(port, tmp.dir);
      ({ ledger, cleanup: closeLedger } = await open());
      await openAccounts(ledger);
      bus = await RedisStreamsBus.open(url(), PREFIX, url());
    });
    afterAll(async () => {
      await bus?.close();
      await closeLedger?.();
      if (server) await stopRedis(server);
      tmp.cleanup();
    });

    /** The stream as an independent client sees it: [entry id, decoded map] per entry. */
    async function readStream(): Promise<Array<[string, Record<string, unknown>]>> {
      const raw = new Redis(url(), { lazyConnect: true });
      await raw.connect();
      try {
        const entries = await raw.xrangeBuffer(KEY, '-', '+');
        return entries.map(([id, fields]) => {
          expect(fields[0].toString()).toBe('event');
          return [id.toString(), decode(fields[1], { useBigInt64: true }) as Record<string, unknown>];
        });
      } finally {
        raw.disconnect();
      }
    }

    it('delivers a burst exactly once, in order per account, across a stop and restart of the server', async () => {
      const retries: string[] = [];
      const relay = startRelay(ledger, bus, { idleMs: 5, baseDelayMs: 20, maxDelayMs: 200, batch: 8, onRetry: (e) => retries.push((e as Error).message) });
      const ORDERS = 90;
      for (let k = 0; k < ORDERS; k++) {
        if (k === 30) await stopRedis(server); // the bus goes away mid-burst…
        if (k === 60) server = await startRedis(port, tmp.dir); // …and comes back
        await submitNth(ledger, k);
        if (k % 10 === 0) await new Promise((r) => setTimeout(r, 15)); // let the relay interleave with the burst
      }
      const until = Date.now() + 20_000;
      while ((await ledger.orderEvents({ limit: 1, unpublished: true })).length && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      await relay.stop();
      expect(retries.length, 'the outage was seen and retried').toBeGreaterThan(0);

      const outbox = await ledger.orderEvents({ limit: 10_000 });
      // 90 orders, every third rejected: 60 × (accepted, filled) + 30 × rejected.
      expect(outbox.length).toBe(60 * 2 + 30);
      const stream = await readStream();
      expect(stream.map(([id]) => id), 'each event once, entry id = <event id>-0, ascending').toEqual(outbox.map((r) => `${r.id}-0`));
      expect(stream.map(([, m]) => m.id)).toEqual(outbox.map((r) => String(r.id)));
      const expected = await expectedPerAccount(ledger);
      for (const a of ACCOUNTS) {
        expect(stream.filter(([, m]) => m.account === a).map(([, m]) => `${m.order_id}:${m.kind}`), `${a}: in the order of its orders`).toEqual(expected.get(a));
      }
    });

    it('a batch published again (a relay that died before marking) adds nothing', async () => {
      const before = await readStream();
      const again: BusEvent[] = (await ledger.orderEvents({ limit: 5 })).map((r) => ({ id: r.id, account: r.account, orderId: r.orderId, kind: r.kind, createdNs: r.createdNs, payload: r.payload }));
      await bus.publish(TOPICS.orders, again);
      expect(await readStream()).toEqual(before);
    });

    it('refuses, rather than skips, an event below entries it did not write, or whose id holds another event', async () => {
      const foreign = `${PREFIX}foreign:`;
      const raw = new Redis(url());
      try {
        await raw.xadd(`${foreign}${TOPICS.orders}`, '1000-0', 'event', 'x');
        const other = await RedisStreamsBus.open(url(), foreign, url());
        try {
          const e: BusEvent = { id: 5n, account: 'a', orderId: '1', kind: 'canceled', createdNs: 1n, payload: {} };
          await expect(other.publish(TOPICS.orders, [e])).rejects.toThrow(/past entry 5-0 without holding it/);
        // Another ledger's event under an id this stream holds: refused, not taken for a repeat.
        await other.publish(TOPICS.orders, [{ ...e, id: 2000n }]);
        await other.publish(TOPICS.orders, [{ ...e, id: 2000n }]); // a true repeat passes
        await expect(other.publish(TOPICS.orders, [{ ...e, id: 2000n, orderId: '2' }])).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringMatching(/holds another event as entry 2000-0/) });
        } finally {
          await other.close();
        }
      } finally {
        raw.disconnect();
      }
    });

    it('reads from an id, and waits for new events when asked', async () => {
      const all = await bus.read(TOPICS.orders, 0n, 10_000);
      const last = all.at(-1)!.id;
      expect((await bus.read(TOPICS.orders, last - 3n, 10)).map((e) => e.id)).toEqual([last - 2n, last - 1n, last]);
      const waiting = bus.read(TOPICS.orders, last, 10, 2000);
      await new Promise((r) => setTimeout(r, 100));
      const { order } = await submitNth(ledger, 1000);
      const relay = startRelay(ledger, bus, { idleMs: 5 });
      const got = await waiting;
      await relay.stop();
      expect(got.map((e) => [e.orderId, e.kind])[0]).toEqual([order.id, 'accepted']);
    });

    it('fails fast with STORE_UNAVAILABLE when the server is away', async () => {
      const away = await RedisStreamsBus.open(`redis://127.0.0.1:${await freePort()}`, PREFIX, 'away');
      try {
        await expect(away.publish(TOPICS.orders, [{ id: 1n, account: 'a', orderId: '1', kind: 'canceled', createdNs: 1n, payload: {} }])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      } finally {
        await away.close();
      }
    });
  });
}

redisSuite('embedded', duckLedger, !hasRedisServer);
redisSuite('PostgreSQL', pgLedger, !hasRedisServer || !hasPostgres);
