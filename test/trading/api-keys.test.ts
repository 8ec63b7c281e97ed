/**
 * The ledger's API-key methods (migration 003), on DuckDB and PostgreSQL: created with hash and prefix, listed by
 * account, found by hash, revoked by id or prefix (once; again is a no-op; an ambiguous prefix is refused), and the
 * hash is unique.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { openLedger } from '../../src/store/ledger/open.js';
import type { Ledger } from '../../src/store/ledger/types.js';
import { createApiKey, listApiKeys, revokeApiKey, sha256Hex } from '../../src/usecases/keys.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

// sha256("abc") from FIPS 180-2, appendix B.1.
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

function apiKeyLedger(name: string, open: () => Promise<{ ledger: Ledger; cleanup: () => Promise<void> }>, skip = false) {
  describe.skipIf(skip)(`API keys in the ledger: ${name}`, () => {
    let ledger: Ledger;
    let cleanup: () => Promise<void>;
    // The use-cases over this one open ledger.
    const stores = { withLedger: <T>(work: (l: Ledger) => Promise<T>) => work(ledger) };

    beforeAll(async () => {
      ({ ledger, cleanup } = await open());
    });
    afterAll(async () => {
      await ledger?.close();
      await cleanup?.();
    });

    it('sha256Hex is the lower-case hex SHA-256', () => {
      expect(sha256Hex('abc')).toBe(ABC_SHA256);
    });

    it('creates keys with hash, prefix and no revocation; lists them oldest first, by account', async () => {
      const a = await ledger.createApiKey({ account: 'paper', name: 'bot', prefix: 'cift_aaaaaaa', sha256: ABC_SHA256 });
      expect(a).toMatchObject({ account: 'paper', name: 'bot', prefix: 'cift_aaaaaaa', sha256: ABC_SHA256, revokedNs: undefined, lastUsedNs: undefined });
      expect(a.createdNs > 0n).toBe(true);
      const b = await ledger.createApiKey({ account: 'other', prefix: 'cift_bbbbbbb', sha256: 'b'.repeat(64) });
      expect(b.name).toBeUndefined();
      expect(Number(b.id)).toBeGreaterThan(Number(a.id));
      expect((await ledger.apiKeys()).map((k) => k.id)).toEqual([a.id, b.id]);
      expect((await ledger.apiKeys('other')).map((k) => k.id)).toEqual([b.id]);
      expect(await ledger.apiKeys('nobody')).toEqual([]);
    });

    it('finds a key by its hash, and nothing for another hash', async () => {
      expect((await ledger.findApiKeyByHash(ABC_SHA256))?.prefix).toBe('cift_aaaaaaa');
      expect(await ledger.findApiKeyByHash('c'.repeat(64))).toBeUndefined();
    });

    it('refuses a second key with the same hash', async () => {
      await expect(ledger.createApiKey({ account: 'paper', prefix: 'cift_zzzzzzz', sha256: ABC_SHA256 })).rejects.toThrow();
      expect(await ledger.apiKeys()).toHaveLength(2);
    });

    it('revokes by prefix and by id; revoking again keeps the first revocation time', async () => {
      const byPrefix = await ledger.revokeApiKey('cift_aaaaaaa');
      expect(byPrefix.revokedNs).toBeDefined();
      expect((await ledger.findApiKeyByHash(ABC_SHA256))?.revokedNs).toBe(byPrefix.revokedNs);
      const again = await ledger.revokeApiKey(byPrefix.id);
      expect(again.revokedNs).toBe(byPrefix.revokedNs);
    });

    it('a key found and then revoked is found revoked at once (nothing remembers it as valid)', async () => {
      const k = await ledger.createApiKey({ account: 'paper', prefix: 'cift_revoke1', sha256: '9'.repeat(64) });
      expect((await ledger.findApiKeyByHash('9'.repeat(64)))?.revokedNs).toBeUndefined();
      expect((await ledger.findApiKeyByHash('9'.repeat(64)))?.id, 'found again').toBe(k.id);
      const revoked = await ledger.revokeApiKey(k.id);
      expect((await ledger.findApiKeyByHash('9'.repeat(64)))?.revokedNs).toBe(revoked.revokedNs);
    });

    it('a hash looked up before its key exists is found once the key is created', async () => {
      expect(await ledger.findApiKeyByHash('8'.repeat(64))).toBeUndefined();
      const k = await ledger.createApiKey({ account: 'paper', prefix: 'cift_late000', sha256: '8'.repeat(64) });
      expect((await ledger.findApiKeyByHash('8'.repeat(64)))?.id).toBe(k.id);
    });

    it('records the last use of a key', async () => {
      const k = await ledger.createApiKey({ account: 'paper', prefix: 'cift_touched', sha256: 'f'.repeat(64) });
      await ledger.touchApiKey(k.id, 1_700_000_000_123_456_789n);
      expect((await ledger.findApiKeyByHash('f'.repeat(64)))?.lastUsedNs).toBe(1_700_000_000_123_456_789n);
      await ledger.touchApiKey('999999', 1n);
      await ledger.touchApiKey('not-an-id', 1n);
    });

    it('an unknown id or prefix is KEY_NOT_FOUND; a prefix naming two keys is USAGE', async () => {
      await expect(ledger.revokeApiKey('987654')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
      await expect(ledger.revokeApiKey('cift_nothere')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
      await ledger.createApiKey({ account: 'x', prefix: 'cift_dup0000', sha256: 'd'.repeat(64) });
      await ledger.createApiKey({ account: 'x', prefix: 'cift_dup0000', sha256: 'e'.repeat(64) });
      await expect(ledger.revokeApiKey('cift_dup0000')).rejects.toMatchObject({ code: 'USAGE' });
    });

    it('the use-cases: a created key is returned once, stored as its hash, listed without it', async () => {
      const created = await createApiKey(stores, 'paper', 'uc');
      expect(created.key).toMatch(/^cift_[A-Za-z0-9_-]{43}$/);
      expect(created.prefix).toBe(created.key.slice(0, 12));
      expect((await ledger.findApiKeyByHash(sha256Hex(created.key)))?.id).toBe(created.id);
      const listed = (await listApiKeys(stores, 'paper')).find((k) => k.id === created.id)!;
      expect(listed).toEqual({ id: created.id, account: 'paper', name: 'uc', prefix: created.prefix, created_at: created.created_at, revoked_at: null, last_used_at: null });
      expect((await revokeApiKey(stores, created.id)).revoked_at).toMatch(/Z$/);
      await expect(createApiKey(stores, 'no-such-account')).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
      await expect(createApiKey(stores, 'paper', '')).rejects.toMatchObject({ code: 'USAGE' });
    });
  });
}

describe.skipIf(!hasPostgres)('API keys on a shared PostgreSQL ledger', () => {
  it('a key revoked through another ledger (another process) is seen as revoked once a second has passed', async () => {
    const db = await freshPostgresDatabase();
    const here = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
    const there = await openLedger({ home: '/nonexistent', databaseUrl: db.url });
    try {
      const k = await there.createApiKey({ account: 'paper', prefix: 'cift_shared0', sha256: '7'.repeat(64) });
      expect((await here.findApiKeyByHash('7'.repeat(64)))?.revokedNs).toBeUndefined();
      const revoked = await there.revokeApiKey(k.id);
      // Only Date is faked: the pool's own timers keep running.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 1001);
      expect((await here.findApiKeyByHash('7'.repeat(64)))?.revokedNs).toBe(revoked.revokedNs);
    } finally {
      vi.useRealTimers();
      await here.close();
      await there.close();
      await db.drop();
    }
  });
});

apiKeyLedger('embedded DuckDB', async () => {
  const tmp = tempDir();
  return { ledger: await openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined }), cleanup: async () => tmp.cleanup() };
});
apiKeyLedger(
  'PostgreSQL',
  async () => {
    const db = await freshPostgresDatabase();
    return { ledger: await openLedger({ home: '/nonexistent', databaseUrl: db.url }), cleanup: db.drop };
  },
  !hasPostgres,
);
