/**
 * Paper trading under ordinary use (issue 8, items 4–6): many `cift order` processes at once on the embedded
 * ledger, a process that keeps it, client ids reused for other orders, and accounts that must exist.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ROOT, cift, tempDir, type CliResult } from '../helpers.js';
import { freshPostgresDatabase, hasPostgres, PG_URL } from '../services.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const embedded = { CIFT_DATABASE_URL: '' };

/** Runs the CLI without blocking the test, so several can run at once. */
function ciftAsync(args: string[], opts: { home: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cift.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CIFT_HOME: opts.home, NO_COLOR: '1', FORCE_COLOR: '', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Starts a node script and resolves once it prints "ready" (it then keeps running until killed). */
async function startHolder(script: string, args: string[]): Promise<ChildProcess> {
  const path = join(tmp.dir, `holder-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(path, script);
  const child = spawn(process.execPath, [path, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited ${code} before it was ready`)));
  });
  return child;
}

const distUrl = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', file)).href);

function manyWriters(name: string, setup: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>): void {
  it(`fills every one of 24 buys started at once: writers wait their turn instead of failing (${name})`, { timeout: 240_000 }, async () => {
    const { env, cleanup } = await setup();
    const home = join(tmp.dir, `many-writers-${name.replace(/\W/g, '')}`);
    const n = 24;
    try {
      const results = await Promise.all(Array.from({ length: n }, () => ciftAsync(['order', 'buy', 'GOOG', '1', '--json'], { home, env })));
      expect(
        results.filter((r) => r.status !== 0).map((r) => r.stderr),
        'no process failed (before the fix, on the embedded ledger one of two, and 48 of 50, got LEDGER_LOCKED)',
      ).toEqual([]);
      const orders = JSON.parse(cift(['order', 'list', '--json'], { home, env }).stdout) as Array<{ id: string; status: string }>;
      expect(orders.map((o) => o.status), 'exactly one filled order per process').toEqual(Array.from({ length: n }, () => 'filled'));
      expect(new Set(orders.map((o) => o.id)).size).toBe(n);
      const positions = JSON.parse(cift(['order', 'positions', '--json'], { home, env }).stdout);
      expect(positions.map((p: { symbol: string; quantity: string }) => [p.symbol, p.quantity]), '24 buys of 1').toEqual([['GOOG', '24.000000']]);
      expect(existsSync(join(home, 'ledger.duckdb.holder.json')), 'no lock file is left behind').toBe(false);
    } finally {
      await cleanup();
    }
  });
}

describe('the ledger under many processes', () => {
  manyWriters('embedded DuckDB', async () => ({ env: embedded, cleanup: async () => undefined }));
  if (hasPostgres) {
    manyWriters('PostgreSQL', async () => {
      const db = await freshPostgresDatabase();
      return { env: { CIFT_DATABASE_URL: db.url }, cleanup: db.drop };
    });
  }

  it('never fails a writer because readers keep reading the ledger', { timeout: 240_000 }, async () => {
    const home = join(tmp.dir, 'readers-and-writers');
    expect(cift(['order', 'buy', 'GOOG', '1'], { home, env: embedded }).status).toBe(0);
    let writing = true;
    const readerResults: CliResult[] = [];
    const readerLoop = async () => {
      while (writing) readerResults.push(await ciftAsync(['order', 'portfolio', '--json'], { home, env: embedded }));
    };
    const readers = [readerLoop(), readerLoop()];
    const writers = await Promise.all(Array.from({ length: 8 }, () => ciftAsync(['order', 'buy', 'GOOG', '1'], { home, env: embedded })));
    writing = false;
    await Promise.all(readers);
    expect(writers.filter((r) => r.status !== 0).map((r) => r.stderr), 'every writer succeeded while readers ran').toEqual([]);
    expect(readerResults.length, 'the readers did run alongside').toBeGreaterThan(0);
    expect(readerResults.filter((r) => r.status !== 0).map((r) => r.stderr), 'and every reader succeeded too').toEqual([]);
    const positions = JSON.parse(cift(['order', 'positions', '--json'], { home, env: embedded }).stdout);
    expect(positions[0].quantity, '1 + 8 buys of 1').toBe('9.000000');
  });
});

