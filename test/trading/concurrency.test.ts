/**
 * Hundreds of concurrent submits across a few accounts and symbols, some over the limits, some resubmitting an
 * earlier order under its client order id, and some reusing a client id for a different order. Afterwards: every
 * distinct client id is exactly one order (none lost, none doubled), each reuse for a different order was refused,
 * every position equals the sum of its fills, and cash equals deposits minus the fills' net cost and fees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dec, fmt } from '../../src/money.js';
import { openLedger } from '../../src/store/ledger/open.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../../src/trading/orders.js';
import { seededRandom } from '../../src/sources/synthetic.js';
import { quoteStore } from '../contracts/ledger.contract.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

const ACCOUNTS = ['acct-a', 'acct-b', 'acct-c'];
const SYMBOLS = ['AAA', 'BBB'];
const SUBMITS = 300;

function concurrencySuite(name: string, open: () => Promise<{ ledger: Ledger; cleanup: () => Promise<void> }>): void {
  describe(`concurrent submits: ${name}`, () => {
    const tmp = tempDir();
    let ledger: Ledger;
    let cleanup: () => Promise<void>;
    afterAll(async () => {
      await ledger?.close();
      await cleanup?.();
      tmp.cleanup();
    });
    beforeAll(async () => {
      ({ ledger, cleanup } = await open());
      for (const a of ACCOUNTS) {
        await ledger.ensureAccount(a, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('20000'), feeRate: dec('0.0005'), maxPositionQty: dec('150') });
      }
    });

    it('loses and doubles nothing; positions and cash reconcile with the fills', async () => {
      const store = await quoteStore(tmp.dir);
      const rand = seededRandom(99);
      type Request = { account: string; symbol: string; side: 'buy' | 'sell'; quantity: ReturnType<typeof dec>; clientOrderId: string; allowShort: boolean };
      const requests: Request[] = [];
      for (let k = 0; k < SUBMITS; k++) {
        const big = rand() < 0.1; // over the per-order and position limits
        const fresh: Request = {
          account: ACCOUNTS[Math.floor(rand() * ACCOUNTS.length)],
          symbol: SYMBOLS[Math.floor(rand() * SYMBOLS.length)],
          side: rand() < 0.6 ? 'buy' : 'sell',
          quantity: dec(big ? '5000' : String(1 + Math.floor(rand() * 20))),
          clientOrderId: `c-${k}`,
          allowShort: rand() < 0.3,
        };
        // Every tenth request resubmits an earlier one exactly (the same order again); every tenth, offset by
        // five, reuses an earlier client id for another quantity (a different order under the same key).
        if (k % 10 === 9) requests.push({ ...requests[k - 1 - (k % 3)] });
        else if (k % 10 === 4) requests.push({ ...requests[k - 2], quantity: (requests[k - 2].quantity + dec('1')) as Request['quantity'] });
        else requests.push(fresh);
      }
      const settled = await Promise.allSettled(requests.map((r) => submitOrder(ledger, store, r)));
      const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const refused = settled.flatMap((s, k) => (s.status === 'rejected' ? [{ k, error: s.reason as { code?: string } }] : []));
      expect(refused.map((r) => r.error.code), 'only reuses for a different order are refused').toEqual(refused.map(() => 'IDEMPOTENCY_CONFLICT'));
      // Which of a conflicting pair wins depends on arrival; exactly one of the two is recorded, the other refused.
      expect(refused.length, 'one refusal per conflicting pair').toBe(requests.filter((_, k) => k % 10 === 4).length);
      expect(results.some((r) => r.order.status === 'rejected'), 'some orders hit the limits').toBe(true);
      expect(results.some((r) => r.order.status === 'filled')).toBe(true);
      for (const r of results) {
        const asked = requests.filter((q) => q.clientOrderId === r.order.clientOrderId);
        expect(
          asked.some((q) => q.account === r.order.account && q.symbol === r.order.symbol && q.side === r.order.side && q.quantity === r.order.quantity),
          `${r.order.clientOrderId}: the recorded order is one that was asked for under that id`,
        ).toBe(true);
      }

      for (const account of ACCOUNTS) {
        const orders = await ledger.orders(account);
        const ids = orders.map((o) => o.clientOrderId);
        const expected = new Set(requests.filter((r) => r.account === account).map((r) => r.clientOrderId));
        expect(new Set(ids).size, `${account}: no client id twice`).toBe(ids.length);
        expect(new Set(ids), `${account}: every submitted client id recorded`).toEqual(expected);

        let cash = dec('20000');
        const qty = new Map<string, bigint>();
        for (const o of orders) {
          if (o.status !== 'filled') continue;
          const f = o.fill!;
          // Prices from the store the test wrote, not from the ledger: AAA buys at the ask 100.00 and sells at the
          // bid 99.50; BBB trades at 20.00. Fee = quantity × price × 0.0005 (every fee here is a whole millionth).
          const price = o.symbol === 'AAA' ? (o.side === 'buy' ? 100_000_000n : 99_500_000n) : 20_000_000n;
          expect([f.quantity, f.price], `${o.clientOrderId}: filled in full at the stored price`).toEqual([o.quantity, price]);
          const notional = (o.quantity * price) / 1_000_000n;
          const fee = (notional * 5n) / 10_000n;
          expect(f.fee, `${o.clientOrderId}: fee`).toBe(fee);
          cash = (cash + (o.side === 'buy' ? -notional : notional) - fee) as typeof cash;
          qty.set(o.symbol, (qty.get(o.symbol) ?? 0n) + (o.side === 'buy' ? f.quantity : -f.quantity));
        }
        const a = (await ledger.getAccount(account))!;
        expect(fmt(a.cash), `${account}: cash = deposits − net cost − fees`).toBe(fmt(cash));
        const movements = (await ledger.cashMovements(account)).reduce((s, m) => s + m.amount, 0n);
        expect(fmt(movements as typeof cash), `${account}: cash movements sum to the cash`).toBe(fmt(a.cash));
        for (const p of await ledger.positions(account)) {
          expect(p.quantity, `${account} ${p.symbol}: position = Σ fills`).toBe(qty.get(p.symbol) ?? 0n);
          expect(p.quantity <= 150_000_000n && p.quantity >= -150_000_000n, 'the position limit held under concurrency').toBe(true);
        }
      }
      // Duplicates came back as the original order, never as a new one.
      const duplicates = results.filter((r) => r.duplicate);
      expect(duplicates.length).toBeGreaterThan(0);
    });
  });
}

concurrencySuite('embedded DuckDB', async () => {
  const tmp = tempDir();
  const ledger = await openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined });
  return { ledger, cleanup: async () => tmp.cleanup() };
});

if (hasPostgres) {
  concurrencySuite('PostgreSQL', async () => {
    const db = await freshPostgresDatabase();
    const ledger = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
    return { ledger, cleanup: db.drop };
  });
}
