import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, cift, hasLobster, tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

const tmp = tempDir();
/** The stderr line of a symbol read from stored data while shipped bars of the same name exist. */
const ORIGIN_NOTE = /^note: AAPL has stored data \(trades 2012-06-21T13:30:00\.\d+Z … [^)]*\) and shipped sample bars; using the stored data \(choose with --source stored\|shipped\)$/m;
afterAll(tmp.cleanup);

function paperFlow(name: string, env: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>): void {
  describe.runIf(hasLobster)(`cift order on the AAPL LOBSTER day: ${name}`, () => {
    it('buys at the last ask, sells with realised P&L, shows the position, rejects an order beyond buying power', async () => {
      const { env: extra, cleanup } = await env();
      const home = join(tmp.dir, `home-${name.replace(/\W/g, '')}`);
      try {
        expect(cift(['ingest', 'lobster', AAPL_MESSAGE, AAPL_ORDERBOOK], { home, env: extra }).status).toBe(0);
        const buy = cift(['order', 'buy', 'AAPL', '10', '--json'], { home, env: extra });
        expect(buy.status, buy.stderr).toBe(0);
        // data/ also ships AAPL daily bars: the stored LOBSTER day wins, and a note on stderr says so.
        expect(buy.stderr, 'the origin is named, never silent').toMatch(ORIGIN_NOTE);
        const b = JSON.parse(buy.stdout);
        expect([b.status, b.fill.price, b.fill.quantity, b.fill.fee], "the day's last ask").toEqual(['filled', '577.670000', '10.000000', '0.000000']);
        expect(b.id).toMatch(/^\d+$/);
        expect(typeof b.client_order_id).toBe('string');

        const sell = cift(['order', 'sell', 'AAPL', '4', '--json'], { home, env: extra });
        expect(sell.status, sell.stderr).toBe(0);
        expect(JSON.parse(sell.stdout).fill.price, "the day's last bid").toBe('577.540000');

        const positions = JSON.parse(cift(['order', 'positions', '--json'], { home, env: extra }).stdout);
        // realised: (577.54 − 577.67) × 4 = −0.52
        expect(positions).toEqual([{ symbol: 'AAPL', quantity: '6.000000', avg_cost: '577.670000', realized_pnl: '-0.520000' }]);

        const big = cift(['order', 'buy', 'AAPL', '100000000'], { home, env: extra });
        expect(big.status).toBe(1);
        const [note, error, ...rest] = big.stderr.trim().split('\n');
        expect(note).toMatch(ORIGIN_NOTE);
        expect(error).toMatch(/^cift: order \d+ rejected: .*INSUFFICIENT_BUYING_POWER: need=\d+\.\d{6} have=\d+\.\d{6}/);
        expect(rest, 'the error is one line after the origin note').toEqual([]);

        const again = JSON.parse(cift(['order', 'buy', 'AAPL', '10', '--client-id', b.client_order_id, '--json'], { home, env: extra }).stdout);
        expect([again.id, again.duplicate], 'the same client id returns the original order').toEqual([b.id, true]);

        const portfolio = JSON.parse(cift(['order', 'portfolio', '--json'], { home, env: extra }).stdout);
        // cash = 100000 − 5776.70 + 2310.16 = 96533.46; mark = last mid (577.54 + 577.67)/2 = 577.605
        expect(portfolio.cash).toBe('96533.460000');
        expect(portfolio.positions[0].last).toBe('577.605000');
        expect(portfolio.equity).toBe('99999.090000');
      } finally {
        await cleanup();
      }
    });
  });
}

paperFlow('embedded DuckDB', async () => ({ env: { CIFT_DATABASE_URL: '' }, cleanup: async () => undefined }));
if (hasPostgres) {
  paperFlow('PostgreSQL', async () => {
    const db = await freshPostgresDatabase();
    return { env: { CIFT_DATABASE_URL: db.url }, cleanup: db.drop };
  });
}
