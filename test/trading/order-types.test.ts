/**
 * Limit, stop and stop-limit orders with every tif through the ledger, on BOTH backends (a DuckDB temp file and a
 * fresh PostgreSQL database): placement on the market clock, resting, partial fills by `match`, expiry at the
 * session close, cancel, reserved buying power, and the outbox events of each change. Prices come from a small
 * in-memory tick store whose quotes are written here; every expected number is worked out by hand in the comments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dec, fmt, type Dec } from '../../src/money.js';
import { openDuckDb } from '../../src/store/ledger/duckdb.js';
import { openLedger } from '../../src/store/ledger/open.js';
import { openPostgres } from '../../src/store/ledger/postgres.js';
import type { SqlDatabase } from '../../src/store/ledger/sql.js';
import type { Ledger, Order } from '../../src/store/ledger/types.js';
import { createAccount, reservedBuyingPower } from '../../src/trading/accounts.js';
import { submitOrder, type SubmitRequest } from '../../src/trading/orders.js';
import { matchResting } from '../../src/trading/resting.js';
import { tempDir } from '../helpers.js';
import { HandStore, ns } from './hand-store.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const D = (x: string): Dec => dec(x);

interface Backend {
  name: string;
  /** The ledger; raw() closes it and opens the bare database; reopen() opens the ledger again (migrating). */
  open: () => Promise<{ ledger: Ledger; raw: () => Promise<SqlDatabase>; reopen: () => Promise<Ledger>; done: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'duckdb',
    open: async () => {
      const home = `${tmp.dir}/duck-${Math.random().toString(36).slice(2)}`;
      const ledger = await openLedger({ home, databaseUrl: undefined });
      // The embedded file admits one opener per process: the raw reader opens it after the ledger is closed.
      return { ledger, raw: async () => (await ledger.close(), openDuckDb(`${home}/ledger.duckdb`)), reopen: () => openLedger({ home, databaseUrl: undefined }), done: async () => {} };
    },
  },
  ...(hasPostgres
    ? [
        {
          name: 'postgres',
          open: async () => {
            const db = await freshPostgresDatabase();
            const ledger = await openLedger({ home: tmp.dir, databaseUrl: db.url });
            return { ledger, raw: async () => (await ledger.close(), openPostgres(db.url)), reopen: () => openLedger({ home: tmp.dir, databaseUrl: db.url }), done: db.drop };
          },
        },
      ]
    : []),
];

const req = (r: Partial<SubmitRequest>): SubmitRequest => ({ account: 'paper', symbol: 'ZZ', side: 'buy', quantity: D('10'), ...r });
const get = async (ledger: Ledger, id: string, account = 'paper'): Promise<Order> => (await ledger.orders(account)).find((o) => o.id === id)!;

