/**
 * Resting orders matched as a replay moves the market clock (`cift serve --replay`), through the API and the hub
 * the WebSocket `orders` channel listens on.
 *
 * Fixture QQR, written by hand (sizes: bid / ask):
 *   Q1 14:30:00  bid 10.00 / ask 10.20  (100 / 200)
 *   Q2 14:30:01  bid 10.05 / ask 10.15  (100 / 200)
 *   Q3 14:30:02  bid 10.00 / ask 10.08  (100 /  50)
 *   Q4 14:30:03  bid  9.90 / ask 10.00  (100 / 500)
 * A buy limit 10.10 × 30 placed once Q1 is replayed rests (10.20 > 10.10), is not filled by Q2 (10.15 > 10.10),
 * and fills in full at Q3: at its ask 10.08 (≤ the limit), 30 ≤ the 50 offered, at 14:30:02. Q4 comes after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { buildApp } from '../../src/api/app.js';
import { createKeyResolver } from '../../src/api/auth.js';
import { resolveSettings } from '../../src/config.js';
import { LiveMarket } from '../../src/live/live-market.js';
import { MemoryHub, type LiveEvent, type OrderEvent } from '../../src/live/events.js';
import { startReplay, type ReplayClock } from '../../src/live/replay.js';
import { startReplayMatching } from '../../src/live/replay-matching.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars } from '../../src/polars.js';
import { openNewAccount } from '../../src/usecases/accounts.js';
import { createApiKey } from '../../src/usecases/keys.js';
import { submitOrder } from '../../src/usecases/orders.js';
import { dec } from '../../src/money.js';
import { openStores } from '../../src/usecases/stores.js';
import { cift, tempDir, writeText } from '../helpers.js';

const QQR_QUOTES = `ts,bid,ask,bid_size,ask_size
2024-01-02T14:30:00Z,10.00,10.20,100,200
2024-01-02T14:30:01Z,10.05,10.15,100,200
2024-01-02T14:30:02Z,10.00,10.08,100,50
2024-01-02T14:30:03Z,9.90,10.00,100,500
`;
const P = '/api/v1/trading';
const LOCAL_KEY = 'local-key-for-replay-tests-0123456789';

const tmp = tempDir('cift-replay-match-');
const home = `${tmp.dir}/home`;

beforeAll(() => {
  mkdirSync(home);
  expect(cift(['ingest', writeText(tmp.dir, 'q.csv', QQR_QUOTES), '--symbol', 'QQR'], { home }).status).toBe(0);
});
afterAll(() => tmp.cleanup());

/** A replay clock held at its first wait until `release()`: the test acts between the first row and the rest. */
function gatedClock(): { clock: ReplayClock; release: () => void; waiting: Promise<void> } {
  let now = 0;
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const waiting = new Promise<void>((r) => (reached = r));
  return {
    clock: {
      now: () => now,
      async sleep(ms) {
        reached();
        await gate;
        now += ms;
      },
      yield: () => new Promise((r) => setImmediate(r)),
    },
    release,
    waiting,
  };
}

