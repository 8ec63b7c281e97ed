/**
 * The order use-cases both front doors call: submit, cancel, list, get, and the account's positions. Each takes
 * a validated request and returns the JSON view (src/usecases/views.ts). Ledger work goes through
 * stores.withLedger, so the CLI holds the embedded ledger only for the transaction and the server keeps its own.
 */
import { CiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import { ORDER_QUANTITY_MAX, parseExact, type Dec } from '../money.js';
import type { Ledger, OrderStatus } from '../store/ledger/types.js';
import { openAccount } from '../trading/accounts.js';
import { placeOrder, prepareOrder, type SubmitRequest } from '../trading/orders.js';
import { matchResting, type MatchOptions } from '../trading/resting.js';
import type { Settings } from '../config.js';
import { openLedgerStores, type LedgerStores } from './stores.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { orderJson, positionJson, reasonsOf, type OrderJson, type PositionJson, type Reason } from './views.js';

/** What an order use-case needs: the market's latest prices and symbol catalog, and the ledger. */
export interface TradingStores extends Pick<LedgerStores, 'withLedger'> {
  /** read (stored history) is needed by --at and match; clockNs is a replaying server's market clock (LiveMarket). */
  market: Pick<MarketData, 'latest' | 'kindsOf'> & Partial<Pick<MarketData, 'read'>> & { clockNs?(symbol: string): bigint | undefined };
}

export type { SubmitRequest };

/**
 * An order quantity as a person or a JSON body gives it ("10", "0.5", "1e3", 10, 0.5), read exactly and never
 * rounded to the ledger's 6 places; USAGE naming the value otherwise. A quantity beyond what the ledger can record
 * is still read, so the risk checks can reject it naming the limits it breaks.
 */
export function readQuantity(value: string | number): Dec {
  const r = parseExact(value, ORDER_QUANTITY_MAX);
  if (!r.ok) throw new CiftError('USAGE', `quantity "${value}" ${r.problem}`);
  if (!(r.value > 0n)) throw new CiftError('USAGE', `quantity "${value}" must be positive`);
  return r.value;
}

export interface SubmitOutcome {
  order: OrderJson;
  /** The client order id named an order already submitted: this is that order, nothing new was recorded. */
  duplicate: boolean;
  /** The risk checks refused it; the rejected order is recorded all the same. */
  rejected: boolean;
  reasons: Reason[];
}

/**
 * Submits a market order. A risk rejection is data (rejected: true with its reasons), not an error; errors are
 * UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT, USAGE (request out of range), IDEMPOTENCY_CONFLICT, and ORDER_REJECTED for a
 * quantity too large for the ledger to record (nothing written).
 */
export async function submitOrder(stores: TradingStores, req: SubmitRequest): Promise<SubmitOutcome> {
  await stores.market.kindsOf(req.symbol);
  const prepared = await prepareOrder(stores.market, req);
  const result = await stores.withLedger(async (ledger) => {
    await openAccount(ledger, req.account);
    return placeOrder(ledger, stores.market, prepared);
  });
  const o = result.order;
  return { order: orderJson(o, result.duplicate), duplicate: result.duplicate, rejected: o.status === 'rejected', reasons: reasonsOf(o) };
}

/**
 * Moves resting orders (of one symbol, or all) along the stored quotes and trades after their placement: fills,
 * partial fills and expiries, each one ledger transaction (src/trading/resting.ts).
 */
export async function matchOrders(stores: TradingStores, symbol?: string, opts: MatchOptions = {}): Promise<MatchJson> {
  if (symbol !== undefined) await stores.market.kindsOf(symbol);
  const market = stores.market;
  if (market.read === undefined) throw new CiftError('USAGE', 'matching needs the stored quotes and trades, which this market does not read');
  const report = await stores.withLedger((ledger) => matchResting(ledger, market as Pick<MarketData, 'read'>, symbol, opts));
  return { symbols: report.symbols, updates: report.updates, changes: report.changes.map((c) => ({ kind: c.kind, order: orderJson(c.order) })) };
}

export interface MatchJson {
  /** Symbols that had resting orders. */
  symbols: string[];
  /** Quotes and trades walked. */
  updates: number;
  /** Each fill or expiry, with the order after it. */
  changes: Array<{ kind: 'fill' | 'expire' | 'cancel'; order: OrderJson }>;
}

/**
 * After an ingest moved the market clock for `symbols`: matches their resting orders (an ingest is one of the
 * moments the clock moves). Never creates a ledger: without CIFT_DATABASE_URL and without an embedded ledger file
 * there are no orders to match (undefined). A ledger held by another process is not waited for (undefined too:
 * `cift order match` does it later).
 */
export async function matchAfterIngest(settings: Pick<Settings, 'home' | 'databaseUrl'>, market: Pick<MarketData, 'read' | 'latest' | 'kindsOf'>, symbols: readonly string[]): Promise<MatchJson | undefined> {
  if (!settings.databaseUrl && !existsSync(join(settings.home, 'ledger.duckdb'))) return undefined;
  const stores = openLedgerStores(settings, { lockTimeoutMs: 0 });
  const all: MatchJson = { symbols: [], updates: 0, changes: [] };
  try {
    for (const symbol of symbols) {
      const one = await matchOrders({ withLedger: stores.withLedger, market }, symbol);
      for (const s of one.symbols) all.symbols.push(s);
      all.updates += one.updates;
      for (const c of one.changes) all.changes.push(c);
    }
  } catch (e) {
    if (e instanceof CiftError && e.code === 'LEDGER_LOCKED') return undefined;
    throw e;
  }
  return all;
}

/** Cancels an order of `account`; ORDER_NOT_FOUND for an id it does not own, ORDER_NOT_CANCELABLE once final. */
export async function cancelOrder(stores: Pick<LedgerStores, 'withLedger'>, account: string, id: string): Promise<OrderJson> {
  return orderJson(await stores.withLedger(async (ledger) => (await openAccount(ledger, account), ledger.cancel(account, id))));
}

export interface OrderFilter {
  status?: OrderStatus;
  symbol?: string;
  /** At most this many: the most recent ones, still listed oldest first. */
  limit?: number;
}

/** The account's orders, oldest first, filtered. */
export async function listOrders(stores: Pick<LedgerStores, 'withLedger'>, account: string, filter: OrderFilter = {}): Promise<OrderJson[]> {
  if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit >= 0)) throw new CiftError('USAGE', `limit ${filter.limit} must be a whole number ≥ 0`);
  let orders = await stores.withLedger(async (ledger) => (await openAccount(ledger, account), ledger.orders(account, filter.status)));
  if (filter.symbol !== undefined) orders = orders.filter((o) => o.symbol === filter.symbol);
  if (filter.limit !== undefined) orders = filter.limit === 0 ? [] : orders.slice(-filter.limit);
  return orders.map((o) => orderJson(o));
}

