/**
 * The WebSocket stream over a real listen (port 0) with `ws` clients: subscribe, replayed trades in order from a
 * small stored fixture (ingested with the real CLI), msgpack, unsubscribe, errors without closing, ping/pong,
 * slow consumers, shutdown with 1001, and the orders channel with API keys.
 *
 * Fixture (ZZT; T = 2024-01-02T14:30:00Z = 1704205800 s):
 *   trades  T+5s 10×100 (seq 0) · T+5s 10.5×50 (seq 1) · T+40s 11×10 (seq 2) · T+70s 10.75×20 (seq 3)
 *   quotes  T+0s 9.9/10.1 (seq 0) · T+60s 10.6/10.8 (seq 1)
 * and ZZU with one trade, which a ZZT subscriber must never see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import WebSocket from 'ws';
import { decode, encode } from '@msgpack/msgpack';
import { buildApp, type ApiServices, type KeyIdentity } from '../../src/api/app.js';
import { installMetrics } from '../../src/api/routes/metrics.js';
import { streamMessage, streamRoutes, type StreamOptions } from '../../src/api/stream.js';
import { resolveSettings } from '../../src/config.js';
import { MemoryHub, type MarketEvent, type OrderEvent } from '../../src/live/events.js';
import { startReplay } from '../../src/live/replay.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars } from '../../src/polars.js';
import type { OrderJson } from '../../src/usecases/views.js';
import { cift, tempDir, writeText } from '../helpers.js';

const TRADES_CSV = `ts,price,size
2024-01-02T14:30:05Z,10,100
2024-01-02T14:30:05Z,10.5,50
2024-01-02T14:30:40Z,11,10
2024-01-02T14:31:10Z,10.75,20
`;
const QUOTES_CSV = `ts,bid,ask,bid_size,ask_size
2024-01-02T14:30:00Z,9.9,10.1,1,2
2024-01-02T14:31:00Z,10.6,10.8,3,4
`;
const OTHER_CSV = `ts,price,size
2024-01-02T14:30:30Z,99,1
`;

const T = 1_704_205_800_000_000_000n;
const S = 1_000_000_000n;
const polars = await loadPolars();
const tmp = tempDir('cift-stream-');
const home = `${tmp.dir}/home`;
let services: ApiServices;

async function servicesFor(): Promise<ApiServices> {
  const settings = resolveSettings({ home });
  return { version: '9.9.9-test', polars, market: await MarketData.open(settings), marketFor: (source) => MarketData.open(settings, { source }) };
}

/** A listening app; closed by the test (or afterAll). */
async function listening(stream: StreamOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(services, { stream });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  opened.push(app);
  return { app, url: `${address.replace('http', 'ws')}/api/v1/market-data/ws/stream` };
}
const opened: FastifyInstance[] = [];

type Msg = Record<string, any>;

/** A ws client that queues what it receives; next() takes the next message in order. */
class Client {
  readonly messages: Msg[] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  pings = 0;

  constructor(
    readonly ws: WebSocket,
    readonly binary: boolean,
  ) {
    ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? (decode(data as Buffer) as Msg) : JSON.parse(String(data)));
      this.waiter?.();
    });
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(url, opts);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws, url.includes('encoding=msgpack'));
  }

  send(message: unknown, asMsgpack = false): void {
    this.ws.send(asMsgpack ? encode(message) : JSON.stringify(message));
  }

  async next(): Promise<Msg> {
    while (this.messages.length === 0) await new Promise<void>((resolve) => (this.waiter = resolve));
    return this.messages.shift()!;
  }

  /** Sends and returns the next message (the answer, when nothing else is queued). */
  async ask(message: unknown, asMsgpack = false): Promise<Msg> {
    this.send(message, asMsgpack);
    return this.next();
  }

  /** Everything received up to the answer of an app-level ping (which the server sends after what it sent before). */
  async drain(): Promise<Msg[]> {
    this.send({ action: 'ping' });
    const out: Msg[] = [];
    for (let m = await this.next(); m.type !== 'pong'; m = await this.next()) out.push(m);
    return out;
  }
}

