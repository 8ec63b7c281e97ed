/**
 * The latest prices a server trades at: the stored latest row, until a live source (the replay) has moved it. Orders
 * fill at, and portfolios are marked to, whatever `latest()` answers, so wrapping the market in this overlay is all
 * it takes for a replayed day to become the prices a bot paper-trades against.
 */
import { CiftError } from '../errors.js';
import type { TickKind } from '../schema.js';
import type { MarketData } from '../market-data.js';
import type { LatestRow } from '../store/ticks/types.js';

type Market = Pick<MarketData, 'latest' | 'kindsOf'> & Partial<Pick<MarketData, 'read'>> & { revision?(symbol: string): Promise<object | undefined> };

/** What the overlay's answers for one symbol depend on: its live rows (a version counted up on every change) and the store's revision. */
interface Revision {
  readonly version: number;
  readonly stored: object;
}

/** Symbols whose revision token is held; past this the tokens start again (a new token only costs one recomputation). */
const MAX_TOKENS = 10_000;

export class LiveMarket implements Market {
  private readonly rows = new Map<string, LatestRow>();
  /** By symbol, counted up whenever a live row of it is recorded: its latest() may answer differently. */
  private readonly versions = new Map<string, number>();
  /** The revision token last handed out, by symbol; forgotten with the rows, so every token after clear() is new. */
  private readonly tokens = new Map<string, Revision>();

  /** By symbol, the latest live row's ts of any kind: the replay's market clock for that symbol. */
  private readonly clocks = new Map<string, bigint>();

  constructor(private readonly stored: Market) {}

  /** Symbols a live source is about to move (a replay not yet at their first row): no clock, and no trading, yet. */
  private readonly awaited = new Set<string>();

  /**
   * Says a live source (a replay) will move `symbols`: until its first row of one, orders in it are refused
   * (clockNs), since the stored latest price is the end of the data, the replay's future.
   */
  awaitLive(symbols: readonly string[]): void {
    for (const s of symbols) if (!this.clocks.has(s)) this.awaited.add(s);
  }

  /** The live source ended (or stopped): symbols it never reached trade at their stored latest prices again. */
  release(): void {
    this.awaited.clear();
  }

  /**
   * The market clock of `symbol` while a live source moves it: the ts of its latest live row (trade or quote), or
   * undefined for a symbol nothing moves (its clock is its latest stored price). An order submitted through the
   * server is placed at this time (src/trading/orders.ts prepareOrder). LOOKAHEAD for an awaited symbol the
   * source has not reached yet.
   */
  clockNs(symbol: string): bigint | undefined {
    if (this.awaited.has(symbol)) {
      throw new CiftError('LOOKAHEAD', `${symbol} is being replayed and the replay has not reached its first trade or quote yet: its latest stored price is still in the future`, 'submit once the replay has reached it (its quote then shows the replayed time)');
    }
    return this.clocks.get(symbol);
  }

  private static key(kind: TickKind, symbol: string): string {
    return `${kind}\u0000${symbol}`;
  }

  /** Records a live row as the latest of its kind and symbol (a later row only: replays never move time back). */
  set(kind: TickKind, symbol: string, row: LatestRow): void {
    const key = LiveMarket.key(kind, symbol);
    const held = this.rows.get(key);
    if (held === undefined || row.ts >= held.ts) {
      this.rows.set(key, row);
      this.versions.set(symbol, (this.versions.get(symbol) ?? 0) + 1);
    }
    const clock = this.clocks.get(symbol);
    if (clock === undefined || row.ts > clock) this.clocks.set(symbol, row.ts);
    this.awaited.delete(symbol);
  }

  /** Forgets the live rows, so `latest()` answers from the store again. */
  clear(): void {
    this.rows.clear();
    this.tokens.clear();
    this.clocks.clear();
    this.awaited.clear();
  }

  async latest(kind: TickKind, symbol: string): Promise<LatestRow | undefined> {
    return this.rows.get(LiveMarket.key(kind, symbol)) ?? this.stored.latest(kind, symbol);
  }

  /**
   * The stored history, as stored (an order placed with --at prices at it; it may not be after the live clock, as
   * prepareOrder checks against latest()). Undefined when the wrapped market reads none.
   */
  get read(): MarketData['read'] | undefined {
    const stored = this.stored;
    return stored.read === undefined ? undefined : (kind, symbol, range) => stored.read!(kind, symbol, range);
  }

  kindsOf(symbol: string): Promise<TickKind[]> {
    return this.stored.kindsOf(symbol);
  }

  /**
   * An opaque token, the same object while latest() and kindsOf() answer the same for `symbol`: a new one after a
   * set() of that symbol, after clear(), and whenever the store's own revision changes (a replay of one symbol leaves
   * the others' tokens alone). Undefined when the store cannot tell (nothing may be cached).
   */
  async revision(symbol: string): Promise<object | undefined> {
    const stored = await this.stored.revision?.(symbol);
    if (stored === undefined) return undefined;
    // Read after the store's answer, so the token is never newer than what a read made after it sees.
    const version = this.versions.get(symbol) ?? 0;
    const held = this.tokens.get(symbol);
    if (held !== undefined && held.version === version && held.stored === stored) return held;
    if (this.tokens.size >= MAX_TOKENS && held === undefined) this.tokens.clear();
    const token: Revision = { version, stored };
    this.tokens.set(symbol, token);
    return token;
  }
}
