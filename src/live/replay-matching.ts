/**
 * Resting orders matched as a replay moves the market clock (`cift serve --replay`): every replayed quote and
 * trade of a replayed symbol is handed to the same matcher and ledger code as `cift order match`
 * (src/trading/resting.ts applyMatch), and the orders it changes are published on the hub (the WebSocket `orders`
 * channel; `cift serve` pokes the outbox relay on each).
 *
 * It listens on the hub, so the replay loop never waits for the ledger: an update is queued and the listener
 * returns. Per symbol one drain runs at a time (never two overlapping ledger writes for the same orders); it takes
 * everything queued so far, in arrival ((ts, seq)) order, as one batch, so when matching falls behind the replay
 * speed it catches up in order and never skips an update. Symbols drain independently.
 */
import type { Ledger } from '../store/ledger/types.js';
import { marketUpdateOf } from '../trading/market-clock.js';
import type { MarketUpdate } from '../trading/matching.js';
import { matchUpdates } from '../trading/resting.js';
import { orderJson } from '../usecases/views.js';
import { publishMatchChanges, type EventHub } from './events.js';

export interface ReplayMatchingOptions {
  hub: EventHub;
  /** The replayed symbols: their rows move their orders' clock. */
  symbols: readonly string[];
  withLedger: <T>(work: (ledger: Ledger) => Promise<T>) => Promise<T>;
  /** A batch the ledger refused (its orders keep their cursors: `cift order match` catches them up later). */
  onError?: (symbol: string, error: unknown) => void;
}

export interface ReplayMatching {
  /** Resolves once every update queued so far has been matched. */
  idle(): Promise<void>;
  /** Stops listening; what is queued still drains (await idle()). */
  stop(): void;
  /** Updates handled so far, by symbol (matched, or in a batch onError was told of). */
  matched(symbol: string): number;
}

export function startReplayMatching(opts: ReplayMatchingOptions): ReplayMatching {
  const symbols = new Set(opts.symbols);
  const pending = new Map<string, MarketUpdate[]>();
  const running = new Map<string, Promise<void>>();
  const count = new Map<string, number>();

  const drain = async (symbol: string): Promise<void> => {
    for (;;) {
      const batch = pending.get(symbol);
      if (batch === undefined || batch.length === 0) break;
      pending.set(symbol, []);
      try {
        const changes = await opts.withLedger((ledger) => matchUpdates(ledger, symbol, batch));
        // After each change committed (applyMatch commits them one by one): subscribers never see an uncommitted fill.
        publishMatchChanges(opts.hub, changes.map((c) => ({ order: orderJson(c.order) })));
      } catch (e) {
        opts.onError?.(symbol, e);
      }
      count.set(symbol, (count.get(symbol) ?? 0) + batch.length);
    }
    running.delete(symbol);
  };

  const unsubscribe = opts.hub.subscribe((e) => {
    if ((e.channel !== 'quotes' && e.channel !== 'trades') || !symbols.has(e.symbol)) return;
    const queue = pending.get(e.symbol);
    const update = marketUpdateOf(e.channel, e.ts, e.seq, e.values);
    if (queue === undefined) pending.set(e.symbol, [update]);
    else queue.push(update);
    if (!running.has(e.symbol)) running.set(e.symbol, drain(e.symbol));
  });

  return {
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
    stop: unsubscribe,
    matched: (symbol) => count.get(symbol) ?? 0,
  };
}
