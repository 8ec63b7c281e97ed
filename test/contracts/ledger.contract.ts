/**
 * The ledger contract, registered once per backend (embedded DuckDB, PostgreSQL): both must give the same
 * answers for the same orders. Prices come from a real Parquet tick store holding one quote and one trade, so
 * every expected amount below is worked by hand from those prices, the quantities and the fee rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dec, fmt } from '../../src/money.js';
import { loadPolars } from '../../src/polars.js';
import { ParquetTickStore } from '../../src/store/ticks/parquet.js';
import type { SqlDatabase } from '../../src/store/ledger/sql.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { createAccount, openAccount } from '../../src/trading/accounts.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../src/trading/orders.js';
import { portfolio } from '../../src/trading/portfolio.js';
import { tempDir } from '../helpers.js';

export interface LedgerFixture {
  open(): Promise<Ledger>;
  cleanup(): Promise<void>;
}

/** A tick store with one quote, AAA bid 99.50 / ask 100.00 (sizes 300 / 500), and one trade, BBB at 20.00. */
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

export function ledgerContract(name: string, makeFixture: () => Promise<LedgerFixture>, opts: { skip?: boolean } = {}): void {
  describe.skipIf(Boolean(opts.skip))(`ledger contract: ${name}`, () => {
    let fixture: LedgerFixture;
    let ledger: Ledger;
    let store: ParquetTickStore;
    const tmp = tempDir();
    const account = 'paper';
    let firstOrderId = '';

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
    const cash = async (name = account) => fmt((await ledger.getAccount(name))!.cash);

    it('opens the default account once, with its deposit', async () => {
      const again = await ledger.ensureAccount(account, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('5') });
      expect(fmt(again.cash), 'the second ensure keeps the first opening').toBe('100000.000000');
      expect((await ledger.cashMovements(account)).map((m) => [m.kind, fmt(m.amount)])).toEqual([['deposit', '100000.000000']]);
    });

    it('fills a buy at the ask with the fee, and updates cash and position', async () => {
      const r = await buy('AAA', '10', { clientOrderId: 'c-1' });
      firstOrderId = r.order.id;
      expect(r.order.status).toBe('filled');
      expect(fmt(r.order.fill!.price), 'the ask').toBe('100.000000');
      expect(fmt(r.order.fill!.fee), '10 × 100 × 0.001').toBe('1.000000');
      expect(await cash(), '100000 − 10 × 100 − 1').toBe('98999.000000');
      const [p] = await ledger.positions(account);
      expect([p.symbol, fmt(p.quantity), fmt(p.avgCost)]).toEqual(['AAA', '10.000000', '100.000000']);
    });

    it('returns the original order when a client order id is resubmitted for the same order', async () => {
      const r = await buy('AAA', '10', { clientOrderId: 'c-1' });
      expect([r.duplicate, r.order.id]).toEqual([true, firstOrderId]);
      expect(await cash(), 'nothing filled twice').toBe('98999.000000');
      expect((await ledger.orders(account)).length).toBe(1);
    });

    it('refuses a client order id reused for a different order, naming the original', async () => {
      for (const [label, attempt] of [
        ['another quantity', () => buy('AAA', '999', { clientOrderId: 'c-1' })],
        ['another side', () => sell('AAA', '10', { clientOrderId: 'c-1' })],
        ['another symbol', () => buy('BBB', '10', { clientOrderId: 'c-1' })],
      ] as const) {
        await expect(attempt(), label).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', message: expect.stringContaining(`order ${firstOrderId} (buy 10.000000 AAA`) });
      }
      expect((await ledger.orders(account)).length, 'no order recorded for the conflicting requests').toBe(1);
      expect(await cash()).toBe('98999.000000');
    });

    it('sells at the bid and realises P&L against the average cost', async () => {
      const r = await sell('AAA', '4');
      expect(fmt(r.order.fill!.price)).toBe('99.500000');
      expect(fmt(r.order.fill!.fee), '4 × 99.50 × 0.001').toBe('0.398000');
      expect(await cash(), '98999 + 4 × 99.50 − 0.398').toBe('99396.602000');
      const [p] = await ledger.positions(account);
      expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)], '(99.50 − 100.00) × 4 = −2').toEqual(['6.000000', '100.000000', '-2.000000']);
    });

    it('prices from the last trade when there are no quotes', async () => {
      const r = await buy('BBB', '5');
      expect([r.order.fill!.priceSource, fmt(r.order.fill!.price), fmt(r.order.fill!.fee)], 'fee 5 × 20 × 0.001').toEqual(['trade', '20.000000', '0.100000']);
      expect(await cash(), '99396.602 − 100 − 0.1').toBe('99296.502000');
    });

    it('records a rejected order with every denial and leaves cash alone', async () => {
      const r = await buy('AAA', '100000000');
      expect(r.order.status).toBe('rejected');
      expect(r.order.rejectCodes).toEqual(['MAX_ORDER_NOTIONAL_EXCEEDED', 'MAX_POSITION_EXCEEDED', 'INSUFFICIENT_BUYING_POWER', 'MAX_LEVERAGE_EXCEEDED']);
      expect(r.denials[0], '100000000 × 100 against the default 1,000,000 per order').toBe('MAX_ORDER_NOTIONAL_EXCEEDED: notional=10000000000.000000 max=1000000.000000');
      expect(await cash()).toBe('99296.502000');
      expect((await ledger.orders(account, 'rejected')).length).toBe(1);
    });

    it('refuses to open a short without allowShort, and allows it with', async () => {
      const denied = await sell('BBB', '6');
      expect(denied.order.rejectCodes).toEqual(['SHORT_NOT_ALLOWED']);
      const allowed = await sell('BBB', '6', { allowShort: true });
      expect(allowed.order.status).toBe('filled');
      const bbb = (await ledger.positions(account)).find((p) => p.symbol === 'BBB')!;
      expect([fmt(bbb.quantity), fmt(bbb.avgCost), fmt(bbb.realizedPnl)], 'flipped from +5 to −1 at the fill price; closing 5 at cost realises 0').toEqual(['-1.000000', '20.000000', '0.000000']);
      expect(await cash(), '99296.502 + 6 × 20 − 0.12').toBe('99416.382000');
    });

    it('refuses to cancel a filled order, naming its status', async () => {
      await expect(ledger.cancel(account, firstOrderId)).rejects.toMatchObject({ code: 'ORDER_NOT_CANCELABLE' });
      await expect(ledger.cancel(account, '999999')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    });

    it('records every cash movement: the deposit, then each fill as a trade and a fee', async () => {
      expect((await ledger.cashMovements(account)).map((m) => [m.kind, fmt(m.amount)])).toEqual([
        ['deposit', '100000.000000'],
        ['trade', '-1000.000000'],
        ['fee', '-1.000000'],
        ['trade', '398.000000'],
        ['fee', '-0.398000'],
        ['trade', '-100.000000'],
        ['fee', '-0.100000'],
        ['trade', '120.000000'],
        ['fee', '-0.120000'],
      ]);
      expect(await cash(), 'the movements above sum to this').toBe('99416.382000');
    });

    it('applies new limits to the very next order', async () => {
      await ledger.setLimits(account, { maxPositionQty: dec('7') });
      const r = await buy('AAA', '2');
      expect(r.order.rejectCodes, 'AAA is 6; 6 + 2 > 7').toEqual(['MAX_POSITION_EXCEEDED']);
      await ledger.setLimits(account, { maxPositionQty: DEFAULT_ACCOUNT_SETTINGS.maxPositionQty });
    });

    it('stores a concentration limit (none by default), applies it to the next order, and clears it with null', async () => {
      expect((await ledger.getAccount(account))!.maxConcentration, 'no limit on an existing account').toBeNull();
      // Any growth of AAA is far above 0.000001 of equity.
      const set = await ledger.setLimits(account, { maxConcentration: dec('0.000001') });
      expect(fmt(set.maxConcentration!)).toBe('0.000001');
      expect((await ledger.accounts()).find((x) => x.name === account)!.maxConcentration, 'read back from the table').toBe(dec('0.000001'));
      expect((await buy('AAA', '1')).order.rejectCodes).toEqual(['MAX_CONCENTRATION_EXCEEDED']);
      expect((await ledger.setLimits(account, { maxConcentration: null })).maxConcentration).toBeNull();
      expect((await ledger.accounts()).find((x) => x.name === account)!.maxConcentration).toBeNull();
    });

    it('answers getAccount with what is committed: the same as the account list, and as a reopened ledger', async () => {
      // The embedded ledger answers getAccount from what it committed; the list is always read from the database.
      const a = (await ledger.getAccount(account))!;
      expect(fmt(a.cash), 'the cash the movements sum to').toBe('99416.382000');
      expect(fmt(a.maxPositionQty), 'the default limit, set back by the test above').toBe(fmt(DEFAULT_ACCOUNT_SETTINGS.maxPositionQty));
      expect((await ledger.accounts()).find((x) => x.name === account)).toEqual(a);
      await ledger.close();
      ledger = await fixture.open();
      expect(await ledger.getAccount(account)).toEqual(a);
    });

    it('values the portfolio at the latest marks', async () => {
      const a = (await ledger.getAccount(account))!;
      const p = await portfolio(store, a, await ledger.positions(account));
      const aaa = p.positions.find((x) => x.symbol === 'AAA')!;
      expect([fmt(aaa.last!), fmt(aaa.unrealizedPnl)], 'mark = mid (99.50 + 100.00) / 2; (99.75 − 100) × 6').toEqual(['99.750000', '-1.500000']);
      expect(fmt(p.equity), '99416.382 + 6 × 99.75 − 1 × 20').toBe('99994.882000');
      expect(fmt(p.grossExposure), '6 × 99.75 + 1 × 20').toBe('618.500000');
      expect(fmt(p.buyingPower), '99994.882 × 1 − 618.5').toBe('99376.382000');
    });

    it('creates accounts only on request, refuses a second with the same name, and lists them', async () => {
      await createAccount(ledger, 'research', dec('5000'));
      await expect(createAccount(ledger, 'research', dec('1'))).rejects.toMatchObject({ code: 'ACCOUNT_EXISTS' });
      expect((await ledger.accounts()).map((a) => [a.name, fmt(a.cash)])).toEqual([
        ['paper', '99416.382000'],
        ['research', '5000.000000'],
      ]);
      expect((await ledger.cashMovements('research')).map((m) => [m.kind, fmt(m.amount)])).toEqual([['deposit', '5000.000000']]);
    });

    it('refuses an unknown account with a did-you-mean hint instead of creating it', async () => {
      const before = (await ledger.accounts()).length;
      await expect(openAccount(ledger, 'reserch')).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT', message: expect.stringContaining('did you mean research?'), hint: expect.stringContaining('cift order accounts create reserch') });
      await expect(submitOrder(ledger, store, { account: 'typo', symbol: 'AAA', side: 'buy', quantity: dec('1') })).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
      expect((await ledger.accounts()).length, 'no account appeared').toBe(before);
    });

    it('treats a client order id reused in another account as a different order', async () => {
      await expect(submitOrder(ledger, store, { account: 'research', symbol: 'AAA', side: 'buy', quantity: dec('10'), clientOrderId: 'c-1' })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
        message: expect.stringContaining('in account paper'),
      });
      expect(await ledger.orders('research')).toEqual([]);
    });

    it('rejects a fill whose cash would not fit DECIMAL(20,6) instead of failing in the database', async () => {
      const huge = dec('99999999999999');
      await createAccount(ledger, 'whale', dec('5000'));
      await ledger.setLimits('whale', { maxPositionQty: huge, maxOrderNotional: huge, maxLeverage: huge });
      const shortBbb = () => submitOrder(ledger, store, { account: 'whale', symbol: 'BBB', side: 'sell', quantity: dec('4000000000000'), allowShort: true });
      const first = await shortBbb();
      expect([first.order.status, await cash('whale')], '5000 + 4e12 × 20 = 80000000005000').toEqual(['filled', '80000000005000.000000']);
      const second = await shortBbb();
      expect(second.denials, 'cash would be 160000000005000, beyond 99999999999999.999999').toEqual(['LEDGER_RANGE_EXCEEDED: field=cash_after value=160000000005000.000000 max=99999999999999.999999']);
      expect(await cash('whale')).toBe('80000000005000.000000');
    });
  });
}

