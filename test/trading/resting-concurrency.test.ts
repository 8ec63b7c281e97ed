/**
 * 200 concurrent limit-order submits and cancels across 5 accounts on PostgreSQL (each change one transaction with
 * the account row locked), a match running in the middle, then the market crossing every limit. Afterwards: every
 * client id is exactly one order, no cash is negative, the reserved buying power is back to zero once everything
 * is filled or canceled, cash reconciles with the fills, and the outbox holds exactly one event per state change.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { add, dec, fmt, mul, neg, ZERO, type Dec } from '../../src/money.js';
import { openLedger } from '../../src/store/ledger/open.js';
import { openPostgres } from '../../src/store/ledger/postgres.js';
import type { Ledger, Order } from '../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../src/trading/orders.js';
import { matchResting } from '../../src/trading/resting.js';
import { seededRandom } from '../../src/sources/synthetic.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';
import { HandStore } from './hand-store.js';

const ACCOUNTS = ['r-a', 'r-b', 'r-c', 'r-d', 'r-e'];
const TASKS = 200;

describe.runIf(hasPostgres)('resting orders under concurrency: PostgreSQL', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('loses and doubles nothing; reservations return to zero; one outbox event per state change', async () => {
    const db = await freshPostgresDatabase();
    let ledger: Ledger | undefined;
    try {
      ledger = await openLedger({ home: tmp.dir, databaseUrl: db.url });
      const l = ledger;
      for (const a of ACCOUNTS) await l.ensureAccount(a, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('20000') });
      const store = new HandStore();
      store.quote('2024-01-02T15:00:00Z', 99, 100, 50, 5);
      const rand = seededRandom(7);
      const tasks = Array.from({ length: TASKS }, (_, k) => ({
        account: ACCOUNTS[k % ACCOUNTS.length],
        clientOrderId: `r-${k}`,
        // Limits 96..101 against an ask of 100 (size 5): some fill at once (perhaps in part), most rest.
        limit: dec(String(96 + Math.floor(rand() * 6))),
        quantity: dec(String(1 + Math.floor(rand() * 20))),
        cancel: rand() < 0.5,
      }));
      const outcomes = await Promise.allSettled(
        tasks.map(async (t, k) => {
          if (k === TASKS / 2) await matchResting(l, store);
          const { order } = await submitOrder(l, store, { account: t.account, symbol: 'ZZ', side: 'buy', quantity: t.quantity, clientOrderId: t.clientOrderId, type: 'limit', limitPrice: t.limit, tif: 'gtc' });
          if (t.cancel && (order.status === 'open' || order.status === 'partially_filled')) await l.cancel(t.account, order.id);
          return order;
        }),
      );
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);

      // The market crosses every limit with plenty of size: all that still rests fills.
      store.quote('2024-01-02T15:30:00Z', 94, 95, 50, 100_000);
      await matchResting(l, store);
      expect(await l.restingOrders()).toEqual([]);

      const raw = await openPostgres(db.url);
      try {
        for (const account of ACCOUNTS) {
          const orders = await l.orders(account);
          const mine = tasks.filter((t) => t.account === account).map((t) => t.clientOrderId);
          expect(orders.map((o) => o.clientOrderId).sort(), `${account}: each client id exactly once`).toEqual([...mine].sort());
          const a = (await l.getAccount(account))!;
          expect(a.cash >= 0n, `${account}: cash ${fmt(a.cash)} never negative`).toBe(true);
          expect(orders.reduce((s, o) => add(s, o.reserved), ZERO), `${account}: nothing reserved once all is final`).toBe(ZERO);
          // Cash = 20000 − Σ fills' cost (fee rate 0).
          const spent = orders.flatMap((o) => o.fills).reduce((s, f) => add(s, mul(f.quantity, f.price)), ZERO);
          expect(fmt(a.cash)).toBe(fmt(add(dec('20000'), neg(spent)) as Dec));
          for (const o of orders) expect(o.filledQuantity, `order ${o.id}: its fills add up`).toBe(o.fills.reduce((s, f) => add(s, f.quantity), ZERO));
        }
        // One event per state change: accepted, one per fill, then canceled (or just rejected).
        const all: Order[] = (await Promise.all(ACCOUNTS.map((a) => l.orders(a)))).flat();
        const expected = all.reduce((n, o) => n + (o.status === 'rejected' ? 1 : 1 + o.fills.length + (o.status === 'canceled' ? 1 : 0)), 0);
        const events = await raw.query('SELECT order_id, kind FROM order_events ORDER BY id');
        expect(events.length).toBe(expected);
        for (const o of all) {
          const kinds = events.filter((e) => String(e.order_id) === o.id).map((e) => e.kind);
          const fills = o.fills.map((_, k) => (k === o.fills.length - 1 && o.status === 'filled' ? 'filled' : 'partially_filled'));
          expect(kinds, `order ${o.id}`).toEqual(o.status === 'rejected' ? ['rejected'] : ['accepted', ...fills, ...(o.status === 'canceled' ? ['canceled'] : [])]);
        }
        expect(all.some((o) => o.status === 'canceled') && all.some((o) => o.status === 'filled' && o.fills.length > 0)).toBe(true);
      } finally {
        await raw.close();
      }
    } finally {
      await ledger?.close();
      await db.drop();
    }
  }, 120_000);
});
