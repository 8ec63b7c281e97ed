/**
 * The trading suite: order submit latency (risk + insert + fill in one transaction) inside one process, on the
 * embedded ledger and on PostgreSQL; and the wall time of a whole `cift order buy` process. Goals: p50 < 5 ms
 * embedded, < 2 ms PostgreSQL, CLI < 0.5 s. Each run checks that every timed order filled and the position equals
 * the number of fills.
 *
 * Issue 12 adds: a resting limit-order submit (risk at the limit, insert, reservation, outbox event; goals p50
 * < 2 ms embedded, < 3 ms PostgreSQL), checked open and reserving qty × limit; and the pure matcher's throughput
 * (≥ 200,000 quote updates/s against 1,000 resting orders), checked against fills counted by a plain loop.
 *
 * Issue 14 tightens the submit goals to p50 ≤ 2 ms embedded and ≤ 1 ms on PostgreSQL (market and limit alike);
 * the cases carry them as target_ms / target_met.
 *
 * Nothing is written where a user keeps data: the embedded runs use a temporary folder, and PostgreSQL a scratch
 * database created on the server CIFT_DATABASE_URL names (else the local test server) and dropped afterwards,
 * on success and on failure. A PostgreSQL that cannot be reached fails the suite, saying how to skip it
 * (CIFT_BENCH_POSTGRES=off); it is never skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/config.js';
import { CiftError } from '../src/errors.js';
import { dec, fmt } from '../src/money.js';
import { loadPolars } from '../src/polars.js';
import { ParquetTickStore } from '../src/store/ticks/parquet.js';
import { openDuckDb } from '../src/store/ledger/duckdb.js';
import { migrate } from '../src/store/ledger/migrate.js';
import { openLedger } from '../src/store/ledger/open.js';
import { withScratchPostgres } from '../src/store/ledger/scratch.js';
import type { Ledger } from '../src/store/ledger/types.js';
import { matchOrders, type BookOrder, type MarketUpdate } from '../src/trading/matching.js';
import { withPriceCache } from '../src/store/cache/cached-market.js';
import { MemoryCache } from '../src/store/cache/memory.js';
import type { Cache } from '../src/store/cache/types.js';
import { latestPrice } from '../src/trading/prices.js';
import { DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../src/trading/orders.js';
import { percentile, type BenchOptions, type CaseResult } from './harness.js';


async function measureSubmits(ledger: Ledger, store: ParquetTickStore, n: number, label: string): Promise<CaseResult> {
  const account = `bench-${Date.now()}`;
  await ledger.ensureAccount(account, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('100000000'), maxOrderNotional: dec('100000000'), maxPositionQty: dec('100000000') });
  for (let k = 0; k < 20; k++) await submitOrder(ledger, store, { account, symbol: 'BENCH', side: 'buy', quantity: dec('1') });
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = process.hrtime.bigint();
    const r = await submitOrder(ledger, store, { account, symbol: 'BENCH', side: 'buy', quantity: dec('1') });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.order.status !== 'filled') throw new Error(`${label}: order ${r.order.id} ${r.order.status}: ${r.order.rejectReason}`);
  }
  const [pos] = await ledger.positions(account);
  if (fmt(pos.quantity) !== fmt(dec(String(n + 20)))) throw new Error(`${label}: position ${fmt(pos.quantity)} after ${n + 20} fills`);
  samples.sort((a, b) => a - b);
  // Issue 14: p50 ≤ 2 ms embedded, ≤ 1 ms on PostgreSQL (one round trip per submit).
  const target = label === 'PostgreSQL' ? 1 : 2;
  const median = percentile(samples, 50);
  return { suite: 'trading', name: `order submit (${label})`, size: n, median_ms: median, min_ms: samples[0], max_ms: samples[samples.length - 1], p99_ms: percentile(samples, 99), target_ms: target, target_met: median <= target };
}

async function measureLimitSubmits(ledger: Ledger, store: ParquetTickStore, n: number, label: string): Promise<CaseResult> {
  const account = `bench-limit-${Date.now()}`;
  await ledger.ensureAccount(account, { ...DEFAULT_ACCOUNT_SETTINGS, cash: dec('100000000'), maxOrderNotional: dec('100000000'), maxPositionQty: dec('100000000') });
  // Buy limit 50 against an ask of 100.01: never marketable, so each order rests and reserves 1 × 50.
  const order = () => submitOrder(ledger, store, { account, symbol: 'BENCH', side: 'buy', quantity: dec('1'), type: 'limit', limitPrice: dec('50'), tif: 'gtc' });
  for (let k = 0; k < 20; k++) await order();
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = process.hrtime.bigint();
    const r = await order();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.order.status !== 'open' || fmt(r.order.reserved) !== '50.000000') throw new Error(`${label}: limit order ${r.order.id} ${r.order.status}, reserved ${fmt(r.order.reserved)}: ${r.order.rejectReason}`);
  }
  samples.sort((a, b) => a - b);
  // Issue 12 asked < 2 ms embedded and < 3 ms on PostgreSQL; issue 14 asks ≤ 1 ms of every PostgreSQL submit.
  const target = label === 'PostgreSQL' ? 1 : 2;
  const median = percentile(samples, 50);
  return { suite: 'trading', name: `limit order submit, resting (${label})`, size: n, median_ms: median, min_ms: samples[0], max_ms: samples[samples.length - 1], p99_ms: percentile(samples, 99), target_ms: target, target_met: median <= target };
}

/**
 * What the embedded submit cannot go below (issue 14): the writes of a market order's transaction (the order and
 * its fill, each RETURNING its id; the position; the cash; the two cash movements; the two outbox events) replayed
 * through the SQL port, with no risk check, price read or JSON built; and a bare BEGIN; one INSERT; COMMIT. The
 * gap between these and the submit above is the ledger's own work; the floor itself is DuckDB's (a write costs
 * ~0.2-0.5 ms, an UPDATE with parameters is planned again on every run, COMMIT writes and syncs the WAL).
 */
