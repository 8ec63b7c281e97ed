/**
 * The WebSocket stream: GET /api/v1/market-data/ws/stream[?encoding=json|msgpack].
 *
 * Client → server (JSON text; with ?encoding=msgpack also msgpack binary frames):
 *   {"action":"subscribe","symbols":["AAPL"],"channels":["trades","quotes","bars:1m","orders"]}   (channels default: trades, quotes, bars:1m)
 *   {"action":"unsubscribe","symbols":["AAPL"],"channels":["trades"]}   (omitted symbols/channels: all of them)
 *   {"action":"ping"}                                                   → {"type":"pong"}
 * Server → client:
 *   {"type":"trade"|"quote"|"bar","channel","symbol","ts","ts_ns","seq",...the row's values,"emitted_ms"}
 *   {"type":"order","channel":"orders","event","account","symbol","ts","ts_ns","order":{…as cift order --json},"emitted_ms"}
 *   {"type":"subscribed"|"unsubscribed","subscriptions":{"trades":[…],"quotes":[…],"bars:1m":[…],"orders":[account]}}
 *   {"type":"pong"} · {"type":"error","code","message"[,"symbols"]} (the connection stays open) · {"type":"dropped","count"}
 * `ts` is ISO-8601 UTC (sub-ms digits when the row has them), `ts_ns` the exact ns as a string, `emitted_ms` the
 * server's wall clock (ms, float) when the event was published, for delivery latency.
 *
 * The `orders` channel needs an API key (X-API-Key, Authorization: Bearer, or ?api_key= for browsers) and carries
 * only that key's account's order events (a local key: every account's); symbols do not filter it.
 *
 * Fan-out: subscribers are indexed by (channel, symbol); each event is turned into a message once, encoded at most
 * once per encoding (lazily), and the same bytes go to every subscriber. A slow consumer never slows the others:
 * past `sendBufferLimit` buffered bytes its messages are dropped and counted (a `dropped` notice follows once it
 * drains); it is closed with 1008 when it stays over the limit longer than `slowGraceMs`, or goes over
 * `hardBufferLimit`. A protocol ping goes out every `pingIntervalMs`; a client that misses two pongs is terminated.
 * app.close() closes every socket with 1001 (going away).
 *
 * This module loads ws (through @fastify/websocket) and @msgpack/msgpack: only the serve path imports it.
 */
import websocket from '@fastify/websocket';
import { Encoder, decode } from '@msgpack/msgpack';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import { isCiftError } from '../errors.js';
import type { EventHub, LiveEvent } from '../live/events.js';
import type { MarketData } from '../market-data.js';
import { normalizeSymbol } from '../schema.js';
import { formatTs } from '../time.js';
import type { KeyIdentity, KeyResolver } from './app.js';
import { presentedKey } from './auth.js';

export const STREAM_CHANNELS = ['trades', 'quotes', 'bars:1m', 'orders'] as const;
export type StreamChannel = (typeof STREAM_CHANNELS)[number];
type MarketChannel = Exclude<StreamChannel, 'orders'>;
const MARKET_CHANNELS: readonly MarketChannel[] = ['trades', 'quotes', 'bars:1m'];
const TYPE_OF: Record<StreamChannel, string> = { trades: 'trade', quotes: 'quote', 'bars:1m': 'bar', orders: 'order' };

export interface StreamOptions {
  /** Buffered bytes past which a client's messages are dropped (default 1 MiB). */
  sendBufferLimit?: number;
  /** Buffered bytes past which a client is closed at once (default 8 × sendBufferLimit). */
  hardBufferLimit?: number;
  /** How long a client may stay over sendBufferLimit before it is closed (ms, default 5000). */
  slowGraceMs?: number;
  /** Protocol ping period (ms, default 15000); two missed pongs → terminated. */
  pingIntervalMs?: number;
  /** How long a closing socket gets to finish the close handshake before it is terminated (ms, default 2000). */
  closeTimeoutMs?: number;
  /** Largest client message (bytes, default 64 KiB); larger → closed with 1009 by ws. */
  maxPayload?: number;
  /** Most symbols one connection may hold per channel (default 2000). */
  maxSymbols?: number;
}

