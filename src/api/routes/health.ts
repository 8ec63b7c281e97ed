/** Liveness (`/health`: the process answers) and readiness (`/ready`: the stores it needs answer). */
import type { FastifyPluginAsync } from 'fastify';
import type { MarketData } from '../../market-data.js';

/** Resolves when the part answers; rejects (any error) when it does not. */
export type ReadyProbe = () => Promise<unknown>;

export interface HealthOptions {
  version: string;
  startedAt: number;
  market: MarketData;
  probes: Record<string, ReadyProbe>;
}

/** A probe that takes longer than this counts as not answering. */
const PROBE_TIMEOUT_MS = 2000;

async function check(probe: ReadyProbe): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get('/health', { schema: { description: 'Liveness: version and uptime', tags: ['operations'] } }, async () => ({
    status: 'ok',
    version: opts.version,
    uptime_s: (Date.now() - opts.startedAt) / 1000,
  }));

  app.get('/ready', { schema: { description: 'Readiness: 200 when the tick store (and the ledger, when served) answer; 503 naming the failing part', tags: ['operations'] } }, async (_request, reply) => {
    const probes: Record<string, ReadyProbe> = { tick_store: () => opts.market.checkStore(), ...opts.probes };
    const names = Object.keys(probes);
    const failures = await Promise.all(names.map((n) => check(probes[n])));
    const checks = Object.fromEntries(names.map((n, i) => [n, failures[i] === undefined ? 'ok' : `failing: ${failures[i]}`]));
    const failing = names.filter((_, i) => failures[i] !== undefined);
    if (failing.length === 0) return { status: 'ready', checks };
    return reply.status(503).send({ status: 'not_ready', failing, checks });
  });
};