async function measureEmbeddedFloor(dir: string, n: number): Promise<CaseResult[]> {
  const db = await openDuckDb(join(dir, 'floor.duckdb'));
  try {
    await migrate(db);
    const ns = '1700000000000000000';
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO accounts (name, currency, cash, fee_rate, max_position_qty, max_order_notional, max_leverage, created_ns) VALUES ('floor', 'USD', 100000000, 0, 100000000, 100000000, 1, $1)", [ns]);
      await tx.query("INSERT INTO positions (account, symbol, quantity, avg_cost, realized_pnl, updated_ns) VALUES ('floor', 'BENCH', 0, 0, 0, $1)", [ns]);
    });
    const payload = JSON.stringify({ id: '1', account: 'floor', symbol: 'BENCH', side: 'buy', type: 'market', quantity: '1.000000', status: 'filled', filled_avg_price: '100.010000' });
    let k = 0;
    const marketWrites = () =>
      db.transaction(async (tx) => {
        k++;
        const [order] = await tx.query(
          `INSERT INTO orders (account, client_order_id, symbol, side, type, quantity, status, reject_codes, reject_reason, created_ns, updated_ns,
                               limit_price, stop_price, tif, filled_quantity, filled_avg_price, reserved, triggered, placed_ns, expires_ns, cursor_ns, cursor_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id`,
          ['floor', `floor-${k}`, 'BENCH', 'buy', 'market', '1.000000', 'filled', null, null, ns, null, null, 'day', '1.000000', '100.010000', '0.000000', false, ns, null, ns, Number.MAX_SAFE_INTEGER],
        );
        await tx.query('INSERT INTO fills (order_id, account, symbol, side, quantity, price, fee, price_source, filled_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id', [String(order.id), 'floor', 'BENCH', 'buy', '1.000000', '100.010000', '0.000000', 'ask', ns]);
        await tx.query('UPDATE positions SET quantity = $3, avg_cost = $4, realized_pnl = $5, updated_ns = $6 WHERE account = $1 AND symbol = $2', ['floor', 'BENCH', `${k}.000000`, '100.010000', '0.000000', ns]);
        await tx.query('UPDATE accounts SET cash = $2 WHERE name = $1', ['floor', (100_000_000 - k * 100.01).toFixed(6)]);
        await tx.query("INSERT INTO cash_movements (account, amount, kind, order_id, created_ns) VALUES ($1, $2, 'trade', $4, $5), ($1, $3, 'fee', $4, $5)", ['floor', '-100.010000', '0.000000', String(order.id), ns]);
        await tx.query('INSERT INTO order_events (account, order_id, kind, payload, created_ns) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)', ['floor', String(order.id), 'accepted', payload, ns, 'floor', String(order.id), 'filled', payload, ns]);
      });
    const bareInsert = () => db.transaction((tx) => tx.query("INSERT INTO cash_movements (account, amount, kind, order_id, created_ns) VALUES ($1, $2, 'deposit', NULL, $3)", ['floor', '1.000000', ns]));
    const time = async (work: () => Promise<unknown>, name: string): Promise<CaseResult> => {
      for (let w = 0; w < 20; w++) await work();
      const samples: number[] = [];
      for (let s = 0; s < n; s++) {
        const t0 = process.hrtime.bigint();
        await work();
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      samples.sort((a, b) => a - b);
      return { suite: 'trading', name, size: n, median_ms: percentile(samples, 50), min_ms: samples[0], max_ms: samples[samples.length - 1], p99_ms: percentile(samples, 99) };
    };
    const results = [await time(marketWrites, "submit floor: a market order's writes, nothing else (embedded DuckDB)"), await time(bareInsert, 'submit floor: BEGIN; one INSERT; COMMIT (embedded DuckDB)')];
    const [{ n: fills }] = await db.query("SELECT count(*) AS n FROM fills WHERE account = 'floor'");
    if (Number(fills) !== n + 20) throw new Error(`submit floor: ${fills} fills after ${n + 20} transactions`);
    return results;
  } finally {
    await db.close();
  }
}

