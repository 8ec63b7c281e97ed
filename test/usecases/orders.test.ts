/** The order use-cases both front doors call, on the embedded ledger in a temp CIFT_HOME with bars written here. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dec, fmt } from '../../src/money.js';
import { createAccount } from '../../src/trading/accounts.js';
import { cancelOrder, getOrder, getPosition, listOrders, listPositions, readQuantity, submitOrder } from '../../src/usecases/orders.js';
import { listAccounts, openNewAccount, updateLimits } from '../../src/usecases/accounts.js';
import { getBuyingPower, getPortfolio } from '../../src/usecases/portfolio.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';
import { addBars, barsCsv, storesWith } from './fixture.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const newHome = homeMaker(tmp.dir);
const buy = (symbol: string, quantity: string, extra: { clientOrderId?: string; account?: string } = {}) => ({ account: extra.account ?? 'paper', symbol, side: 'buy' as const, quantity: dec(quantity), clientOrderId: extra.clientOrderId });

describe('readQuantity', () => {
  it('reads a typed or JSON quantity exactly and refuses the rest as USAGE naming the value', async () => {
    expect(['10', '0.5', '1e3', 10, 0.5, 1e-6].map((v) => fmt(readQuantity(v)))).toEqual(['10.000000', '0.500000', '1000.000000', '10.000000', '0.500000', '0.000001']);
    const refusals = ['0', '-1', -1, 'abc', Number.NaN, Number.POSITIVE_INFINITY, 1e-7, '0.0000001'].map((v) => {
      try {
        readQuantity(v);
        return 'read';
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    expect(refusals, 'never rounded, never negative, never non-finite').toEqual(Array.from({ length: 8 }, () => 'USAGE'));
  });
});

describe('openStores', () => {
  it('opens the ledger only when asked, and withLedger releases a ledger it opened itself', async () => {
    const home = newHome();
    const stores = await storesWith(home, { XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50) });
    expect(await stores.market.kindsOf('XYZ')).toEqual(['bars']);
    expect(existsSync(join(home, 'ledger.duckdb')), 'market data alone never opens the ledger').toBe(false);
    const first = await stores.withLedger(async (l) => l);
    const second = await stores.withLedger(async (l) => l);
    expect(first === second, 'each withLedger without a held ledger opens (and closes) its own').toBe(false);
    const held = await stores.ledger();
    expect(await stores.withLedger(async (l) => l), 'a held ledger (the server) is the one withLedger uses').toBe(held);
    await stores.close();
  });
});

describe('order use-cases', async () => {
  const home = newHome();
  const stores = await storesWith(home, { XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50), ABC: barsCsv(['2024-01-02', '2024-01-03'], 20) });
  afterAll(() => stores.close());

  it('submits a market buy that fills at the last close, and a repeated client id returns the original order', async () => {
    const first = await submitOrder(stores, buy('XYZ', '10', { clientOrderId: 'c-1' }));
    expect([first.rejected, first.duplicate, first.reasons]).toEqual([false, false, []]);
    expect(first.order).toMatchObject({ symbol: 'XYZ', side: 'buy', quantity: '10.000000', status: 'filled', filled_quantity: '10.000000', filled_avg_price: '50.000000', client_order_id: 'c-1', duplicate: false });
    expect(first.order.fill, 'the last close written in the bars file').toMatchObject({ price: '50.000000', quantity: '10.000000', fee: '0.000000', price_source: 'bar' });
    const again = await submitOrder(stores, buy('XYZ', '10', { clientOrderId: 'c-1' }));
    expect([again.duplicate, again.order.id, again.order.duplicate]).toEqual([true, first.order.id, true]);
    expect((await listOrders(stores, 'paper')).length, 'nothing new was recorded').toBe(1);
  });

  it('returns a risk rejection as data with each reason, and records the rejected order', async () => {
    // After 10 XYZ @ 50: cash 99500, equity 100000, gross 500; buying power 100000·1 − 500 = 99500.
    // 3000 @ 50 = 150000 notional: need 150000 > have 99500; leverage (500 + 150000) / 100000 = 1.505 > 1.
    const r = await submitOrder(stores, buy('XYZ', '3000'));
    expect([r.rejected, r.duplicate, r.order.status, r.order.filled_quantity, r.order.filled_avg_price]).toEqual([true, false, 'rejected', '0.000000', null]);
    expect(r.reasons).toEqual([
      { code: 'INSUFFICIENT_BUYING_POWER', message: 'INSUFFICIENT_BUYING_POWER: need=150000.000000 have=99500.000000' },
      { code: 'MAX_LEVERAGE_EXCEEDED', message: 'MAX_LEVERAGE_EXCEEDED: leverage=1.505000 max=1.000000' },
    ]);
    expect((await listOrders(stores, 'paper', { status: 'rejected' })).map((o) => o.id)).toEqual([r.order.id]);
  });

  it('refuses an unknown symbol as UNKNOWN_SYMBOL before recording anything', async () => {
    expect((await errorOf(submitOrder(stores, buy('NOPE', '1')))).code).toBe('UNKNOWN_SYMBOL');
    expect((await listOrders(stores, 'paper')).length).toBe(2);
  });

  it('refuses to cancel a filled order, naming its status', async () => {
    const [filled] = await listOrders(stores, 'paper', { status: 'filled' });
    const e = await errorOf(cancelOrder(stores, 'paper', filled.id));
    expect([e.code, e.message]).toEqual(['ORDER_NOT_CANCELABLE', `ORDER_NOT_CANCELABLE: id=${filled.id} status=filled`]);
  });

  it("answers another account's order id as ORDER_NOT_FOUND, exactly like an id that does not exist", async () => {
    await stores.withLedger((l) => createAccount(l, 'other', dec('1000')));
    const [mine] = await listOrders(stores, 'paper');
    expect((await getOrder(stores, 'paper', mine.id)).id).toBe(mine.id);
    for (const id of [mine.id, '999999', 'abc']) {
      expect((await errorOf(getOrder(stores, 'other', id))).code, `get ${id}`).toBe('ORDER_NOT_FOUND');
      expect((await errorOf(cancelOrder(stores, 'other', id))).code, `cancel ${id}`).toBe('ORDER_NOT_FOUND');
    }
    expect(await listOrders(stores, 'other')).toEqual([]);
  });

  it('filters the list by status and symbol, and a limit keeps the most recent, oldest first', async () => {
    await submitOrder(stores, buy('ABC', '100'));
    const all = await listOrders(stores, 'paper');
    expect(all.map((o) => [o.symbol, o.status])).toEqual([['XYZ', 'filled'], ['XYZ', 'rejected'], ['ABC', 'filled']]);
    expect((await listOrders(stores, 'paper', { symbol: 'ABC' })).map((o) => o.id)).toEqual([all[2].id]);
    expect((await listOrders(stores, 'paper', { status: 'filled', symbol: 'XYZ' })).map((o) => o.id)).toEqual([all[0].id]);
    expect((await listOrders(stores, 'paper', { limit: 2 })).map((o) => o.id)).toEqual([all[1].id, all[2].id]);
    expect((await errorOf(listOrders(stores, 'paper', { limit: -1 }))).code).toBe('USAGE');
  });

  it('marks the portfolio to the latest closes, figures worked by hand', async () => {
    // A later XYZ bar closes at 55; selling 4 there realizes 4 × (55 − 50) = 20 and adds 220 cash.
    await addBars(stores, home, 'XYZ-later', barsCsv(['2024-01-04'], 55));
    const sold = await submitOrder(stores, { account: 'paper', symbol: 'XYZ', side: 'sell', quantity: dec('4') });
    expect(sold.order.filled_avg_price).toBe('55.000000');
    // cash 100000 − 500 − 2000 + 220 = 97720; XYZ 6 @ 55 = 330 (unrealized 6 × 5 = 30); ABC 100 @ 20 = 2000.
    // equity 97720 + 330 + 2000 = 100050; gross 2330; buying power 100050 − 2330 = 97720; leverage 2330 / 100050 = 0.0232883…
    expect(await getPortfolio(stores, 'paper')).toEqual({
      account: 'paper',
      currency: 'USD',
      cash: '97720.000000',
      equity: '100050.000000',
      gross_exposure: '2330.000000',
      buying_power: '97720.000000',
      gross_leverage: '0.023288',
      unrealized_pnl: '30.000000',
      realized_pnl: '20.000000',
      positions: [
        { symbol: 'ABC', quantity: '100.000000', avg_cost: '20.000000', last: '20.000000', market_value: '2000.000000', unrealized_pnl: '0.000000', realized_pnl: '0.000000' },
        { symbol: 'XYZ', quantity: '6.000000', avg_cost: '50.000000', last: '55.000000', market_value: '330.000000', unrealized_pnl: '30.000000', realized_pnl: '20.000000' },
      ],
    });
    expect(await getBuyingPower(stores, 'paper')).toEqual({ account: 'paper', currency: 'USD', buying_power: '97720.000000', cash: '97720.000000', equity: '100050.000000', gross_exposure: '2330.000000', max_leverage: '1.000000' });
  });

  it('lists positions and reads one; a symbol never held is POSITION_NOT_FOUND', async () => {
    expect((await listPositions(stores, 'paper')).map((p) => p.symbol).sort()).toEqual(['ABC', 'XYZ']);
    expect(await getPosition(stores, 'paper', 'XYZ')).toEqual({ symbol: 'XYZ', quantity: '6.000000', avg_cost: '50.000000', realized_pnl: '20.000000' });
    expect((await errorOf(getPosition(stores, 'paper', 'GOOG'))).code).toBe('POSITION_NOT_FOUND');
    expect(await listPositions(stores, 'other')).toEqual([]);
  });

  it('opens accounts, lists them and changes limits, as views', async () => {
    expect(await openNewAccount(stores, 'fx', dec('2500'))).toMatchObject({ name: 'fx', currency: 'USD', cash: '2500.000000', max_leverage: '1.000000' });
    expect((await errorOf(openNewAccount(stores, 'fx'))).code).toBe('ACCOUNT_EXISTS');
    expect((await listAccounts(stores)).map((a) => [a.name, a.cash])).toEqual([['fx', '2500.000000'], ['other', '1000.000000'], ['paper', '97720.000000']]);
    expect(await updateLimits(stores, 'fx', { maxLeverage: dec('2'), feeRate: dec('0.0005') })).toEqual({ account: 'fx', max_position: '1000000.000000', max_order_notional: '1000000.000000', max_leverage: '2.000000', max_concentration: null, fee_rate: '0.000500' });
    expect((await errorOf(updateLimits(stores, 'nobody', {}))).code).toBe('UNKNOWN_ACCOUNT');
  });

  it('refuses an account that does not exist as UNKNOWN_ACCOUNT', async () => {
    expect((await errorOf(getPortfolio(stores, 'nobody'))).code).toBe('UNKNOWN_ACCOUNT');
    expect((await errorOf(submitOrder(stores, buy('XYZ', '1', { account: 'nobody' })))).code).toBe('UNKNOWN_ACCOUNT');
  });
});
