/**
 * The trading routes through app.inject(), on the embedded DuckDB ledger and (when a server is reachable) on
 * PostgreSQL: every route, each error, API keys (X-API-Key and Bearer, unknown, revoked, local), account
 * isolation between two keys, the rate limit, bad input, /ready's ledger probe, order events and metrics, and
 * that keys never reach the log.
 *
 * Fixture: ZZQ's last stored quote is bid 50.2 / ask 50.3 (mid 50.25), so market buys fill at 50.3, sells at
 * 50.2, and positions are marked at 50.25. The default account ("paper") has 100,000 cash, no fee, leverage 1,
 * max position and max order notional 1,000,000. Every expected figure below is worked out by hand from these.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type ApiServices, type TradingServices } from '../../src/api/app.js';
import { createKeyResolver } from '../../src/api/auth.js';
import { resolveSettings } from '../../src/config.js';
import type { LiveEvent } from '../../src/live/events.js';
import { MemoryHub } from '../../src/live/events.js';
import { MarketData } from '../../src/market-data.js';
import { dec } from '../../src/money.js';
import { loadPolars } from '../../src/polars.js';
import { openNewAccount } from '../../src/usecases/accounts.js';
import { createApiKey, revokeApiKey } from '../../src/usecases/keys.js';
import { openStores, type Stores } from '../../src/usecases/stores.js';
import { cift, tempDir, writeText } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

const QUOTES_CSV = `ts,bid,ask,bid_size,ask_size
2024-01-02T14:30:00Z,50.0,50.1,300,400
2024-01-02T14:30:02Z,50.2,50.3,500,600
`;
const BARS_CSV = `ts,open,high,low,close,volume
2024-01-02T14:30:00Z,10,11,9,10.5,1000
`;
const LOCAL_KEY = 'local-key-for-tests-0123456789abcdef';
const P = '/api/v1/trading';

const tmp = tempDir('cift-trading-');
const home = `${tmp.dir}/home`;

beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(home);
  expect(cift(['ingest', writeText(tmp.dir, 'q.csv', QUOTES_CSV), '--symbol', 'ZZQ'], { home }).status).toBe(0);
  expect(cift(['ingest', writeText(tmp.dir, 'b.csv', BARS_CSV), '--symbol', 'ZZB'], { home }).status).toBe(0);
});
afterAll(() => tmp.cleanup());

function expectError(res: LightMyRequestResponse, status: number, code: string, messageHas?: string | RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(res.headers['x-request-id']);
  if (messageHas !== undefined) expect(body.error.message).toMatch(messageHas);
  return body.error;
}

interface Ctx {
  stores: Stores;
  services: ApiServices;
  app: FastifyInstance;
  events: LiveEvent[];
  /** Key of account "paper", of account "research" (50,000 cash). */
  paperKey: string;
  researchKey: string;
}

async function servicesOver(stores: Stores, extra: Partial<TradingServices> = {}, hub?: MemoryHub): Promise<ApiServices> {
  const settings = resolveSettings({ home });
  return {
    version: '9.9.9-test',
    polars: await loadPolars(),
    market: stores.market,
    marketFor: (source) => MarketData.open(settings, { source }),
    trading: { stores, market: stores.market, keys: createKeyResolver(stores, { localKey: LOCAL_KEY }), rateLimit: { max: 100_000, timeWindowMs: 60_000 }, ...extra },
    events: hub,
  };
}

