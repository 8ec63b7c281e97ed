/**
 * The embedded SQL port binds each value as exactly its parameter's type and rewrites NULLs and repeated
 * parameters (duckdb.ts, so DuckDB keeps its prepared plan). Whatever the binding, a statement must store and
 * match exactly what the same statement with the values written as literals would: these cases are worked by
 * hand from DECIMAL(20,6) and BIGINT semantics, not taken from the port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDuckDb } from '../../src/store/ledger/duckdb.js';
import type { SqlDatabase } from '../../src/store/ledger/sql.js';
import { tempDir } from '../helpers.js';

describe('embedded SQL port: parameter binding', () => {
  const tmp = tempDir();
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await openDuckDb(join(tmp.dir, 'binding.duckdb'));
    await db.query('CREATE TABLE b (k INTEGER, d DECIMAL(20, 6), n BIGINT, s VARCHAR, f DOUBLE, t BOOLEAN)');
  });
  afterAll(async () => {
    await db?.close();
    tmp.cleanup();
  });
  const insert = (k: number, d: unknown, n: unknown, s: unknown, f: unknown, t: unknown) =>
    db.transaction((tx) => tx.query('INSERT INTO b (k, d, n, s, f, t) VALUES ($1, $2, $3, $4, $5, $6)', [k, d, n, s, f, t]));
  const row = async (k: number) => (await db.query('SELECT d, n, s, f, t FROM b WHERE k = $1', [k]))[0];

  it('stores decimals, bigints, text, doubles and booleans exactly, however they are given', async () => {
    await insert(1, '123.45', '9223372036854775807', 'héllo', 0.1, true);
    await insert(2, '-0.000001', '-9223372036854775808', '', 9007199254740991, false);
    await insert(3, '99999999999999.999999', 1700000000000000000n, "it's", -2.5, true);
    await insert(4, 42, 7, 'x', 3, false); // integers given as numbers
    await insert(5, '007.5', '0', 'y', 1e300, false); // leading zeros
    expect(await row(1)).toEqual({ d: '123.450000', n: '9223372036854775807', s: 'héllo', f: 0.1, t: true });
    expect(await row(2)).toEqual({ d: '-0.000001', n: '-9223372036854775808', s: '', f: 9007199254740991, t: false });
    expect(await row(3)).toEqual({ d: '99999999999999.999999', n: '1700000000000000000', s: "it's", f: -2.5, t: true });
    expect(await row(4)).toEqual({ d: '42.000000', n: '7', s: 'x', f: 3, t: false });
    expect(await row(5)).toEqual({ d: '7.500000', n: '0', s: 'y', f: 1e300, t: false });
  });

  it('leaves what it cannot bind exactly to DuckDB: more fraction digits round, too many digits fail', async () => {
    // DECIMAL(20,6) keeps 6 fraction digits: 1.0000005 rounds half away from zero to 1.000001.
    await insert(10, '1.0000005', '1', 'r', 0, false);
    expect((await row(10)).d).toBe('1.000001');
    // 15 integer digits do not fit in DECIMAL(20,6) (at most 14): refused, nothing stored.
    await expect(insert(11, '100000000000000', '1', 'o', 0, false)).rejects.toThrow();
    // 2^63 does not fit in BIGINT.
    await expect(insert(12, '1', '9223372036854775808', 'o', 0, false)).rejects.toThrow();
    expect(await db.query('SELECT k FROM b WHERE k IN (11, 12)')).toEqual([]);
  });

  it('binds NULL in any parameter, and the same statement again with values', async () => {
    await insert(20, null, null, null, null, null);
    await insert(21, '5', '6', 'z', 1.5, true);
    await insert(22, null, '8', null, 2.5, null);
    expect(await row(20)).toEqual({ d: null, n: null, s: null, f: null, t: null });
    expect(await row(21)).toEqual({ d: '5.000000', n: '6', s: 'z', f: 1.5, t: true });
    expect(await row(22)).toEqual({ d: null, n: '8', s: null, f: 2.5, t: null });
    // A NULL parameter in a comparison matches nothing, as `= NULL` does.
    expect(await db.query('SELECT k FROM b WHERE d = $1', [null])).toEqual([]);
  });

  it('gives a parameter written twice the one value at each use', async () => {
    await db.transaction((tx) => tx.query('INSERT INTO b (k, d, n, s) VALUES ($1, $2, $3, $2)', [30, '2.25', '3']));
    expect(await row(30)).toMatchObject({ d: '2.250000', n: '3', s: '2.25' });
    const matched = await db.query('SELECT k FROM b WHERE k = $1 OR (k = $1 + 1 AND $2 IS NULL)', [30, null]);
    expect(matched).toEqual([{ k: 30 }]);
  });

  it('refuses a statement given fewer values than it has parameters, NULLs among them or not', async () => {
    await expect(db.transaction((tx) => tx.query('INSERT INTO b (k, d, n) VALUES ($1, $2, $3)', [40, null]))).rejects.toThrow();
    await expect(db.transaction((tx) => tx.query('INSERT INTO b (k, d, n) VALUES ($1, $2, $3)', [41, '1']))).rejects.toThrow();
    expect(await db.query('SELECT k FROM b WHERE k IN (40, 41)')).toEqual([]);
  });
});