for (const backend of backends) {
  describe(`order types on the ${backend.name} ledger`, () => {
    it('places, rests, matches, expires, cancels, and writes one outbox event per state change', async () => {
      const { ledger, raw, done } = await backend.open();
      try {
        await createAccount(ledger, 'paper', D('100000'));
        const store = new HandStore();
        // 2024-01-02 is a Tuesday in EST (UTC−5): the session closes at 16:00 New York = 21:00Z.
        store.quote('2024-01-02T15:00:00Z', 99, 100, 100, 100);

        // 1. Marketable buy limit: ask 100 ≤ 101 → fills now at the ask, 10 × 100 = 1000.
        const a = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('101') }))).order;
        expect([a.status, fmt(a.filledQuantity), fmt(a.filledAvgPrice!), a.fills.length, fmt(a.reserved)]).toEqual(['filled', '10.000000', '100.000000', 1, '0.000000']);
        expect(a.fills[0].filledNs, 'the fill happens at the market time of the placement quote').toBe(ns('2024-01-02T15:00:00Z'));

        // 2. Resting buy limit 95: not marketable (ask 100) → open, reserves 10 × 95 = 950, expires at 21:00Z.
        const b = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('95') }))).order;
        expect([b.status, fmt(b.reserved), b.expiresNs]).toEqual(['open', '950.000000', ns('2024-01-02T21:00:00Z')]);
        expect(fmt(await reservedBuyingPower(ledger, 'paper')), 'what portfolio and risk take off the buying power').toBe('950.000000');

        // 3. Reserved buying power is spoken for: cash 99000 − 950 reserved = 98050 left; 981 × 100 = 98100 > 98050.
        const denied = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('100'), quantity: D('981') }))).order;
        //    On a cash account (leverage 1) the same order also breaks the leverage limit: gross after = 10 × 100 held
        //    + 950 reserved + 98100 = 100050 > equity 100000 × 1.
        expect([denied.status, denied.rejectCodes]).toEqual(['rejected', ['INSUFFICIENT_BUYING_POWER', 'MAX_LEVERAGE_EXCEEDED']]);
        const fits = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('90'), quantity: D('1000'), tif: 'gtc' }))).order;
        expect([fits.status, fmt(fits.reserved), fits.expiresNs], '1000 × 90 = 90000 ≤ 98050: rests, gtc never expires').toEqual(['open', '90000.000000', undefined]);

        // 4. ioc against a quote of 3: fills 3 at 100, cancels the other 7. fok needs all 10 now: nothing, canceled.
        store.quote('2024-01-02T15:01:00Z', 99, 100, 100, 3);
        const ioc = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('100'), tif: 'ioc' }))).order;
        expect([ioc.status, fmt(ioc.filledQuantity), fmt(ioc.reserved)]).toEqual(['canceled', '3.000000', '0.000000']);
        const fok = (await submitOrder(ledger, store, req({ type: 'limit', limitPrice: D('100'), tif: 'fok' }))).order;
        expect([fok.status, fmt(fok.filledQuantity), fok.fills.length]).toEqual(['canceled', '0.000000', 0]);

        // 5. A buy stop at 105 (ask 100: not through) rests, reserving 10 × 105 = 1050.
        const stop = (await submitOrder(ledger, store, req({ type: 'stop', stopPrice: D('105') }))).order;
        expect([stop.status, fmt(stop.reserved)]).toEqual(['open', '1050.000000']);

        // 6. The market moves: order b (limit 95) fills 4 at 94.5 then 6 at 94.8 (ask sizes 4 and 20):
        //    avg (4 × 94.5 + 6 × 94.8) / 10 = (378 + 568.8) / 10 = 94.68. The gtc limit 90 is not reached.
        //    The stop sees a trade at 107 (a gap through 105) and fills at the next ask, 107.5, 10 × 107.5 = 1075.
        store.quote('2024-01-02T15:05:00Z', 94, 94.5, 100, 4);
        store.quote('2024-01-02T15:06:00Z', 94, 94.8, 100, 20);
        store.trade('2024-01-02T15:10:00Z', 107);
        store.quote('2024-01-02T15:10:00Z', 107, 107.5, 100, 50);
        const report = await matchResting(ledger, store);
        expect(report.changes.map((c) => [c.order.id, c.kind, c.order.status])).toEqual([
          [b.id, 'fill', 'partially_filled'],
          [b.id, 'fill', 'filled'],
          [stop.id, 'fill', 'filled'],
        ]);
        const bAfter = await get(ledger, b.id);
        expect([fmt(bAfter.filledAvgPrice!), bAfter.fills.map((f) => [fmt(f.quantity), fmt(f.price)]), fmt(bAfter.reserved)]).toEqual([
          '94.680000',
          [
            ['4.000000', '94.500000'],
            ['6.000000', '94.800000'],
          ],
          '0.000000',
        ]);
        expect(fmt((await get(ledger, stop.id)).filledAvgPrice!)).toBe('107.500000');
        // Cash: 100000 − 1000 (a) − 300 (ioc 3 × 100) − 946.8 (b) − 1075 (stop) = 96678.2.
        expect(fmt((await ledger.getAccount('paper'))!.cash)).toBe('96678.200000');
        expect(fmt((await ledger.positions('paper'))[0].quantity), '10 + 3 + 10 + 10').toBe('33.000000');

        // 7. Matching again over the same history changes nothing.
        expect((await matchResting(ledger, store)).changes).toEqual([]);

        // 8. A day sell limit placed at 15:00Z expires at the first update at/after 21:00Z; the gtc order stays open.
        const sell = (await submitOrder(ledger, store, req({ side: 'sell', type: 'limit', limitPrice: D('200'), quantity: D('5') }))).order;
        expect([sell.status, fmt(sell.reserved)], 'a sell reserves no cash').toEqual(['open', '0.000000']);
        store.quote('2024-01-02T21:00:00Z', 107, 107.5);
        const late = await matchResting(ledger, store);
        expect(late.changes.map((c) => [c.order.id, c.kind, c.order.status])).toEqual([[sell.id, 'expire', 'expired']]);

        // 9. Cancel the gtc order: its 90000 reservation goes; a filled order cannot be canceled.
        const canceled = await ledger.cancel('paper', fits.id);
        expect([canceled.status, fmt(canceled.reserved)]).toEqual(['canceled', '0.000000']);
        await expect(ledger.cancel('paper', a.id)).rejects.toMatchObject({ code: 'ORDER_NOT_CANCELABLE' });
        const resting = await ledger.restingOrders();
        expect(resting).toEqual([]);

        // The outbox: one event per state change, in order, each carrying the order's view after it.
        const db = await raw();
        try {
          const rows = await db.query('SELECT order_id, kind, payload FROM order_events ORDER BY id');
          const byOrder = (id: string) => rows.filter((r) => String(r.order_id) === id).map((r) => r.kind);
          expect(byOrder(a.id)).toEqual(['accepted', 'filled']);
          expect(byOrder(b.id)).toEqual(['accepted', 'partially_filled', 'filled']);
          expect(byOrder(denied.id)).toEqual(['rejected']);
          expect(byOrder(fits.id)).toEqual(['accepted', 'canceled']);
          expect(byOrder(ioc.id)).toEqual(['accepted', 'partially_filled', 'canceled']);
          expect(byOrder(fok.id)).toEqual(['accepted', 'canceled']);
          expect(byOrder(stop.id)).toEqual(['accepted', 'filled']);
          expect(byOrder(sell.id)).toEqual(['accepted', 'expired']);
          const last = JSON.parse(String(rows.filter((r) => String(r.order_id) === b.id).at(-1)!.payload));
          expect(last).toMatchObject({ id: b.id, status: 'filled', filled_quantity: '10.000000', filled_avg_price: '94.680000', limit_price: '95.000000', tif: 'day' });
          expect(last.fills).toHaveLength(2);
          // A resting order is accepted as open with its reservation (the gtc buy: 90000 reserved, as step 9 frees);
          // a sell reserves nothing.
          const acceptedOf = (id: string) => JSON.parse(String(rows.find((r) => String(r.order_id) === id && r.kind === 'accepted')!.payload));
          expect(acceptedOf(fits.id)).toMatchObject({ status: 'open', reserved: '90000.000000' });
          expect(acceptedOf(sell.id)).toMatchObject({ status: 'open', reserved: '0.000000' });
        } finally {
          await db.close();
        }
      } finally {
        await ledger.close().catch(() => {});
        await done();
      }
    }, 60_000);
  });
}