describe('replay-driven matching', () => {
  it('fills a resting limit placed at the replay clock at the first ask ≤ limit after it, and publishes the fill', async () => {
    const stores = await openStores(resolveSettings({ home }, {}));
    const live = new LiveMarket(stores.market);
    const hub = new MemoryHub();
    const seen: LiveEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    await stores.ledger();
    const key = (await createApiKey(stores, 'paper', 'bot')).key;
    const app = await buildApp({
      version: 'test',
      polars: await loadPolars(),
      market: stores.market,
      prices: live,
      marketFor: (source) => MarketData.open(resolveSettings({ home }, {}), { source }),
      trading: { stores, market: live, keys: createKeyResolver(stores, { localKey: LOCAL_KEY }), rateLimit: false, replaying: new Set(['QQR']) },
      events: hub,
    });
    live.awaitLive(['QQR']);
    const matching = startReplayMatching({ hub, symbols: ['QQR'], withLedger: stores.withLedger });
    const { clock, release, waiting } = gatedClock();
    try {
      // 1000× real time: Q2 is due 1 ms after Q1, so the replay waits there until released.
      const submit = () => app.inject({ method: 'POST', url: `${P}/orders`, headers: { 'x-api-key': key }, payload: { symbol: 'QQR', side: 'buy', order_type: 'limit', limit_price: '10.10', quantity: '30' } });
      // Before the replay reaches QQR, its stored latest quote (Q4, 14:30:03) is the replay's future: refused.
      const early = await submit();
      expect(early.statusCode, early.body).toBe(422);
      expect(early.json().error.code).toBe('LOOKAHEAD');

      const replay = await startReplay(await loadPolars(), stores.market, { symbols: ['QQR'], speed: 1000, hub, live, clock });
      await waiting;
      await matching.idle();
      expect(live.clockNs('QQR')).toBe(BigInt(Date.parse('2024-01-02T14:30:00Z')) * 1_000_000n);

      const placed = await submit();
      expect(placed.statusCode, placed.body).toBe(201);
      const order = placed.json();
      expect(order).toMatchObject({ status: 'open', placed_at: '2024-01-02T14:30:00.000Z', filled_quantity: '0.000000' });

      release();
      const report = await replay.done;
      expect(report.quotes).toBe(4);
      await matching.idle();
      expect(matching.matched('QQR')).toBe(4);

      const after = (await app.inject({ method: 'GET', url: `${P}/orders/${order.id}`, headers: { 'x-api-key': key } })).json();
      expect(after).toMatchObject({ status: 'filled', filled_quantity: '30.000000', filled_avg_price: '10.080000' });
      expect(after.fills).toEqual([{ price: '10.080000', quantity: '30.000000', fee: '0.000000', price_source: 'quote', filled_at: '2024-01-02T14:30:02.000Z' }]);

      const orderEvents = seen.filter((e): e is OrderEvent => e.channel === 'orders' && e.order.id === order.id);
      expect(orderEvents.map((e) => e.event)).toEqual(['accepted', 'filled']);
      expect(orderEvents[1].order.fills?.[0]).toMatchObject({ price: '10.080000', filled_at: '2024-01-02T14:30:02.000Z' });
      // The fill was published after Q3 reached the hub (matching follows the replay, never ahead of it).
      const q3 = seen.findIndex((e) => e.channel === 'quotes' && e.ts === BigInt(Date.parse('2024-01-02T14:30:02Z')) * 1_000_000n);
      expect(seen.indexOf(orderEvents[1])).toBeGreaterThan(q3);

      // POST /orders/match leaves a replayed symbol to the replay, and is the local key's only.
      const refused = await app.inject({ method: 'POST', url: `${P}/orders/match`, headers: { 'x-api-key': key }, payload: {} });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('FORBIDDEN');
      const replayed = await app.inject({ method: 'POST', url: `${P}/orders/match`, headers: { 'x-api-key': LOCAL_KEY }, payload: { symbol: 'qqr' } });
      expect(replayed.statusCode).toBe(400);
      expect(replayed.json().error.message).toMatch(/^QQR is being replayed/);
      const all = await app.inject({ method: 'POST', url: `${P}/orders/match`, headers: { 'x-api-key': LOCAL_KEY } });
      expect(all.statusCode, all.body).toBe(200);
      expect(all.json()).toEqual({ symbols: [], updates: 0, changes: [] });
    } finally {
      matching.stop();
      await app.close();
      await stores.close();
    }
  });

  it('catches up in order when the ledger is slower than the replay, never two batches of a symbol at once', async () => {
    // Two orders placed at Q1's time: a buy limit 10.16 × 30 (Q2's ask 10.15 ≤ 10.16: fills there at 10.15) and
    // a buy limit 10.10 × 30 (Q2's 10.15 is above it; Q3's ask 10.08 fills it, 30 of the 50 offered, at 14:30:02).
    const stores = await openStores(resolveSettings({ home }, {}));
    const hub = new MemoryHub();
    const live = new LiveMarket(stores.market);
    const filled: OrderEvent[] = [];
    hub.subscribe((e) => e.channel === 'orders' && filled.push(e));
    let inFlight = 0;
    let overlapped = false;
    let batches = 0;
    try {
      const ledger = await stores.ledger();
      // A fresh account, so the first test's orders and fills are not in the way.
      await openNewAccount(stores, 'slow');
      const rows = QQR_QUOTES.trim().split('\n').slice(1).map((line, seq) => {
        const [ts, bid, ask, bidSize, askSize] = line.split(',');
        return { ts: BigInt(Date.parse(ts)) * 1_000_000n, seq, values: { bid: Number(bid), ask: Number(ask), bid_size: Number(bidSize), ask_size: Number(askSize) } };
      });
      live.set('quotes', 'QQR', rows[0]);
      const place = (limit: string) => submitOrder({ withLedger: stores.withLedger, market: live }, { account: 'slow', symbol: 'QQR', side: 'buy', quantity: dec('30'), type: 'limit', limitPrice: dec(limit) });
      const first = (await place('10.16')).order;
      const second = (await place('10.10')).order;
      expect([first.status, second.status, first.placed_at]).toEqual(['open', 'open', '2024-01-02T14:30:00.000Z']);

      const slow = async <T>(work: (l: typeof ledger) => Promise<T>): Promise<T> => {
        inFlight++;
        batches++;
        if (inFlight > 1) overlapped = true;
        try {
          await new Promise((r) => setTimeout(r, 30));
          return await stores.withLedger(work);
        } finally {
          inFlight--;
        }
      };
      const matching = startReplayMatching({ hub, symbols: ['QQR'], withLedger: slow });
      // Q2, Q3 and Q4 arrive faster than one ledger batch takes; another symbol's quote is not QQR's business.
      for (const row of rows.slice(1)) {
        live.set('quotes', 'QQR', row);
        hub.publish({ channel: 'quotes', symbol: 'QQR', ...row });
      }
      hub.publish({ channel: 'quotes', symbol: 'OTHER', ...rows[3] });
      await matching.idle();
      matching.stop();

      expect(overlapped).toBe(false);
      expect(batches).toBe(2); // Q2 alone (its drain started at once), then Q3 + Q4 queued meanwhile
      expect(matching.matched('QQR')).toBe(3);
      expect(matching.matched('OTHER')).toBe(0);
      expect(filled.map((e) => [e.event, e.order.id, e.order.fills?.[0]?.price, e.order.fills?.[0]?.filled_at])).toEqual([
        ['filled', first.id, '10.150000', '2024-01-02T14:30:01.000Z'],
        ['filled', second.id, '10.080000', '2024-01-02T14:30:02.000Z'],
      ]);
    } finally {
      await stores.close();
    }
  });
});