/** One order of `account`; another account's id is ORDER_NOT_FOUND, exactly as an id that does not exist. */
export async function getOrder(stores: Pick<LedgerStores, 'withLedger'>, account: string, id: string): Promise<OrderJson> {
  const found = await stores.withLedger(async (ledger: Ledger) => {
    await openAccount(ledger, account);
    // The ledger port lists an account's orders only; reading them all is the scoping, not a lookup by id alone.
    return (await ledger.orders(account)).find((o) => o.id === id);
  });
  if (found === undefined) throw new CiftError('ORDER_NOT_FOUND', `no order "${id}" in account "${account}"`);
  return orderJson(found);
}

/** Every position the account has held (closed ones with quantity 0 keep their realized P&L). */
export async function listPositions(stores: Pick<LedgerStores, 'withLedger'>, account: string): Promise<PositionJson[]> {
  return (await stores.withLedger(async (ledger) => (await openAccount(ledger, account), ledger.positions(account)))).map(positionJson);
}

/** The account's position in one symbol; POSITION_NOT_FOUND when it never held it. */
export async function getPosition(stores: Pick<LedgerStores, 'withLedger'>, account: string, symbol: string): Promise<PositionJson> {
  const found = (await listPositions(stores, account)).find((p) => p.symbol === symbol);
  if (found === undefined) throw new CiftError('POSITION_NOT_FOUND', `no position in "${symbol}" in account "${account}"`);
  return found;
}
