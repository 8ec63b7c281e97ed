/**
 * The remote TradingService against a real HTTP server started here, answering as the trading routes do: what
 * it sends (path, headers, body with amounts as strings) and how answers and error JSON become the same views,
 * SubmitOutcome and CiftError (code, message, hint) as the local use-cases.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dec } from '../../src/money.js';
import { remoteTradingService, ServerGone } from '../../src/usecases/remote-trading.js';
import { openTradingService } from '../../src/usecases/trading-service.js';
import { remoteKeysService } from '../../src/usecases/keys-service.js';
import type { OrderJson } from '../../src/usecases/views.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let url: string;
let seen: Seen[] = [];
/** The next answers, in order: status and the JSON (or raw text) body. */
let answers: Array<{ status: number; json?: unknown; text?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const a = answers.shift() ?? { status: 500, json: { error: { code: 'INTERNAL', message: 'no canned answer' } } };
      res.writeHead(a.status, { 'content-type': a.text === undefined ? 'application/json' : 'text/plain' });
      res.end(a.text ?? JSON.stringify(a.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  answers = [];
});

const tmp = tempDir('cift-remote-');
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);

/** An order view as the routes answer it, written out here. */
const order = (over: Partial<OrderJson> = {}): OrderJson => ({
  id: '7',
  client_order_id: 'c-7',
  account: 'paper',
  symbol: 'GOOG',
  side: 'buy',
  type: 'market',
  quantity: '1.500000',
  status: 'filled',
  reject_codes: [],
  reject_reason: null,
  created_at: '2026-01-02T03:04:05.000000000Z',
  fill: { price: '100.000000', quantity: '1.500000', fee: '0.000000', price_source: 'close', filled_at: '2026-01-02T03:04:05.000000000Z' },
  filled_quantity: '1.500000',
  filled_avg_price: '100.000000',
  ...over,
});

const remote = () => remoteTradingService({ url, key: 'cift_local_secret', pid: 4242 });
const buyReq = { account: 'research', symbol: 'GOOG', side: 'buy' as const, quantity: dec('1.5') };

