/**
 * The latest prices a server trades at: the stored latest row, until a live source (the replay) has moved it. Orders
 * fill at, and portfolios are marked to, whatever `latest()` answers, so wrapping the market in this overlay is all
 * it takes for a replayed day to become the prices a bot paper-trades against.
 */
import type { TickKind } from '../schema.js';
import type { MarketData } from '../market-data.js';
import type { LatestRow } from '../store/ticks/types.js';

type Market = Pick<MarketData, 'latest' | 'kindsOf'> & { revision?(): Promise<object | undefined> };

/** What the overlay's answers depend on: its own rows (a version counted up on every change) and the store's revision. */
interface Revision {
  readonly version: number;
  readonly stored: object;
}

export class LiveMarket implements Market {
  private readonly rows = new Map<string, LatestRow>();
  /** Counted up whenever a live row is recorded or the rows are forgotten: latest() may answer differently. */
  private version = 0;
  private last: Revision | undefined;

  constructor(private readonly stored: Market) {}

  private static key(kind: TickKind, symbol: string): string {
    return `${kind}\u0000${symbol}`;
  }

  /** Records a live row as the latest of its kind and symbol (a later row only: replays never move time back). */
  set(kind: TickKind, symbol: string, row: LatestRow): void {
    const key = LiveMarket.key(kind, symbol);
    const held = this.rows.get(key);
    if (held === undefined || row.ts >= held.ts) {
      this.rows.set(key, row);
      this.version++;
    }
  }

  /** Forgets the live rows, so `latest()` answers from the store again. */
  clear(): void {
    this.rows.clear();
    this.version++;
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    return this.rows.get(LiveMarket.key(kind, symbol)) ?? this.stored.latest(kind, symbol);
  }

  kindsOf(symbol: string): Promise<TickKind[]> {
    return this.stored.kindsOf(symbol);
  }

  /**
   * An opaque token, the same object while latest() and kindsOf() answer the same: a new one after any set() or
   * clear() and whenever the store's own revision changes. Undefined when the store cannot tell (nothing may be cached).
   */
  async revision(): Promise<object | undefined> {
    const stored = await this.stored.revision?.();
    if (stored === undefined) return undefined;
    const last = this.last;
    if (last !== undefined && last.version === this.version && last.stored === stored) return last;
    return (this.last = { version: this.version, stored });
  }
}
