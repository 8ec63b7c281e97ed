/**
 * The TradingService of a running `cift serve`, over its trading routes (/api/v1/trading) with global fetch.
 * It authenticates with the server's local key (X-API-Key) and names the account in X-Cift-Account; it returns
 * the very views the local use-cases return (the routes answer with them), and turns the server's error JSON
 * {"error":{code,message,hint}} back into the same CiftError, so the CLI prints the same line and exits the same.
 * Amounts travel as decimal strings, never floats.
 */
import { formatTs } from '../time.js';
import { CiftError, type CiftErrorCode } from '../errors.js';
import { fmt } from '../money.js';
import type { AccountLimits } from '../store/ledger/types.js';
import type { MatchJson, OrderFilter, SubmitOutcome } from './orders.js';
import type { TradingService } from './trading-service.js';
import { reasonsOfView, type AccountJson, type LimitsJson, type OrderJson, type PortfolioJson, type PositionJson, type Reason } from './views.js';

export const TRADING_PREFIX = '/api/v1/trading';

/**
 * The server refused the connection (or its address is gone): nothing was sent, so the caller may do the work
 * itself. openTradingService then works on the ledger here, whose lock says whether a server really still holds it.
 */
export class ServerGone extends Error {
  constructor(
    readonly url: string,
    /** The connection error, e.g. ECONNREFUSED. */
    readonly reason: string,
  ) {
    super(`cift serve at ${url} does not answer (${reason})`);
    this.name = 'ServerGone';
  }
}

export interface RemoteServer {
  url: string;
  key: string;
  pid?: number;
}

export interface RemoteOptions {
  /** Give up waiting for an answer after this long (default 60 s). */
  timeoutMs?: number;
}

/** Connection failures that mean the request never reached a server. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; depth < 4 && c !== undefined && c !== null; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface Answer {
  status: number;
  body: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A list the server answered, bare or wrapped as { [key]: [...] }. */
export function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (isObject(body) && Array.isArray(body[key])) return body[key] as T[];
  throw new CiftError('INTERNAL', `cift serve answered an unexpected ${key} list`);
}

/** The order view as the local submit returns it: `duplicate` always present, last. */
function submitted(order: OrderJson, duplicate: boolean, reasons?: Reason[]): SubmitOutcome {
  const view: OrderJson = { ...order, duplicate: order.duplicate ?? duplicate };
  return { order: view, duplicate: view.duplicate === true, rejected: view.status === 'rejected', reasons: reasons ?? reasonsOfView(view) };
}

/** Requests to a running server's trading routes with its local key, and its error JSON as CiftErrors. */
export interface ServerClient {
  /** "cift serve (pid N) at URL", for messages. */
  who: string;
  call(method: string, path: string, account: string | undefined, body?: unknown): Promise<Answer>;
  /** The answer's body when it is a 2xx; else the server's error as the CiftError the local use-case throws. */
  ok(method: string, path: string, account: string | undefined, body?: unknown): Promise<unknown>;
  failure(answer: Answer): CiftError;
}

export function serverClient(server: RemoteServer, opts: RemoteOptions = {}): ServerClient {
  const who = server.pid === undefined ? `cift serve at ${server.url}` : `cift serve (pid ${server.pid}) at ${server.url}`;

  async function call(method: string, path: string, account: string | undefined, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { 'x-api-key': server.key, accept: 'application/json' };
    if (account !== undefined) headers['x-cift-account'] = account;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${server.url}${TRADING_PREFIX}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
    } catch (e) {
      const code = causeCode(e);
      if (code !== undefined && NOT_CONNECTED.has(code)) throw new ServerGone(server.url, code);
      const reason = (e as Error).name === 'TimeoutError' ? 'no answer in time' : (code ?? (e as Error).message);
      // The request may have reached the server: never redo it here.
      throw new CiftError('STORE_UNAVAILABLE', `lost ${who} before its answer (${reason})`, 'the command may have been carried out: check with `cift order list`');
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CiftError('INTERNAL', `${who} answered HTTP ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, body: parsed };
  }

  /** The server's error JSON as the CiftError the local use-case throws (same code, message and hint). */
  function failure(answer: Answer): CiftError {
    const e = isObject(answer.body) && isObject(answer.body.error) ? answer.body.error : undefined;
    if (e === undefined || typeof e.code !== 'string' || typeof e.message !== 'string') {
      return new CiftError('INTERNAL', `${who} answered HTTP ${answer.status}`);
    }
    const hint = typeof e.hint === 'string' ? e.hint : undefined;
    if (answer.status === 401 || answer.status === 403) {
      return new CiftError('LEDGER_LOCKED', `${who} refused this home's local key: ${e.message}`, 'the server holds the ledger; restart it (it writes a fresh serve.key), then run the command again');
    }
    // The server's codes are the core's own (it answers CiftErrors with their code); the CLI branches only on USAGE.
    return new CiftError(e.code as CiftErrorCode, e.message, hint);
  }

  async function ok(method: string, path: string, account: string | undefined, body?: unknown): Promise<unknown> {
    const answer = await call(method, path, account, body);
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw failure(answer);
  }

  return { who, call, ok, failure };
}

