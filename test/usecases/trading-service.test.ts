/**
 * The two TradingServices give the same answers: the same sequence of requests (fills, a duplicate, rejections,
 * errors, lists, positions, portfolio, limits, accounts) on the local use-cases of one home and, over HTTP, on a
 * listening app (the trading routes) over another home with the same data. Only the clock (timestamps) and
 * generated client ids may differ.
 *
 * Fixture: ZZQ's last quote is bid 50.2 / ask 50.3, so a buy fills at 50.3; "paper" starts with 100,000 cash,
 * no fee, leverage 1, max order notional 1,000,000.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { createKeyResolver } from '../../src/api/auth.js';
import { resolveSettings } from '../../src/config.js';
import { MarketData } from '../../src/market-data.js';
import { dec } from '../../src/money.js';
import { loadPolars } from '../../src/polars.js';
import { newLocalKey } from '../../src/serve-discovery.js';
import { remoteTradingService } from '../../src/usecases/remote-trading.js';
import { openStores, openLedgerStores, type Stores } from '../../src/usecases/stores.js';
import { localTradingService, type TradingService } from '../../src/usecases/trading-service.js';
import { cift, tempDir, writeText } from '../helpers.js';

const QUOTES_CSV = 'ts,bid,ask,bid_size,ask_size\n2024-01-02T14:30:00Z,50.0,50.1,300,400\n2024-01-02T14:30:02Z,50.2,50.3,500,600\n';

const tmp = tempDir('cift-parity-');
const localHome = join(tmp.dir, 'local');
const serverHome = join(tmp.dir, 'server');
let served: Stores;
let app: FastifyInstance;
let local: TradingService;
let remote: TradingService;

beforeAll(async () => {
  for (const home of [localHome, serverHome]) {
    mkdirSync(home);
    expect(cift(['ingest', writeText(tmp.dir, 'q.csv', QUOTES_CSV), '--symbol', 'ZZQ'], { home }).status).toBe(0);
  }
  const localSettings = resolveSettings({ home: localHome }, {});
  local = localTradingService({ withLedger: openLedgerStores(localSettings).withLedger, market: () => MarketData.open(localSettings) });

  const settings = resolveSettings({ home: serverHome }, {});
  served = await openStores(settings);
  const key = newLocalKey();
  app = await buildApp({
    version: '0.0.0-test',
    polars: await loadPolars(),
    market: served.market,
    marketFor: (source) => MarketData.open(settings, { source }),
    trading: { stores: served, market: served.market, keys: createKeyResolver(served, { localKey: key }) },
    close: () => served.close(),
  });
  await served.ledger();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  remote = remoteTradingService({ url, key });
});
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

/** An answer or the error's code, message and hint, with the clock and generated ids taken out. */
async function outcome(work: () => Promise<unknown>): Promise<unknown> {
  try {
    return JSON.parse(JSON.stringify(await work()), (k, v) => (k === 'created_at' || k === 'filled_at' ? 'TIME' : v));
  } catch (e) {
    const err = e as { code?: string; message: string; hint?: string };
    return { error: { code: err.code, message: err.message, hint: err.hint } };
  }
}

async function script(s: TradingService): Promise<unknown[]> {
  const buy = { account: 'paper', symbol: 'ZZQ', side: 'buy' as const };
  const out: unknown[] = [];
  out.push(await outcome(() => s.submit({ ...buy, quantity: dec('10'), clientOrderId: 'a-1' })));
  out.push(await outcome(() => s.submit({ ...buy, quantity: dec('10'), clientOrderId: 'a-1' })));
  out.push(await outcome(() => s.submit({ ...buy, quantity: dec('1000000'), clientOrderId: 'a-2' })));
  out.push(await outcome(() => s.submit({ ...buy, side: 'sell', quantity: dec('100'), clientOrderId: 'a-3' })));
  out.push(await outcome(() => s.submit({ ...buy, quantity: dec('5'), clientOrderId: 'a-1' })));
  out.push(await outcome(() => s.submit({ ...buy, symbol: 'NOPE', quantity: dec('1') })));
  out.push(await outcome(() => s.cancel('paper', '1')));
  out.push(await outcome(() => s.cancel('paper', '999')));
  out.push(await outcome(() => s.list('paper')));
  out.push(await outcome(() => s.list('paper', { status: 'rejected' })));
  out.push(await outcome(() => s.list('paper', { symbol: 'ZZQ', limit: 1 })));
  out.push(await outcome(() => s.positions('paper')));
  out.push(await outcome(() => s.portfolio('paper')));
  out.push(await outcome(() => s.getLimits('paper')));
  out.push(await outcome(() => s.updateLimits('paper', { maxLeverage: dec('2'), feeRate: dec('0.0005') })));
  out.push(await outcome(() => s.createAccount('research', dec('5000'))));
  out.push(await outcome(() => s.createAccount('research')));
  out.push(await outcome(() => s.listAccounts()));
  out.push(await outcome(() => s.list('nosuch')));
  out.push(await outcome(() => s.submit({ ...buy, account: 'research', quantity: dec('2'), clientOrderId: 'r-1' })));
  out.push(await outcome(() => s.submit({ ...buy, quantity: dec('2'), clientOrderId: 'a-4' })));
  return out;
}

describe('local and remote trading services', () => {
  it('answer the same requests with the same views and the same errors', async () => {
    const here = await script(local);
    const there = await script(remote);
    // Hand-worked points of the local run, so the comparison is of right answers, not of two wrong ones.
    const [first, duplicate, tooBig, short, conflict, unknown, notCancelable, notFound] = here as Array<Record<string, any>>;
    expect(first).toMatchObject({ duplicate: false, rejected: false, reasons: [], order: { id: '1', status: 'filled', quantity: '10.000000', fill: { price: '50.300000', fee: '0.000000' }, duplicate: false } });
    expect(duplicate).toMatchObject({ duplicate: true, order: { id: '1', duplicate: true } });
    expect(tooBig).toMatchObject({ rejected: true, order: { id: '2', status: 'rejected' } });
    expect(tooBig.reasons.map((r: { code: string }) => r.code)).toContain('MAX_ORDER_NOTIONAL_EXCEEDED');
    expect(short).toMatchObject({ rejected: true, order: { status: 'rejected' } });
    expect(conflict.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(unknown.error.code).toBe('UNKNOWN_SYMBOL');
    expect(notCancelable.error.code).toBe('ORDER_NOT_CANCELABLE');
    expect(notFound.error.code).toBe('ORDER_NOT_FOUND');
    const portfolio = here[12] as Record<string, string>;
    // 100,000 − 10 × 50.3 = 99,497 of cash.
    expect(portfolio.cash).toBe('99497.000000');
    expect((here[18] as { error: { code: string } }).error.code).toBe('UNKNOWN_ACCOUNT');
    // Buy 2 at 50.3 with the 5 bps fee set above: 100.6 × 0.0005 = 0.0503.
    expect((here[20] as { order: { fill: { fee: string } } }).order.fill.fee).toBe('0.050300');

    expect(there).toEqual(here);
  });
});
