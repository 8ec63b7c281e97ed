/**
 * Kafka (kafkajs): one topic per event family, message key = account (the default, Java-compatible murmur2
 * partitioner then keeps one account's events on one partition, in order), the event id in the `cift-event-id`
 * header and in the MessagePack value. The producer is idempotent (retries inside a session are not doubled by
 * the broker); a publish repeated after a relay crash can still append an event again, so consumers dedupe on the
 * id — read() here does.
 */
import { randomBytes } from 'node:crypto';
import type * as KafkaJs from 'kafkajs';
import type { Kafka, Producer, ICustomPartitioner } from 'kafkajs';
import { requireClient } from '../require-client.js';
import { CiftError } from '../../errors.js';
import { decodeEvent, encodeEvent } from './codec.js';
import type { Bus, BusEvent, Topic } from './types.js';

export const EVENT_ID_HEADER = 'cift-event-id';

export interface KafkaMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** The messages for a batch, in order: key = account, value = the MessagePack event, the id as a header. */
export function toKafkaMessages(events: readonly BusEvent[]): KafkaMessage[] {
  return events.map((e) => ({ key: e.account, value: Buffer.from(encodeEvent(e)), headers: { [EVENT_ID_HEADER]: e.id.toString() } }));
}

/** The partition kafkajs's default partitioner picks for `key` among `partitions` (what the producer does). */
export async function partitionFor(key: string, partitions: number): Promise<number> {
  const { Partitioners } = requireClient('kafkajs') as typeof KafkaJs;
  const pick = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, k) => ({ partitionId: k, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return pick({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka';
  private producer: Producer | undefined;
  private readonly topicsMade = new Set<string>();

  private constructor(
    private readonly kafka: Kafka,
    private readonly partitioner: ICustomPartitioner,
    readonly where: string,
  ) {}

  static async open(brokers: string[], where: string): Promise<KafkaBus> {
    const { Kafka, logLevel, Partitioners } = requireClient('kafkajs') as typeof KafkaJs;
    const kafka = new Kafka({ clientId: 'cift', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 } });
    return new KafkaBus(kafka, Partitioners.DefaultPartitioner, where);
  }

  /** Creates the topic once (brokers may not auto-create); an existing topic is fine. */
  private async ensureTopic(topic: string): Promise<void> {
    if (this.topicsMade.has(topic)) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    } catch {
      // Not allowed to create topics, or it exists: the send below says whether the topic is usable.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.topicsMade.add(topic);
  }

  private unavailable(e: unknown): CiftError {
    return new CiftError('STORE_UNAVAILABLE', `bus ${this.where}: ${((e as Error)?.message ?? String(e)).split('\n')[0]}`);
  }

  async publish(topic: Topic, events: readonly BusEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      if (!this.producer) {
        // Idempotent: one request in flight, so a retried batch cannot overtake the one before it.
        // The partitioner partitionFor() names, explicitly: key = account → one partition per account.
        // Short retries: the relay's backoff is the long-term retry (an idempotent producer must allow some).
        const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: this.partitioner, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
        await producer.connect();
        this.producer = producer;
      }
      await this.ensureTopic(topic);
      await this.producer.send({ topic, acks: -1, messages: toKafkaMessages(events) });
    } catch (e) {
      const p = this.producer;
      this.producer = undefined;
      await p?.disconnect().catch(() => undefined);
      throw this.unavailable(e);
    }
  }

  /**
   * Reads the topic from the beginning with a throwaway consumer group until it has been idle for a moment,
   * keeping each id once (a republished event appears twice in the log) and ids above `afterId`, in id order.
   */
  async read(topic: Topic, afterId: bigint, limit: number, waitMs = 0): Promise<BusEvent[]> {
    const consumer = this.kafka.consumer({ groupId: `cift-tail-${randomBytes(6).toString('hex')}` });
    const seen = new Map<bigint, BusEvent>();
    let lastAt = Date.now();
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          lastAt = Date.now();
          if (!message.value) return;
          const e = decodeEvent(message.value);
          if (e.id > afterId && !seen.has(e.id)) seen.set(e.id, e);
        },
      });
      const idle = Math.max(1500, waitMs);
      while (Date.now() - lastAt < idle) await new Promise((r) => setTimeout(r, 100));
    } catch (e) {
      throw this.unavailable(e);
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}
