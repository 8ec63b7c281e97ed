/**
 * The outbox relay against the in-process bus behind a fake that fails on cue: down for a while (backoff doubles),
 * dropping mid-batch after a prefix went through, and the ledger failing to mark rows after the bus took them.
 * Whatever happens, the bus ends with every outbox id exactly once, ascending, and each account's events in the
 * order its orders were placed (derived from the ledger's orders, not its events). Then the same on PostgreSQL
 * with concurrent submits while the relay runs, where ids commit out of order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CiftError } from '../../src/errors.js';
import { MemoryBus } from '../../src/store/bus/memory.js';
import { drainOutbox, relayOnce, startRelay } from '../../src/store/bus/relay.js';
import { TOPICS, type Bus, type BusEvent, type Topic } from '../../src/store/bus/types.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { hasPostgres } from '../services.js';
import { ACCOUNTS, duckLedger, expectedPerAccount, openAccounts, pgLedger, submitNth } from './fixture.js';

type Step = 'ok' | 'down' | { prefix: number };

/** The in-process bus, failing publish calls as `script` says (then fine): down, or after publishing a prefix. */
class FlakyBus implements Bus {
  readonly kind = 'memory';
  readonly where = 'flaky';
  readonly inner = new MemoryBus();
  calls = 0;
  /** Every event the bus was handed, repeats included. */
  readonly offered: bigint[] = [];
  constructor(private readonly script: Step[]) {}
  async publish(topic: Topic, events: readonly BusEvent[]): Promise<void> {
    const step = this.script[this.calls++] ?? 'ok';
    this.offered.push(...events.map((e) => e.id));
    if (step === 'down') throw new CiftError('STORE_UNAVAILABLE', 'bus down');
    if (step !== 'ok') {
      await this.inner.publish(topic, events.slice(0, step.prefix));
      throw new CiftError('STORE_UNAVAILABLE', `connection lost after ${step.prefix}`);
    }
    await this.inner.publish(topic, events);
  }
  read(topic: Topic, afterId: bigint, limit: number): Promise<BusEvent[]> {
    return this.inner.read(topic, afterId, limit);
  }
  async close(): Promise<void> {}
}