describe('migration 005 upgrades a ledger written before it', () => {
  for (const backend of backends) {
    it(`${backend.name}: a filled market order and its fill keep their ids, with type market, tif day and the fill's figures`, async () => {
      const { ledger, raw, reopen, done } = await backend.open();
      try {
        await createAccount(ledger, 'paper', D('100000'));
        const db = await raw();
        try {
          // Back to the v4 shape: the orders table as migration 001 made it, one filled market order and its fill.
          await db.query('DROP TABLE orders');
          await db.query(`CREATE TABLE orders (id BIGINT PRIMARY KEY DEFAULT nextval('cift_order_id'), account VARCHAR(64) NOT NULL, client_order_id VARCHAR(128) NOT NULL,
            symbol VARCHAR(32) NOT NULL, side VARCHAR(4) NOT NULL CHECK (side IN ('buy', 'sell')), type VARCHAR(16) NOT NULL, quantity DECIMAL(20, 6) NOT NULL CHECK (quantity > 0),
            status VARCHAR(16) NOT NULL CHECK (status IN ('filled', 'rejected', 'canceled', 'accepted')), reject_codes VARCHAR(512), reject_reason VARCHAR(4000),
            created_ns BIGINT NOT NULL, updated_ns BIGINT NOT NULL, UNIQUE (account, client_order_id))`);
          await db.query('CREATE INDEX orders_client_order_id ON orders (client_order_id)');
          await db.query("INSERT INTO orders VALUES (41, 'paper', 'old-1', 'ZZ', 'buy', 'market', 3, 'filled', NULL, NULL, 7, 7)");
          await db.query("INSERT INTO fills (order_id, account, symbol, side, quantity, price, fee, price_source, filled_ns) VALUES (41, 'paper', 'ZZ', 'buy', 3, 12.5, 0.01, 'quote', 7)");
          await db.query('DELETE FROM cift_migrations WHERE version = 5');
          await db.query('DROP INDEX IF EXISTS orders_open');
          await db.query('DROP INDEX IF EXISTS fills_order');
        } finally {
          await db.close();
        }
        const upgraded = await reopen();
        try {
          const [o] = await upgraded.orders('paper');
          expect([o.id, o.type, o.tif, o.status, fmt(o.filledQuantity), fmt(o.filledAvgPrice!), fmt(o.reserved), o.placedNs, o.fills.map((f) => [fmt(f.price), fmt(f.fee)])]).toEqual([
            '41',
            'market',
            'day',
            'filled',
            '3.000000',
            '12.500000',
            '0.000000',
            7n,
            [['12.500000', '0.010000']],
          ]);
          // The table now takes the new statuses, and a new order's id continues the sequence.
          const store = new HandStore();
          store.quote('2024-01-02T15:00:00Z', 99, 100);
          const placed = (await submitOrder(upgraded, store, req({ type: 'limit', limitPrice: D('90') }))).order;
          expect(placed.status).toBe('open');
        } finally {
          await upgraded.close();
        }
      } finally {
        await done();
      }
    });
  }
});

