/**
 * `cift serve keys` as a user runs it (spawned CLI): create prints the key once, list never shows it (nor its
 * hash), the ledger holds exactly sha256(key), a served trading route accepts the key and refuses it once revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { resolveSettings } from '../../src/config.js';
import { openLedger } from '../../src/store/ledger/open.js';
import { cift, startServe, tempDir, storeQqzQuotes } from '../helpers.js';

const tmp = tempDir('cift-serve-keys-');
const home = join(tmp.dir, 'home');
const KEY_RE = /cift_[A-Za-z0-9_-]{43}/g;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(() => {
  // Last quote bid 10.25 / ask 10.5: a market buy fills at 10.5.
  storeQqzQuotes(tmp.dir, home);
});
afterAll(() => tmp.cleanup());

async function storedKeys() {
  const ledger = await openLedger(resolveSettings({ home }, {}));
  try {
    return await ledger.apiKeys();
  } finally {
    await ledger.close();
  }
}

describe('cift serve keys', { tags: ['e2e'] }, () => {
  const env = { CIFT_DATABASE_URL: '' };
  let key: string;
  let id: string;

  it('create prints the key once, with a warning that it is not shown again', () => {
    const r = cift(['serve', 'keys', 'create', '--account', 'paper', '--name', 'bot'], { home, env });
    expect(r.status, r.stderr).toBe(0);
    const found = r.stdout.match(KEY_RE) ?? [];
    expect(found).toHaveLength(1);
    key = found[0];
    id = /created API key (\d+) for account paper \(bot\)/.exec(r.stdout)![1];
    expect(r.stderr).toMatch(/shown only now/);
    expect(r.stderr).not.toContain(key);
  });

  it('create --json gives the key and its id; an unknown account is UNKNOWN_ACCOUNT', () => {
    const r = cift(['serve', 'keys', 'create', '--json'], { home, env });
    expect(r.status).toBe(0);
    const created = JSON.parse(r.stdout);
    expect(created).toMatchObject({ account: 'paper', name: null, revoked_at: null });
    expect(created.key).toMatch(/^cift_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.key).not.toBe(key);
    const unknown = cift(['serve', 'keys', 'create', '--account', 'nobody'], { home, env });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_ACCOUNT: no account "nobody"/);
    expect(unknown.stdout).toBe('');
  });

  it('the ledger stores sha256(key) and never the key', async () => {
    const keys = await storedKeys();
    const mine = keys.find((k) => k.id === id)!;
    expect(mine.sha256).toBe(sha256(key));
    expect(mine.prefix).toBe(key.slice(0, 12));
    expect(JSON.stringify(keys, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(key);
  });

  it('list shows id, account, name and prefix, never the key or its hash', () => {
    for (const args of [['serve', 'keys', 'list'], ['serve', 'keys', 'list', '--json'], ['serve', 'keys', 'list', '--account', 'paper', '--json']]) {
      const r = cift(args, { home, env });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(key.slice(0, 12));
      expect(r.stdout).not.toContain(key);
      expect(r.stdout).not.toContain(sha256(key));
      expect(r.stdout.match(KEY_RE)).toBeNull();
    }
    const rows = JSON.parse(cift(['serve', 'keys', 'list', '--json'], { home, env }).stdout);
    expect(rows.map((k: { id: string }) => k.id)).toContain(id);
    expect(Object.keys(rows[0]).sort()).toEqual(['account', 'created_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at']);
  });

  it('a served trading route accepts the key; after `keys revoke` it is refused', async () => {
    const server = await startServe(home, [], { CIFT_DATABASE_URL: '' });
    try {
      const refused = await fetch(`${server.url}/api/v1/trading/orders`);
      expect(refused.status).toBe(401);
      const res = await fetch(`${server.url}/api/v1/trading/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ symbol: 'QQZ', side: 'buy', order_type: 'market', quantity: 2 }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ account: 'paper', symbol: 'QQZ', status: 'filled', fill: { price: '10.500000', quantity: '2.000000' } });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });

    const revoked = cift(['serve', 'keys', 'revoke', id], { home, env });
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked API key ${id} \\(${key.slice(0, 12)}…, account paper\\)`));
    const listed = JSON.parse(cift(['serve', 'keys', 'list', '--json'], { home, env }).stdout).find((k: { id: string }) => k.id === id);
    expect(listed.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const again = await startServe(home, [], { CIFT_DATABASE_URL: '' });
    try {
      const res = await fetch(`${again.url}/api/v1/trading/orders`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHORIZED');
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exit).toEqual({ code: 0, signal: null });
  });

  it('revoke of an unknown id is KEY_NOT_FOUND (exit 1)', () => {
    const r = cift(['serve', 'keys', 'revoke', '4242'], { home, env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/KEY_NOT_FOUND: no API key with id or prefix "4242"/);
  });

  it('--rate-limit must be a whole number (exit 2)', () => {
    const r = cift(['serve', '--rate-limit', 'fast'], { home, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cift: --rate-limit "fast" is not a whole number of requests per second/);
  });
});