describe('remote trading service', () => {
  it('submits with the local key and the account in headers, the quantity as an exact string, and returns the filled order', async () => {
    answers.push({ status: 201, json: order({ duplicate: false }) });
    const out = await remote().submit({ ...buyReq, clientOrderId: 'c-7', allowShort: false, slippageBps: 2, maxQuoteAgeSeconds: 30 });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/api/v1/trading/orders');
    expect(seen[0].headers['x-api-key']).toBe('cift_local_secret');
    expect(seen[0].headers['x-cift-account']).toBe('research');
    expect(JSON.parse(seen[0].body)).toEqual({ symbol: 'GOOG', side: 'buy', order_type: 'market', quantity: '1.500000', client_order_id: 'c-7', allow_short: false, slippage_bps: 2, max_quote_age_seconds: 30 });
    expect(out).toEqual({ order: order({ duplicate: false }), duplicate: false, rejected: false, reasons: [] });
  });

  it('leaves optional fields out of the body, and a 200 is the original order of a repeated client id', async () => {
    answers.push({ status: 200, json: order() });
    const out = await remote().submit(buyReq);
    expect(JSON.parse(seen[0].body)).toEqual({ symbol: 'GOOG', side: 'buy', order_type: 'market', quantity: '1.500000' });
    expect(out.duplicate).toBe(true);
    expect(out.order.duplicate, 'the view carries duplicate, last, as the local submit prints it').toBe(true);
    expect(Object.keys(out.order).at(-1)).toBe('duplicate');
  });

  it('turns a 422 rejection with the order into rejected: true with its reasons, as the local use-case returns it', async () => {
    const rejected = order({ status: 'rejected', fill: null, filled_quantity: '0.000000', filled_avg_price: null, reject_codes: ['MAX_ORDER_NOTIONAL', 'BUYING_POWER'], reject_reason: 'MAX_ORDER_NOTIONAL: a=1; BUYING_POWER: b=2', duplicate: false });
    const reasons = [
      { code: 'MAX_ORDER_NOTIONAL', message: 'MAX_ORDER_NOTIONAL: a=1' },
      { code: 'BUYING_POWER', message: 'BUYING_POWER: b=2' },
    ];
    answers.push({ status: 422, json: { order: rejected, reasons } });
    expect(await remote().submit(buyReq)).toEqual({ order: rejected, duplicate: false, rejected: true, reasons });
    // Without reasons in the body (e.g. the original of a repeated id), they come from the order's own codes.
    answers.push({ status: 200, json: rejected });
    const again = await remote().submit(buyReq);
    expect(again.rejected).toBe(true);
    expect(again.reasons).toEqual(reasons);
  });

  it('gives back the server error as the same CiftError: code, message and hint', async () => {
    answers.push({ status: 404, json: { error: { code: 'UNKNOWN_SYMBOL', message: 'no symbol "NOPE"', hint: 'list them with `cift ingest --list`', request_id: 'r1' } } });
    const e = await errorOf(remote().submit({ ...buyReq, symbol: 'NOPE' }));
    expect([e.code, e.message, e.hint]).toEqual(['UNKNOWN_SYMBOL', 'no symbol "NOPE"', 'list them with `cift ingest --list`']);

    answers.push({ status: 409, json: { error: { code: 'ORDER_NOT_CANCELABLE', message: 'order 7 is filled', request_id: 'r2' } } });
    const c = await errorOf(remote().cancel('paper', '7'));
    expect([c.code, c.message, c.hint]).toEqual(['ORDER_NOT_CANCELABLE', 'order 7 is filled', undefined]);
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/v1/trading/orders/7' });

    answers.push({ status: 422, json: { error: { code: 'ORDER_REJECTED', message: 'quantity too large for the ledger', request_id: 'r3' } } });
    expect((await errorOf(remote().submit(buyReq))).code, 'a 422 without an order is an error, not a rejection').toBe('ORDER_REJECTED');

    answers.push({ status: 400, json: { error: { code: 'USAGE', message: 'limit -1 must be a whole number ≥ 0', request_id: 'r4' } } });
    expect((await errorOf(remote().list('paper'))).code, 'USAGE stays USAGE (exit 2)').toBe('USAGE');
  });

  it('says the server refused the key on 401/403, and names the status when the body is not error JSON', async () => {
    answers.push({ status: 401, json: { error: { code: 'UNAUTHORIZED', message: 'unknown API key', request_id: 'r' } } });
    const e = await errorOf(remote().positions('paper'));
    expect(e.code).toBe('LEDGER_LOCKED');
    expect(e.message).toBe(`cift serve (pid 4242) at ${url} refused this home's local key: unknown API key`);
    answers.push({ status: 502, text: 'Bad Gateway' });
    const bad = await errorOf(remote().positions('paper'));
    expect([bad.code, bad.message]).toEqual(['INTERNAL', `cift serve (pid 4242) at ${url} answered HTTP 502 with a body that is not JSON`]);
    answers.push({ status: 500, json: { oops: true } });
    expect((await errorOf(remote().positions('paper'))).message).toBe(`cift serve (pid 4242) at ${url} answered HTTP 500`);
  });

  it('reads lists, the portfolio and limits from their routes, with the filter in the query string', async () => {
    answers.push({ status: 200, json: [order()] }, { status: 200, json: { orders: [order({ id: '8' })] } });
    expect(await remote().list('paper', { status: 'filled', symbol: 'GOOG', limit: 5 })).toEqual([order()]);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/trading/orders?status=filled&symbol=GOOG&limit=5' });
    expect((await remote().list('paper')).map((o) => o.id), 'a wrapped list reads the same').toEqual(['8']);
    expect(seen[1].url).toBe('/api/v1/trading/orders');

    const limits = { account: 'paper', max_position: '500.000000', max_order_notional: '1000000.000000', max_leverage: '2.000000', fee_rate: '0.000500' };
    answers.push({ status: 200, json: limits }, { status: 200, json: limits });
    expect(await remote().getLimits('paper')).toEqual(limits);
    expect(seen[2]).toMatchObject({ method: 'GET', url: '/api/v1/trading/account' });
    expect(await remote().updateLimits('paper', { maxPositionQty: dec('500'), maxLeverage: dec('2'), feeRate: dec('0.0005') })).toEqual(limits);
    expect(seen[3]).toMatchObject({ method: 'PATCH', url: '/api/v1/trading/account/limits' });
    expect(JSON.parse(seen[3].body), 'amounts as exact strings').toEqual({ max_position: '500.000000', max_leverage: '2.000000', fee_rate: '0.000500' });

    const account = { name: 'fx', currency: 'USD', cash: '250000.000000', fee_rate: '0.000000', max_position: '1000000.000000', max_order_notional: '1000000.000000', max_leverage: '1.000000', created_at: '2026-01-02T03:04:05.000000000Z' };
    answers.push({ status: 201, json: account }, { status: 200, json: [account] });
    expect(await remote().createAccount('fx', dec('250000'))).toEqual(account);
    expect(JSON.parse(seen[4].body)).toEqual({ name: 'fx', cash: '250000.000000' });
    expect(seen[4].headers['x-cift-account'], 'account admin names no account').toBeUndefined();
    expect(await remote().listAccounts()).toEqual([account]);
    expect(seen[5]).toMatchObject({ method: 'GET', url: '/api/v1/trading/accounts' });
  });

  it('a refused connection is ServerGone (nothing was sent), naming the reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gone = await remoteTradingService({ url: `http://127.0.0.1:${port}`, key: 'k', pid: 99 })
      .list('paper')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(gone).toBeInstanceOf(ServerGone);
    expect((gone as ServerGone).reason).toBe('ECONNREFUSED');
  });
});

