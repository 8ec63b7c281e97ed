/**
 * Prometheus metrics: a registry per app (not prom-client's global one) so tests and benches can build many apps
 * in one process, the request duration histogram by route/method/status, and the default process metrics.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { onCacheFault } from '../../store/cache/faults.js';

export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  /** Orders by outcome (filled, rejected, canceled, duplicate) and reason code ("none" unless rejected). */
  orders: Counter<'outcome' | 'reason'>;
  /** Open WebSocket connections. */
  wsConnections: Gauge;
  /** WebSocket frames sent, by channel (trades, quotes, bars:1m, orders, control). */
  wsMessagesSent: Counter<'channel'>;
  /** WebSocket frames not sent because the client's send buffer was over the limit, by channel. */
  wsMessagesDropped: Counter<'channel'>;
  /** Connections closed by the server, by reason (slow_consumer, missed_pings, shutdown). */
  wsClosed: Counter<'reason'>;
  /** Cache operations that failed and fell back to the ledger or the tick store (Redis down), by operation. */
  cacheFaults: Counter<'op'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

export function installMetrics(app: FastifyInstance): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: 'cift_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['route', 'method', 'status_code'] as const,
    // Sub-millisecond to seconds: a quote answers in well under 1 ms, a history download can take seconds.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const orders = new Counter({ name: 'cift_orders_total', help: 'Orders submitted or canceled over the API, by outcome and reason code', labelNames: ['outcome', 'reason'] as const, registers: [registry] });
  const wsConnections = new Gauge({ name: 'cift_ws_connections', help: 'Open WebSocket connections', registers: [registry] });
  const wsMessagesSent = new Counter({ name: 'cift_ws_messages_sent_total', help: 'WebSocket frames sent, by channel', labelNames: ['channel'] as const, registers: [registry] });
  const wsMessagesDropped = new Counter({ name: 'cift_ws_messages_dropped_total', help: 'WebSocket frames dropped for a slow consumer, by channel', labelNames: ['channel'] as const, registers: [registry] });
  const wsClosed = new Counter({ name: 'cift_ws_closed_total', help: 'WebSocket connections closed by the server, by reason', labelNames: ['reason'] as const, registers: [registry] });
  const cacheFaults = new Counter({ name: 'cift_cache_faults_total', help: 'Cache operations that failed and fell back to the ledger or tick store, by operation', labelNames: ['op'] as const, registers: [registry] });
  const stopCounting = onCacheFault((f) => cacheFaults.inc({ op: f.op }));
  app.addHook('onClose', async () => void stopCounting());
  const metrics = { registry, requestDuration, orders, wsConnections, wsMessagesSent, wsMessagesDropped, wsClosed, cacheFaults };
  app.decorate('metrics', metrics);
  // Callback style, not async: no promise per response.
  app.addHook('onResponse', (request, reply, done) => {
    // The route template (/api/v1/market-data/quote/:symbol), never the raw URL: symbols must not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration.observe({ route, method: request.method, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { description: 'Prometheus metrics (text exposition format)', tags: ['operations'] } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return metrics;
}
