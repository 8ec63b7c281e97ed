/**
 * riskCheck and maxOrderSize on hand-worked accounts. Each max is proved against the real checks: riskCheck
 * allows it and refuses it plus the ledger's smallest unit (0.000001), naming the binding limit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { add, dec, fmt, type Dec } from '../../src/money.js';
import type { AccountLimits, Ledger, Side } from '../../src/store/ledger/types.js';
import { createAccount } from '../../src/trading/accounts.js';
import { listOrders, submitOrder } from '../../src/usecases/orders.js';
import { maxOrderSize, riskCheck } from '../../src/usecases/risk.js';
import { errorOf, homeMaker, tempDir } from '../helpers.js';
import { barsCsv, storesWith } from './fixture.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('risk use-cases', async () => {
  const home = homeMaker(tmp.dir)();
  // XYZ's last close is 50; BIG's is 100000 (one unit of 0.000001 then moves the notional by 0.1, so the
  // leverage and buying-power edges fall between whole units and the hand-worked numbers need no rounding).
  const stores = await storesWith(home, { XYZ: barsCsv(['2024-01-02', '2024-01-03'], 50), BIG: barsCsv(['2024-01-02', '2024-01-03'], 100000) });
  const ledger: Ledger = await stores.ledger();
  afterAll(() => stores.close());
  const account = async (name: string, cash: string, limits: Partial<AccountLimits>) => {
    await createAccount(ledger, name, dec(cash));
    await ledger.setLimits(name, limits);
  };
  const order = (name: string, symbol: string, side: Side, quantity: Dec) => ({ account: name, symbol, side, quantity });
  const UNIT = 1n as Dec;

  /** max passes every check and max + 0.000001 is refused with exactly the binding codes. */
  async function proveMax(name: string, symbol: string, side: Side, expected: string, binding: string[]) {
    const m = await maxOrderSize(ledger, stores.market, { account: name, symbol, side });
    expect([m.max_quantity, m.binding_codes, m.binding], `${name}: max and binding`).toEqual([expected, binding, binding[0]]);
    const at = await riskCheck(ledger, stores.market, order(name, symbol, side, dec(expected)));
    expect([at.allowed, at.reasons], `${name}: ${expected} passes every check`).toEqual([true, []]);
    const over = await riskCheck(ledger, stores.market, order(name, symbol, side, add(dec(expected), UNIT)));
    expect(over.reasons.map((r) => r.code), `${name}: ${fmt(add(dec(expected), UNIT))} is refused by the binding limit`).toEqual(binding);
  }

  it('allows an order inside every limit, with each check and its figures, and records nothing', async () => {
    const r = await riskCheck(ledger, stores.market, order('paper', 'XYZ', 'buy', dec('10')));
    expect([r.allowed, r.reasons]).toEqual([true, []]);
    expect(r.checks.map((c) => [c.code, c.passed])).toEqual([
      ['SHORT_NOT_ALLOWED', true],
      ['MAX_ORDER_NOTIONAL_EXCEEDED', true],
      ['MAX_POSITION_EXCEEDED', true],
      ['INSUFFICIENT_BUYING_POWER', true],
      ['MAX_LEVERAGE_EXCEEDED', true],
      ['MAX_CONCENTRATION_EXCEEDED', true],
      ['LEDGER_RANGE_EXCEEDED', true],
    ]);
    expect(r.checks[1].figures, '10 × 50').toEqual({ notional: '500.000000', max: '1000000.000000' });
    expect(r.checks[3].figures, 'a new account: 100000 cash, leverage 1').toEqual({ need: '500.000000', have: '100000.000000' });
    expect(r.checks[4].figures, '500 / 100000').toEqual({ leverage: '0.005000', max: '1.000000' });
    expect(r.checks[5].figures, '500 / 100000 of equity, no limit by default').toEqual({ concentration: '0.005000', max: 'none' });
    expect(await listOrders(stores, 'paper'), 'a risk check records no order').toEqual([]);
  });

  it('denies with the codes a submit would give, the same reasons, and records nothing', async () => {
    await account('tight', '100000', { maxPositionQty: dec('100'), maxOrderNotional: dec('4000'), feeRate: dec('0.001') });
    // 200 × 50 = 10000 > 4000; position 200 > 100; need 10000 + fee 10 = 10010 ≤ 100000; leverage 10000 / 99990 ≤ 1.
    const r = await riskCheck(ledger, stores.market, order('tight', 'XYZ', 'buy', dec('200')));
    expect(r.allowed).toBe(false);
    expect(r.reasons).toEqual([
      { code: 'MAX_ORDER_NOTIONAL_EXCEEDED', message: 'MAX_ORDER_NOTIONAL_EXCEEDED: notional=10000.000000 max=4000.000000' },
      { code: 'MAX_POSITION_EXCEEDED', message: 'MAX_POSITION_EXCEEDED: position_after=200.000000 max=100.000000' },
    ]);
    expect(r.checks.find((c) => c.code === 'INSUFFICIENT_BUYING_POWER')!.figures).toEqual({ need: '10010.000000', have: '100000.000000' });
    expect(await listOrders(stores, 'tight')).toEqual([]);
    const submitted = await submitOrder(stores, order('tight', 'XYZ', 'buy', dec('200')));
    expect(submitted.reasons, 'a submit refuses it for the same reasons').toEqual(r.reasons);
  });

  it('answers an unknown symbol as UNKNOWN_SYMBOL', async () => {
    expect((await errorOf(riskCheck(ledger, stores.market, order('paper', 'NOPE', 'buy', dec('1'))))).code).toBe('UNKNOWN_SYMBOL');
    expect((await errorOf(maxOrderSize(ledger, stores.market, { account: 'paper', symbol: 'NOPE', side: 'buy' }))).code).toBe('UNKNOWN_SYMBOL');
  });

  it('max size bound by max position: 30 − the 10 already held = 20', async () => {
    await account('pos', '100000', { maxPositionQty: dec('30') });
    await submitOrder(stores, order('pos', 'XYZ', 'buy', dec('10')));
    await proveMax('pos', 'XYZ', 'buy', '20.000000', ['MAX_POSITION_EXCEEDED']);
  });

  it('max size bound by max order notional: 1234.5 / 50 = 24.69', async () => {
    await account('notional', '100000', { maxOrderNotional: dec('1234.5') });
    await proveMax('notional', 'XYZ', 'buy', '24.690000', ['MAX_ORDER_NOTIONAL_EXCEEDED']);
    const limited = await maxOrderSize(ledger, stores.market, { account: 'notional', symbol: 'XYZ', side: 'buy', limitPrice: dec('25') });
    expect([limited.max_quantity, limited.binding, limited.price, limited.notional], 'priced at a limit of 25: 1234.5 / 25 = 49.38').toEqual(['49.380000', 'MAX_ORDER_NOTIONAL_EXCEEDED', '25.000000', '1234.500000']);
  });

  it('max size bound by buying power including the fee: 100100 q ≤ 10000 · 0.5', async () => {
    // cash 10000, leverage 0.5: buying power 5000. At 100000 with fee 0.1%, need = 100000 q + 100 q.
    // q = 0.049950: 4995 + 4.995 = 4999.995 ≤ 5000; q = 0.049951: 4995.1 + 4.9951 = 5000.0951 > 5000.
    // Leverage at 0.049951: 4995.1 / (10000 − 4.9951) = 0.4998 ≤ 0.5, so buying power binds alone.
    await account('bp', '10000', { maxLeverage: dec('0.5'), feeRate: dec('0.001') });
    await proveMax('bp', 'BIG', 'buy', '0.049950', ['INSUFFICIENT_BUYING_POWER']);
  });

  it('max size bound by leverage: 100000 q ≤ 2 · (10000 − 100 q)', async () => {
    // cash 10000, leverage 2, fee 0.1%: gross / (equity − fee) ≤ 2.
    // q = 0.199600: 19960 / (10000 − 19.96) = 1.999992 ≤ 2; q = 0.199601: 19960.1 / 9980.0399 = 2.000002 > 2.
    // Buying power at 0.199601: need 19960.1 + 19.9601 = 19980.0601 ≤ 20000, so leverage binds alone.
    await account('lev', '10000', { maxLeverage: dec('2'), feeRate: dec('0.001') });
    await proveMax('lev', 'BIG', 'buy', '0.199600', ['MAX_LEVERAGE_EXCEEDED']);
  });

  it('max size bound by concentration: (100 + q) × 50 ≤ 0.1 × 100000 gives q = 100', async () => {
    // Cash 100000, buy 100 XYZ at 50 (equity stays 100000, marked at the same close). Then a 10 % cap:
    // (100 + q) × 50 ≤ 10000 → q = 100; at 100.000001, 50 × 200.000001 = 10000.00005 > 10000.
    // Buying power 100000 − 5000 = 95000 and leverage 0.1 are far away: concentration binds alone.
    await account('conc', '100000', {});
    await submitOrder(stores, order('conc', 'XYZ', 'buy', dec('100')));
    await ledger.setLimits('conc', { maxConcentration: dec('0.1') });
    await proveMax('conc', 'XYZ', 'buy', '100.000000', ['MAX_CONCENTRATION_EXCEEDED']);
    const over = await submitOrder(stores, order('conc', 'XYZ', 'buy', dec('100.000001')));
    expect(over.reasons, 'a submit refuses it too').toEqual([{ code: 'MAX_CONCENTRATION_EXCEEDED', message: 'MAX_CONCENTRATION_EXCEEDED: concentration=0.100000 max=0.100000' }]);
    // Selling never grows it: the whole 100 (and, with shorting, down to −100) passes the cap.
    const sell = await riskCheck(ledger, stores.market, { ...order('conc', 'XYZ', 'sell', dec('200')), allowShort: true });
    expect(sell.allowed).toBe(true);
    // Sells with shorting: |100 − q| ≤ 100 while q ≤ 200 (never grows), then (q − 100) × 50 ≤ 10000 → q ≤ 300.
    const sellMax = await maxOrderSize(ledger, stores.market, { account: 'conc', symbol: 'XYZ', side: 'sell', allowShort: true });
    expect([sellMax.max_quantity, sellMax.binding_codes]).toEqual(['300.000000', ['MAX_CONCENTRATION_EXCEEDED']]);
    // A cap of 1 % set after the position (5000 = 5 % of equity): no buy grows it within the cap, so the max buy is 0;
    // a sell may flip it to the same size short (q = 200) and not beyond, since (q − 100) × 50 ≤ 1000 gives only 120.
    await ledger.setLimits('conc', { maxConcentration: dec('0.01') });
    const buy0 = await maxOrderSize(ledger, stores.market, { account: 'conc', symbol: 'XYZ', side: 'buy' });
    expect([buy0.max_quantity, buy0.binding]).toEqual(['0.000000', 'MAX_CONCENTRATION_EXCEEDED']);
    const flip = await maxOrderSize(ledger, stores.market, { account: 'conc', symbol: 'XYZ', side: 'sell', allowShort: true });
    expect([flip.max_quantity, flip.binding]).toEqual(['200.000000', 'MAX_CONCENTRATION_EXCEEDED']);
    await ledger.setLimits('conc', { maxConcentration: null });
    expect((await maxOrderSize(ledger, stores.market, { account: 'conc', symbol: 'XYZ', side: 'buy' })).binding, 'lifted: buying power binds again').toBe('INSUFFICIENT_BUYING_POWER');
  });

  it('checks a limit order at its limit price: 1234.5 / 25 = 49.38 passes, 49.380001 does not', async () => {
    // The "notional" account (max order notional 1234.5) from the test above; the stored close is 50.
    const at = await riskCheck(ledger, stores.market, order('notional', 'XYZ', 'buy', dec('49.38')), { limitPrice: dec('25') });
    expect([at.allowed, at.checks[1].figures]).toEqual([true, { notional: '1234.500000', max: '1234.500000' }]);
    const over = await riskCheck(ledger, stores.market, order('notional', 'XYZ', 'buy', dec('49.380001')), { limitPrice: dec('25') });
    expect(over.reasons.map((r) => r.code)).toEqual(['MAX_ORDER_NOTIONAL_EXCEEDED']);
    const market = await riskCheck(ledger, stores.market, order('notional', 'XYZ', 'buy', dec('49.38')));
    expect(market.reasons.map((r) => r.code), 'at the market (50) the same order is too large').toEqual(['MAX_ORDER_NOTIONAL_EXCEEDED']);
  });

  it('max sell without shorting is the position held: 10', async () => {
    await account('long', '100000', {});
    await submitOrder(stores, order('long', 'XYZ', 'buy', dec('10')));
    await proveMax('long', 'XYZ', 'sell', '10.000000', ['SHORT_NOT_ALLOWED']);
  });

  it('max size is 0 when no quantity passes, naming what refuses the smallest one', async () => {
    await account('broke', '0', {});
    const m = await maxOrderSize(ledger, stores.market, { account: 'broke', symbol: 'XYZ', side: 'buy' });
    expect([m.max_quantity, m.binding_codes]).toEqual(['0.000000', ['INSUFFICIENT_BUYING_POWER', 'MAX_LEVERAGE_EXCEEDED']]);
  });
});
