/**
 * The ledger contract, registered once per backend (embedded DuckDB, PostgreSQL): both must give the same
 * answers for the same orders. Prices come from a real Parquet tick store holding one quote per symbol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dec, fmt } from '../../src/money.js';
import { loadPolars } from '../../src/polars.js';
import { ParquetTickStore } from '../../src/store/ticks/parquet.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../src/trading/orders.js';
import { portfolio } from '../../src/trading/portfolio.js';
import { tempDir } from '../helpers.js';

export interface LedgerFixture {
  open(): Promise<Ledger>;
  cleanup(): Promise<void>;
}

/** A tick store with one quote: AAA bid 99.50 / ask 100.00 (sizes 300 / 500). */
export async function quoteStore(dir: string): Promise<ParquetTickStore> {
  const store = new ParquetTickStore(await loadPolars(), join(dir, 'ticks'));
  await store.write(
    { kind: 'quotes', symbol: 'AAA', ts: BigInt64Array.from([1_700_000_000_000_000_000n]), seq: Float64Array.from([0]), values: { bid: Float64Array.from([99.5]), ask: Float64Array.from([100]), bid_size: Float64Array.from([300]), ask_size: Float64Array.from([500]) } },
    { id: 'test-quotes', label: 'test' },
  );
  await store.write(
    { kind: 'trades', symbol: 'BBB', ts: BigInt64Array.from([1_700_000_000_000_000_000n]), seq: Float64Array.from([0]), values: { price: Float64Array.from([20]), size: Float64Array.from([1]), side: Float64Array.from([0]) } },
    { id: 'test-trades', label: 'test' },
  );
  return store;
}