/**
 * The pure matcher: 1,000 resting buy limits (limits 90.00 … 99.99) against a random walk of quotes around 100.
 * Checked first: the fills it reports equal those of a plain per-order loop over the same stream.
 */
function measureMatcher(repeat: number): CaseResult {
  const ORDERS = 1000;
  const UPDATES = 200_000;
  const orders: BookOrder[] = Array.from({ length: ORDERS }, (_, k) => ({ id: String(k), side: 'buy', type: 'limit', limit: BigInt(90_000_000 + k * 10_000), stop: undefined, remaining: 1_000_000_000n, triggered: false, expiresNs: undefined, cursorNs: 0n, cursorSeq: 0 }));
  let x = 100;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const updates: MarketUpdate[] = Array.from({ length: UPDATES }, (_, k) => {
    x = Math.min(110, Math.max(89, x + (rand() - 0.5) * 0.05));
    const ask = BigInt(Math.round(x * 100)) * 10_000n;
    return { kind: 'quote', ts: BigInt(k + 1), seq: k + 1, bid: ask - 10_000n, ask, bidSize: 100_000_000n, askSize: 5_000_000n };
  });
  // Reference: every order checks every quote; quote sizes are shared in limit-then-age priority, as the rules say.
  const reference = (): number => {
    const left = orders.map((o) => o.remaining);
    const byPriority = orders.map((_, k) => k).sort((a, b) => (orders[b].limit! > orders[a].limit! ? 1 : orders[b].limit! < orders[a].limit! ? -1 : a - b));
    let fills = 0;
    for (const u of updates) {
      if (u.kind !== 'quote') continue;
      let size = u.askSize;
      for (const k of byPriority) {
        if (size === 0n) break;
        if (left[k] > 0n && orders[k].limit! >= u.ask) {
          const q = left[k] < size ? left[k] : size;
          left[k] -= q;
          size -= q;
          fills++;
        }
      }
    }
    return fills;
  };
  const want = reference();
  const got = matchOrders(orders, updates).filter((e) => e.kind === 'fill').length;
  if (got !== want) throw new Error(`matcher: ${got} fills, a plain loop finds ${want}`);
  const samples: number[] = [];
  for (let k = 0; k < Math.max(3, Math.min(repeat, 10)); k++) {
    const t0 = process.hrtime.bigint();
    matchOrders(orders, updates);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const median = percentile(samples, 50);
  return { suite: 'trading', name: 'matcher: quote updates against 1,000 resting orders', size: UPDATES, median_ms: median, min_ms: samples[0], max_ms: samples[samples.length - 1], updates_per_s: Math.round(UPDATES / (median / 1000)), fills: want, target_updates_per_s: 200_000, target_met: UPDATES / (median / 1000) >= 200_000 };
}

/**
 * A latest-price read (trading/prices.ts latestPrice, as orders and portfolios read it) answered by the cache:
 * the store's catalog check for the key, then one cache read. The first read fills the cache and is not timed.
 */
async function measureCachedPrice(store: ParquetTickStore, cache: Cache, n: number, label: string): Promise<CaseResult> {
  const market = withPriceCache(store, cache, 'bench:');
  let storeReads = 0;
  const counting = withPriceCache({ latest: (...a: Parameters<ParquetTickStore['latest']>) => (storeReads++, store.latest(...a)), latestKey: (s: string) => store.latestKey(s) }, cache, 'bench:');
  await latestPrice(counting, 'BENCH');
  for (let k = 0; k < 50; k++) await latestPrice(market, 'BENCH');
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = process.hrtime.bigint();
    const p = await latestPrice(market, 'BENCH');
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (p?.buy !== 100.01 || p.sell !== 99.99) throw new Error(`${label}: latest price ${p?.buy}/${p?.sell}, expected 100.01/99.99`);
  }
  await latestPrice(counting, 'BENCH');
  if (storeReads !== 1) throw new Error(`${label}: the store was read ${storeReads} times; a cached read must not reach it`);
  samples.sort((a, b) => a - b);
  const median = percentile(samples, 50);
  // Issue 12's target is for the Redis read (< 0.2 ms); the in-process cache is shown beside it.
  const target = label === 'Redis cache' ? { target_ms: 0.2, target_met: median < 0.2 } : {};
  return { suite: 'trading', name: `latest price read (${label})`, size: n, median_ms: median, min_ms: samples[0], max_ms: samples[samples.length - 1], p99_ms: percentile(samples, 99), ...target };
}