describe('a process that keeps the embedded ledger', () => {
  it('gives LEDGER_LOCKED after --lock-timeout, naming the holder pid and its command line', async () => {
    const home = join(tmp.dir, 'held-by-cift-code');
    expect(cift(['order', 'list'], { home, env: embedded }).status).toBe(0);
    const holder = await startHolder(
      `import { openLedger } from ${distUrl('src/store/ledger/open.js')};
       await openLedger({ home: ${JSON.stringify(home)}, databaseUrl: undefined });
       console.log('ready'); setInterval(() => {}, 1000);`,
      ['keeps-the-ledger-open'],
    );
    try {
      const r = cift(['order', 'buy', 'GOOG', '1', '--lock-timeout', '1'], { home, env: embedded });
      expect(r.status).toBe(1);
      const line = r.stderr.split('\n')[0];
      expect(line, 'the code in the message, as the README promises').toMatch(/^cift: LEDGER_LOCKED: /);
      expect(line).toContain(`held by pid ${holder.pid} (`);
      expect(line, "the holder's own command line").toMatch(/holder-\w+\.mjs keeps-the-ledger-open\)/);
      expect(line).toContain('1 s lock timeout');
      const viaEnv = cift(['order', 'positions'], { home, env: { ...embedded, CIFT_LOCK_TIMEOUT: '0.5' } });
      expect([viaEnv.status, viaEnv.stderr.split('\n')[0]], 'CIFT_LOCK_TIMEOUT sets the default').toEqual([1, expect.stringContaining('0.5 s lock timeout')]);
    } finally {
      holder.kill();
    }
    expect(cift(['order', 'buy', 'GOOG', '1'], { home, env: embedded }).status, 'once the holder is gone the ledger opens again').toBe(0);
  });

  it('names a holder that is not cift (DuckDB itself) by the pid DuckDB reports', async () => {
    const home = join(tmp.dir, 'held-by-duckdb');
    expect(cift(['order', 'list'], { home, env: embedded }).status).toBe(0);
    const holder = await startHolder(
      `import { createRequire } from 'node:module';
       const { DuckDBInstance } = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('@duckdb/node-api');
       const i = await DuckDBInstance.create(${JSON.stringify(join(home, 'ledger.duckdb'))}); await i.connect();
       console.log('ready'); setInterval(() => {}, 1000);`,
      [],
    );
    try {
      const r = cift(['order', 'list', '--lock-timeout', '1'], { home, env: embedded });
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^cift: LEDGER_LOCKED: the ledger .*ledger\\.duckdb is held by pid ${holder.pid}\\b`));
    } finally {
      holder.kill();
    }
  });

  it('ignores a lock file left by a process that died, and one naming a live process that does not hold the ledger', async () => {
    const home = join(tmp.dir, 'stale-lock-file');
    expect(cift(['order', 'list'], { home, env: embedded }).status).toBe(0);
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const lockFile = join(home, 'ledger.duckdb.holder.json');
    writeFileSync(lockFile, JSON.stringify({ pid: dead.pid, argv: ['node', 'crashed-cift'], since: '2020-01-01T00:00:00Z' }));
    const afterDead = cift(['order', 'buy', 'GOOG', '1', '--lock-timeout', '0'], { home, env: embedded });
    expect([afterDead.status, afterDead.stderr], 'a dead holder is no holder, even with no time to wait').toEqual([0, '']);
    // A live process that does not hold the database (a reused pid): the waiter finds DuckDB free itself.
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, argv: ['node', 'not-holding'], since: '2020-01-01T00:00:00Z' }));
    const afterLive = cift(['order', 'buy', 'GOOG', '1', '--lock-timeout', '3'], { home, env: embedded });
    expect([afterLive.status, afterLive.stderr]).toEqual([0, '']);
    expect(existsSync(lockFile), 'the lock file is gone after the command').toBe(false);
  });
});

describe.skipIf(!hasPostgres)('a session that keeps an account locked on PostgreSQL', () => {
  it('gives LEDGER_LOCKED after --lock-timeout, naming the session, as the embedded ledger does', async () => {
    const db = await freshPostgresDatabase();
    const home = join(tmp.dir, 'pg-locked');
    const env = { CIFT_DATABASE_URL: db.url };
    const holder = new pg.Client({ connectionString: db.url, application_name: 'holder-session' });
    try {
      expect(cift(['order', 'list'], { home, env }).status).toBe(0);
      await holder.connect();
      const [{ pid }] = (await holder.query('SELECT pg_backend_pid() AS pid')).rows;
      await holder.query('BEGIN');
      await holder.query("SELECT * FROM accounts WHERE name = 'paper' FOR UPDATE");
      const r = cift(['order', 'buy', 'GOOG', '1', '--lock-timeout', '1'], { home, env });
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^cift: LEDGER_LOCKED: .*pid ${pid} \\(holder-session\\)`));
      await holder.query('ROLLBACK');
      expect(cift(['order', 'buy', 'GOOG', '1'], { home, env }).status, 'released: the order goes through').toBe(0);
    } finally {
      await holder.end().catch(() => undefined);
      await db.drop();
    }
  });
});