export function ledgerContract(name: string, makeFixture: () => Promise<LedgerFixture>): void {
  describe(`ledger contract: ${name}`, () => {
    let fixture: LedgerFixture;
    let ledger: Ledger;
    let store: ParquetTickStore;
    const tmp = tempDir();
    const account = 'paper';

    beforeAll(async () => {
      fixture = await makeFixture();
      ledger = await fixture.open();
      store = await quoteStore(tmp.dir);
      await ledger.ensureAccount(account, { ...DEFAULT_ACCOUNT_SETTINGS, feeRate: dec('0.001') });
    });
    afterAll(async () => {
      await ledger?.close();
      await fixture?.cleanup();
      tmp.cleanup();
    });

    const buy = (symbol: string, qty: string, extra: object = {}) => submitOrder(ledger, store, { account, symbol, side: 'buy', quantity: dec(qty), ...extra });
    const sell = (symbol: string, qty: string, extra: object = {}) => submitOrder(ledger, store, { account, symbol, side: 'sell', quantity: dec(qty), ...extra });

    it('opens the default account once, with its deposit', async () => {
      const again = await ledger.ensureAccount(account, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('5') });
      expect(fmt(again.cash), 'the second ensure keeps the first opening').toBe('100000.000000');
      expect((await ledger.cashMovements(account)).map((m) => [m.kind, fmt(m.amount)])).toEqual([['deposit', '100000.000000']]);
    });

    it('fills a buy at the ask with the fee, and updates cash and position', async () => {
      const r = await buy('AAA', '10', { clientOrderId: 'c-1' });
      expect(r.order.status).toBe('filled');
      expect(fmt(r.order.fill!.price), 'the ask').toBe('100.000000');
      expect(fmt(r.order.fill!.fee), '10 × 100 × 0.001').toBe('1.000000');
      const a = (await ledger.getAccount(account))!;
      expect(fmt(a.cash), '100000 − 1000 − 1').toBe('98999.000000');
      const [p] = await ledger.positions(account);
      expect([p.symbol, fmt(p.quantity), fmt(p.avgCost)]).toEqual(['AAA', '10.000000', '100.000000']);
    });

    it('returns the original order when a client order id is resubmitted', async () => {
      const r = await buy('AAA', '999', { clientOrderId: 'c-1' });
      expect(r.duplicate).toBe(true);
      expect(fmt(r.order.quantity), 'the original quantity, not the resubmitted one').toBe('10.000000');
      expect((await ledger.orders(account)).length).toBe(1);
    });

    it('sells at the bid and realises P&L against the average cost', async () => {
      const r = await sell('AAA', '4');
      expect(fmt(r.order.fill!.price)).toBe('99.500000');
      const [p] = await ledger.positions(account);
      // (99.50 − 100.00) × 4 = −2
      expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)]).toEqual(['6.000000', '100.000000', '-2.000000']);
    });

    it('prices from the last trade when there are no quotes', async () => {
      const r = await buy('BBB', '5');
      expect([r.order.fill!.priceSource, fmt(r.order.fill!.price)]).toEqual(['trade', '20.000000']);
    });

    it('records a rejected order with every denial and leaves cash alone', async () => {
      const before = (await ledger.getAccount(account))!.cash;
      const r = await buy('AAA', '100000000');
      expect(r.order.status).toBe('rejected');
      expect(r.order.rejectCodes).toEqual(['MAX_ORDER_NOTIONAL_EXCEEDED', 'MAX_POSITION_EXCEEDED', 'INSUFFICIENT_BUYING_POWER', 'MAX_LEVERAGE_EXCEEDED']);
      expect(r.denials.find((d) => d.startsWith('INSUFFICIENT_BUYING_POWER'))).toMatch(/^INSUFFICIENT_BUYING_POWER: need=\d+\.\d{6} have=\d+\.\d{6}$/);
      expect((await ledger.getAccount(account))!.cash).toBe(before);
      expect((await ledger.orders(account, 'rejected')).length).toBe(1);
    });

    it('refuses to open a short without allowShort, and allows it with', async () => {
      const denied = await sell('BBB', '6');
      expect(denied.order.rejectCodes).toEqual(['SHORT_NOT_ALLOWED']);
      const allowed = await sell('BBB', '6', { allowShort: true });
      expect(allowed.order.status).toBe('filled');
      const bbb = (await ledger.positions(account)).find((p) => p.symbol === 'BBB')!;
      expect([fmt(bbb.quantity), fmt(bbb.avgCost)], 'flipped from +5 to −1 at the fill price').toEqual(['-1.000000', '20.000000']);
    });

    it('refuses to cancel a filled order, naming its status', async () => {
      const [first] = await ledger.orders(account);
      await expect(ledger.cancel(account, first.id)).rejects.toMatchObject({ code: 'ORDER_NOT_CANCELABLE' });
      await expect(ledger.cancel(account, '999999')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    });

    it('keeps cash equal to deposits minus the fills’ net cost and fees, and positions equal to their fills', async () => {
      const orders = await ledger.orders(account, 'filled');
      let cash = dec('100000');
      const qty = new Map<string, bigint>();
      for (const o of orders) {
        const f = o.fill!;
        const notional = (f.quantity * f.price) / 1_000_000n;
        cash = (cash + (o.side === 'buy' ? -notional : notional) - f.fee) as typeof cash;
        qty.set(o.symbol, (qty.get(o.symbol) ?? 0n) + (o.side === 'buy' ? f.quantity : -f.quantity));
      }
      expect(fmt((await ledger.getAccount(account))!.cash)).toBe(fmt(cash));
      for (const p of await ledger.positions(account)) expect(p.quantity, p.symbol).toBe(qty.get(p.symbol));
    });

    it('applies new limits to the very next order', async () => {
      await ledger.setLimits(account, { maxPositionQty: dec('7') });
      const r = await buy('AAA', '2');
      expect(r.order.rejectCodes, 'AAA is 6; 6 + 2 > 7').toEqual(['MAX_POSITION_EXCEEDED']);
      await ledger.setLimits(account, { maxPositionQty: DEFAULT_ACCOUNT_SETTINGS.maxPositionQty });
    });

    it('values the portfolio at the latest marks', async () => {
      const p = await portfolio(ledger, store, (await ledger.getAccount(account))!);
      const aaa = p.positions.find((x) => x.symbol === 'AAA')!;
      // mark = mid 99.75; unrealized = (99.75 − 100) × 6 = −1.5
      expect([fmt(aaa.last!), fmt(aaa.unrealizedPnl)]).toEqual(['99.750000', '-1.500000']);
      expect(fmt(p.equity)).toBe(fmt((p.cash + (6n * 99_750_000n) + (-1n * 20_000_000n)) as typeof p.cash));
    });
  });
}
