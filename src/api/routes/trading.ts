/**
 * Paper trading over HTTP (`/api/v1/trading`): orders, positions, portfolio, account, risk, and (local key only)
 * account administration. Every route needs an API key and acts for the key's account only; each calls the same
 * use-case as `cift order`, so the answer is the JSON `cift order … --json` prints. Bodies are strict: an unknown
 * field is a 400 naming it.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CiftError, isCiftError } from '../../errors.js';
import { parseExact, type Dec } from '../../money.js';
import { normalizeSymbol } from '../../schema.js';
import { ORDER_STATUSES, type OrderStatus } from '../../store/ledger/types.js';
import { parseTimestamp } from '../../time.js';
import { publishMatchChanges, type OrderEvent } from '../../live/events.js';
import { listAccounts, openNewAccount, updateLimits } from '../../usecases/accounts.js';
import { cancelOrder, getOrder, getPosition, listOrders, listPositions, matchOrders, readQuantity, submitOrder, type SubmitRequest, type TradingStores } from '../../usecases/orders.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../usecases/keys.js';
import { getBuyingPower, getPortfolio } from '../../usecases/portfolio.js';
import { maxOrderSize, riskCheck } from '../../usecases/risk.js';
import { DEFAULT_VAR_WINDOW, riskReport } from '../../usecases/risk-report.js';
import type { OrderJson } from '../../usecases/views.js';
import type { ApiServices, TradingServices } from '../app.js';
import { requireKeyHook, requireLocalKey, resolveKeyHook } from '../auth.js';
import { errorBody } from '../errors.js';

/** Requests per key per window by default: 50 per second. */
export const DEFAULT_RATE_LIMIT = { max: 50, timeWindowMs: 1000 };

/** A field's own problem as a 400 naming it (`body.quantity: …`), from the use-case's USAGE error. */
function asField<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw isCiftError(e) && e.code === 'USAGE' ? new CiftError('INPUT_INVALID', `${field}: ${e.message}`, e.hint) : e;
  }
}

const symbolOf = (field: string, text: string): string => asField(field, () => normalizeSymbol(text));

/** An exact decimal from a JSON number or string, checked by `ok`; 400 naming the field otherwise. */
function decimalOf(field: string, value: number | string, rule: string, ok: (v: Dec) => boolean): Dec {
  const r = parseExact(value);
  if (!r.ok) throw new CiftError('INPUT_INVALID', `${field}: "${value}" ${r.problem}`);
  if (!ok(r.value)) throw new CiftError('INPUT_INVALID', `${field}: "${value}" ${rule}`);
  return r.value;
}

const decimalInput = z.union([z.number(), z.string()]);
const orderBody = z
  .object({
    symbol: z.string().min(1).max(32).describe('a stored or shipped symbol, e.g. AAPL'),
    side: z.enum(['buy', 'sell']),
    order_type: z
      .enum(['market', 'limit', 'stop', 'stop_limit'], { error: (issue) => `"${String(issue.input)}" is not one of market, limit, stop, stop_limit` })
      .default('market')
      .describe('market (filled in full at the latest stored price, or rejected), limit, stop or stop_limit (rest until the stored quotes reach them; `cift order match`)'),
    limit_price: decimalInput.optional().describe('limit and stop_limit orders: buy at the ask when ask ≤ this, sell at the bid when bid ≥ this'),
    stop_price: decimalInput.optional().describe('stop and stop_limit orders: trigger once a trade or the quote reaches this'),
    tif: z.enum(['day', 'gtc', 'ioc', 'fok']).optional().describe('time in force: day (default; expires at 16:00 New York), gtc, ioc, fok'),
    at: z.string().max(64).optional().describe('place the order at this earlier market time (ISO-8601), a what-if on stored history'),
    quantity: decimalInput.describe('units, positive: a number (10, 0.5) or a decimal string ("10", "0.5"), read exactly'),
    client_order_id: z
      .string()
      .max(128)
      .refine((v) => v.trim() !== '', { message: 'is empty: give an id, or leave it out for a generated one' })
      .optional()
      .describe('your id: resubmitting the same order returns the original (200); another order under it is 409'),
    allow_short: z.boolean().optional().describe('let a sell larger than the position open a short'),
    slippage_bps: z.number().min(0).lt(10_000).optional().describe('adverse slippage on the fill price, basis points'),
    max_quote_age_seconds: z.number().positive().optional().describe('reject (STALE_QUOTE) when the latest price is older than this'),
  })
  .strict();
type OrderBody = z.infer<typeof orderBody>;
/** A risk check's body: an order, optionally checked as a limit order at limit_price. */
const riskCheckBody = orderBody.extend({ limit_price: decimalInput.optional().describe('check it as a limit order at this price (the worst price it can fill at)') });