describe.skipIf(!hasPostgres)('a CIFT_DATABASE_URL naming a database that does not exist', () => {
  it('is a one-line error whose hint creates it, as the README says to do first', () => {
    const url = new URL(PG_URL);
    url.pathname = '/cift_never_created_db';
    const r = cift(['order', 'list'], { home: join(tmp.dir, 'no-db'), env: { CIFT_DATABASE_URL: url.toString() } });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^cift: cannot reach PostgreSQL at .*: database "cift_never_created_db" does not exist$/);
    expect(r.stderr.split('\n')[1]).toMatch(/^hint: create it first: createdb -h \S+ -p \d+ (-U \S+ )?cift_never_created_db$/);
  });
});

function idempotencyAndAccounts(name: string, setup: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>): void {
  describe(`client ids and accounts: ${name}`, () => {
    it('refuses a client id reused for a different order, naming the original; the same order again returns it', async () => {
      const { env, cleanup } = await setup();
      const home = join(tmp.dir, `idem-${name.replace(/\W/g, '')}`);
      try {
        const first = cift(['order', 'buy', 'AMZN', '2', '--client-id', 'cid-1', '--json'], { home, env });
        expect(first.status, first.stderr).toBe(0);
        const original = JSON.parse(first.stdout);
        const other = cift(['order', 'sell', 'GOOG', '3', '--client-id', 'cid-1', '--json'], { home, env });
        expect(other.status, 'a conflict is an error, not the old order').toBe(1);
        expect(other.stdout).toBe('');
        expect(other.stderr.split('\n')[0]).toBe(
          `cift: IDEMPOTENCY_CONFLICT: client id "cid-1" already names order ${original.id} (buy 2.000000 AMZN market in account paper, filled); this request is sell 3.000000 GOOG market in account paper`,
        );
        const again = cift(['order', 'buy', 'AMZN', '2.0', '--client-id', 'cid-1', '--json'], { home, env });
        expect(again.status).toBe(0);
        expect([JSON.parse(again.stdout).id, JSON.parse(again.stdout).duplicate], '2.0 is the same quantity as 2').toEqual([original.id, true]);
        for (const empty of ['', '   ']) {
          const r = cift(['order', 'buy', 'AMZN', '2', '--client-id', empty], { home, env });
          expect([r.status, r.stderr.split('\n')[0]], `--client-id ${JSON.stringify(empty)}`).toEqual([2, expect.stringMatching(/^cift: --client-id ".*" is empty/)]);
        }
        const orders = JSON.parse(cift(['order', 'list', '--json'], { home, env }).stdout);
        expect(orders.length, 'only the original was recorded').toBe(1);
      } finally {
        await cleanup();
      }
    });

    it('trades only in accounts that were created, suggesting the name meant', async () => {
      const { env, cleanup } = await setup();
      const home = join(tmp.dir, `accounts-${name.replace(/\W/g, '')}`);
      try {
        const created = cift(['order', 'accounts', 'create', 'research', '--cash', '5000', '--json'], { home, env });
        expect(created.status, created.stderr).toBe(0);
        expect(JSON.parse(created.stdout)).toMatchObject({ name: 'research', cash: '5000.000000', currency: 'USD' });
        const typo = cift(['order', 'buy', 'GOOG', '1', '--account', 'reserch'], { home, env });
        expect(typo.status).toBe(1);
        expect(typo.stderr).toBe(
          'cift: UNKNOWN_ACCOUNT: no account "reserch" (did you mean research?)\nhint: create it with `cift order accounts create reserch --cash 100000`; list them with `cift order accounts list`\n',
        );
        const twice = cift(['order', 'accounts', 'create', 'research'], { home, env });
        expect([twice.status, twice.stderr.split('\n')[0]]).toEqual([1, 'cift: ACCOUNT_EXISTS: account "research" already exists (cash 5000.000000 USD)']);
        const bought = cift(['order', 'buy', 'GOOG', '1', '--account', 'research', '--json'], { home, env });
        expect(bought.status, bought.stderr).toBe(0);
        const price = JSON.parse(bought.stdout).fill.price;
        const list = JSON.parse(cift(['order', 'accounts', 'list', '--json'], { home, env }).stdout);
        expect(list.map((a: { name: string }) => a.name), 'no "reserch" account appeared').toEqual(['research']);
        const cash = (5000 * 1e6 - Math.round(Number(price) * 1e6)) / 1e6;
        expect(list[0].cash, '5000 − one GOOG at the fill price').toBe(cash.toFixed(6));
        expect(cift(['order', 'buy', 'GOOG', '1'], { home, env }).status, 'the default account still opens on first use').toBe(0);
        const table = cift(['order', 'accounts', 'list'], { home, env });
        expect(table.stdout).toMatch(/│ paper +│ USD/);
        expect(table.stdout).toMatch(/│ research +│ USD +│ +\d+\.\d{6} │/);
      } finally {
        await cleanup();
      }
    });
  });
}

