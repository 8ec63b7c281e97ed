/**
 * The bus port: events leave the ledger through the outbox (order_events) and are published here, in id order.
 * The event id (the outbox row's id) is each event's identity on every bus: publishing an id that is already on
 * the bus is a no-op (Redis Streams) or is deduplicated by consumers on the id (Kafka), so a publish repeated
 * after a crash never shows a consumer the same event twice.
 */
import type { OrderEventKind } from '../ledger/outbox.js';

/** Event families, one topic (Kafka) or stream (Redis) each. Only order events exist today. */
export const TOPICS = { orders: 'cift.orders' } as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export interface BusEvent {
  /** The outbox row id: increasing, the identity of the event everywhere. */
  id: bigint;
  /** The partition key on Kafka: one account's events stay in order on one partition. */
  account: string;
  orderId: string;
  kind: OrderEventKind;
  /** UTC epoch ns of the order change. */
  createdNs: bigint;
  /** The order as the API shows it after the change (OrderJson). */
  payload: unknown;
}

export interface Bus {
  /** 'memory', 'redis' or 'kafka'. */
  readonly kind: 'memory' | 'redis' | 'kafka';
  /** Where it is, for messages (no credentials). */
  readonly where: string;
  /**
   * Publishes `events` (ascending ids) in order; resolves once all are on the bus. Throws on the first failure,
   * having published at most a prefix of them, so a retry of the same batch neither loses nor reorders one.
   */
  publish(topic: Topic, events: readonly BusEvent[]): Promise<void>;
  /** Up to `limit` events with id > `afterId`, ascending, each id once. `waitMs`: block that long for new ones. */
  read(topic: Topic, afterId: bigint, limit: number, waitMs?: number): Promise<BusEvent[]>;
  close(): Promise<void>;
}