/** The prices an order type needs, named by their body fields (the CLI names its flags instead). */
function checkPrices(body: OrderBody): void {
  const type = body.order_type;
  const wants = { limit_price: type === 'limit' || type === 'stop_limit', stop_price: type === 'stop' || type === 'stop_limit' };
  for (const [field, needed] of Object.entries(wants)) {
    const given = body[field as keyof typeof wants] !== undefined;
    if (needed && !given) throw new CiftError('INPUT_INVALID', `body.${field}: a ${type} order needs one`);
    if (!needed && given) throw new CiftError('INPUT_INVALID', `body.${field}: does not apply to a ${type} order`);
  }
}

function submitRequest(account: string, body: OrderBody): SubmitRequest {
  checkPrices(body);
  return {
    account,
    symbol: symbolOf('body.symbol', body.symbol),
    side: body.side,
    quantity: asField('body.quantity', () => readQuantity(body.quantity)),
    clientOrderId: body.client_order_id,
    allowShort: body.allow_short,
    slippageBps: body.slippage_bps,
    maxQuoteAgeSeconds: body.max_quote_age_seconds,
    type: body.order_type,
    limitPrice: body.limit_price === undefined ? undefined : decimalOf('body.limit_price', body.limit_price, 'must be a price > 0', (d) => d > 0n),
    stopPrice: body.stop_price === undefined ? undefined : decimalOf('body.stop_price', body.stop_price, 'must be a price > 0', (d) => d > 0n),
    tif: body.tif,
    atNs: body.at === undefined ? undefined : asField('body.at', () => parseTimestamp(body.at!) ?? failTime(body.at!)),
  };
}

function failTime(text: string): never {
  throw new CiftError('INPUT_INVALID', `body.at: "${text}" is not a time (e.g. 2012-06-21T13:30:00Z)`);
}

const idParam = z.object({ id: z.string().min(1).max(64).describe('order id') });
const symbolParam = z.object({ symbol: z.string().min(1).max(32) });
const limitsBody = z
  .object({
    max_position: decimalInput.optional().describe('largest absolute position per symbol'),
    max_order_notional: decimalInput.optional().describe('largest order value'),
    max_leverage: decimalInput.optional().describe('largest gross exposure ÷ equity (1 = cash account)'),
    fee_rate: decimalInput.optional().describe('fee per unit of traded value (0.0005 = 5 bps)'),
    max_concentration: decimalInput.nullable().optional().describe('largest |position| × price ÷ equity one symbol may reach by an order (0.25 = 25 %); null = no limit'),
  })
  .strict();

const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];

export interface TradingRouteOptions {
  services: ApiServices;
  trading: TradingServices;
}

