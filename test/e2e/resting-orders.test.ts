/**
 * A resting limit order on the real AAPL LOBSTER day, end to end through the CLI, on both ledgers: placed at the
 * open with --at, open, then `cift order match AAPL` fills it at the first ask ≤ 579 after the placement. The
 * expected fill is found here by reading the raw LOBSTER files with an independent reader (not the ingest code):
 * the message file's first column is seconds after midnight New York time (2012-06-21 is EDT, UTC−4), the
 * orderbook's first four columns are ask price ×10000, ask size, bid price ×10000, bid size; a row with an empty
 * side (±9999999999) is no quote.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, cift, hasLobster, tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** 2012-06-21 00:00 New York (EDT) in UTC ns. */
const MIDNIGHT_NS = BigInt(Date.UTC(2012, 5, 21, 4)) * 1_000_000n;
const PLACED_S = 9.5 * 3600; // 13:30:00Z = 09:30:00 EDT

/** The first two-sided book row after the placement whose ask ≤ 579, as (time, ask, ask size), read from the raw files. */
function firstAskAtOrBelow(limitTimes10k: number): { ns: bigint; ask: string; size: number } {
  const messages = readFileSync(AAPL_MESSAGE, 'utf8').split('\n');
  const book = readFileSync(AAPL_ORDERBOOK, 'utf8').split('\n');
  for (let i = 0; i < book.length; i++) {
    const [ask, askSize, bid] = book[i].split(',').map(Number);
    const time = messages[i].split(',')[0];
    if (Math.abs(ask) >= 9999999999 || Math.abs(bid) >= 9999999999) continue;
    if (!(Number(time) > PLACED_S) || ask > limitTimes10k) continue;
    const [whole, frac = ''] = time.split('.');
    const ns = MIDNIGHT_NS + BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
    return { ns, ask: (ask / 10000).toFixed(6), size: askSize };
  }
  throw new Error('no ask at or below the limit');
}

const isoNs = (ns: bigint): string => `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;

function flow(name: string, env: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>): void {
  describe.runIf(hasLobster)(`a resting limit order on the AAPL LOBSTER day: ${name}`, () => {
    it('is open at the open, and `order match` fills it at the first ask ≤ 579 after, at that ask', async () => {
      const { env: extra, cleanup } = await env();
      const home = join(tmp.dir, `home-${name.replace(/\W/g, '')}`);
      try {
        expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home, env: extra }).status).toBe(0);
        const placed = cift(['order', 'buy', 'AAPL', '10', '--limit', '579', '--at', '2012-06-21T13:30:00Z', '--json'], { home, env: extra });
        expect(placed.status, placed.stderr).toBe(0);
        const o = JSON.parse(placed.stdout);
        // Cash 100000, fee 0: the reservation is 10 × 579 = 5790.
        expect(o).toMatchObject({ status: 'open', type: 'limit', limit_price: '579.000000', tif: 'day', filled_quantity: '0.000000', fills: [], reserved: '5790.000000', placed_at: '2012-06-21T13:30:00.000Z', expires_at: '2012-06-21T20:00:00.000Z' });

        const want = firstAskAtOrBelow(5790000);
        expect(want.size, 'the quoted size covers the order (else the test would expect a partial fill)').toBeGreaterThanOrEqual(10);
        const matched = cift(['order', 'match', 'AAPL', '--json'], { home, env: extra });
        expect(matched.status, matched.stderr).toBe(0);
        const m = JSON.parse(matched.stdout);
        expect(m.changes.map((c: { kind: string; order: { id: string } }) => [c.kind, c.order.id])).toEqual([['fill', o.id]]);

        const [after] = JSON.parse(cift(['order', 'list', '--json'], { home, env: extra }).stdout);
        expect(after).toMatchObject({ id: o.id, status: 'filled', filled_quantity: '10.000000', filled_avg_price: want.ask, reserved: '0.000000' });
        expect(after.fills).toEqual([{ price: want.ask, quantity: '10.000000', fee: '0.000000', price_source: 'quote', filled_at: isoNs(want.ns) }]);

        // Filled: a cancel is refused with its code, exit non-zero; a second match changes nothing.
        const cancel = cift(['order', 'cancel', o.id], { home, env: extra });
        expect(cancel.status).not.toBe(0);
        expect(cancel.stderr).toMatch(/ORDER_NOT_CANCELABLE/);
        expect(JSON.parse(cift(['order', 'match', 'AAPL', '--json'], { home, env: extra }).stdout).changes).toEqual([]);
      } finally {
        await cleanup();
      }
    }, 120_000);
  });
}

flow('embedded DuckDB', async () => ({ env: {}, cleanup: async () => {} }));
if (hasPostgres) {
  flow('PostgreSQL', async () => {
    const db = await freshPostgresDatabase();
    return { env: { CIFT_DATABASE_URL: db.url }, cleanup: db.drop };
  });
}

describe('an ingest moves the market clock', () => {
  it('matches the resting orders of the symbols it stored, on stderr, leaving --json stdout the ingest outcome', () => {
    const home = join(tmp.dir, 'home-ingest');
    const first = join(tmp.dir, 'zzx-1.csv');
    const later = join(tmp.dir, 'zzx-2.csv');
    writeFileSync(first, 'ts,bid,ask,bid_size,ask_size\n2024-01-02T15:00:00Z,99,100,10,10\n');
    writeFileSync(later, 'ts,bid,ask,bid_size,ask_size\n2024-01-02T15:05:00Z,94,94.5,10,4\n2024-01-02T15:06:00Z,94,94.8,10,20\n');
    expect(cift(['ingest', first, '--symbol', 'ZZX'], { home }).status).toBe(0);
    expect(JSON.parse(cift(['order', 'buy', 'ZZX', '10', '--limit', '95', '--json'], { home }).stdout).status).toBe('open');
    const ingest = cift(['ingest', later, '--symbol', 'ZZX', '--json'], { home });
    expect(ingest.status, ingest.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(ingest.stdout)) || typeof JSON.parse(ingest.stdout) === 'object').toBe(true);
    // 4 at 94.5 (the ask size), then the other 6 at 94.8: avg (378 + 568.8) / 10 = 94.68.
    expect(ingest.stderr).toMatch(/matched: order 1 partially_filled .*filled 4\.000000\)\nmatched: order 1 filled .*filled 10\.000000\)/);
    const [o] = JSON.parse(cift(['order', 'list', '--json'], { home }).stdout);
    expect([o.status, o.filled_avg_price]).toEqual(['filled', '94.680000']);
  }, 60_000);
});