const counter = async (app: FastifyInstance, name: 'wsMessagesDropped' | 'wsClosed' | 'wsMessagesSent', labels: Record<string, string>): Promise<number> => {
  const got = await app.metrics[name].get();
  return got.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
};

beforeAll(async () => {
  mkdirSync(home);
  expect(cift(['ingest', writeText(tmp.dir, 'trades.csv', TRADES_CSV), '--symbol', 'ZZT'], { home }).status).toBe(0);
  expect(cift(['ingest', writeText(tmp.dir, 'quotes.csv', QUOTES_CSV), '--symbol', 'ZZT'], { home }).status).toBe(0);
  expect(cift(['ingest', writeText(tmp.dir, 'other.csv', OTHER_CSV), '--symbol', 'ZZU'], { home }).status).toBe(0);
  services = await servicesFor();
});

afterAll(async () => {
  for (const app of opened) await app.close();
  tmp.cleanup();
});

const replay = async (app: FastifyInstance, symbols = ['ZZT', 'ZZU']) => (await startReplay(polars, services.market, { symbols, speed: 'max', hub: app.events })).done;

describe('subscribe and receive a replay', () => {
  it('JSON: the subscribed trades and bars of ZZT, in order, with every field; nothing else', async () => {
    const { app, url } = await listening();
    const c = await Client.open(url);
    const ack = await c.ask({ action: 'subscribe', symbols: ['zzt'], channels: ['trades', 'bars:1m'] });
    expect(ack).toEqual({ type: 'subscribed', subscriptions: { trades: ['ZZT'], quotes: [], 'bars:1m': ['ZZT'], orders: [] } });
    await replay(app);
    const got = await c.drain();
    const stamp = (m: Msg) => {
      expect(typeof m.emitted_ms).toBe('number');
      expect(m.emitted_ms).toBeGreaterThan(1.7e12);
      const { emitted_ms: _, ...rest } = m;
      return rest;
    };
    const trade = (s: number, seq: number, price: number, size: number) => ({
      type: 'trade',
      channel: 'trades',
      symbol: 'ZZT',
      ts: new Date(Number((T + BigInt(s) * S) / 1_000_000n)).toISOString(),
      ts_ns: (T + BigInt(s) * S).toString(),
      seq,
      price,
      size,
      side: 0,
    });
    const bar = (s: number, seq: number, v: Record<string, number>) => ({
      type: 'bar',
      channel: 'bars:1m',
      symbol: 'ZZT',
      ts: new Date(Number((T + BigInt(s) * S) / 1_000_000n)).toISOString(),
      ts_ns: (T + BigInt(s) * S).toString(),
      seq,
      ...v,
    });
    expect(got.map(stamp)).toEqual([
      trade(5, 0, 10, 100),
      trade(5, 1, 10.5, 50),
      trade(40, 2, 11, 10),
      // 14:30 closes when the replay reaches the 14:31:00 quote: (10·100 + 10.5·50 + 11·10) / 160 = 1635 / 160.
      bar(0, 0, { open: 10, high: 11, low: 10, close: 11, volume: 160, vwap: 10.21875, trades: 3 }),
      trade(70, 3, 10.75, 20),
      bar(60, 1, { open: 10.75, high: 10.75, low: 10.75, close: 10.75, volume: 20, vwap: 10.75, trades: 1 }),
    ]);
    expect(got[0].ts).toBe('2024-01-02T14:30:05.000Z');
    expect(Object.keys(got[3])).toEqual(['type', 'channel', 'symbol', 'ts', 'ts_ns', 'seq', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades', 'emitted_ms']);
    expect(await counter(app, 'wsMessagesSent', { channel: 'trades' })).toBe(4);
    expect(await counter(app, 'wsMessagesSent', { channel: 'bars:1m' })).toBe(2);
    c.ws.close();
  });

  it('msgpack: binary frames that decode to the same messages as the JSON client gets (subscribe sent as msgpack or JSON)', async () => {
    const { app, url } = await listening();
    const json = await Client.open(url);
    const packed = await Client.open(`${url}?encoding=msgpack`);
    const packed2 = await Client.open(`${url}?encoding=msgpack`);
    await json.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades', 'quotes'] });
    expect(await packed.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades', 'quotes'] }, true)).toMatchObject({ type: 'subscribed' });
    expect(await packed2.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades', 'quotes'] })).toMatchObject({ type: 'subscribed' });
    const frames: boolean[] = [];
    packed.ws.on('message', (_d, isBinary) => frames.push(isBinary));
    await replay(app);
    const [a, b, b2] = [await json.drain(), await packed.drain(), await packed2.drain()];
    expect(a.map((m) => `${m.type} ${m.seq}`)).toEqual(['quote 0', 'trade 0', 'trade 1', 'trade 2', 'quote 1', 'trade 3']);
    expect(a[0]).toMatchObject({ bid: 9.9, ask: 10.1, bid_size: 1, ask_size: 2 });
    expect(b).toEqual(a);
    expect(b2).toEqual(a);
    expect(frames.slice(0, 6)).toEqual([true, true, true, true, true, true]);
    for (const c of [json, packed, packed2]) c.ws.close();
  });

  it('unsubscribe stops the channel; the others keep coming', async () => {
    const { app, url } = await listening();
    const c = await Client.open(url);
    await c.ask({ action: 'subscribe', symbols: ['ZZT', 'ZZU'], channels: ['trades', 'quotes'] });
    const trade = (symbol: string, seq: number): MarketEvent => ({ channel: 'trades', symbol, ts: T + BigInt(seq) * S, seq, values: { price: 1, size: 1, side: 0 } });
    app.events.publish(trade('ZZT', 0));
    expect(await c.next()).toMatchObject({ type: 'trade', symbol: 'ZZT', seq: 0 });
    expect(await c.ask({ action: 'unsubscribe', symbols: ['ZZT'], channels: ['trades'] })).toEqual({
      type: 'unsubscribed',
      subscriptions: { trades: ['ZZU'], quotes: ['ZZT', 'ZZU'], 'bars:1m': [], orders: [] },
    });
    app.events.publish(trade('ZZT', 1));
    app.events.publish(trade('ZZU', 2));
    expect((await c.drain()).map((m) => `${m.symbol} ${m.seq}`)).toEqual(['ZZU 2']);
    expect(await c.ask({ action: 'unsubscribe' })).toEqual({ type: 'unsubscribed', subscriptions: { trades: [], quotes: [], 'bars:1m': [], orders: [] } });
    app.events.publish(trade('ZZU', 3));
    expect(await c.drain()).toEqual([]);
    c.ws.close();
  });
});

describe('streamMessage', () => {
  it('a bar from quotes carries vwap and trades as null; ts keeps its ns digits', () => {
    const m = streamMessage({ channel: 'bars:1m', symbol: 'ZZQ', ts: T + 1n, seq: 4, values: { open: 1, high: 2, low: 0.5, close: 1.5, volume: 0 } }, 12.5);
    expect(m).toEqual({ type: 'bar', channel: 'bars:1m', symbol: 'ZZQ', ts: '2024-01-02T14:30:00.000000001Z', ts_ns: '1704205800000000001', seq: 4, open: 1, high: 2, low: 0.5, close: 1.5, volume: 0, vwap: null, trades: null, emitted_ms: 12.5 });
  });
});

describe('client errors do not close the connection', () => {
  it('answers each bad message with an error and keeps serving', async () => {
    const { url } = await listening();
    const c = await Client.open(url);
    c.ws.send('not json{');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'INPUT_INVALID', message: expect.stringMatching(/not a JSON message/) });
    c.ws.send('{"oops"');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'INPUT_INVALID' });
    expect(await c.ask({ action: 'dance' })).toMatchObject({ type: 'error', code: 'INPUT_INVALID', message: expect.stringMatching(/subscribe, unsubscribe, ping/) });
    expect(await c.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades', 'level2'] })).toMatchObject({ type: 'error', code: 'INPUT_INVALID', message: expect.stringMatching(/^channels\.1: /) });
    expect(await c.ask({ action: 'subscribe', symbols: 'ZZT' })).toMatchObject({ type: 'error', code: 'INPUT_INVALID', message: expect.stringMatching(/^symbols: /) });
    expect(await c.ask({ action: 'subscribe', symbols: ['ZZT'], extra: 1 })).toMatchObject({ type: 'error', code: 'INPUT_INVALID' });
    expect(await c.ask({ action: 'subscribe', channels: ['trades'] })).toMatchObject({ type: 'error', code: 'INPUT_INVALID', message: expect.stringMatching(/at least one symbol/) });
    expect(await c.next()).toMatchObject({ type: 'subscribed' });
    // Unknown symbols are named; the known one is still subscribed.
    c.send({ action: 'subscribe', symbols: ['NOPE', 'ZZT', 'BAD SYMBOL!'], channels: ['trades'] });
    expect(await c.next()).toEqual({ type: 'error', code: 'UNKNOWN_SYMBOL', message: 'no data for symbols NOPE, BAD SYMBOL!', symbols: ['NOPE', 'BAD SYMBOL!'] });
    expect(await c.next()).toEqual({ type: 'subscribed', subscriptions: { trades: ['ZZT'], quotes: [], 'bars:1m': [], orders: [] } });
    expect(await c.ask({ action: 'ping' })).toEqual({ type: 'pong' });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  it('answers in the order the messages came, even when a subscribe waits on the catalog', async () => {
    const { url } = await listening();
    const c = await Client.open(url);
    c.send({ action: 'subscribe', symbols: ['ZZU', 'NEVER1'], channels: ['quotes'] });
    c.ws.send('garbage');
    c.send({ action: 'ping' });
    expect((await c.next()).code).toBe('UNKNOWN_SYMBOL');
    expect((await c.next()).type).toBe('subscribed');
    expect((await c.next()).code).toBe('INPUT_INVALID');
    expect(await c.next()).toEqual({ type: 'pong' });
    c.ws.close();
  });

  it('refuses an unknown encoding before the upgrade (400)', async () => {
    const { url } = await listening();
    const ws = new WebSocket(`${url}?encoding=xml`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(400);
  });
});

describe('ping', () => {
  it('a client answering protocol pings stays; one that does not is terminated after two missed pongs', async () => {
    const { app, url } = await listening({ pingIntervalMs: 200 });
    const good = await Client.open(url);
    const mute = await Client.open(url, { autoPong: false });
    const closed = await mute.closed;
    // terminate(): no close frame reaches the client.
    expect(closed.code).toBe(1006);
    // Both were pinged (how many pings each has read by now depends on scheduling, so only ≥ 1 is certain).
    expect(mute.pings).toBeGreaterThanOrEqual(1);
    expect(good.pings).toBeGreaterThanOrEqual(1);
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
    expect(await good.ask({ action: 'ping' })).toEqual({ type: 'pong' });
    expect(await counter(app, 'wsClosed', { reason: 'missed_pings' })).toBe(1);
    good.ws.close();
  });
});

describe('slow consumers', () => {
  const trade = (seq: number): MarketEvent => ({ channel: 'trades', symbol: 'ZZT', ts: T + BigInt(seq), seq, values: { price: 10 + (seq % 100) / 100, size: 100, side: 1 } });

  /** Publishes batches (letting sockets write in between) until `enough()` or a cap; returns how many went out. */
  async function publishUntil(app: FastifyInstance, enough: () => Promise<boolean>, start = 0): Promise<number> {
    let seq = start;
    while (!(await enough())) {
      if (seq - start > 2_000_000) throw new Error('the slow client never went over the limit');
      for (let i = 0; i < 2000; i++) app.events.publish(trade(seq++));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return seq - start;
  }

  it('a paused client is dropped, counted and closed (1008) while a reading one gets every message', async () => {
    const { app, url } = await listening({ sendBufferLimit: 64 * 1024, slowGraceMs: 30, closeTimeoutMs: 60_000 });
    const fast = await Client.open(url);
    const slow = await Client.open(url);
    await fast.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades'] });
    await slow.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades'] });
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let slowSeen = 0;
    slow.ws.on('message', () => slowSeen++);
    const published = await publishUntil(app, async () => (await counter(app, 'wsClosed', { reason: 'slow_consumer' })) > 0);
    const dropped = await counter(app, 'wsMessagesDropped', { channel: 'trades' });
    expect(dropped).toBeGreaterThan(0);
    // The reading client got every message, in order.
    const got = (await fast.drain()).map((m) => m.seq);
    expect(got).toHaveLength(published);
    expect(got.every((s, i) => s === i)).toBe(true);
    // The slow one, once it reads again, finds what was buffered and then the close frame.
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/slow consumer/);
    // Every message sent to it arrived; with the dropped ones (and none once it was closing) they make at most all.
    const sent = await counter(app, 'wsMessagesSent', { channel: 'trades' });
    expect(slowSeen).toBe(sent - published);
    expect(slowSeen + dropped).toBeLessThanOrEqual(published);
    expect(slowSeen).toBeLessThan(published);
    fast.ws.close();
  });

  it('a client that catches up gets a dropped notice with the count, then the stream again', async () => {
    const { app, url } = await listening({ sendBufferLimit: 64 * 1024, slowGraceMs: 3_600_000 });
    const slow = await Client.open(url);
    await slow.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades'] });
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const published = await publishUntil(app, async () => (await counter(app, 'wsMessagesDropped', { channel: 'trades' })) > 0);
    const dropped = await counter(app, 'wsMessagesDropped', { channel: 'trades' });
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const got = await slow.drain();
    // Either the sweep noticed the drain or the next message did: the notice comes after what was buffered.
    app.events.publish(trade(published));
    const after = [...got, ...(await slow.drain())];
    const trades = after.filter((m) => m.type === 'trade');
    const notices = after.filter((m) => m.type === 'dropped');
    expect(notices).toEqual([{ type: 'dropped', count: dropped }]);
    expect(trades).toHaveLength(published - dropped + 1);
    expect(trades[trades.length - 1].seq).toBe(published);
    expect(after.indexOf(notices[0])).toBeLessThan(after.length - 1);
    expect(slow.ws.readyState).toBe(WebSocket.OPEN);
    slow.ws.close();
  });
});

describe('shutdown', () => {
  it('app.close() closes every socket with 1001', async () => {
    const { app, url } = await listening();
    const a = await Client.open(url);
    const b = await Client.open(`${url}?encoding=msgpack`);
    await a.ask({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades'] });
    await app.close();
    expect(await a.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect((await b.closed).code).toBe(1001);
    expect(await counter(app, 'wsClosed', { reason: 'shutdown' })).toBe(2);
  });
});

describe('keys stay out of logs', () => {
  it('a ?api_key= in the upgrade URL is logged redacted', async () => {
    const { Writable } = await import('node:stream');
    let log = '';
    const stream = new Writable({ write: (chunk, _enc, done) => void ((log += String(chunk)), done()) });
    const app = await buildApp(services, { logger: { level: 'info', stream } });
    opened.push(app);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const c = await Client.open(`${address.replace('http', 'ws')}/api/v1/market-data/ws/stream?api_key=SECRET-KEY-123`);
    expect(await c.ask({ action: 'ping' })).toEqual({ type: 'pong' });
    await fetch(`${address}/api/v1/market-data/quote/ZZT?api_key=SECRET-KEY-123`);
    c.ws.close();
    await c.closed;
    expect(log).toContain('/api/v1/market-data/ws/stream?api_key=[redacted]');
    expect(log).toContain('/api/v1/market-data/quote/ZZT?api_key=[redacted]');
    expect(log).not.toContain('SECRET-KEY-123');
  });
});

describe('the orders channel', () => {
  const KEYS: Record<string, KeyIdentity> = {
    'key-alice': { keyId: 'k1', account: 'alice', local: false },
    'key-bob': { keyId: 'k2', account: 'bob', local: false },
    'key-local': { keyId: 'local', account: 'paper', local: true },
  };
  let app: FastifyInstance;
  let hub: MemoryHub;
  let url: string;

  beforeAll(async () => {
    // The stream plugin on its own, with a key resolver of the test's (the trading services are another part's).
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installMetrics(app);
    hub = new MemoryHub();
    await app.register(streamRoutes, { prefix: '/api/v1/market-data', events: hub, market: services.market, keys: { resolve: async (k) => KEYS[k] } });
    url = `${(await app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/api/v1/market-data/ws/stream`;
  });
  afterAll(async () => app?.close());

  const order = (account: string, id: string): OrderEvent => ({
    channel: 'orders',
    account,
    symbol: 'ZZT',
    ts: T,
    event: 'filled',
    order: { id, client_order_id: `c-${id}`, account, symbol: 'ZZT', side: 'buy', type: 'market', quantity: '10', status: 'filled', reject_codes: [], reject_reason: null, created_at: '2024-01-02T14:30:00.000Z', fill: null, filled_quantity: '10', filled_avg_price: '10.1' } as OrderJson,
  });

  it("each key's client gets only its account's order events; a local key gets all", async () => {
    const alice = await Client.open(url, { headers: { 'x-api-key': 'key-alice' } });
    const bob = await Client.open(url, { headers: { authorization: 'Bearer key-bob' } });
    const browser = await Client.open(`${url}?api_key=key-alice&encoding=msgpack`);
    const local = await Client.open(url, { headers: { 'x-api-key': 'key-local' } });
    expect(await alice.ask({ action: 'subscribe', channels: ['orders'] })).toEqual({ type: 'subscribed', subscriptions: { trades: [], quotes: [], 'bars:1m': [], orders: ['alice'] } });
    expect((await bob.ask({ action: 'subscribe', channels: ['orders'] })).subscriptions.orders).toEqual(['bob']);
    expect((await browser.ask({ action: 'subscribe', channels: ['orders'] })).subscriptions.orders).toEqual(['alice']);
    expect((await local.ask({ action: 'subscribe', channels: ['orders'] })).subscriptions.orders).toEqual(['*']);
    hub.publish(order('alice', 'o1'));
    hub.publish(order('bob', 'o2'));
    hub.publish(order('carol', 'o3'));
    const ids = async (c: Client) => (await c.drain()).map((m) => `${m.type} ${m.event} ${m.account} ${m.order.id}`);
    expect(await ids(alice)).toEqual(['order filled alice o1']);
    expect(await ids(bob)).toEqual(['order filled bob o2']);
    expect(await ids(browser)).toEqual(['order filled alice o1']);
    expect(await ids(local)).toEqual(['order filled alice o1', 'order filled bob o2', 'order filled carol o3']);
    for (const c of [alice, bob, browser, local]) c.ws.close();
  });

  it('without a key (or with a bad one) the orders channel is refused, the rest still subscribed', async () => {
    const anon = await Client.open(url);
    anon.send({ action: 'subscribe', symbols: ['ZZT'], channels: ['trades', 'orders'] });
    expect(await anon.next()).toMatchObject({ type: 'error', code: 'UNAUTHORIZED', channel: 'orders', message: expect.stringMatching(/needs an API key/) });
    expect(await anon.next()).toEqual({ type: 'subscribed', subscriptions: { trades: ['ZZT'], quotes: [], 'bars:1m': [], orders: [] } });
    const wrong = await Client.open(url, { headers: { 'x-api-key': 'key-mallory' } });
    wrong.send({ action: 'subscribe', channels: ['orders'] });
    expect(await wrong.next()).toMatchObject({ type: 'error', code: 'UNAUTHORIZED', message: expect.stringMatching(/unknown or revoked/) });
    expect(await wrong.next()).toMatchObject({ type: 'subscribed', subscriptions: { orders: [] } });
    hub.publish(order('alice', 'o4'));
    expect(await anon.drain()).toEqual([]);
    expect(await wrong.drain()).toEqual([]);
    anon.ws.close();
    wrong.ws.close();
  });
});