describe('remote keys service', () => {
  it('creates, lists and revokes through the key routes, and gives back their errors', async () => {
    const view = { id: '3', account: 'paper', name: 'bot', prefix: 'cift_AbCdEfG', created_at: 'T', revoked_at: null, last_used_at: null };
    answers.push({ status: 201, json: { ...view, key: 'cift_secret' } }, { status: 200, json: [view] }, { status: 200, json: { ...view, revoked_at: 'T2' } });
    const keys = remoteKeysService({ url, key: 'cift_local_secret' });
    expect(await keys.create('paper', 'bot')).toEqual({ ...view, key: 'cift_secret' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/trading/keys' });
    expect(JSON.parse(seen[0].body)).toEqual({ account: 'paper', name: 'bot' });
    expect(seen[0].headers['x-api-key']).toBe('cift_local_secret');
    expect(await keys.list('paper')).toEqual([view]);
    expect(seen[1]).toMatchObject({ method: 'GET', url: '/api/v1/trading/keys?account=paper' });
    expect((await keys.revoke('cift_AbCdEfG')).revoked_at).toBe('T2');
    expect(seen[2]).toMatchObject({ method: 'DELETE', url: '/api/v1/trading/keys/cift_AbCdEfG' });
    answers.push({ status: 404, json: { error: { code: 'KEY_NOT_FOUND', message: 'no API key "zz"', request_id: 'r' } } });
    const e = await errorOf(keys.revoke('zz'));
    expect([e.code, e.message]).toEqual(['KEY_NOT_FOUND', 'no API key "zz"']);
  });
});

describe('openTradingService', () => {
  it('forwards to the announced server, and works on the local ledger when that server refuses the connection', async () => {
    const home = newHome();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: child.pid, url: deadUrl, started_at: 'x', version: '0' }));
    writeFileSync(join(home, 'serve.key'), 'k\n', { mode: 0o600 });
    const service = openTradingService({ home, databaseUrl: undefined });
    expect(service.where, 'a live pid: the server is used').toBe(deadUrl);
    const source = await errorOf(Promise.resolve().then(() => openTradingService({ home, databaseUrl: undefined }, { source: 'shipped' })));
    expect(source.code).toBe('USAGE');
    // Its pid runs (or was reused) but nothing listens: the ledger here is free, so it answers (new and empty).
    expect(await service.list('paper')).toEqual([]);
    child.kill('SIGKILL');
  });

  it('never forwards with CIFT_DATABASE_URL, even when a server is announced', () => {
    const home = newHome();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(home, 'serve.json'), JSON.stringify({ pid: child.pid, url: url, started_at: 'x', version: '0' }));
      writeFileSync(join(home, 'serve.key'), 'k\n', { mode: 0o600 });
      expect(openTradingService({ home, databaseUrl: undefined }).where).toBe(url);
      expect(openTradingService({ home, databaseUrl: 'postgres://nowhere/none' }).where).toBe('local');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
