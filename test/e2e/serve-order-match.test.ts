/**
 * `cift order match` while `cift serve` holds the embedded ledger: forwarded to POST /api/v1/trading/orders/match
 * (as the other order commands are) instead of waiting for the lock, with the very output the local command gives.
 *
 * QQZ (test/helpers.ts QQZ_QUOTES): 14:30:00 bid 10.5 / ask 10.75 (100 / 200), 14:30:01 bid 10.25 / ask 10.5
 * (300 / 400). A buy limit 10.5 × 10 placed --at 14:30:00 rests (10.75 > 10.5); the match fills it at the 14:30:01
 * quote, at its ask 10.5, all 10 (400 offered).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cift, startServe, storeQqzQuotes, tempDir } from '../helpers.js';

const tmp = tempDir('cift-serve-match-');
const localHome = join(tmp.dir, 'local');
const servedHome = join(tmp.dir, 'served');

beforeAll(() => {
  storeQqzQuotes(join(tmp.dir), localHome);
  storeQqzQuotes(join(tmp.dir), servedHome);
});
afterAll(() => tmp.cleanup());

const BUY = ['order', 'buy', 'QQZ', '10', '--limit', '10.5', '--at', '2024-01-02T14:30:00Z', '--client-id', 'rest-1', '--json'];
/** The match JSON without what the wall clock decides (when each order was recorded). */
const comparable = (text: string) => {
  const m = JSON.parse(text);
  for (const c of m.changes) delete c.order.created_at;
  return m;
};

describe('cift order match with cift serve running', { tags: ['e2e'] }, () => {
  it('is sent to the server and answers as the local command does (--json and the table)', async () => {
    const local = cift(BUY, { home: localHome });
    expect(local.status, local.stderr).toBe(0);
    const localMatch = cift(['order', 'match', '--json'], { home: localHome });
    expect(localMatch.status, localMatch.stderr).toBe(0);
    const localIdle = cift(['order', 'match', 'QQZ'], { home: localHome });
    expect(localIdle.status, localIdle.stderr).toBe(0);

    const server = await startServe(servedHome);
    try {
      const placed = cift(BUY, { home: servedHome });
      expect(placed.status, placed.stderr).toBe(0);
      expect(JSON.parse(placed.stdout)).toMatchObject({ status: 'open', placed_at: '2024-01-02T14:30:00.000Z' });
      // --lock-timeout 0: a command that opened the ledger here instead would fail at once with LEDGER_LOCKED.
      const forwarded = cift(['order', 'match', '--json', '--lock-timeout', '0'], { home: servedHome });
      expect(forwarded.status, forwarded.stderr).toBe(0);
      const m = comparable(forwarded.stdout);
      expect(m).toEqual(comparable(localMatch.stdout));
      expect(m.symbols).toEqual(['QQZ']);
      expect(m.changes).toHaveLength(1);
      expect(m.changes[0].kind).toBe('fill');
      expect(m.changes[0].order).toMatchObject({ status: 'filled', filled_quantity: '10.000000', filled_avg_price: '10.500000' });
      expect(m.changes[0].order.fills).toEqual([{ price: '10.500000', quantity: '10.000000', fee: '0.000000', price_source: 'quote', filled_at: '2024-01-02T14:30:01.000Z' }]);

      const idle = cift(['order', 'match', 'QQZ', '--lock-timeout', '0'], { home: servedHome });
      expect(idle.status, idle.stderr).toBe(0);
      expect(idle.stdout).toBe(localIdle.stdout);

      const bad = cift(['order', 'match', 'QQ Z', '--lock-timeout', '0'], { home: servedHome });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^cift: symbol "QQ Z" is not valid/);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });
  });
});