export const tradingRoutes: FastifyPluginAsyncZod<TradingRouteOptions> = async (app, { services, trading }) => {
  const stores: TradingStores = { withLedger: (work) => trading.stores.withLedger(work), market: trading.market };
  const metrics = app.metrics;

  // Order matters: resolve the key (onRequest), count the request against it (the rate limit's onRequest, which
  // fastify runs after this instance's), then refuse a missing key or a foreign account before the body is read.
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('tradingAccount', undefined);
  app.addHook('onRequest', resolveKeyHook(trading.keys));
  const limit = trading.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit !== false) {
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      // Per key; a request without a valid key counts against its address (so guessing keys is limited too).
      keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.keyId}` : `ip:${request.ip}`),
      allowList: (request) => request.apiKey?.local === true,
      errorResponseBuilder: (_request, ctx) => new CiftError('RATE_LIMITED', `rate limit exceeded: at most ${ctx.max} requests per ${limit.timeWindowMs} ms per key; retry in ${ctx.after}`, 'slow down, or wait for Retry-After seconds'),
    });
  }
  app.addHook('preParsing', requireKeyHook);

  const accountOf = (request: { tradingAccount?: string }): string => request.tradingAccount!;
  // The app's hub (services.events or its own): the WebSocket stream's `orders` channel listens on it.
  const publish = (order: OrderJson, event: OrderEvent['event']) =>
    app.events.publish({ channel: 'orders', account: order.account, symbol: order.symbol, ts: BigInt(Date.now()) * 1_000_000n, event, order });

  app.post(
    '/orders',
    { schema: { description: 'Submit an order: market (risk-checked, filled at the latest stored price), limit, stop or stop_limit (fills now when marketable, else rests)', tags: ['trading'], security, body: orderBody } },
    async (request, reply) => {
      const outcome = await submitOrder(stores, submitRequest(accountOf(request), request.body));
      const { order } = outcome;
      if (outcome.duplicate) {
        metrics.orders.inc({ outcome: 'duplicate', reason: 'none' });
        return reply.status(200).send(order);
      }
      if (outcome.rejected) {
        metrics.orders.inc({ outcome: 'rejected', reason: outcome.reasons[0]?.code ?? 'none' });
        publish(order, 'rejected');
        const body = errorBody(request, 'ORDER_REJECTED', `order ${order.id} rejected: ${order.reject_reason ?? order.reject_codes.join(', ')}`);
        return reply.status(422).send({ ...body, order, reasons: outcome.reasons });
      }
      metrics.orders.inc({ outcome: order.status === 'filled' ? 'filled' : order.status, reason: 'none' });
      // A resting order is announced as accepted; its fills follow from `match`.
      publish(order, (order.status === 'open' || order.status === 'partially_filled' ? 'accepted' : order.status) as OrderEvent['event']);
      return reply.status(201).send(order);
    },
  );

  // Matching moves every account's resting orders, so it is the server owner's (local key), as account admin is.
  app.post(
    '/orders/match',
    {
      schema: {
        description:
          "Match resting orders (of one symbol, or all) against the stored quotes and trades after each order's cursor, as `cift order match --json` (local key only; symbols being replayed are matched by the replay and left out)",
        tags: ['trading'],
        security,
        // No body at all is "every symbol", as `cift order match` without one.
        body: z.object({ symbol: z.string().min(1).max(32).optional().describe('only this symbol') }).strict().nullish(),
      },
    },
    async (request) => {
      requireLocalKey(request);
      const given = request.body?.symbol;
      const symbol = given === undefined ? undefined : symbolOf('body.symbol', given);
      const replaying = new Set(trading.replaying);
      if (symbol !== undefined && replaying.has(symbol)) {
        throw new CiftError('USAGE', `${symbol} is being replayed: its resting orders are matched as the replay moves its clock`, 'match another symbol, or wait for the server without --replay');
      }
      const result = await matchOrders({ withLedger: stores.withLedger, market: services.market }, symbol, { exclude: replaying });
      publishMatchChanges(app.events, result.changes);
      return result;
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        description: "The account's orders, oldest first",
        tags: ['trading'],
        security,
        querystring: z
          .object({
            status: z.enum(ORDER_STATUSES as unknown as [OrderStatus, ...OrderStatus[]]).optional(),
            symbol: z.string().min(1).max(32).optional(),
            limit: z.coerce.number().int().min(0).max(100_000).optional().describe('at most this many, the most recent'),
          })
          .strict(),
      },
    },
    async (request) => {
      const q = request.query;
      return listOrders(stores, accountOf(request), { status: q.status, symbol: q.symbol === undefined ? undefined : symbolOf('querystring.symbol', q.symbol), limit: q.limit });
    },
  );

  app.get('/orders/:id', { schema: { description: 'One order of the account (another account\'s id is 404)', tags: ['trading'], security, params: idParam } }, async (request) =>
    getOrder(stores, accountOf(request), request.params.id),
  );

  app.delete('/orders/:id', { schema: { description: 'Cancel an open or partially filled order, releasing its reserved buying power (409 once final)', tags: ['trading'], security, params: idParam } }, async (request) => {
    const order = await cancelOrder(stores, accountOf(request), request.params.id);
    metrics.orders.inc({ outcome: 'canceled', reason: 'none' });
    publish(order, 'canceled');
    return order;
  });

  app.get('/positions', { schema: { description: 'Open and closed positions', tags: ['trading'], security } }, async (request) => listPositions(stores, accountOf(request)));

  app.get('/positions/:symbol', { schema: { description: 'The position in one symbol (404 when never held)', tags: ['trading'], security, params: symbolParam } }, async (request) =>
    getPosition(stores, accountOf(request), symbolOf('params.symbol', request.params.symbol)),
  );

  app.get('/portfolio', { schema: { description: 'Positions at the latest prices, P&L, cash, equity, buying power, leverage', tags: ['trading'], security } }, async (request) =>
    getPortfolio(stores, accountOf(request)),
  );

  app.get('/account/buying-power', { schema: { description: 'What a new order may add, fee included', tags: ['trading'], security } }, async (request) => getBuyingPower(stores, accountOf(request)));

  app.get('/account', { schema: { description: "The account's limits and fee rate (as `cift order limits --json`)", tags: ['trading'], security } }, async (request) =>
    updateLimits(stores, accountOf(request), {}),
  );

  app.patch('/account/limits', { schema: { description: "Change the account's limits (local key only)", tags: ['trading'], security, body: limitsBody } }, async (request) => {
    requireLocalKey(request);
    const b = request.body;
    const positive = (field: string, v: number | string | undefined) => (v === undefined ? undefined : decimalOf(`body.${field}`, v, 'must be positive', (d) => d > 0n));
    return updateLimits(stores, accountOf(request), {
      maxPositionQty: positive('max_position', b.max_position),
      maxOrderNotional: positive('max_order_notional', b.max_order_notional),
      maxLeverage: positive('max_leverage', b.max_leverage),
      feeRate: b.fee_rate === undefined ? undefined : decimalOf('body.fee_rate', b.fee_rate, 'must be a rate ≥ 0 (0.0005 = 5 bps)', (d) => d >= 0n),
      maxConcentration: b.max_concentration === null ? null : positive('max_concentration', b.max_concentration),
    });
  });

  app.post(
    '/risk/check',
    { schema: { description: 'Every check a submit of this order would run now; nothing is recorded (as `cift risk check --json`)', tags: ['trading'], security, body: riskCheckBody } },
    async (request) => {
      const { limit_price: limit, ...order } = request.body;
      const req = submitRequest(accountOf(request), order);
      const limitPrice = limit === undefined ? undefined : decimalOf('body.limit_price', limit, 'must be positive', (d) => d > 0n);
      return trading.stores.withLedger((ledger) => riskCheck(ledger, trading.market, req, { limitPrice }));
    },
  );

  app.get(
    '/risk/report',
    {
      schema: {
        description: 'Exposure, leverage, concentration, buying power, 1-day historical VaR/ES and the risk score (as `cift risk report --json`)',
        tags: ['trading'],
        security,
        querystring: z.object({ window: z.coerce.number().int().min(2).max(100_000).default(DEFAULT_VAR_WINDOW).describe('daily returns used for VaR') }).strict(),
      },
    },
    async (request) => riskReport(
        { withLedger: (work) => trading.stores.withLedger(work), market: trading.market, history: services.market, shipped: () => services.marketFor('shipped') },
        accountOf(request),
        request.query.window,
      ),
  );

  app.get(
    '/risk/max-order-size/:symbol',
    {
      schema: {
        description: 'The largest quantity every check allows now, with the binding limit named',
        tags: ['trading'],
        security,
        params: symbolParam,
        querystring: z
          .object({
            side: z.enum(['buy', 'sell']).default('buy'),
            allow_short: z.enum(['true', 'false']).optional(),
            slippage_bps: z.coerce.number().min(0).lt(10_000).optional(),
            limit_price: z.string().optional().describe('price the order here instead of at the latest stored price'),
          })
          .strict(),
      },
    },
    async (request) => {
      const q = request.query;
      const symbol = symbolOf('params.symbol', request.params.symbol);
      const limitPrice = q.limit_price === undefined ? undefined : decimalOf('querystring.limit_price', q.limit_price, 'must be positive', (d) => d > 0n);
      return trading.stores.withLedger((ledger) =>
        maxOrderSize(ledger, trading.market, { account: accountOf(request), symbol, side: q.side, allowShort: q.allow_short === 'true', slippageBps: q.slippage_bps, limitPrice }),
      );
    },
  );

  app.get('/accounts', { schema: { description: 'Every paper account (local key only)', tags: ['trading'], security } }, async (request) => {
    requireLocalKey(request);
    return listAccounts(stores);
  });

  app.post(
    '/accounts',
    {
      schema: {
        description: 'Open a paper account (local key only)',
        tags: ['trading'],
        security,
        body: z.object({ name: z.string().min(1).max(64), cash: decimalInput.optional().describe('opening deposit, default 100000') }).strict(),
      },
    },
    async (request, reply) => {
      requireLocalKey(request);
      const cash = request.body.cash === undefined ? undefined : decimalOf('body.cash', request.body.cash, 'must be an amount ≥ 0', (d) => d >= 0n);
      return reply.status(201).send(await openNewAccount(stores, request.body.name, cash));
    },
  );

  // API keys, for `cift serve keys …` forwarded to a running server (which holds the embedded ledger).
  app.get(
    '/keys',
    { schema: { description: 'API keys, never the key or its hash (local key only)', tags: ['trading'], security, querystring: z.object({ account: z.string().min(1).max(64).optional() }).strict() } },
    async (request) => {
      requireLocalKey(request);
      return listApiKeys(stores, request.query.account);
    },
  );

  app.post(
    '/keys',
    {
      schema: {
        description: 'Create an API key; the answer is the only place the key appears (local key only)',
        tags: ['trading'],
        security,
        body: z.object({ account: z.string().min(1).max(64), name: z.string().min(1).max(128).optional() }).strict(),
      },
    },
    async (request, reply) => {
      requireLocalKey(request);
      return reply.status(201).send(await createApiKey(stores, request.body.account, request.body.name));
    },
  );

  app.delete('/keys/:id', { schema: { description: 'Revoke an API key by id or prefix (local key only)', tags: ['trading'], security, params: z.object({ id: z.string().min(1).max(64) }) } }, async (request) => {
    requireLocalKey(request);
    return revokeApiKey(stores, request.params.id);
  });
};
