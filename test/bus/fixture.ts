/** Shared by the bus tests: ledgers, a burst of orders, and what the outbox must hold for them. */
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { dec, neg, type Dec } from '../../src/money.js';
import { openLedger } from '../../src/store/ledger/open.js';
import type { Ledger, Order } from '../../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT_SETTINGS } from '../../src/trading/orders.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, REQUIRE_SERVICES } from '../services.js';

export const ACCOUNTS = ['acct-a', 'acct-b', 'acct-c'];

export async function duckLedger(): Promise<{ ledger: Ledger; cleanup: () => Promise<void> }> {
  const tmp = tempDir();
  const ledger = await openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined });
  return { ledger, cleanup: async () => (await ledger.close(), tmp.cleanup()) };
}

export async function pgLedger(): Promise<{ ledger: Ledger; url: string; cleanup: () => Promise<void> }> {
  const db = await freshPostgresDatabase();
  const ledger = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
  return { ledger, url: db.url, cleanup: async () => (await ledger.close(), await db.drop()) };
}

export async function openAccounts(ledger: Ledger): Promise<void> {
  for (const a of ACCOUNTS) await ledger.ensureAccount(a, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('100000') });
}

/**
 * Order k of the burst: a buy of 1 at 10 that fills, or every third one rejected (the decision is given here, not
 * priced: the bus tests need the events, not the risk checks).
 */
export function submitNth(ledger: Ledger, k: number): Promise<{ order: Order }> {
  const account = ACCOUNTS[k % ACCOUNTS.length];
  return ledger.submit({ account, clientOrderId: `burst-${k}`, symbol: 'AAA', side: 'buy', quantity: dec('1') }, ({ positions }) => {
    if (k % 3 === 2) return { status: 'rejected', codes: ['TEST_REJECT'], reason: `TEST_REJECT: k=${k}` };
    const held = positions.find((p) => p.symbol === 'AAA')?.quantity ?? (0n as Dec);
    return { status: 'filled', price: dec('10'), fee: dec('0'), priceSource: 'test', position: { quantity: (held + dec('1')) as Dec, avgCost: dec('10'), realizedPnl: dec('0') }, cashDelta: neg(dec('10')) };
  });
}

/**
 * What the outbox must hold, per account, from the ledger's own orders (not its events): each filled order gives
 * accepted then filled, each rejected one gives rejected, in order id order.
 */
export async function expectedPerAccount(ledger: Ledger): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const a of ACCOUNTS) {
    const orders = await ledger.orders(a);
    out.set(a, orders.flatMap((o) => (o.status === 'filled' ? [`${o.id}:accepted`, `${o.id}:filled`] : [`${o.id}:${o.status}`])));
  }
  return out;
}

/** The live Redis Streams tests start their own redis-server: without the binary they skip (fail in CI). */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && REQUIRE_SERVICES) throw new Error('CIFT_TEST_REQUIRE_SERVICES=1 but redis-server is not on PATH (the bus tests start a private one)');
if (!hasRedisServer) console.warn('skipping the live Redis Streams bus tests: redis-server is not on PATH');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A private redis-server (never the shared one) with an append-only file in `dir`, so what the stream held
 * survives a stop and restart as it would on a real bus.
 */
export async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 5000;
  while (!/Ready to accept connections/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${out.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

/** SIGTERM: Redis flushes its append-only file and exits. */
export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