export interface StreamPluginOptions extends StreamOptions {
  events: EventHub;
  /** Decides which symbols exist (UNKNOWN_SYMBOL for the others). */
  market: Pick<MarketData, 'kindsOf'>;
  /** API keys, for the orders channel; absent → the orders channel answers UNAUTHORIZED. */
  keys?: KeyResolver;
}

type Encoding = 'json' | 'msgpack';

interface Client {
  ws: WebSocket;
  encoding: Encoding;
  /** The key's owner; undefined without a (valid) key. */
  identity: KeyIdentity | undefined;
  /** Why there is no identity: no key given, or a key that is unknown or revoked. */
  keyProblem: 'missing' | 'unknown' | undefined;
  subs: Record<StreamChannel, Set<string>>;
  /** Messages dropped since the last `dropped` notice. */
  dropped: number;
  /** Clock ms when the send buffer went over the limit (undefined while under it). */
  overSince: number | undefined;
  missedPongs: number;
  awaitingPong: boolean;
  closing: boolean;
  /** Client messages are handled one after another (subscribe checks symbols asynchronously). */
  queue: Promise<void>;
}

/** One event as sent: the message object and its encodings, each made at most once. */
class Outgoing {
  private json: Buffer | undefined;
  private pack: Uint8Array | undefined;
  constructor(
    private readonly message: Record<string, unknown>,
    private readonly encoder: Encoder,
  ) {}
  bytes(encoding: Encoding): Buffer | Uint8Array {
    if (encoding === 'json') return (this.json ??= Buffer.from(JSON.stringify(this.message)));
    return (this.pack ??= this.encoder.encode(this.message));
  }
}

const wallMs = (): number => performance.timeOrigin + performance.now();

/** The wire message of a live event. */
export function streamMessage(event: LiveEvent, emittedMs: number): Record<string, unknown> {
  const base = { type: TYPE_OF[event.channel], channel: event.channel, symbol: event.symbol, ts: formatTs(event.ts), ts_ns: event.ts.toString() };
  if (event.channel === 'orders') return { ...base, event: event.event, account: event.account, order: event.order, emitted_ms: emittedMs };
  // Bars always carry vwap and trades (null from quotes, as `cift bars`), after open … volume.
  const values = event.channel === 'bars:1m' ? { ...event.values, vwap: event.values.vwap ?? null, trades: event.values.trades ?? null } : event.values;
  return { ...base, seq: event.seq, ...values, emitted_ms: emittedMs };
}

const clientMessage = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ping') }).strict(),
  z
    .object({
      action: z.literal('subscribe'),
      symbols: z.array(z.string().min(1).max(32)).max(10_000).default([]),
      channels: z.array(z.enum(STREAM_CHANNELS)).min(1).default(['trades', 'quotes', 'bars:1m']),
    })
    .strict(),
  z
    .object({
      action: z.literal('unsubscribe'),
      symbols: z.array(z.string().min(1).max(32)).max(10_000).optional(),
      channels: z.array(z.enum(STREAM_CHANNELS)).min(1).optional(),
    })
    .strict(),
]);
type ClientMessage = z.infer<typeof clientMessage>;

/** The key of the trading routes' headers (auth.ts), else `?api_key=`: a browser cannot set headers on a WebSocket. */
const streamKey = (request: FastifyRequest, queryKey: string | undefined): string | undefined => presentedKey(request) ?? (queryKey?.trim() || undefined);

