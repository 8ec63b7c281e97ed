import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDuckDb } from '../../src/store/ledger/duckdb.js';
import { openLedger } from '../../src/store/ledger/open.js';
import { openPostgres } from '../../src/store/ledger/postgres.js';
import { ledgerContract, sqlContract } from '../contracts/ledger.contract.js';
import { tempDir } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres, PG_URL } from '../services.js';

ledgerContract('embedded DuckDB', async () => {
  const tmp = tempDir();
  return { open: () => openLedger({ home: join(tmp.dir, 'home'), databaseUrl: undefined }), cleanup: async () => tmp.cleanup() };
});
sqlContract('embedded DuckDB', async () => {
  const tmp = tempDir();
  return { db: await openDuckDb(join(tmp.dir, 'port.duckdb')), cleanup: async () => tmp.cleanup() };
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

// Without a server these skip and say so once (test/services.ts warns; CI sets CIFT_TEST_REQUIRE_SERVICES=1,
// which turns an unreachable server into a failure).
if (!hasPostgres) console.warn(`skipping the PostgreSQL ledger and SQL port contracts: ${PG_URL} is unreachable`);
ledgerContract(
  'PostgreSQL',
  async () => {
    const db = await freshPostgresDatabase();
    return { open: () => openLedger({ home: '/nonexistent', databaseUrl: db.url }), cleanup: db.drop };
  },
  { skip: !hasPostgres },
);
sqlContract(
  'PostgreSQL',
  async () => {
    const fresh = await freshPostgresDatabase();
    return { db: await openPostgres(fresh.url), cleanup: fresh.drop };
  },
  { skip: !hasPostgres },
);
