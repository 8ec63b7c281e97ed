/**
 * The Kafka adapter against a real broker: runs only when CIFT_KAFKA_BROKERS is set (host:port,…), and says it
 * skipped otherwise (no broker exists on these machines; the encoding and partitioning are tested without one in
 * codec.test.ts). A burst relayed twice over (a relay that died before marking) is read back by an independent
 * kafkajs consumer: deduplicated on the event id header, every event once, and each account's events in order on
 * one partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { decode } from '@msgpack/msgpack';
import { EVENT_ID_HEADER, KafkaBus } from '../../src/store/bus/kafka.js';
import { relayOnce, toBusEvent } from '../../src/store/bus/relay.js';
import { TOPICS } from '../../src/store/bus/types.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { ACCOUNTS, duckLedger, expectedPerAccount, openAccounts, submitNth } from './fixture.js';

const BROKERS = process.env.CIFT_KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (BROKERS.length === 0) console.warn('skipping the live Kafka bus suite: CIFT_KAFKA_BROKERS is not set');

describe.skipIf(BROKERS.length === 0)('Kafka bus (live, CIFT_KAFKA_BROKERS)', () => {
  let ledger: Ledger;
  let cleanup: () => Promise<void>;
  let bus: KafkaBus;
  beforeAll(async () => {
    ({ ledger, cleanup } = await duckLedger());
    await openAccounts(ledger);
    bus = await KafkaBus.open(BROKERS, BROKERS.join(','));
  });
  afterAll(async () => {
    await bus?.close();
    await cleanup?.();
  });

  it('delivers each event id once after dedupe, one partition per account, in order', async () => {
    for (let k = 0; k < 30; k++) await submitNth(ledger, k);
    // The first 10 rows published but never marked (a crash), then the relay runs for real.
    await bus.publish(TOPICS.orders, (await ledger.orderEvents({ limit: 10, unpublished: true })).map(toBusEvent));
    while ((await relayOnce(ledger, bus)).length);
    const kafka = new Kafka({ clientId: 'cift-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `cift-test-${randomBytes(6).toString('hex')}` });
    const seen = new Map<string, { account: string; partition: number; tag: string }>();
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.orders, fromBeginning: true });
    const outbox = await ledger.orderEvents({ limit: 10_000 });
    const order: string[] = [];
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = message.headers![EVENT_ID_HEADER]!.toString();
        const m = decode(message.value!, { useBigInt64: true }) as Record<string, string>;
        expect(m.id).toBe(id);
        expect(message.key!.toString()).toBe(m.account);
        if (seen.has(id)) return; // the republished prefix
        seen.set(id, { account: m.account, partition, tag: `${m.order_id}:${m.kind}` });
        order.push(id);
      },
    });
    const until = Date.now() + 30_000;
    while (seen.size < outbox.length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    expect([...seen.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(outbox.map((r) => String(r.id)));
    const expected = await expectedPerAccount(ledger);
    for (const a of ACCOUNTS) {
      const mine = order.filter((id) => seen.get(id)!.account === a);
      expect(new Set(mine.map((id) => seen.get(id)!.partition)).size, `${a}: one partition`).toBe(1);
      expect(mine.map((id) => seen.get(id)!.tag), `${a}: in order`).toEqual(expected.get(a));
    }
  });
});
