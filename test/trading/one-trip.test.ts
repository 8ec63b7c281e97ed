/**
 * The PostgreSQL submit in one round trip (src/store/ledger/one-trip.ts) decides on the account state it last
 * read and writes only if that is still the state under the lock. Two ledgers on one database stand for two
 * processes: a decision must never be made on state the other one has changed since. Client text goes into the
 * message as SQL literals: quotes and backslashes must come back exactly, and the outbox payloads carry the ids
 * the database assigned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec, fmt } from '../../src/money.js';
import { openLedger } from '../../src/store/ledger/open.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../src/trading/orders.js';
import { quoteStore } from '../contracts/ledger.contract.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

describe.skipIf(!hasPostgres)('one-trip submits on a shared PostgreSQL ledger', () => {
  const tmp = tempDir();
  let here: Ledger;
  let there: Ledger;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshPostgresDatabase();
    drop = db.drop;
    here = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
    there = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
  });
  afterAll(async () => {
    await here?.close();
    await there?.close();
    await drop?.();
    tmp.cleanup();
  });

  it('decides on the state another process left, not on the state this one last saw', async () => {
    const store = await quoteStore(tmp.dir); // AAA ask 100
    await here.ensureAccount('shared', { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('1000'), feeRate: dec('0') });
    // Cash 1000 − 5 × 100 = 500, as `here` now knows it.
    expect((await submitOrder(here, store, { account: 'shared', symbol: 'AAA', side: 'buy', quantity: dec('5') })).order.status).toBe('filled');
    // The other process spends 4 × 100: cash 100.
    expect((await submitOrder(there, store, { account: 'shared', symbol: 'AAA', side: 'buy', quantity: dec('4') })).order.status).toBe('filled');
    // 3 × 100 = 300 fits the 500 `here` last saw, not the 100 there is.
    const third = await submitOrder(here, store, { account: 'shared', symbol: 'AAA', side: 'buy', quantity: dec('3') });
    expect(third.order.status).toBe('rejected');
    expect(third.order.rejectCodes).toContain('INSUFFICIENT_BUYING_POWER');
    const [position] = await there.positions('shared');
    expect(fmt(position.quantity)).toBe('9.000000');
    expect(fmt((await here.getAccount('shared'))!.cash)).toBe('100.000000');
  });

  it('keeps quotes and backslashes in client text exactly; the same order again is the duplicate', async () => {
    const store = await quoteStore(tmp.dir);
    await here.ensureAccount("o'neil\\", { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('1000') });
    const clientOrderId = `it's \\n a "client" id \\' ; COMMIT; --`;
    const first = await submitOrder(here, store, { account: "o'neil\\", symbol: 'AAA', side: 'buy', quantity: dec('2'), clientOrderId });
    expect([first.order.status, first.order.clientOrderId, first.order.account, first.duplicate]).toEqual(['filled', clientOrderId, "o'neil\\", false]);
    const again = await submitOrder(here, store, { account: "o'neil\\", symbol: 'AAA', side: 'buy', quantity: dec('2'), clientOrderId });
    expect([again.order.id, again.duplicate]).toEqual([first.order.id, true]);
    const [stored] = await there.orders("o'neil\\");
    expect([stored.id, stored.clientOrderId]).toEqual([first.order.id, clientOrderId]);
  });

  it('writes the ids the database assigned into the outbox payloads, one event per change in order', async () => {
    const store = await quoteStore(tmp.dir);
    await here.ensureAccount('events', { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('1000') });
    const { order } = await submitOrder(here, store, { account: 'events', symbol: 'AAA', side: 'buy', quantity: dec('1') });
    const events = (await there.orderEvents({ limit: 1000 })).filter((e) => e.orderId === order.id);
    expect(events.map((e) => e.kind)).toEqual(['accepted', 'filled']);
    expect(events[0].id < events[1].id).toBe(true);
    const filled = events[1].payload as { id: string; status: string; fills: unknown[] };
    expect([(events[0].payload as { id: string }).id, filled.id, filled.status, filled.fills.length]).toEqual([order.id, order.id, 'filled', 1]);
    // The fill the submit answered with is the one stored.
    const [stored] = await there.orders('events');
    expect([stored.id, stored.fills.map((f) => f.id)]).toEqual([order.id, [order.fills[0].id]]);
  });
});