/**
 * The SQL port both ledgers are written against: a query issued while a transaction is open runs (on another
 * connection) and sees only committed rows, on DuckDB as on PostgreSQL.
 */
export function sqlContract(name: string, open: () => Promise<{ db: SqlDatabase; cleanup: () => Promise<void> }>, opts: { skip?: boolean } = {}): void {
  describe.skipIf(Boolean(opts.skip))(`SQL port contract: ${name}`, () => {
    let db: SqlDatabase;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await db.query('CREATE TABLE contract_rows (x INTEGER)');
    });
    afterAll(async () => {
      await db?.close();
      await cleanup?.();
    });
    const count = async () => Number((await db.query('SELECT count(*) AS n FROM contract_rows'))[0].n);

    it('runs a query issued inside a transaction, showing only committed rows', async () => {
      const seenInside = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_rows VALUES (1)');
        const fromTx = Number((await tx.query('SELECT count(*) AS n FROM contract_rows'))[0].n);
        return { fromTx, outside: await count() };
      });
      expect(seenInside, 'the transaction sees its own row; a query outside it does not until COMMIT').toEqual({ fromTx: 1, outside: 0 });
      expect(await count(), 'committed').toBe(1);
    });

    it('rolls a transaction back when its function throws, and keeps serving queries', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO contract_rows VALUES (2)');
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      expect(await count(), 'only the committed row of the test before').toBe(1);
    });
  });
}
