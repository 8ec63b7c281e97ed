/**
 * The HTTP front door: `buildApp(services)` assembles routes, validation, docs and metrics over services the
 * caller opened, and never listens (commands/serve.ts does; tests use app.inject()). Every route calls the same
 * core functions the CLI calls, so the two front doors cannot disagree.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { MarketData, DataOrigin } from '../market-data.js';
import type { Polars } from '../polars.js';
import { MemoryHub, type EventHub } from '../live/events.js';
import type { LedgerStores } from '../usecases/stores.js';
import type { TradingStores } from '../usecases/orders.js';
import { installErrorHandlers } from './errors.js';
import { healthRoutes, type ReadyProbe } from './routes/health.js';
import { marketDataRoutes } from './routes/market-data.js';
import { tradingRoutes } from './routes/trading.js';
import { installMetrics } from './routes/metrics.js';
import { streamRoutes, type StreamOptions } from './stream.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Live events (replayed rows, order events): services.events, or a MemoryHub of the app's own. */
    events: EventHub;
  }
}

/** Who an API key belongs to. The local key (0600 file under $CIFT_HOME, for `cift order` forwarding) may act for any account. */
export interface KeyIdentity {
  keyId: string;
  account: string;
  local: boolean;
}

export interface KeyResolver {
  /** The identity of a presented key, or undefined when it is unknown or revoked (hash lookup + constant-time compare). */
  resolve(presented: string): Promise<KeyIdentity | undefined>;
}

/** Paper trading over the server's ledger: the trading routes and the `orders` channel exist only when given. */
export interface TradingServices {
  /** The server's ledger, held open from ledger() until the app closes. */
  stores: LedgerStores;
  /** Prices orders fill at and portfolios are marked to (a LiveMarket while replaying). */
  market: TradingStores['market'];
  keys: KeyResolver;
  /** Requests per key per window on the trading routes (default 50 per 1000 ms); false turns it off. The local key is never limited. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /**
   * Symbols a replay is moving (`cift serve --replay`): their resting orders are matched as the replay publishes
   * (src/live/replay-matching.ts), so `POST /orders/match` leaves them alone (the stored data ahead of the replay
   * is their future). Live: the server empties it when the replay ends.
   */
  replaying?: ReadonlySet<string>;
}

export interface ApiServices {
  version: string;
  polars: Polars;
  /** Market data as the CLI sees it by default (stored data wins, else shipped). */
  market: MarketData;
  /** Latest prices the quote routes answer with (a LiveMarket while replaying); default `market`. */
  prices?: Pick<MarketData, 'latest' | 'kindsOf'>;
  /** Market data of one origin, for `?source=stored|shipped` (the CLI's --source). */
  marketFor: (origin: DataOrigin) => Promise<MarketData>;
  /** Extra readiness checks by part name (e.g. ledger); the tick store is always checked. */
  probes?: Record<string, ReadyProbe>;
  /** Paper trading; absent → market data only. */
  trading?: TradingServices;
  /** Live events for the WebSocket stream (replayed rows, order events); absent → the app makes its own MemoryHub. */
  events?: EventHub;
  /** Where temporary download files go (parquet history); default the OS temp folder. */
  tempDir?: string;
  /** Closes what the caller opened for the app (stores); run by app.close() after in-flight requests finish. */
  close?: () => Promise<void>;
}

export interface AppOptions {
  /** Fastify's logger (pino): off by default so tests and embedding stay quiet. */
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Origins allowed to call the API from a browser (`*` for any); none by default. */
  corsOrigins?: string[];
  /** Largest request body accepted (bytes); larger → 413. */
  bodyLimit?: number;
  /** WebSocket stream limits (send-buffer limit, slow-consumer grace, ping period); defaults in src/api/stream.ts. */
  stream?: StreamOptions;
}

export const API_PREFIX = '/api/v1';

/**
 * Minimal CORS for a browser dashboard: echo an allowed Origin and answer preflights. Read-only routes only, so
 * no credentials are allowed.
 */
function installCors(app: FastifyInstance, origins: string[]): void {
  const any = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !(any || origins.includes(origin))) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    if (!any) reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? 'content-type');
      reply.header('access-control-max-age', '600');
      return reply.status(204).send();
    }
  });
}

/** `?api_key=` (the WebSocket stream's key for browsers) never reaches a log line: request URLs are logged without it. */
export const redactUrl = (url: string): string => url.replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]');

/** Headers that carry API keys: never written to the log, whatever serializers a logger adds. */
const REDACTED_HEADERS = ['req.headers["x-api-key"]', 'req.headers.authorization', 'request.headers["x-api-key"]', 'request.headers.authorization'];

/** The logger with API keys kept out of it: key headers redacted, `?api_key=` cut from logged URLs. */
function withRedaction(logger: AppOptions['logger']) {
  if (logger === false || logger === undefined) return false;
  const serializers = {
    req: (req: { method?: string; url?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
      method: req.method,
      url: req.url === undefined ? undefined : redactUrl(req.url),
      host: req.hostname,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    }),
  };
  return { ...(logger === true ? { level: 'info' } : logger), serializers, redact: { paths: REDACTED_HEADERS, censor: '[redacted]' } };
}

export async function buildApp(services: ApiServices, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withRedaction(opts.logger ?? false),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Callback style, not async: no promise per response on the hottest path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  installErrorHandlers(app);
  if (opts.corsOrigins?.length) installCors(app, opts.corsOrigins);
  const started = Date.now();
  if (services.close) {
    const close = services.close;
    app.addHook('onClose', async () => close());
  }
  // gzip/brotli for large answers (bars, history downloads) when the client asks; small ones are not worth it.
  await app.register(compress, { threshold: 2048, encodings: ['gzip', 'br', 'deflate'] });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'cift API', version: services.version, description: 'Market data, paper trading (API key), health and metrics of cift over HTTP.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'a key from `cift serve keys create`' },
          bearer: { type: 'http', scheme: 'bearer', description: 'the same key as a Bearer token' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installMetrics(app);
  const trading = services.trading;
  // With trading, readiness also needs the ledger to answer (a cheap read of the accounts table).
  const ledgerProbe: Record<string, ReadyProbe> = trading ? { ledger: () => trading.stores.withLedger((ledger) => ledger.accounts()) } : {};
  await app.register(healthRoutes, { version: services.version, startedAt: started, market: services.market, probes: { ...ledgerProbe, ...services.probes } });
  // Before any route plugin, so trading routes (order events) and the stream share it.
  app.decorate('events', services.events ?? new MemoryHub());
  await app.register(marketDataRoutes, { prefix: `${API_PREFIX}/market-data`, services });
  await app.register(streamRoutes, {
    prefix: `${API_PREFIX}/market-data`,
    ...opts.stream,
    events: app.events,
    market: services.market,
    keys: trading?.keys,
  });
  if (trading) await app.register(tradingRoutes, { prefix: `${API_PREFIX}/trading`, services, trading });
  return app;
}
