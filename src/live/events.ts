/**
 * Live events: what the server pushes to WebSocket subscribers. The replay (and later a live feed) publishes market
 * rows; the trading routes publish order events. One in-process hub fans them out; issue 12's bus (Redis Streams,
 * Kafka) plugs in behind the same `EventHub` port, so publishers and the WebSocket fan-out never change.
 */
import type { OrderJson } from '../usecases/views.js';

/** A stored market row as it happens: a trade, a quote, or a finished 1-minute bar. */
export interface MarketEvent {
  channel: 'trades' | 'quotes' | 'bars:1m';
  symbol: string;
  /** The row's event time, UTC ns. */
  ts: bigint;
  /** Its place among rows of the same ts (the store's seq), so replay order is (ts, seq). */
  seq: number;
  /** The kind's value columns (trades: price, size, side; quotes: bid, ask, bid_size, ask_size; bars: open … volume). */
  values: Record<string, number>;
}

/** An order of one account changed (submitted and filled or rejected, canceled, or moved by the matcher). */
export interface OrderEvent {
  channel: 'orders';
  account: string;
  symbol: string;
  /** UTC ns the change was recorded. */
  ts: bigint;
  event: 'filled' | 'partially_filled' | 'expired' | 'rejected' | 'canceled' | 'accepted';
  order: OrderJson;
}

export type LiveEvent = MarketEvent | OrderEvent;

export interface EventHub {
  publish(event: LiveEvent): void;
  /** Calls `listener` for every event published after this call, in publish order; returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** The in-process hub: synchronous fan-out to the listeners of this process. */
export class MemoryHub implements EventHub {
  private readonly listeners = new Set<(event: LiveEvent) => void>();

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/** The event a matcher change publishes: the order's status after it (a fill the cash could not pay: canceled). */
export function matchEventOf(order: OrderJson): OrderEvent['event'] | undefined {
  const s = order.status;
  return s === 'filled' || s === 'partially_filled' || s === 'expired' || s === 'canceled' ? s : undefined;
}

/** Publishes the orders the matcher changed on `hub` (the WebSocket `orders` channel, and the relay's poke). */
export function publishMatchChanges(hub: EventHub, changes: ReadonlyArray<{ order: OrderJson }>, nowNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n): void {
  for (const { order } of changes) {
    const event = matchEventOf(order);
    if (event !== undefined) hub.publish({ channel: 'orders', account: order.account, symbol: order.symbol, ts: nowNs(), event, order });
  }
}