export function remoteTradingService(server: RemoteServer, opts: RemoteOptions = {}): TradingService {
  const { call, ok, failure } = serverClient(server, opts);
  const orderPath = (id: string) => `/orders/${encodeURIComponent(id)}`;

  return {
    where: server.url,
    async submit(req) {
      const body: Record<string, unknown> = { symbol: req.symbol, side: req.side, order_type: req.type ?? 'market', quantity: fmt(req.quantity) };
      if (req.limitPrice !== undefined) body.limit_price = fmt(req.limitPrice);
      if (req.stopPrice !== undefined) body.stop_price = fmt(req.stopPrice);
      if (req.tif !== undefined) body.tif = req.tif;
      if (req.atNs !== undefined) body.at = formatTs(req.atNs);
      if (req.clientOrderId !== undefined) body.client_order_id = req.clientOrderId;
      if (req.allowShort !== undefined) body.allow_short = req.allowShort;
      if (req.slippageBps !== undefined) body.slippage_bps = req.slippageBps;
      if (req.maxQuoteAgeSeconds !== undefined) body.max_quote_age_seconds = req.maxQuoteAgeSeconds;
      const answer = await call('POST', '/orders', req.account, body);
      const b = answer.body;
      if (answer.status === 201 || answer.status === 200) {
        const order = isObject(b) && isObject(b.order) ? (b.order as unknown as OrderJson) : (b as OrderJson);
        return submitted(order, answer.status === 200);
      }
      // A risk rejection is recorded and answered 422 with the order and its reasons: data, as locally.
      if (answer.status === 422 && isObject(b) && isObject(b.order)) {
        return submitted(b.order as unknown as OrderJson, false, Array.isArray(b.reasons) ? (b.reasons as Reason[]) : undefined);
      }
      throw failure(answer);
    },
    cancel: async (account, id) => (await ok('DELETE', orderPath(id), account)) as OrderJson,
    async list(account, filter: OrderFilter = {}) {
      const q = new URLSearchParams();
      if (filter.status !== undefined) q.set('status', filter.status);
      if (filter.symbol !== undefined) q.set('symbol', filter.symbol);
      if (filter.limit !== undefined) q.set('limit', String(filter.limit));
      const query = q.size ? `?${q}` : '';
      return listOf<OrderJson>(await ok('GET', `/orders${query}`, account), 'orders');
    },
    positions: async (account) => listOf<PositionJson>(await ok('GET', '/positions', account), 'positions'),
    portfolio: async (account) => (await ok('GET', '/portfolio', account)) as PortfolioJson,
    getLimits: async (account) => (await ok('GET', '/account', account)) as LimitsJson,
    async updateLimits(account, update: Partial<AccountLimits>) {
      const body: Record<string, string | null> = {};
      if (update.maxPositionQty !== undefined) body.max_position = fmt(update.maxPositionQty);
      if (update.maxOrderNotional !== undefined) body.max_order_notional = fmt(update.maxOrderNotional);
      if (update.maxLeverage !== undefined) body.max_leverage = fmt(update.maxLeverage);
      if (update.feeRate !== undefined) body.fee_rate = fmt(update.feeRate);
      if (update.maxConcentration !== undefined) body.max_concentration = update.maxConcentration === null ? null : fmt(update.maxConcentration);
      return (await ok('PATCH', '/account/limits', account, body)) as LimitsJson;
    },
    createAccount: async (name, cash) => (await ok('POST', '/accounts', undefined, cash === undefined ? { name } : { name, cash: fmt(cash) })) as AccountJson,
    listAccounts: async () => listOf<AccountJson>(await ok('GET', '/accounts', undefined), 'accounts'),
    match: async (symbol) => (await ok('POST', '/orders/match', undefined, symbol === undefined ? {} : { symbol })) as MatchJson,
  };
}