export async function runTradingSuite(opts: BenchOptions): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cift-bench-trading-'));
  const results: CaseResult[] = [];
  const n = Math.max(50, Math.min(opts.repeat * 50, 2000));
  try {
    const store = new ParquetTickStore(await loadPolars(), join(dir, 'ticks'));
    await store.write(
      { kind: 'quotes', symbol: 'BENCH', ts: BigInt64Array.from([1_700_000_000_000_000_000n]), seq: Float64Array.from([0]), values: { bid: Float64Array.from([99.99]), ask: Float64Array.from([100.01]), bid_size: Float64Array.from([100]), ask_size: Float64Array.from([100]) } },
      { id: 'bench', label: 'bench' },
    );
    opts.onProgress?.('trading: submits on the embedded ledger');
    const embedded = await openLedger({ home: join(dir, 'home'), databaseUrl: undefined });
    try {
      results.push(await measureSubmits(embedded, store, n, 'embedded DuckDB'));
      results.push(await measureLimitSubmits(embedded, store, n, 'embedded DuckDB'));
    } finally {
      await embedded.close();
    }
    for (const floorCase of await measureEmbeddedFloor(dir, n)) results.push(floorCase);
    if (process.env.CIFT_BENCH_POSTGRES !== 'off') {
      const url = process.env.CIFT_DATABASE_URL || process.env.CIFT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
      opts.onProgress?.('trading: submits on PostgreSQL (scratch database)');
      try {
        results.push(
          ...(await withScratchPostgres(url, async (scratchUrl) => {
            const pg = await openLedger({ home: dir, databaseUrl: scratchUrl });
            try {
              return [await measureSubmits(pg, store, n, 'PostgreSQL'), await measureLimitSubmits(pg, store, n, 'PostgreSQL')];
            } finally {
              await pg.close();
            }
          })),
        );
      } catch (e) {
        if (e instanceof CiftError && e.code === 'STORE_UNAVAILABLE') {
          throw new CiftError('STORE_UNAVAILABLE', `trading bench: ${e.message}`, 'start PostgreSQL or set CIFT_DATABASE_URL; CIFT_BENCH_POSTGRES=off benches the embedded ledger only');
        }
        throw e;
      }
    }
    opts.onProgress?.('trading: the pure matcher');
    results.push(measureMatcher(opts.repeat));
    opts.onProgress?.('trading: cached latest-price reads');
    results.push(await measureCachedPrice(store, new MemoryCache(), n * 10, 'in-process cache'));
    if (process.env.CIFT_BENCH_REDIS !== 'off') {
      const url = process.env.CIFT_REDIS_URL || 'redis://127.0.0.1:6379';
      const { RedisCache } = await import('../src/store/cache/redis.js');
      // A prefix of this run's own, deleted afterwards: the server may be shared.
      const redis = await RedisCache.open(url, { prefix: `cift-bench-${process.pid}-${Date.now()}:` });
      try {
        await redis.ping().catch((e: Error) => {
          throw new CiftError('STORE_UNAVAILABLE', `trading bench: Redis at ${url} does not answer (${e.message})`, 'start Redis or set CIFT_REDIS_URL; CIFT_BENCH_REDIS=off skips the Redis case');
        });
        results.push(await measureCachedPrice(store, redis, n * 10, 'Redis cache'));
        await redis.dropAll();
      } finally {
        await redis.close();
      }
    }
    opts.onProgress?.('trading: cift order buy (whole process)');
    const home = join(dir, 'cli-home');
    const cliSamples: number[] = [];
    for (let k = 0; k < Math.max(3, Math.min(opts.repeat, 10)); k++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'cift.js'), 'order', 'buy', 'GOOG', '1', '--json'], { env: { ...process.env, CIFT_HOME: home, CIFT_DATABASE_URL: '' }, encoding: 'utf8' });
      cliSamples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 0 || JSON.parse(r.stdout).status !== 'filled') throw new Error(`cift order buy failed: ${r.stderr}`);
    }
    cliSamples.sort((a, b) => a - b);
    results.push({ suite: 'trading', name: 'cift order buy (process wall time)', size: cliSamples.length, median_ms: percentile(cliSamples, 50), min_ms: cliSamples[0], max_ms: cliSamples[cliSamples.length - 1] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