function tradingSuite(backend: 'duckdb' | 'postgres') {
  const ctx = {} as Ctx;
  let drop: (() => Promise<void>) | undefined;

  const call = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, opts: { key?: string; body?: unknown; headers?: Record<string, string>; payload?: string; app?: FastifyInstance } = {}) =>
    (opts.app ?? ctx.app).inject({
      method,
      url,
      headers: { ...(opts.key ? { 'x-api-key': opts.key } : {}), ...(opts.payload !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
    });
  const order = (key: string, body: Record<string, unknown>) => call('POST', `${P}/orders`, { key, body: { symbol: 'ZZQ', order_type: 'market', ...body } });

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {};
    if (backend === 'postgres') {
      const db = await freshPostgresDatabase();
      env.CIFT_DATABASE_URL = db.url;
      drop = db.drop;
    }
    ctx.stores = await openStores(resolveSettings({ home }, env));
    await ctx.stores.ledger();
    const hub = new MemoryHub();
    ctx.events = [];
    hub.subscribe((e) => ctx.events.push(e));
    ctx.services = await servicesOver(ctx.stores, {}, hub);
    ctx.app = await buildApp(ctx.services);
    await openNewAccount(ctx.stores, 'research', dec('50000'));
    ctx.paperKey = (await createApiKey(ctx.stores, 'paper', 'bot')).key;
    ctx.researchKey = (await createApiKey(ctx.stores, 'research')).key;
  });

  afterAll(async () => {
    await ctx.app?.close();
    await ctx.stores?.close();
    await drop?.();
  });

  describe('API keys', () => {
    it('refuses a request without a key: 401, WWW-Authenticate: Bearer, the error JSON', async () => {
      const res = await call('GET', `${P}/positions`);
      expectError(res, 401, 'UNAUTHORIZED', /API key is required/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('refuses an unknown key and a non-Bearer Authorization scheme', async () => {
      const unknown = await call('GET', `${P}/positions`, { key: `${ctx.paperKey.slice(0, -1)}${ctx.paperKey.endsWith('A') ? 'B' : 'A'}` });
      expectError(unknown, 401, 'UNAUTHORIZED', /unknown or revoked/);
      expect(unknown.headers['www-authenticate']).toMatch(/^Bearer/);
      expectError(await call('GET', `${P}/positions`, { headers: { authorization: `Basic ${ctx.paperKey}` } }), 401, 'UNAUTHORIZED');
    });

    it('accepts the key in X-API-Key and as a Bearer token', async () => {
      expect((await call('GET', `${P}/account`, { key: ctx.paperKey })).json().account).toBe('paper');
      const bearer = await call('GET', `${P}/account`, { headers: { authorization: `Bearer ${ctx.researchKey}` } });
      expect(bearer.statusCode).toBe(200);
      expect(bearer.json().account).toBe('research');
    });

    it('refuses a revoked key from the moment it is revoked', async () => {
      const created = await createApiKey(ctx.stores, 'paper', 'short-lived');
      expect((await call('GET', `${P}/positions`, { key: created.key })).statusCode).toBe(200);
      await revokeApiKey(ctx.stores, created.id);
      const res = await call('GET', `${P}/positions`, { key: created.key });
      expectError(res, 401, 'UNAUTHORIZED', /unknown or revoked/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('a normal key naming another account in X-Cift-Account is 403; naming its own is fine', async () => {
      expectError(await call('GET', `${P}/positions`, { key: ctx.paperKey, headers: { 'x-cift-account': 'research' } }), 403, 'FORBIDDEN', /belongs to account "paper"/);
      expect((await call('GET', `${P}/account`, { key: ctx.paperKey, headers: { 'x-cift-account': 'paper' } })).json().account).toBe('paper');
    });

    it('the local key acts for the account X-Cift-Account names, "paper" by default', async () => {
      expect((await call('GET', `${P}/account`, { key: LOCAL_KEY })).json().account).toBe('paper');
      expect((await call('GET', `${P}/account`, { key: LOCAL_KEY, headers: { 'x-cift-account': 'research' } })).json().account).toBe('research');
      expectError(await call('GET', `${P}/account`, { key: LOCAL_KEY, headers: { 'x-cift-account': 'nope' } }), 404, 'UNKNOWN_ACCOUNT');
    });

    it('market-data routes need no key', async () => {
      const res = await call('GET', '/api/v1/market-data/quote/ZZQ');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ bid: 50.2, ask: 50.3 });
    });
  });

  describe('orders', () => {
    let firstId: string;

    it('POST /orders fills a market buy at the ask: 201 with the order view, and publishes an order event', async () => {
      const before = ctx.events.length;
      const res = await order(ctx.paperKey, { side: 'buy', quantity: 10, client_order_id: 'a-1' });
      expect(res.statusCode, res.body).toBe(201);
      const o = res.json();
      firstId = o.id;
      expect(o).toMatchObject({ client_order_id: 'a-1', account: 'paper', symbol: 'ZZQ', side: 'buy', type: 'market', quantity: '10.000000', status: 'filled', reject_codes: [] });
      expect(o.fill).toMatchObject({ price: '50.300000', quantity: '10.000000', fee: '0.000000', price_source: 'quote' });
      expect(o.filled_quantity).toBe('10.000000');
      expect(o.filled_avg_price).toBe('50.300000');
      const published = ctx.events.slice(before);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({ channel: 'orders', account: 'paper', symbol: 'ZZQ', event: 'filled', order: { id: o.id } });
    });

    it('the same client_order_id again returns the original order with 200 and records nothing', async () => {
      const res = await order(ctx.paperKey, { side: 'buy', quantity: '10', client_order_id: 'a-1' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: firstId, status: 'filled', duplicate: true });
      expect((await call('GET', `${P}/orders`, { key: ctx.paperKey })).json()).toHaveLength(1);
    });

    it('the client_order_id naming a different order is 409 IDEMPOTENCY_CONFLICT', async () => {
      expectError(await order(ctx.paperKey, { side: 'buy', quantity: 11, client_order_id: 'a-1' }), 409, 'IDEMPOTENCY_CONFLICT', /a-1/);
    });

    it('a sell fills at the bid (decimal-string quantity)', async () => {
      const res = await order(ctx.paperKey, { side: 'sell', quantity: '4' });
      expect(res.statusCode).toBe(201);
      expect(res.json().fill).toMatchObject({ price: '50.200000', quantity: '4.000000' });
    });

    it('a risk rejection is recorded and answered 422 with the order and its reasons', async () => {
      const before = ctx.events.length;
      // Position 6: selling 100 without allow_short would open a short.
      const res = await order(ctx.paperKey, { side: 'sell', quantity: 100, client_order_id: 'short-1' });
      expect(res.statusCode).toBe(422);
      const body = res.json();
      expect(body.order).toMatchObject({ client_order_id: 'short-1', status: 'rejected', reject_codes: ['SHORT_NOT_ALLOWED'], fill: null, filled_quantity: '0.000000', filled_avg_price: null });
      expect(body.reasons).toHaveLength(1);
      expect(body.reasons[0].code).toBe('SHORT_NOT_ALLOWED');
      expect(body.reasons[0].message).toMatch(/^SHORT_NOT_ALLOWED/);
      expect(body.error.code).toBe('ORDER_REJECTED');
      expect(ctx.events.slice(before)).toMatchObject([{ event: 'rejected', order: { id: body.order.id } }]);
      const rejected = (await call('GET', `${P}/orders?status=rejected`, { key: ctx.paperKey })).json();
      expect(rejected.map((o: { id: string }) => o.id)).toEqual([body.order.id]);
    });

    it('a stale price is a 422 STALE_QUOTE rejection', async () => {
      const res = await order(ctx.paperKey, { side: 'buy', quantity: 1, max_quote_age_seconds: 60 });
      expect(res.statusCode).toBe(422);
      expect(res.json().reasons.map((r: { code: string }) => r.code)).toEqual(['STALE_QUOTE']);
    });

    it('an unknown symbol is 404 UNKNOWN_SYMBOL', async () => {
      expectError(await order(ctx.paperKey, { symbol: 'NOPE', side: 'buy', quantity: 1 }), 404, 'UNKNOWN_SYMBOL');
    });

    it('GET /orders lists the account\'s orders oldest first, filtered by status, symbol and limit', async () => {
      const all = (await call('GET', `${P}/orders`, { key: ctx.paperKey })).json();
      expect(all.map((o: { side: string; status: string }) => `${o.side}:${o.status}`)).toEqual(['buy:filled', 'sell:filled', 'sell:rejected', 'buy:rejected']);
      const filled = (await call('GET', `${P}/orders?status=filled&symbol=zzq`, { key: ctx.paperKey })).json();
      expect(filled.map((o: { quantity: string }) => o.quantity)).toEqual(['10.000000', '4.000000']);
      const last = (await call('GET', `${P}/orders?limit=1`, { key: ctx.paperKey })).json();
      expect(last).toHaveLength(1);
      expect(last[0].reject_codes).toEqual(['STALE_QUOTE']);
      expect((await call('GET', `${P}/orders?symbol=ZZB`, { key: ctx.paperKey })).json()).toEqual([]);
      expectError(await call('GET', `${P}/orders?status=bogus`, { key: ctx.paperKey }), 400, 'INPUT_INVALID', /querystring\.status/);
      expectError(await call('GET', `${P}/orders?limit=-1`, { key: ctx.paperKey }), 400, 'INPUT_INVALID', /querystring\.limit/);
    });

    it('GET /orders/:id gives the order; an unknown id is 404 ORDER_NOT_FOUND', async () => {
      const res = await call('GET', `${P}/orders/${firstId}`, { key: ctx.paperKey });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: firstId, client_order_id: 'a-1', status: 'filled' });
      expectError(await call('GET', `${P}/orders/999999`, { key: ctx.paperKey }), 404, 'ORDER_NOT_FOUND');
    });

    it('DELETE /orders/:id of a filled or rejected order is 409 ORDER_NOT_CANCELABLE naming the status', async () => {
      expectError(await call('DELETE', `${P}/orders/${firstId}`, { key: ctx.paperKey }), 409, 'ORDER_NOT_CANCELABLE', /status=filled/);
      const rejected = (await call('GET', `${P}/orders?status=rejected`, { key: ctx.paperKey })).json()[0];
      expectError(await call('DELETE', `${P}/orders/${rejected.id}`, { key: ctx.paperKey }), 409, 'ORDER_NOT_CANCELABLE', /status=rejected/);
      expectError(await call('DELETE', `${P}/orders/999999`, { key: ctx.paperKey }), 404, 'ORDER_NOT_FOUND');
    });

    it('another account\'s order is 404 (not 403) for GET and DELETE, and absent from its lists', async () => {
      expectError(await call('GET', `${P}/orders/${firstId}`, { key: ctx.researchKey }), 404, 'ORDER_NOT_FOUND');
      expectError(await call('DELETE', `${P}/orders/${firstId}`, { key: ctx.researchKey }), 404, 'ORDER_NOT_FOUND');
      expect((await call('GET', `${P}/orders`, { key: ctx.researchKey })).json()).toEqual([]);
      expect((await call('GET', `${P}/positions`, { key: ctx.researchKey })).json()).toEqual([]);
      expectError(await call('GET', `${P}/positions/ZZQ`, { key: ctx.researchKey }), 404, 'POSITION_NOT_FOUND');
    });
  });

  describe('positions, portfolio, account', () => {
    it('GET /positions and /positions/:symbol: 10 bought at 50.3, 4 sold at 50.2 → 6 @ 50.3, realized 4 × (50.2 − 50.3) = −0.4', async () => {
      const expected = { symbol: 'ZZQ', quantity: '6.000000', avg_cost: '50.300000', realized_pnl: '-0.400000' };
      expect((await call('GET', `${P}/positions`, { key: ctx.paperKey })).json()).toEqual([expected]);
      expect((await call('GET', `${P}/positions/zzq`, { key: ctx.paperKey })).json()).toEqual(expected);
      expectError(await call('GET', `${P}/positions/ZZB`, { key: ctx.paperKey }), 404, 'POSITION_NOT_FOUND');
      expectError(await call('GET', `${P}/positions/bad%20symbol`, { key: ctx.paperKey }), 400, 'INPUT_INVALID', /params\.symbol/);
    });

    it('GET /portfolio marks to the mid 50.25: cash 100000 − 503 + 200.8 = 99697.8, value 301.5, equity 99999.3', async () => {
      const p = (await call('GET', `${P}/portfolio`, { key: ctx.paperKey })).json();
      expect(p).toMatchObject({ account: 'paper', currency: 'USD', cash: '99697.800000', equity: '99999.300000', gross_exposure: '301.500000', buying_power: '99697.800000', unrealized_pnl: '-0.300000', realized_pnl: '-0.400000' });
      expect(p.positions).toEqual([{ symbol: 'ZZQ', quantity: '6.000000', avg_cost: '50.300000', last: '50.250000', market_value: '301.500000', unrealized_pnl: '-0.300000', realized_pnl: '-0.400000' }]);
    });

    it('GET /account/buying-power: equity × 1 − gross exposure', async () => {
      expect((await call('GET', `${P}/account/buying-power`, { key: ctx.paperKey })).json()).toEqual({
        account: 'paper',
        currency: 'USD',
        buying_power: '99697.800000',
        cash: '99697.800000',
        equity: '99999.300000',
        gross_exposure: '301.500000',
        max_leverage: '1.000000',
      });
      expect((await call('GET', `${P}/account/buying-power`, { key: ctx.researchKey })).json().buying_power).toBe('50000.000000');
    });

    it('GET /account gives the limits as `cift order limits --json`', async () => {
      expect((await call('GET', `${P}/account`, { key: ctx.paperKey })).json()).toEqual({ account: 'paper', max_position: '1000000.000000', max_order_notional: '1000000.000000', max_leverage: '1.000000', max_concentration: null, fee_rate: '0.000000' });
    });

    it('PATCH /account/limits: local key only; a bad value is 400 naming the field; the new limit binds orders', async () => {
      expectError(await call('PATCH', `${P}/account/limits`, { key: ctx.researchKey, body: { max_position: 5 } }), 403, 'FORBIDDEN', /local key/);
      const asResearch = { key: LOCAL_KEY, headers: { 'x-cift-account': 'research' } };
      expectError(await call('PATCH', `${P}/account/limits`, { ...asResearch, body: { max_position: -1 } }), 400, 'INPUT_INVALID', /body\.max_position/);
      expectError(await call('PATCH', `${P}/account/limits`, { ...asResearch, body: { max_position: 5, colour: 'red' } }), 400, 'INPUT_INVALID', /colour/);
      const res = await call('PATCH', `${P}/account/limits`, { ...asResearch, body: { max_position: '5' } });
      expect(res.json()).toEqual({ account: 'research', max_position: '5.000000', max_order_notional: '1000000.000000', max_leverage: '1.000000', max_concentration: null, fee_rate: '0.000000' });
      const rejected = await order(ctx.researchKey, { side: 'buy', quantity: 6 });
      expect(rejected.statusCode).toBe(422);
      expect(rejected.json().reasons.map((r: { code: string }) => r.code)).toEqual(['MAX_POSITION_EXCEEDED']);
      await call('PATCH', `${P}/account/limits`, { ...asResearch, body: { max_position: 1000000 } });
    });
  });

  describe('risk', () => {
    it('POST /risk/check answers allowed with every check, and records nothing', async () => {
      const before = (await call('GET', `${P}/orders`, { key: ctx.paperKey })).json().length;
      const ok = (await call('POST', `${P}/risk/check`, { key: ctx.paperKey, body: { symbol: 'ZZQ', side: 'buy', quantity: 1 } })).json();
      expect(ok.allowed).toBe(true);
      expect(ok.reasons).toEqual([]);
      expect(ok.checks.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['INSUFFICIENT_BUYING_POWER', 'MAX_POSITION_EXCEEDED', 'SHORT_NOT_ALLOWED']));
      // 2000 × 50.3 = 100,600 > buying power 99,697.8.
      const no = (await call('POST', `${P}/risk/check`, { key: ctx.paperKey, body: { symbol: 'ZZQ', side: 'buy', quantity: 2000 } })).json();
      expect(no.allowed).toBe(false);
      expect(no.reasons.map((r: { code: string }) => r.code)).toContain('INSUFFICIENT_BUYING_POWER');
      expect((await call('GET', `${P}/orders`, { key: ctx.paperKey })).json()).toHaveLength(before);
      expectError(await call('POST', `${P}/risk/check`, { key: ctx.paperKey, body: { symbol: 'ZZQ', side: 'buy', quantity: 0 } }), 400, 'INPUT_INVALID', /body\.quantity/);
    });

    it('GET /risk/max-order-size/:symbol: research (50,000 cash, flat) can buy floor6(50000 / 50.3) = 994.035785', async () => {
      const res = await call('GET', `${P}/risk/max-order-size/ZZQ?side=buy`, { key: ctx.researchKey });
      expect(res.statusCode, res.body).toBe(200);
      const m = res.json();
      expect(m).toMatchObject({ account: 'research', symbol: 'ZZQ', side: 'buy', max_quantity: '994.035785', price: '50.300000', price_source: 'quote' });
      expect(m.binding_codes).toContain('INSUFFICIENT_BUYING_POWER');
      // Flat and shorting not allowed: nothing can be sold.
      expect((await call('GET', `${P}/risk/max-order-size/ZZQ?side=sell`, { key: ctx.researchKey })).json()).toMatchObject({ max_quantity: '0.000000', binding: 'SHORT_NOT_ALLOWED' });
      expectError(await call('GET', `${P}/risk/max-order-size/ZZQ?side=up`, { key: ctx.researchKey }), 400, 'INPUT_INVALID', /querystring\.side/);
      expectError(await call('GET', `${P}/risk/max-order-size/NOPE`, { key: ctx.researchKey }), 404, 'UNKNOWN_SYMBOL');
    });

    it('POST /risk/check with limit_price checks the order at the limit', async () => {
      const r = (await call('POST', `${P}/risk/check`, { key: ctx.researchKey, body: { symbol: 'ZZQ', side: 'buy', quantity: 10, limit_price: '40' } })).json();
      expect(r.checks.find((c: { code: string }) => c.code === 'MAX_ORDER_NOTIONAL_EXCEEDED').figures.notional, '10 × 40, not × the ask').toBe('400.000000');
      expectError(await call('POST', `${P}/risk/check`, { key: ctx.researchKey, body: { symbol: 'ZZQ', side: 'buy', quantity: 1, limit_price: -1 } }), 400, 'INPUT_INVALID', /body\.limit_price/);
    });

    it('GET /risk/report: exposure, the VaR method and why it is unknown (ZZQ has one day of quotes), the score', async () => {
      const res = await call('GET', `${P}/risk/report?window=50`, { key: ctx.paperKey });
      expect(res.statusCode, res.body).toBe(200);
      const r = res.json();
      expect(r).toMatchObject({ account: 'paper', exposure: { gross: '301.500000', short: '0.000000' }, var: { horizon: '1d', window: 50, scenarios: 0 } });
      expect(r.var.levels.map((v: { var: string | null }) => v.var)).toEqual([null, null]);
      expect(r.var.note).toMatch(/no daily returns for ZZQ/);
      expect(r.risk_score.parts.var, 'unknown VaR scores as full').toBe(1);
      const flat = (await call('GET', `${P}/risk/report`, { key: ctx.researchKey })).json();
      expect([flat.risk_score.score, flat.var.window, flat.var.note]).toEqual([0, 250, 'no open positions: nothing is at risk']);
      expectError(await call('GET', `${P}/risk/report?window=1`, { key: ctx.paperKey }), 400, 'INPUT_INVALID', /querystring\.window/);
    });
  });

  describe('accounts (local key only)', () => {
    it('GET /accounts and POST /accounts are 403 for a normal key', async () => {
      expectError(await call('GET', `${P}/accounts`, { key: ctx.paperKey }), 403, 'FORBIDDEN');
      expectError(await call('POST', `${P}/accounts`, { key: ctx.paperKey, body: { name: 'mine' } }), 403, 'FORBIDDEN');
    });

    it('the local key lists and opens accounts; a taken name is 409 ACCOUNT_EXISTS', async () => {
      const created = await call('POST', `${P}/accounts`, { key: LOCAL_KEY, body: { name: 'fx', cash: '2500' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'fx', currency: 'USD', cash: '2500.000000', max_leverage: '1.000000' });
      expectError(await call('POST', `${P}/accounts`, { key: LOCAL_KEY, body: { name: 'fx' } }), 409, 'ACCOUNT_EXISTS');
      expectError(await call('POST', `${P}/accounts`, { key: LOCAL_KEY, body: { name: 'fy', cash: -1 } }), 400, 'INPUT_INVALID', /body\.cash/);
      const names = (await call('GET', `${P}/accounts`, { key: LOCAL_KEY })).json().map((a: { name: string }) => a.name);
      expect(names).toEqual(['fx', 'paper', 'research']);
    });
  });

  describe('API keys over HTTP (local key only, for `cift serve keys` forwarded to the server)', () => {
    it('GET/POST /keys and DELETE /keys/:id are 403 for a normal key', async () => {
      expectError(await call('GET', `${P}/keys`, { key: ctx.paperKey }), 403, 'FORBIDDEN', /local key/);
      expectError(await call('POST', `${P}/keys`, { key: ctx.paperKey, body: { account: 'paper' } }), 403, 'FORBIDDEN');
      expectError(await call('DELETE', `${P}/keys/1`, { key: ctx.paperKey }), 403, 'FORBIDDEN');
    });

    it('creates a key that works for its account, lists it without the key or hash, and revokes it', async () => {
      const res = await call('POST', `${P}/keys`, { key: LOCAL_KEY, body: { account: 'research', name: 'api' } });
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created).toMatchObject({ account: 'research', name: 'api', revoked_at: null });
      expect(created.key).toMatch(/^cift_[A-Za-z0-9_-]{43}$/);
      expect((await call('GET', `${P}/account`, { key: created.key })).json().account).toBe('research');
      const listed = await call('GET', `${P}/keys?account=research`, { key: LOCAL_KEY });
      expect(listed.json().map((k: { id: string }) => k.id)).toContain(created.id);
      expect(listed.body).not.toContain(created.key);
      expect(listed.body).not.toMatch(/sha256|[0-9a-f]{64}/);
      const revoked = await call('DELETE', `${P}/keys/${created.id}`, { key: LOCAL_KEY });
      expect(revoked.json().revoked_at).toMatch(/Z$/);
      expectError(await call('GET', `${P}/account`, { key: created.key }), 401, 'UNAUTHORIZED');
    });

    it('an unknown account is 404 UNKNOWN_ACCOUNT; an unknown key id 404 KEY_NOT_FOUND; an unknown field 400', async () => {
      expectError(await call('POST', `${P}/keys`, { key: LOCAL_KEY, body: { account: 'nobody' } }), 404, 'UNKNOWN_ACCOUNT');
      expectError(await call('DELETE', `${P}/keys/424242`, { key: LOCAL_KEY }), 404, 'KEY_NOT_FOUND');
      expectError(await call('POST', `${P}/keys`, { key: LOCAL_KEY, body: { account: 'paper', secret: 'x' } }), 400, 'INPUT_INVALID', /secret/);
    });

    it('records when a key was last used', async () => {
      const created = await createApiKey(ctx.stores, 'paper', 'used');
      const lastUsed = async () => (await call('GET', `${P}/keys?account=paper`, { key: LOCAL_KEY })).json().find((k: { id: string }) => k.id === created.id).last_used_at;
      expect(await lastUsed()).toBeNull();
      expect((await call('GET', `${P}/positions`, { key: created.key })).statusCode).toBe(200);
      // Written off the request's path: wait for it rather than for a fixed time.
      await vi.waitFor(async () => expect(await lastUsed()).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/), { timeout: 5000, interval: 20 });
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a negative quantity', { side: 'buy', quantity: -1 }, /body\.quantity: .*must be positive/],
      ['a zero quantity', { side: 'buy', quantity: '0' }, /body\.quantity/],
      ['a NaN quantity', { side: 'buy', quantity: 'NaN' }, /body\.quantity/],
      ['an overflowing quantity string', { side: 'buy', quantity: '1e999' }, /body\.quantity/],
      ['a boolean quantity', { side: 'buy', quantity: true }, /body\.quantity/],
      ['a wrong-typed side', { side: 5, quantity: 1 }, /body\.side/],
      ['a side that is not buy or sell', { side: 'hold', quantity: 1 }, /body\.side/],
      ['an order type that does not exist', { side: 'buy', quantity: 1, order_type: 'trailing_stop' }, /body\.order_type: "trailing_stop" is not one of/],
      ['a limit order without its limit price', { side: 'buy', quantity: 1, order_type: 'limit' }, /body\.limit_price: a limit order needs one/],
      ['a stop price on a limit order', { side: 'buy', quantity: 1, order_type: 'limit', limit_price: 50, stop_price: 49 }, /body\.stop_price: does not apply to a limit order/],
      ['an unknown field', { side: 'buy', quantity: 1, limit: 50 }, /limit/],
      ['a missing symbol', { symbol: undefined, side: 'buy', quantity: 1 }, /body\.symbol/],
      ['a malformed symbol', { symbol: 'A B', side: 'buy', quantity: 1 }, /body\.symbol/],
      ['an empty client order id', { side: 'buy', quantity: 1, client_order_id: '  ' }, /body\.client_order_id/],
      ['slippage of 100%', { side: 'buy', quantity: 1, slippage_bps: 10000 }, /body\.slippage_bps/],
    ];
    for (const [what, body, message] of cases) {
      it(`${what} → 400 naming the field`, async () => {
        expectError(await order(ctx.paperKey, body), 400, 'INPUT_INVALID', message);
      });
    }

    it('a JSON number too large for a double (1e999) → 400 naming quantity', async () => {
      const res = await call('POST', `${P}/orders`, { key: ctx.paperKey, payload: '{"symbol":"ZZQ","side":"buy","quantity":1e999}' });
      expectError(res, 400, 'INPUT_INVALID', /body\.quantity/);
    });

    it('malformed JSON → 400', async () => {
      expectError(await call('POST', `${P}/orders`, { key: ctx.paperKey, payload: '{"symbol":"ZZQ",' }), 400, 'INPUT_INVALID');
    });

    it('an oversized body → 413 PAYLOAD_TOO_LARGE', async () => {
      expectError(await call('POST', `${P}/orders`, { key: ctx.paperKey, payload: `{"symbol":"${'A'.repeat(1_100_000)}"}` }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('none of these recorded an order', async () => {
      const all = (await call('GET', `${P}/orders`, { key: ctx.paperKey })).json();
      expect(all).toHaveLength(4);
    });
  });

  describe('rate limit', () => {
    let limited: FastifyInstance;
    beforeAll(async () => {
      limited = await buildApp(await servicesOver(ctx.stores, { rateLimit: { max: 3, timeWindowMs: 60_000 } }));
    });
    afterAll(async () => limited?.close());

    it('past the limit a key gets 429 with Retry-After and the error JSON; another key is counted apart', async () => {
      for (let i = 0; i < 3; i++) expect((await call('GET', `${P}/positions`, { app: limited, key: ctx.paperKey })).statusCode).toBe(200);
      const res = await call('GET', `${P}/positions`, { app: limited, key: ctx.paperKey });
      expectError(res, 429, 'RATE_LIMITED', /at most 3 requests/);
      const retry = Number(res.headers['retry-after']);
      expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
      expect((await call('GET', `${P}/positions`, { app: limited, key: ctx.researchKey })).statusCode).toBe(200);
    });

    it('the local key is not limited', async () => {
      for (let i = 0; i < 6; i++) expect((await call('GET', `${P}/account`, { app: limited, key: LOCAL_KEY })).statusCode).toBe(200);
    });

    it('requests without a valid key are limited by address, so keys cannot be guessed at speed', async () => {
      for (let i = 0; i < 3; i++) expect((await call('GET', `${P}/positions`, { app: limited, key: `cift_guess${i}` })).statusCode).toBe(401);
      expectError(await call('GET', `${P}/positions`, { app: limited, key: 'cift_guess9' }), 429, 'RATE_LIMITED');
    });

    it('market-data routes are not limited', async () => {
      for (let i = 0; i < 5; i++) expect((await call('GET', '/api/v1/market-data/quote/ZZQ', { app: limited })).statusCode).toBe(200);
    });
  });

  describe('concurrent submits', () => {
    it('a limit order rests (201 open, reserving 10 × 50), a marketable one fills at the ask, DELETE cancels the resting one, then 409', async () => {
      // Its own account, so the other tests' lists and positions are untouched. ZZQ's ask is 50.3 (size 600).
      await openNewAccount(ctx.stores, 'limits', dec('10000'));
      const key = (await createApiKey(ctx.stores, 'limits')).key;
      const rest = await order(key, { side: 'buy', quantity: 10, order_type: 'limit', limit_price: '50', tif: 'gtc' });
      expect(rest.statusCode, rest.body).toBe(201);
      expect(rest.json()).toMatchObject({ status: 'open', type: 'limit', limit_price: '50.000000', stop_price: null, tif: 'gtc', reserved: '500.000000', filled_quantity: '0.000000', fills: [] });
      const now = await order(key, { side: 'buy', quantity: 10, order_type: 'limit', limit_price: 50.5 });
      expect(now.json()).toMatchObject({ status: 'filled', filled_avg_price: '50.300000', fills: [{ price: '50.300000', quantity: '10.000000' }] });
      const del = await call('DELETE', `${P}/orders/${rest.json().id}`, { key });
      expect(del.json()).toMatchObject({ status: 'canceled', reserved: '0.000000' });
      expectError(await call('DELETE', `${P}/orders/${rest.json().id}`, { key }), 409, 'ORDER_NOT_CANCELABLE');
      expectError(await call('DELETE', `${P}/orders/${now.json().id}`, { key }), 409, 'ORDER_NOT_CANCELABLE');
    });

    it('20 buys of 1 sent at once all fill, each once: position 20, cash 10,000 − 20 × 50.3 = 8,994', async () => {
      await openNewAccount(ctx.stores, 'burst', dec('10000'));
      const key = (await createApiKey(ctx.stores, 'burst')).key;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => order(key, { side: 'buy', quantity: 1, client_order_id: `burst-${i}` })));
      expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
      expect(new Set(results.map((r) => r.json().id)).size).toBe(20);
      expect((await call('GET', `${P}/positions/ZZQ`, { key })).json()).toMatchObject({ quantity: '20.000000', avg_cost: '50.300000' });
      expect((await call('GET', `${P}/account/buying-power`, { key })).json().cash).toBe('8994.000000');
    });
  });

  describe('metrics, readiness, docs, logs', () => {
    it('counts orders by outcome and reason', async () => {
      const app = await buildApp(await servicesOver(ctx.stores));
      try {
        await openNewAccount(ctx.stores, 'metrics', dec('1000'));
        const key = (await createApiKey(ctx.stores, 'metrics')).key;
        const post = (body: Record<string, unknown>) => call('POST', `${P}/orders`, { app, key, body: { symbol: 'ZZQ', ...body } });
        expect((await post({ side: 'buy', quantity: 1, client_order_id: 'm-1' })).statusCode).toBe(201);
        expect((await post({ side: 'buy', quantity: 1, client_order_id: 'm-1' })).statusCode).toBe(200);
        // 100 × 50.3 = 5030 > 1000 cash.
        expect((await post({ side: 'buy', quantity: 100 })).statusCode).toBe(422);
        expect((await post({ side: 'sell', quantity: 5 })).statusCode).toBe(422);
        const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(text).toMatch(/^cift_orders_total\{outcome="filled",reason="none"\} 1$/m);
        expect(text).toMatch(/^cift_orders_total\{outcome="duplicate",reason="none"\} 1$/m);
        expect(text).toMatch(/^cift_orders_total\{outcome="rejected",reason="SHORT_NOT_ALLOWED"\} 1$/m);
        expect(text).toMatch(/^cift_orders_total\{outcome="rejected",reason="(INSUFFICIENT_BUYING_POWER|MAX_LEVERAGE_EXCEEDED)"\} 1$/m);
      } finally {
        await app.close();
      }
    });

    it('/ready checks the ledger: 200 with it answering, 503 naming "ledger" when it does not', async () => {
      // A fresh server's first /ready: the tick-store probe reads the catalog only (it once parsed every shipped CSV,
      // ~2 s, blocking the loop past the ledger probe's deadline), so the ledger is seen answering at once.
      const ready = await call('GET', '/ready');
      expect(ready.statusCode, ready.body).toBe(200);
      expect(ready.json().checks.ledger).toBe('ok');
      const broken: Stores = { ...ctx.stores, withLedger: () => Promise.reject(new Error('connection refused')) };
      const app = await buildApp(await servicesOver(broken));
      try {
        const res = await app.inject({ method: 'GET', url: '/ready' });
        expect(res.statusCode).toBe(503);
        expect(res.json().failing).toEqual(['ledger']);
        expect(res.json().checks.ledger).toMatch(/connection refused/);
      } finally {
        await app.close();
      }
    });

    it('/openapi.json documents the trading routes, their bodies and the key schemes', async () => {
      const doc = (await call('GET', '/openapi.json')).json();
      const post = doc.paths['/api/v1/trading/orders'].post;
      expect(Object.keys(post.requestBody.content['application/json'].schema.properties)).toEqual(
        expect.arrayContaining(['symbol', 'side', 'order_type', 'quantity', 'client_order_id', 'allow_short', 'slippage_bps', 'max_quote_age_seconds']),
      );
      expect(post.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
      for (const path of ['/api/v1/trading/orders/{id}', '/api/v1/trading/positions', '/api/v1/trading/portfolio', '/api/v1/trading/risk/check', '/api/v1/trading/risk/max-order-size/{symbol}', '/api/v1/trading/risk/report', '/api/v1/trading/account/limits']) {
        expect(doc.paths[path], path).toBeDefined();
      }
    });

    it('keys never appear in the log', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const app = await buildApp(await servicesOver(ctx.stores), { logger: { level: 'trace', stream } });
      try {
        await call('GET', `${P}/positions`, { app, key: ctx.paperKey });
        await call('GET', `${P}/positions`, { app, headers: { authorization: `Bearer ${ctx.researchKey}` } });
        await call('GET', `${P}/account`, { app, key: LOCAL_KEY });
        await call('GET', `${P}/positions`, { app, key: 'cift_not-a-real-key-xyz' });
        await call('POST', `${P}/orders`, { app, key: ctx.paperKey, payload: '{"symbol":' });
      } finally {
        await app.close();
      }
      const log = lines.join('');
      expect(log).toMatch(/incoming request/);
      expect(log).toMatch(/\/api\/v1\/trading\/positions/);
      for (const secret of [ctx.paperKey, ctx.researchKey, LOCAL_KEY, 'cift_not-a-real-key-xyz']) expect(log).not.toContain(secret);
    });
  });
}

describe('trading routes on DuckDB', () => tradingSuite('duckdb'));
if (hasPostgres) describe('trading routes on PostgreSQL', () => tradingSuite('postgres'));
else describe.skip('trading routes on PostgreSQL (skipped: no PostgreSQL server reachable, see test/services.ts)', () => it('needs PostgreSQL', () => undefined));