describe('a stop buy that gaps beyond the cash', () => {
  for (const backend of backends) {
    it(`${backend.name}: is canceled naming INSUFFICIENT_BUYING_POWER, nothing filled, cash and reservation back`, async () => {
      const { ledger, raw, done } = await backend.open();
      try {
        await createAccount(ledger, 'paper', D('1000'));
        const store = new HandStore();
        store.quote('2024-01-02T15:00:00Z', 79, 80);
        // Stop 90 × 10 reserves 900 ≤ 1000 cash; the market gaps to an ask of 150: 10 × 150 = 1500 > 1000.
        const stop = (await submitOrder(ledger, store, req({ type: 'stop', stopPrice: D('90') }))).order;
        expect([stop.status, fmt(stop.reserved)]).toEqual(['open', '900.000000']);
        store.quote('2024-01-02T15:01:00Z', 149, 150);
        const report = await matchResting(ledger, store);
        expect(report.changes.map((c) => [c.kind, c.order.status, c.order.rejectCodes])).toEqual([['cancel', 'canceled', ['INSUFFICIENT_BUYING_POWER']]]);
        const after = await get(ledger, stop.id);
        expect([fmt(after.filledQuantity), fmt(after.reserved), after.rejectReason]).toEqual(['0.000000', '0.000000', 'INSUFFICIENT_BUYING_POWER: need=1500.000000 have=1000.000000']);
        expect(fmt((await ledger.getAccount('paper'))!.cash)).toBe('1000.000000');
        const db = await raw();
        try {
          expect((await db.query('SELECT kind FROM order_events ORDER BY id')).map((r) => r.kind)).toEqual(['accepted', 'canceled']);
        } finally {
          await db.close();
        }
      } finally {
        await ledger.close().catch(() => {});
        await done();
      }
    });
  }
});
