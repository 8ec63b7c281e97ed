/**
 * Order events for the front doors: publishing what waits in the outbox after a command changed orders, and
 * reading events back for `cift events tail` — from the configured bus, or from the outbox itself when the bus is
 * the in-process one (no other process could read that).
 */
import type { Settings } from '../config.js';
import { externalBus, openBus } from '../store/bus/open.js';
import { drainOutbox, startRelay, toBusEvent, type DrainResult } from '../store/bus/relay.js';
import type { Ledger } from '../store/ledger/types.js';
import { TOPICS, type Bus, type BusEvent } from '../store/bus/types.js';
import { formatTs } from '../time.js';
import { openLedgerStores } from './stores.js';

type EventSettings = Pick<Settings, 'home' | 'databaseUrl' | 'busUrl'>;

/**
 * Publishes the outbox to the configured bus for up to `deadlineMs` (default 500: a few quick retries, so an outage
 * costs each command little; `cift serve` retries for as long as it takes), after the command's
 * own transaction committed, so a slow or absent bus never slows or fails the order. Undefined: no bus outside
 * this process is configured, nothing to do.
 */
export async function publishPending(settings: EventSettings, opts: { lockTimeoutMs?: number; deadlineMs?: number } = {}): Promise<(DrainResult & { where: string }) | undefined> {
  if (!externalBus(settings)) return undefined;
  const bus = await openBus(settings);
  try {
    const result = await openLedgerStores(settings, { lockTimeoutMs: opts.lockTimeoutMs }).withLedger((ledger) => drainOutbox(ledger, bus, { deadlineMs: opts.deadlineMs ?? 500 }));
    return { ...result, where: bus.where };
  } finally {
    await bus.close();
  }
}

/** An event as `cift events tail --json` prints it. */
export interface EventJson {
  id: string;
  account: string;
  order_id: string;
  kind: string;
  created_at: string;
  created_ns: string;
  order: unknown;
}

export const eventJson = (e: BusEvent): EventJson => ({
  id: e.id.toString(),
  account: e.account,
  order_id: e.orderId,
  kind: e.kind,
  created_at: formatTs(e.createdNs),
  created_ns: e.createdNs.toString(),
  order: e.payload,
});

export interface EventReader {
  /** 'outbox' (in-process bus: the ledger's table) or the bus's address. */
  readonly source: string;
  /** Events with id > afterId, ascending, at most `limit`; waits up to `waitMs` for one when there are none. */
  read(afterId: bigint, limit: number, waitMs: number): Promise<BusEvent[]>;
  close(): Promise<void>;
}

/** Reads from the configured bus, or from the outbox when the bus is in-process. */
export async function openEventReader(settings: EventSettings, opts: { lockTimeoutMs?: number } = {}): Promise<EventReader> {
  if (externalBus(settings)) {
    const bus: Bus = await openBus(settings);
    return { source: bus.where, read: (after, limit, waitMs) => bus.read(TOPICS.orders, after, limit, waitMs), close: () => bus.close() };
  }
  // The ledger is opened per read, so following the outbox never keeps the embedded ledger's lock from others.
  const stores = openLedgerStores(settings, { lockTimeoutMs: opts.lockTimeoutMs });
  const once = async (after: bigint, limit: number) => (await stores.withLedger((l) => l.orderEvents({ afterId: after, limit }))).map(toBusEvent);
  return {
    source: 'outbox',
    read: async (after, limit, waitMs) => {
      const rows = await once(after, limit);
      if (rows.length || waitMs <= 0) return rows;
      await new Promise((r) => setTimeout(r, waitMs));
      return once(after, limit);
    },
    close: () => stores.close(),
  };
}

/**
 * The continuous relay of `cift serve` when a bus outside the process is configured (undefined otherwise): passes
 * every 200 ms and on poke(), backoff while the bus is away. `say` is told once when the bus goes away and once
 * when it is back, not at every retry.
 */
export async function startEventRelay(ledger: Ledger, settings: Pick<Settings, 'busUrl'>, say: (line: string) => void): Promise<{ poke(): void; stop(): Promise<void> } | undefined> {
  if (!externalBus(settings)) return undefined;
  const bus = await openBus(settings);
  let down = false;
  const relay = startRelay(ledger, bus, {
    onRetry: (e) => {
      if (!down) say(`bus ${bus.where} unavailable (${(e as Error)?.message ?? e}); order events wait in the outbox, retrying with backoff`);
      down = true;
    },
    onPublished: () => {
      if (down) say(`bus ${bus.where} is back; order events published`);
      down = false;
    },
  });
  return { poke: () => relay.poke(), stop: async () => (await relay.stop(), await bus.close()) };
}
