import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openLedger } from '../../src/store/ledger/open.js';
import { ledgerContract } from '../contracts/ledger.contract.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres } from '../services.js';

ledgerContract('embedded DuckDB', async () => {
  const tmp = tempDir();
  return { open: () => openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined }), cleanup: async () => tmp.cleanup() };
});

describe('embedded ledger file', () => {
  it('cannot be opened twice in one process (its remembered state assumes one writer)', async () => {
    const tmp = tempDir();
    const settings = { home: join(tmp.dir, 'home'), databaseUrl: undefined };
    const first = await openLedger(settings);
    try {
      await expect(openLedger(settings)).rejects.toMatchObject({ code: 'LEDGER_LOCKED' });
    } finally {
      await first.close();
      tmp.cleanup();
    }
  });
});

if (hasPostgres) {
  ledgerContract('PostgreSQL', async () => {
    const db = await freshPostgresDatabase();
    return { open: () => openLedger({ home: '/nonexistent', databaseUrl: db.url }), cleanup: db.drop };
  });
} else {
  describe.skip('ledger contract: PostgreSQL (server unreachable; see the warning above)', () => it('skipped', () => undefined));
}