/** The ledger, with markPublished failing the first `failures` times (the relay "crashes" after publishing). */
function markFailing(ledger: Ledger, failures: number): Ledger {
  let left = failures;
  return new Proxy(ledger, {
    get(target, name, receiver) {
      if (name === 'markPublished' && left > 0) {
        return async () => {
          left--;
          throw new Error('ledger went away before marking');
        };
      }
      const v = Reflect.get(target, name, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Checks the bus against the outbox: each id once, ascending, and per account the expected (order, kind) sequence. */
async function expectDeliveredOnce(ledger: Ledger, bus: Bus): Promise<void> {
  const outbox = await ledger.orderEvents({ limit: 100_000 });
  const delivered = await bus.read(TOPICS.orders, 0n, 100_000);
  expect(delivered.map((e) => e.id), 'every outbox id exactly once, ascending').toEqual(outbox.map((r) => r.id));
  expect(outbox.every((r) => r.publishedNs !== undefined), 'every row marked published').toBe(true);
  const expected = await expectedPerAccount(ledger);
  for (const a of ACCOUNTS) {
    expect(delivered.filter((e) => e.account === a).map((e) => `${e.orderId}:${e.kind}`), `${a}: in order`).toEqual(expected.get(a));
  }
}

describe('outbox relay (embedded ledger, in-process bus behind a failing fake)', () => {
  let ledger: Ledger;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ ledger, cleanup } = await duckLedger());
    await openAccounts(ledger);
  });
  afterAll(() => cleanup?.());

  it('market orders write accepted+filled or rejected to the outbox in their own transaction', async () => {
    const { order } = await submitNth(ledger, 0);
    const rejected = (await submitNth(ledger, 2)).order;
    const rows = await ledger.orderEvents({ limit: 10 });
    expect(rows.map((r) => [r.orderId, r.kind, r.account])).toEqual([
      [order.id, 'accepted', 'acct-a'],
      [order.id, 'filled', 'acct-a'],
      [rejected.id, 'rejected', 'acct-c'],
    ]);
    expect((rows[0].payload as { status: string; fill: unknown }).status).toBe('accepted');
    expect((rows[1].payload as { fill: { price: string } }).fill.price).toBe('10.000000');
    expect(rows.every((r) => r.publishedNs === undefined)).toBe(true);
  });

  it('retries with doubling backoff while the bus is down, then delivers everything once', async () => {
    for (let k = 3; k < 30; k++) await submitNth(ledger, k);
    // Publish calls: down ×3, a drop after 4 events, a publish whose marking fails, a clean pass, a drop before any.
    const bus = new FlakyBus(['down', 'down', 'down', { prefix: 4 }, 'ok', 'ok', { prefix: 0 }]);
    const delays: number[] = [];
    const r = await drainOutbox(markFailing(ledger, 1), bus, { deadlineMs: 60_000, batch: 7, baseDelayMs: 100, maxDelayMs: 350, sleep: async (ms) => void delays.push(ms), onRetry: () => undefined });
    expect(r.pending).toBe(false);
    // Five failed passes in a row (the unmarked publish counts): 100, 200, then capped at 350; the clean pass
    // resets the count, so the last drop waits 100 again.
    expect(delays).toEqual([100, 200, 350, 350, 350, 100]);
    // The failed batches were offered again: the bus saw repeats, the consumer sees none.
    expect(bus.offered.length).toBeGreaterThan(r.published);
    await expectDeliveredOnce(ledger, bus.inner);
  });

  it('gives up at the deadline with the rows still in the outbox, and a later pass delivers them', async () => {
    await submitNth(ledger, 30);
    const down = new FlakyBus(Array(100).fill('down'));
    const r = await drainOutbox(ledger, down, { deadlineMs: 50, baseDelayMs: 10 });
    expect([r.pending, r.published, (r.error as Error).message]).toEqual([true, 0, 'bus down']);
    expect((await ledger.orderEvents({ limit: 100, unpublished: true })).map((e) => e.orderId)).toEqual([(await ledger.orders('acct-a')).at(-1)!.id, (await ledger.orders('acct-a')).at(-1)!.id]);
    const bus = new FlakyBus([]);
    await bus.inner.publish(TOPICS.orders, (await ledger.orderEvents({ limit: 1000 })).filter((e) => e.publishedNs !== undefined).map((e) => ({ ...e })));
    expect((await relayOnce(ledger, bus)).length).toBe(2);
    await expectDeliveredOnce(ledger, bus.inner);
  });
});

describe.skipIf(!hasPostgres)('outbox relay on PostgreSQL: concurrent submits while the relay runs', () => {
  let ledger: Ledger;
  let url = '';
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ ledger, url, cleanup } = await pgLedger());
    await openAccounts(ledger);
  });
  afterAll(() => cleanup?.());

  it('loses none that commit out of id order, doubles none across failures', async () => {
    // The in-process bus skips any id at or below the last it holds, as Redis does: an event committed after a
    // higher id was published would be dropped here, so this catches a relay that reads past an uncommitted id.
    const bus = new FlakyBus(['down', { prefix: 2 }, 'ok', 'ok', 'down', { prefix: 5 }]);
    const relay = startRelay(markFailing(ledger, 2), bus, { idleMs: 1, baseDelayMs: 5, maxDelayMs: 20, batch: 16 });
    await Promise.all(Array.from({ length: 150 }, (_, k) => submitNth(ledger, k)));
    const until = Date.now() + 20_000;
    while ((await ledger.orderEvents({ limit: 1, unpublished: true })).length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await relay.stop();
    await expectDeliveredOnce(ledger, bus.inner);
    expect((await ledger.orderEvents({ limit: 100_000 })).length).toBe(100 * 2 + 50);
  });

  it('waits for an id taken by a transaction still open, instead of publishing past it', async () => {
    // Another writer takes the next event id and has not committed yet.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      const taken = BigInt((await other.query("INSERT INTO order_events (account, order_id, kind, payload, created_ns) VALUES ('acct-a', 999999, 'canceled', '{}', 1) RETURNING id")).rows[0].id);
      const { order } = await submitNth(ledger, 1000); // commits two higher ids (accepted, filled)
      const bus = new MemoryBus();
      const pass = relayOnce(ledger, bus);
      const first = await Promise.race([pass.then(() => 'published'), new Promise((r) => setTimeout(r, 300, 'waiting'))]);
      expect(first, 'the relay must not publish ids above one that may still commit').toBe('waiting');
      await other.query('COMMIT');
      await pass;
      while ((await relayOnce(ledger, bus)).length);
      expect((await bus.read(TOPICS.orders, taken - 1n, 10)).map((e) => [e.id, e.orderId, e.kind])).toEqual([
        [taken, '999999', 'canceled'],
        [taken + 1n, order.id, 'accepted'],
        [taken + 2n, order.id, 'filled'],
      ]);
    } finally {
      await other.end();
    }
  });
});
