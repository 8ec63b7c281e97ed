/**
 * `cift order` while `cift serve` holds the embedded ledger of the same $CIFT_HOME: the command goes to the
 * server (the ledger is locked to this shell) and prints what it prints without a server: same stdout, same
 * error line, same exit code. After SIGTERM the announcement is gone and the ledger works locally again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cift, startServe, tempDir, storeQqzQuotes, type CliResult } from '../helpers.js';

const tmp = tempDir('cift-forward-');
const home = join(tmp.dir, 'home');
const run = (args: string[]): CliResult => cift(args, { home });
/** Without a server, a local run would wait for the ledger the server holds: no waiting, so it would fail at once. */
const order = (args: string[]): CliResult => run(['order', ...args, '--lock-timeout', '0']);

beforeAll(() => {
  // Last quote: bid 10.25, ask 10.5 → a market buy fills at 10.500000 (default fee rate 0).
  storeQqzQuotes(tmp.dir, home);
});
afterAll(() => tmp.cleanup());

/** The same error, word for word, and the same exit code. */
const sameFailure = (a: CliResult, b: CliResult) => expect({ status: a.status, stderr: a.stderr, stdout: a.stdout }).toEqual({ status: b.status, stderr: b.stderr, stdout: b.stdout });

describe('cift order forwarded to cift serve', { tags: ['e2e'] }, () => {
  it('sends orders to the running server, prints the same output and errors, and works locally again after SIGTERM', async () => {
    // Without a server: the errors a user can meet, to compare with the forwarded runs.
    const local = {
      unknownSymbol: order(['buy', 'NOSUCH', '1']),
      unknownOrder: order(['cancel', '999999']),
      unknownAccount: order(['list', '--account', 'nosuch']),
    };
    expect(local.unknownSymbol.status).toBe(1);
    expect(local.unknownSymbol.stderr).toMatch(/^cift: .*NOSUCH/);
    expect(local.unknownOrder.status).toBe(1);
    expect(local.unknownOrder.stderr).toMatch(/^cift: .*999999/);
    expect(local.unknownAccount.status).toBe(1);
    expect(local.unknownAccount.stderr).toMatch(/^cift: UNKNOWN_ACCOUNT: no account "nosuch"\nhint: /);

    const server = await startServe(home);
    let throughServer: { list: CliResult; positions: CliResult; portfolio: CliResult; orderId: string };
    try {
      const info = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8'));
      expect(info).toMatchObject({ pid: server.child.pid, url: server.url });
      expect(statSync(join(home, 'serve.key')).mode & 0o777, 'the local key is for this user only').toBe(0o600);

      const bought = order(['buy', 'QQZ', '1', '--json']);
      expect(bought.stderr).toBe('');
      expect(bought.status).toBe(0);
      const o = JSON.parse(bought.stdout);
      expect(o).toMatchObject({ account: 'paper', symbol: 'QQZ', side: 'buy', type: 'market', quantity: '1.000000', status: 'filled', reject_codes: [], filled_quantity: '1.000000', filled_avg_price: '10.500000', duplicate: false });
      expect(o.fill).toMatchObject({ price: '10.500000', quantity: '1.000000', fee: '0.000000' });
      expect(Object.keys(o).at(-1), 'the submit view as printed locally: duplicate last').toBe('duplicate');

      // The server recorded it: its own API, with the local key, lists it.
      const key = readFileSync(join(home, 'serve.key'), 'utf8').trim();
      const res = await fetch(`${server.url}/api/v1/trading/orders`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Array<{ id: string }>).map((x) => x.id)).toEqual([o.id]);

      const again = order(['buy', 'QQZ', '1', '--client-id', o.client_order_id]);
      expect(again.status).toBe(0);
      expect(again.stdout).toBe(`filled order ${o.id} (already submitted): buy 1.000000 QQZ @ 10.500000 (${o.fill.price_source}), fee 0.000000\n`);

      // 10,000,000 × 10.5 is far beyond 100,000 of cash: rejected, recorded, exit 1 with the local line.
      const rejected = order(['buy', 'QQZ', '10000000']);
      expect(rejected.status).toBe(1);
      expect(rejected.stdout).toBe('');
      expect(rejected.stderr).toMatch(/^cift: order \S+ rejected: \S+/);

      sameFailure(order(['buy', 'NOSUCH', '1']), local.unknownSymbol);
      sameFailure(order(['cancel', '999999']), local.unknownOrder);
      sameFailure(order(['list', '--account', 'nosuch']), local.unknownAccount);
      sameFailure(order(['sell', 'QQZ', '1', '--source', 'stored']), {
        status: 2,
        stdout: '',
        stderr: `cift: --source cannot be used while cift serve (pid ${server.child.pid}, ${server.url}) holds the ledger of ${home}: the server prices orders from its own market data\nhint: leave --source out, or stop the server\n`,
      });

      // `cift serve keys …` goes to the server too: a key created now works on it at once, and stops when revoked.
      const created = run(['serve', 'keys', 'create', '--account', 'paper', '--name', 'bot', '--json']);
      expect(created.status).toBe(0);
      const newKey = JSON.parse(created.stdout) as { id: string; key: string; account: string; name: string };
      expect(newKey).toMatchObject({ account: 'paper', name: 'bot', key: expect.stringMatching(/^cift_/) });
      const withKey = () => fetch(`${server.url}/api/v1/trading/positions`, { headers: { 'x-api-key': newKey.key } });
      expect((await withKey()).status).toBe(200);
      const keys = run(['serve', 'keys', 'list', '--json']);
      expect(keys.status).toBe(0);
      expect((JSON.parse(keys.stdout) as Array<{ id: string }>).map((k) => k.id)).toEqual([newKey.id]);
      expect(keys.stdout, 'the key itself is never listed').not.toContain(newKey.key);
      const revoked = run(['serve', 'keys', 'revoke', newKey.id]);
      expect(revoked.status).toBe(0);
      expect(revoked.stdout).toMatch(new RegExp(`^revoked API key ${newKey.id} \\(`));
      expect((await withKey()).status).toBe(401);

      // serve.json pointing at a port nobody listens on while the server still holds the ledger: the command tries
      // the ledger here, and fails saying both why it could not forward and who holds the ledger.
      const closedPort = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const p = (probe.address() as { port: number }).port;
          probe.close(() => resolve(p));
        });
      });
      writeFileSync(join(home, 'serve.json'), JSON.stringify({ ...info, url: `http://127.0.0.1:${closedPort}` }));
      const refused = order(['list']);
      writeFileSync(join(home, 'serve.json'), JSON.stringify(info));
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(`^cift: cift serve \\(pid ${server.child.pid}\\) at http://127\\.0\\.0\\.1:${closedPort} does not answer \\(ECONNREFUSED\\), and LEDGER_LOCKED: the ledger .* is held by pid ${server.child.pid}`),
      );

      throughServer = { list: order(['list', '--json']), positions: order(['positions']), portfolio: order(['portfolio', '--json']), orderId: o.id };
      expect(throughServer.list.status).toBe(0);
      const listed = JSON.parse(throughServer.list.stdout) as Array<{ id: string; status: string }>;
      expect(listed.map((x) => x.status)).toEqual(['filled', 'rejected']);
      expect(listed[0].id).toBe(o.id);
      expect(throughServer.positions.status).toBe(0);
      expect(throughServer.positions.stdout).toMatch(/QQZ\s+│?\s*1\.000000\s+│?\s*10\.500000\s+│?\s*0\.000000/);
      const portfolio = JSON.parse(throughServer.portfolio.stdout);
      // Cash 100,000 − 10.5; marked at the last bid/ask the server prices with, as the local command would.
      expect(portfolio).toMatchObject({ account: 'paper', cash: '99989.500000' });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
    expect(existsSync(join(home, 'serve.json')), 'serve.json removed at shutdown').toBe(false);
    expect(existsSync(join(home, 'serve.key')), 'serve.key removed at shutdown').toBe(false);

    // Locally again: the very same output as through the server.
    const list = order(['list', '--json']);
    expect(list).toEqual(throughServer.list);
    expect(order(['positions'])).toEqual(throughServer.positions);
    expect(order(['portfolio', '--json'])).toEqual(throughServer.portfolio);
    sameFailure(order(['cancel', '999999']), local.unknownOrder);
  });
});
