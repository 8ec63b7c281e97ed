/**
 * The paper-trading use-cases behind one port, so `cift order` is parse → pick a TradingService → call → render.
 * The local service calls the use-cases on this process's ledger; the remote one (remote-trading.ts) sends the
 * same request to the `cift serve` that holds this $CIFT_HOME's embedded ledger and returns the same views.
 * openTradingService picks: remote only when a live server announced itself for this home (serve-discovery.ts)
 * and the ledger is the embedded one (PostgreSQL has no lock: never forwarded).
 */
import type { Settings } from '../config.js';
import { CiftError } from '../errors.js';
import type { DataOrigin } from '../market-data.js';
import type { Dec } from '../money.js';
import { findServer, type LocalServer } from '../serve-discovery.js';
import type { AccountLimits } from '../store/ledger/types.js';
import { listAccounts, openNewAccount, updateLimits } from './accounts.js';
import { cancelOrder, listOrders, listPositions, matchOrders, submitOrder, type MatchJson, type OrderFilter, type SubmitOutcome, type SubmitRequest, type TradingStores } from './orders.js';
import { getPortfolio, type PortfolioStores } from './portfolio.js';
import { remoteTradingService, ServerGone } from './remote-trading.js';
import { openLedgerStores, withCachedPrices, type LedgerStores } from './stores.js';
import type { AccountJson, LimitsJson, OrderJson, PortfolioJson, PositionJson } from './views.js';

export interface TradingService {
  /** Where the work happens, for messages: "local" or the server's URL. */
  readonly where: string;
  submit(req: SubmitRequest): Promise<SubmitOutcome>;
  cancel(account: string, id: string): Promise<OrderJson>;
  list(account: string, filter?: OrderFilter): Promise<OrderJson[]>;
  positions(account: string): Promise<PositionJson[]>;
  portfolio(account: string): Promise<PortfolioJson>;
  getLimits(account: string): Promise<LimitsJson>;
  updateLimits(account: string, update: Partial<AccountLimits>): Promise<LimitsJson>;
  createAccount(name: string, cash?: Dec): Promise<AccountJson>;
  listAccounts(): Promise<AccountJson[]>;
  /** Resting orders (of `symbol`, or all) matched against the stored quotes and trades: every account's. */
  match(symbol?: string): Promise<MatchJson>;
}

export type TradingMarket = TradingStores['market'] & PortfolioStores['market'];

export interface LocalTradingStores extends Pick<LedgerStores, 'withLedger'> {
  /** Market data, asked for only by submit and portfolio (so list, cancel… never load it). */
  market: () => Promise<TradingMarket>;
}

/** The use-cases on this process's stores. */
export function localTradingService(stores: LocalTradingStores): TradingService {
  const withMarket = async () => ({ withLedger: stores.withLedger, market: await stores.market() });
  return {
    where: 'local',
    submit: async (req) => submitOrder(await withMarket(), req),
    cancel: (account, id) => cancelOrder(stores, account, id),
    list: (account, filter) => listOrders(stores, account, filter),
    positions: (account) => listPositions(stores, account),
    portfolio: async (account) => getPortfolio(await withMarket(), account),
    getLimits: (account) => updateLimits(stores, account, {}),
    updateLimits: (account, update) => updateLimits(stores, account, update),
    createAccount: (name, cash) => openNewAccount(stores, name, cash),
    listAccounts: () => listAccounts(stores),
    match: async (symbol) => matchOrders(await withMarket(), symbol),
  };
}

/**
 * Calls `remote`, and `local` instead when the server refused the connection: nothing reached it, so doing the
 * work here is safe, and the ledger's lock decides. A server that died (or a stale serve.json whose pid another
 * process reuses) is then no obstacle; one that still holds the ledger without answering makes the local open
 * wait its lock timeout and fail with LEDGER_LOCKED, said together with the server that does not answer.
 */
export function failingOver<T extends object>(remote: T, local: () => T, who: string, methods: ReadonlyArray<keyof T & string>): T {
  const out = { ...remote } as Record<string, unknown>;
  for (const name of methods) {
    out[name] = async (...args: unknown[]) => {
      try {
        return await (remote[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (e) {
        if (!(e instanceof ServerGone)) throw e;
        try {
          return await (local()[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (le) {
          if (le instanceof CiftError && le.code === 'LEDGER_LOCKED') throw new CiftError('LEDGER_LOCKED', `${who} does not answer (${e.reason}), and ${le.message}`, le.hint);
          throw le;
        }
      }
    };
  }
  return out as T;
}

const TRADING_METHODS = ['submit', 'cancel', 'list', 'positions', 'portfolio', 'getLimits', 'updateLimits', 'createAccount', 'listAccounts', 'match'] as const;

/** The running server a command of this home is sent to, or undefined: none announced, or PostgreSQL (no lock). */
export function forwardTarget(settings: Pick<Settings, 'home' | 'databaseUrl'>): LocalServer | undefined {
  return settings.databaseUrl ? undefined : findServer(settings.home);
}

export const serverName = (server: Pick<LocalServer, 'pid' | 'url'>): string => `cift serve (pid ${server.pid}) at ${server.url}`;

export interface TradingServiceOptions {
  /** How long the local ledger waits for another process's lock (LEDGER_LOCKED after). */
  lockTimeoutMs?: number;
  /** Market data for the local service (submit, portfolio), opened on first need. */
  market?: () => Promise<TradingMarket>;
  /** `--source` as given: the server prices orders from its own market data, so it cannot be forwarded. */
  source?: DataOrigin;
}

/**
 * The service a command uses: the server announced for this home when one is alive and the ledger is embedded,
 * else the local use-cases.
 */
export function openTradingService(settings: Pick<Settings, 'home' | 'databaseUrl'> & { redisUrl?: string }, opts: TradingServiceOptions = {}): TradingService {
  const market = opts.market;
  const local = () =>
    localTradingService({
      withLedger: openLedgerStores(settings, { lockTimeoutMs: opts.lockTimeoutMs }).withLedger,
      // Latest prices through the cache (CIFT_REDIS_URL, else in-process), as `cift serve` reads them.
      market: market
        ? async () => withCachedPrices(await market(), settings)
        : () => {
            throw new CiftError('INTERNAL', 'this command reads no market data');
          },
    });
  const server = forwardTarget(settings);
  if (server === undefined) return local();
  if (opts.source !== undefined) {
    throw new CiftError(
      'USAGE',
      `--source cannot be used while cift serve (pid ${server.pid}, ${server.url}) holds the ledger of ${settings.home}: the server prices orders from its own market data`,
      'leave --source out, or stop the server',
    );
  }
  return failingOver(remoteTradingService(server), local, serverName(server), TRADING_METHODS);
}
