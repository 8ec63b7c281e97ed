/**
 * The outbox relay: reads unpublished order_events rows in id order, publishes them to the bus, then marks them
 * published. Nothing is lost: a row is marked only after the bus took it, so a crash or an outage leaves it in the
 * outbox for the next pass. Nothing is doubled for a consumer: a row published but not yet marked is published
 * again with the same id, which the bus skips (Redis, memory) or consumers drop (Kafka). Order holds: each batch
 * is published in id order and stops at the first failure, and the next pass starts again at the lowest
 * unpublished id.
 */
import type { Ledger, StoredOrderEvent } from '../ledger/types.js';
import { TOPICS, type Bus, type BusEvent } from './types.js';

export interface RelayOptions {
  /** Rows per pass (default 200). */
  batch?: number;
  /** First retry delay after a failure, doubled per consecutive failure up to maxDelayMs (defaults 100, 5000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Waits (tests pass a fake clock); resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Now as UTC epoch ns, for published_ns. */
  now?: () => bigint;
  /** Told after each pass that published rows (startRelay). */
  onPublished?: (count: number) => void;
  /** Told about every failed pass and the delay before the next try. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const toBusEvent = (r: StoredOrderEvent): BusEvent => ({ id: r.id, account: r.account, orderId: r.orderId, kind: r.kind, createdNs: r.createdNs, payload: r.payload });

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });

const wallNs = () => BigInt(Date.now()) * 1_000_000n;

/** The delay before retry `attempt` (1-based): base·2^(attempt−1), capped. */
export const backoffMs = (attempt: number, baseMs: number, maxMs: number): number => Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));

/**
 * One pass: publishes and marks up to `batch` rows after `afterId` (every row up to it is known published, so the
 * read starts there on the primary key instead of scanning the whole outbox); returns them. A bus failure throws
 * with nothing marked.
 */
export async function relayOnce(ledger: Ledger, bus: Bus, opts: RelayOptions = {}, afterId?: bigint): Promise<StoredOrderEvent[]> {
  const rows = await ledger.orderEvents({ afterId, unpublished: true, limit: opts.batch ?? 200 });
  if (rows.length === 0) return rows;
  await bus.publish(TOPICS.orders, rows.map(toBusEvent));
  await ledger.markPublished(rows.map((r) => r.id), (opts.now ?? wallNs)());
  return rows;
}

export interface DrainResult {
  published: number;
  /** Whether rows were left in the outbox (the deadline passed while the bus failed). */
  pending: boolean;
  /** The last failure, when the deadline passed with rows left. */
  error?: unknown;
}

/** Publishes until the outbox is empty, retrying with backoff, giving up (rows stay in the outbox) after `deadlineMs`. */
export async function drainOutbox(ledger: Ledger, bus: Bus, opts: RelayOptions & { deadlineMs: number }): Promise<DrainResult> {
  const sleep = opts.sleep ?? defaultSleep;
  const until = Date.now() + opts.deadlineMs;
  let published = 0;
  let attempt = 0;
  let cursor: bigint | undefined;
  for (;;) {
    try {
      const rows = await relayOnce(ledger, bus, opts, cursor);
      if (rows.length) cursor = rows[rows.length - 1].id;
      published += rows.length;
      attempt = 0;
      if (rows.length === 0) return { published, pending: false };
    } catch (error) {
      attempt++;
      const delay = backoffMs(attempt, opts.baseDelayMs ?? 100, opts.maxDelayMs ?? 5000);
      if (Date.now() + delay > until) return { published, pending: true, error };
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

export interface RunningRelay {
  /** Stops after the pass in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Asks for a pass now (after an order change), instead of at the next idle tick. */
  poke(): void;
}

/** The continuous relay of `cift serve`: a pass every `idleMs` (default 200) or on poke(), backoff on failure. */
export function startRelay(ledger: Ledger, bus: Bus, opts: RelayOptions & { idleMs?: number } = {}): RunningRelay {
  const sleep = opts.sleep ?? defaultSleep;
  const stopping = new AbortController();
  let wake = new AbortController();
  const loop = (async () => {
    let attempt = 0;
    // Everything up to here is published: the first pass scans the outbox once, later ones start after it.
    let cursor: bigint | undefined;
    while (!stopping.signal.aborted) {
      let delay = opts.idleMs ?? 200;
      try {
        const rows = await relayOnce(ledger, bus, opts, cursor);
        if (rows.length) cursor = rows[rows.length - 1].id;
        attempt = 0;
        if (rows.length > 0) {
          opts.onPublished?.(rows.length);
          continue; // more may be waiting
        }
      } catch (error) {
        attempt++;
        delay = backoffMs(attempt, opts.baseDelayMs ?? 100, opts.maxDelayMs ?? 5000);
        opts.onRetry?.(error, attempt, delay);
      }
      if (wake.signal.aborted) wake = new AbortController();
      // A poke cuts an idle wait short, never a backoff: orders placed during an outage must not hammer the bus.
      await sleep(delay, attempt === 0 ? AbortSignal.any([stopping.signal, wake.signal]) : stopping.signal);
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
    poke: () => wake.abort(),
  };
}