idempotencyAndAccounts('embedded DuckDB', async () => ({ env: embedded, cleanup: async () => undefined }));
describe.skipIf(!hasPostgres)('on PostgreSQL', () => {
  idempotencyAndAccounts('PostgreSQL', async () => {
    const db = await freshPostgresDatabase();
    return { env: { CIFT_DATABASE_URL: db.url }, cleanup: db.drop };
  });
});

describe('numbers an order command cannot use', () => {
  const home = join(tmp.dir, 'numbers');
  const cases: Array<[string[], string]> = [
    [['order', 'buy', 'GOOG', '1e31'], 'cift: quantity "1e31" is larger than any order (at most 1000000000000000000000000000000.000000)'],
    [['order', 'buy', 'GOOG', '0.0000001'], 'cift: quantity "0.0000001" has more than 6 decimal places (the ledger\'s smallest unit is 0.000001)'],
    [['order', 'buy', 'GOOG', '1e-7'], 'cift: quantity "1e-7" has more than 6 decimal places (the ledger\'s smallest unit is 0.000001)'],
    [['order', 'buy', 'GOOG', 'NaN'], 'cift: quantity "NaN" is not a number'],
    [['order', 'buy', 'GOOG', '-5'], 'cift: quantity "-5" must be positive'],
    [['order', 'buy', 'GOOG', '0'], 'cift: quantity "0" must be positive'],
    [['order', 'limits', '--max-position', 'abc'], 'cift: --max-position "abc" is not a number'],
    [['order', 'limits', '--max-order-notional', '0'], 'cift: --max-order-notional "0" must be positive'],
    [['order', 'limits', '--max-leverage', '1e20'], 'cift: --max-leverage "1e20" is larger than the ledger holds (at most 99999999999999.999999)'],
    [['order', 'limits', '--fee-rate', '-0.1'], 'cift: --fee-rate "-0.1" must be a rate ≥ 0 (0.0005 = 5 bps)'],
    [['order', 'sell', 'GOOG', '1', '--slippage', '20000'], 'cift: --slippage "20000" must be basis points in [0, 10000)'],
    [['order', 'sell', 'GOOG', '1', '--slippage', 'abc'], 'cift: --slippage "abc" must be basis points in [0, 10000)'],
    [['order', 'buy', 'GOOG', '1', '--max-quote-age', 'soon'], 'cift: --max-quote-age "soon" must be seconds > 0'],
    [['order', 'list', '--lock-timeout', 'abc'], 'cift: --lock-timeout "abc" must be seconds ≥ 0'],
    [['order', 'accounts', 'create', 'x', '--cash', '-5'], 'cift: --cash "-5" must be an amount ≥ 0'],
  ];
  it.each(cases)('%j is a one-line usage error naming what was wrong (exit 2)', (args, line) => {
    const r = cift(args, { home, env: embedded });
    expect([r.status, r.stderr], 'before the fix: DECIMAL conversion / CHECK constraint internal errors, or a silent rounding').toEqual([2, `${line}\n`]);
  });

  it.each([['100000000000000', '100000000000000.000000'], ['1e30', '1000000000000000000000000000000.000000']])(
    'rejects %s units, beyond what the ledger can record, naming the limits it breaks and writing nothing',
    (quantity, exact) => {
      const before = JSON.parse(cift(['order', 'list', '--json'], { home, env: embedded }).stdout).length;
      const r = cift(['order', 'buy', 'GOOG', quantity], { home, env: embedded });
      expect(r.status, 'a rejection (exit 1), not a usage error or a DECIMAL conversion error').toBe(1);
      expect(r.stderr).toMatch(/^cift: order rejected and not recorded: MAX_ORDER_NOTIONAL_EXCEEDED: notional=\d+\.\d{6} max=1000000\.000000; MAX_POSITION_EXCEEDED: position_after=(\d+\.\d{6}) max=1000000\.000000;/);
      expect(r.stderr.match(/position_after=(\d+\.\d{6})/)![1], 'the quantity read exactly').toBe(exact);
      expect(r.stderr).toContain(`LEDGER_RANGE_EXCEEDED: field=quantity value=${exact} max=99999999999999.999999\n`);
      expect(JSON.parse(cift(['order', 'list', '--json'], { home, env: embedded }).stdout).length, 'nothing recorded').toBe(before);
    },
  );

  it('rejects an order that fits the ledger but not the limits, naming the limit; "1e3" is the quantity 1000', () => {
    const huge = cift(['order', 'buy', 'GOOG', '99999999999999'], { home, env: embedded });
    expect(huge.status).toBe(1);
    expect(huge.stderr).toMatch(/^cift: order \d+ rejected: MAX_ORDER_NOTIONAL_EXCEEDED: notional=\d+\.\d{6} max=1000000\.000000; MAX_POSITION_EXCEEDED: position_after=99999999999999\.000000 max=1000000\.000000/);
    const sci = cift(['order', 'buy', 'GOOG', '1e3', '--json'], { home, env: embedded });
    expect(sci.status, 'a thousand GOOG exceed 100000 of buying power').toBe(1);
    expect(sci.stderr).toMatch(/^cift: order \d+ rejected: INSUFFICIENT_BUYING_POWER/);
    expect(JSON.parse(sci.stdout).quantity).toBe('1000.000000');
  });
});