export const streamRoutes: FastifyPluginAsync<StreamPluginOptions> = async (app: FastifyInstance, opts) => {
  const limit = opts.sendBufferLimit ?? 1024 * 1024;
  const hardLimit = opts.hardBufferLimit ?? 8 * limit;
  const grace = opts.slowGraceMs ?? 5000;
  const pingEvery = opts.pingIntervalMs ?? 15_000;
  const closeTimeout = opts.closeTimeoutMs ?? 2000;
  const maxSymbols = opts.maxSymbols ?? 2000;
  const metrics = app.metrics;
  const encoder = new Encoder();
  const clients = new Set<Client>();
  /** (channel, symbol) → subscribers; orders: (orders, account) and (orders, '*') for local keys. */
  const index = new Map<string, Set<Client>>();
  const keyOf = (channel: StreamChannel, symbol: string) => `${channel}\u0000${symbol}`;
  /** Clients over the send-buffer limit, checked by the sweep (never a loop over every client per message). */
  const overLimit = new Set<Client>();
  /** Symbols known to exist (kindsOf answered), so 1,000 clients subscribing to AAPL read the catalog once. */
  const known = new Set<string>();
  const identities = new WeakMap<FastifyRequest, { identity?: KeyIdentity; problem?: 'missing' | 'unknown' }>();

  const sentBy = Object.fromEntries([...STREAM_CHANNELS, 'control'].map((c) => [c, metrics.wsMessagesSent.labels(c)])) as Record<StreamChannel | 'control', { inc(n?: number): void }>;
  const droppedBy = Object.fromEntries(STREAM_CHANNELS.map((c) => [c, metrics.wsMessagesDropped.labels(c)])) as Record<StreamChannel, { inc(n?: number): void }>;

  const rawSend = (client: Client, data: Buffer | Uint8Array) => client.ws.send(data, { binary: client.encoding === 'msgpack' });
  const control = (client: Client, message: Record<string, unknown>) => {
    if (client.closing || client.ws.readyState !== client.ws.OPEN) return;
    rawSend(client, client.encoding === 'json' ? Buffer.from(JSON.stringify(message)) : encoder.encode(message));
    sentBy.control.inc();
  };

  const closeClient = (client: Client, code: number, reason: string, metricReason: string) => {
    if (client.closing) return;
    client.closing = true;
    overLimit.delete(client);
    metrics.wsClosed.inc({ reason: metricReason });
    client.ws.close(code, reason);
    // A client that does not answer the close frame (or cannot read it behind a full buffer) is cut off.
    const timer = setTimeout(() => client.ws.terminate(), closeTimeout);
    timer.unref();
    client.ws.once('close', () => clearTimeout(timer));
  };

  /** After draining below the limit: the notice of what was lost. */
  const drained = (client: Client) => {
    overLimit.delete(client);
    client.overSince = undefined;
    if (client.dropped > 0) {
      const count = client.dropped;
      client.dropped = 0;
      control(client, { type: 'dropped', count });
    }
  };

  /** Sends one event's bytes to one client, or drops them if its buffer is over the limit. True when sent. */
  const deliver = (client: Client, out: Outgoing, channel: StreamChannel): boolean => {
    if (client.closing) return false;
    const buffered = client.ws.bufferedAmount;
    if (buffered > limit) {
      client.dropped++;
      droppedBy[channel].inc();
      if (buffered > hardLimit) closeClient(client, 1008, 'slow consumer: send buffer over the hard limit', 'slow_consumer');
      else if (client.overSince === undefined) {
        client.overSince = performance.now();
        overLimit.add(client);
      } else if (performance.now() - client.overSince > grace) closeClient(client, 1008, 'slow consumer: send buffer over the limit too long', 'slow_consumer');
      return false;
    }
    if (client.overSince !== undefined || client.dropped > 0) drained(client);
    rawSend(client, out.bytes(client.encoding));
    return true;
  };

  const fanOut = (event: LiveEvent) => {
    const channel = event.channel;
    const targets = channel === 'orders' ? [index.get(keyOf('orders', event.account)), index.get(keyOf('orders', '*'))] : [index.get(keyOf(channel, event.symbol))];
    let out: Outgoing | undefined;
    let sent = 0;
    for (const set of targets) {
      if (set === undefined || set.size === 0) continue;
      out ??= new Outgoing(streamMessage(event, wallMs()), encoder);
      for (const client of set) if (deliver(client, out, channel)) sent++;
    }
    if (sent > 0) sentBy[channel].inc(sent);
  };
  const unsubscribeHub = opts.events.subscribe(fanOut);

  const sweep = setInterval(() => {
    const now = performance.now();
    for (const client of overLimit) {
      if (client.closing) overLimit.delete(client);
      else if (client.ws.bufferedAmount <= limit) drained(client);
      else if (client.ws.bufferedAmount > hardLimit) closeClient(client, 1008, 'slow consumer: send buffer over the hard limit', 'slow_consumer');
      else if (now - client.overSince! > grace) closeClient(client, 1008, 'slow consumer: send buffer over the limit too long', 'slow_consumer');
    }
  }, Math.max(10, Math.min(1000, Math.floor(grace / 2))));
  sweep.unref();

  const pinger = setInterval(() => {
    for (const client of clients) {
      if (client.closing) continue;
      if (client.awaitingPong && ++client.missedPongs >= 2) {
        client.closing = true;
        metrics.wsClosed.inc({ reason: 'missed_pings' });
        client.ws.terminate();
        continue;
      }
      client.awaitingPong = true;
      client.ws.ping();
    }
  }, pingEvery);
  pinger.unref();

  const subscriptions = (client: Client) => Object.fromEntries(STREAM_CHANNELS.map((c) => [c, [...client.subs[c]].sort()]));

  const add = (client: Client, channel: StreamChannel, symbol: string) => {
    client.subs[channel].add(symbol);
    const key = keyOf(channel, symbol);
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(client);
  };
  const remove = (client: Client, channel: StreamChannel, symbol: string) => {
    client.subs[channel].delete(symbol);
    const key = keyOf(channel, symbol);
    const set = index.get(key);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) index.delete(key);
  };

  /** Normalised symbols, and the ones that are not symbols or have no data. */
  const checkSymbols = async (texts: string[]): Promise<{ ok: string[]; unknown: string[] }> => {
    const ok: string[] = [];
    const unknown: string[] = [];
    for (const text of new Set(texts)) {
      let symbol: string;
      try {
        symbol = normalizeSymbol(text);
      } catch {
        unknown.push(text);
        continue;
      }
      if (!known.has(symbol)) {
        try {
          await opts.market.kindsOf(symbol);
          known.add(symbol);
        } catch (e) {
          if (!isCiftError(e)) throw e;
          unknown.push(symbol);
          continue;
        }
      }
      ok.push(symbol);
    }
    return { ok, unknown };
  };

  const handle = async (client: Client, msg: ClientMessage): Promise<void> => {
    if (msg.action === 'ping') return control(client, { type: 'pong' });
    if (msg.action === 'subscribe') {
      const market = msg.channels.filter((c): c is MarketChannel => c !== 'orders');
      if (msg.channels.includes('orders')) {
        if (client.identity === undefined) {
          control(client, {
            type: 'error',
            code: 'UNAUTHORIZED',
            message:
              client.keyProblem === 'unknown'
                ? 'the orders channel: the API key is unknown or revoked'
                : 'the orders channel needs an API key: send X-API-Key or Authorization: Bearer on the upgrade request, or ?api_key=',
            channel: 'orders',
          });
        } else add(client, 'orders', client.identity.local ? '*' : client.identity.account);
      }
      if (market.length > 0) {
        if (msg.symbols.length === 0) {
          control(client, { type: 'error', code: 'INPUT_INVALID', message: `symbols: give at least one symbol for ${market.join(', ')}` });
        } else {
          const { ok, unknown } = await checkSymbols(msg.symbols);
          if (client.closing) return;
          if (unknown.length > 0) control(client, { type: 'error', code: 'UNKNOWN_SYMBOL', message: `no data for symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, symbols: unknown });
          for (const channel of market) {
            const room = maxSymbols - client.subs[channel].size;
            const fresh = ok.filter((s) => !client.subs[channel].has(s));
            if (fresh.length > room) {
              control(client, { type: 'error', code: 'INPUT_INVALID', message: `${channel}: at most ${maxSymbols} symbols per connection; ${fresh.length - Math.max(0, room)} not subscribed`, symbols: fresh.slice(Math.max(0, room)) });
            }
            for (const s of fresh.slice(0, Math.max(0, room))) add(client, channel, s);
          }
        }
      }
      return control(client, { type: 'subscribed', subscriptions: subscriptions(client) });
    }
    // unsubscribe: the named (or all) channels, the named (or all) symbols; unknown names are simply not held.
    const channels = msg.channels ?? STREAM_CHANNELS;
    for (const channel of channels) {
      const held = [...client.subs[channel]];
      const names = msg.symbols === undefined || channel === 'orders' ? held : msg.symbols.map((s) => s.trim().toUpperCase());
      for (const s of names) if (client.subs[channel].has(s)) remove(client, channel, s);
    }
    control(client, { type: 'unsubscribed', subscriptions: subscriptions(client) });
  };

  const parse = (client: Client, data: RawData, isBinary: boolean): unknown => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary && client.encoding === 'msgpack') return decode(bytes);
    return JSON.parse(bytes.toString('utf8'));
  };

  /** Client messages are answered in the order they came, errors included (a subscribe may wait on the catalog). */
  const onMessage = (client: Client, data: RawData, isBinary: boolean) => {
    client.queue = client.queue.then(() => onMessageInOrder(client, data, isBinary));
  };

  const onMessageInOrder = async (client: Client, data: RawData, isBinary: boolean): Promise<void> => {
    let msg: ClientMessage;
    try {
      const raw = parse(client, data, isBinary);
      const checked = clientMessage.safeParse(raw);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
        const action = (raw as { action?: unknown } | null)?.action;
        const hint = issue.path[0] === 'action' || action === undefined ? ' (actions: subscribe, unsubscribe, ping)' : '';
        return control(client, { type: 'error', code: 'INPUT_INVALID', message: `${where}${issue.message}${hint}` });
      }
      msg = checked.data;
    } catch {
      return control(client, {
        type: 'error',
        code: 'INPUT_INVALID',
        message: client.encoding === 'msgpack' ? 'not a JSON text or MessagePack message' : 'not a JSON message, e.g. {"action":"subscribe","symbols":["AAPL"],"channels":["trades"]}',
      });
    }
    try {
      await handle(client, msg);
    } catch (e) {
      app.log.error({ err: e }, 'websocket message failed');
      control(client, { type: 'error', code: 'INTERNAL', message: 'the server could not handle this message' });
    }
  };

  await app.register(websocket, { options: { maxPayload: opts.maxPayload ?? 64 * 1024 }, preClose: async () => undefined });

  // Shutdown: no more events, every socket closed with 1001; those that do not answer are cut off after closeTimeout.
  app.addHook('preClose', async () => {
    clearInterval(pinger);
    clearInterval(sweep);
    unsubscribeHub();
    const open = [...clients].filter((c) => c.ws.readyState === c.ws.OPEN || c.ws.readyState === c.ws.CONNECTING);
    await Promise.all(
      open.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.ws.readyState === client.ws.CLOSED) return resolve();
            client.ws.once('close', () => resolve());
            // One already being closed (a slow consumer) finishes that close.
            closeClient(client, 1001, 'server shutting down', 'shutdown');
          }),
      ),
    );
  });

  const querySchema = z
    .object({
      encoding: z.enum(['json', 'msgpack']).default('json').describe('json text frames (default) or msgpack binary frames'),
      api_key: z.string().max(512).optional().describe('API key for the orders channel, for browsers that cannot set headers'),
    })
    .strict();

  app.get(
    '/ws/stream',
    {
      websocket: true,
      schema: { querystring: querySchema, hide: true },
      // The key is resolved before the upgrade, so the connection knows its account from the first message.
      preHandler: async (request) => {
        const key = streamKey(request, (request.query as { api_key?: string }).api_key);
        if (key === undefined) identities.set(request, { problem: 'missing' });
        else {
          const identity = opts.keys ? await opts.keys.resolve(key) : undefined;
          identities.set(request, identity ? { identity } : { problem: 'unknown' });
        }
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const query = request.query as { encoding?: Encoding };
      const who = identities.get(request) ?? { problem: 'missing' as const };
      const client: Client = {
        ws: socket,
        encoding: query.encoding === 'msgpack' ? 'msgpack' : 'json',
        identity: who.identity,
        keyProblem: who.problem,
        subs: { trades: new Set(), quotes: new Set(), 'bars:1m': new Set(), orders: new Set() },
        dropped: 0,
        overSince: undefined,
        missedPongs: 0,
        awaitingPong: false,
        closing: false,
        queue: Promise.resolve(),
      };
      clients.add(client);
      metrics.wsConnections.inc();
      socket.on('message', (data, isBinary) => onMessage(client, data, isBinary));
      socket.on('pong', () => {
        client.awaitingPong = false;
        client.missedPongs = 0;
      });
      socket.on('close', () => {
        clients.delete(client);
        overLimit.delete(client);
        metrics.wsConnections.dec();
        client.closing = true;
        for (const channel of STREAM_CHANNELS) for (const s of [...client.subs[channel]]) remove(client, channel, s);
      });
    },
  );
};

export { MARKET_CHANNELS };
