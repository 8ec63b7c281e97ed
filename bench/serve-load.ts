/**
 * The load side of the `serve` bench suite, run as its own process (`node dist/bench/serve-load.js '<json>'`) so
 * the server under test never shares an event loop with its clients. One mode per run:
 *   - http: autocannon against one route for a duration (or a fixed number of requests); every response's latency
 *     is kept (autocannon's own histogram has 1 ms resolution), and the status codes are counted.
 *   - ws: N WebSocket clients subscribe, print {"event":"ready"}, wait for "go" on stdin, then count the frames,
 *     delivery latencies (their clock − emitted_ms) and drops (`dropped` notices, gaps in seq) for a duration.
 *   - idle: N WebSocket clients subscribe, print {"event":"ready"}, and hold until stdin ends.
 * The result is one JSON line on stdout. Exits by itself; the parent kills it if it does not.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { percentile } from './harness.js';

export interface HttpLoad {
  mode: 'http';
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds of load; ignored when `amount` is given. */
  seconds: number;
  amount?: number;
  /** Untimed seconds first, so the server's JIT and caches are warm. */
  warmupSeconds?: number;
}

export interface WsLoad {
  mode: 'ws' | 'idle';
  url: string;
  clients: number;
  symbols: string[];
  channels: string[];
  seconds: number;
}

export interface HttpResult {
  requests: number;
  seconds: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  min_ms: number;
  max_ms: number;
  statuses: Record<string, number>;
  errors: number;
}

export interface WsResult {
  connected: number;
  failed: number;
  first_error?: string;
  frames: number;
  seconds: number;
  frames_per_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  dropped_notices: number;
  seq_gaps: number;
  closed_by_server: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const out = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

/** Growable Float64Array of samples. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

async function httpLoad(cfg: HttpLoad): Promise<HttpResult> {
  const require = createRequire(import.meta.url);
  // autocannon has no type declarations here; this is the part of its API used.
  const autocannon = require('autocannon') as (opts: Record<string, unknown>) => {
    on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
    then: Promise<{ errors: number; timeouts: number; duration: number }>['then'];
  };
  const base = { url: cfg.url, method: cfg.method ?? 'GET', headers: cfg.headers, body: cfg.body, connections: cfg.connections };
  if (cfg.warmupSeconds) await autocannon({ ...base, duration: cfg.warmupSeconds });
  const latencies = new Samples();
  const statuses: Record<string, number> = {};
  const run = autocannon(cfg.amount !== undefined ? { ...base, amount: cfg.amount } : { ...base, duration: cfg.seconds });
  run.on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const t0 = now();
  const result = await run;
  const seconds = (now() - t0) / 1000;
  const sorted = latencies.sorted();
  const n = sorted.length;
  return {
    requests: n,
    seconds,
    req_per_s: n / seconds,
    p50_ms: n ? percentile(sorted, 50) : NaN,
    p99_ms: n ? percentile(sorted, 99) : NaN,
    min_ms: n ? sorted[0] : NaN,
    max_ms: n ? sorted[n - 1] : NaN,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

/** Resolves when stdin has a line "go" (true) or ends (false). */
function stdinSignal(): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      text += d;
      if (text.includes('go')) resolve(true);
    });
    process.stdin.on('end', () => resolve(false));
    process.stdin.on('error', () => resolve(false));
  });
}

async function wsLoad(cfg: WsLoad): Promise<WsResult> {
  const { default: WebSocket } = await import('ws');
  const subscribe = JSON.stringify({ action: 'subscribe', symbols: cfg.symbols, channels: cfg.channels });
  let measuring = false;
  let frames = 0;
  let droppedNotices = 0;
  let seqGaps = 0;
  let closedByServer = 0;
  let firstError: string | undefined;
  const latencies = new Samples();
  const sockets: InstanceType<typeof WebSocket>[] = [];

  const connectOne = (): Promise<boolean> =>
    new Promise((resolve) => {
      const ws = new WebSocket(cfg.url, { perMessageDeflate: false, handshakeTimeout: 15_000 });
      const lastSeq = new Map<string, number>();
      let settled = false;
      const settle = (ok: boolean, error?: string) => {
        if (settled) return;
        settled = true;
        if (!ok && firstError === undefined) firstError = error;
        resolve(ok);
      };
      ws.on('unexpected-response', (_req, res) => {
        settle(false, `upgrade answered HTTP ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (e) => settle(false, e.message));
      ws.on('open', () => {
        ws.send(subscribe);
        sockets.push(ws);
        settle(true);
      });
      ws.on('close', () => {
        if (settled && measuring) closedByServer++;
      });
      if (cfg.mode === 'idle') return;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!measuring || isBinary) return;
        const text = data.toString();
        // Cheap checks first: a data frame carries emitted_ms; everything else is a notice.
        if (!text.includes('"emitted_ms"')) {
          if (text.includes('"dropped"')) {
            droppedNotices++;
          }
          return;
        }
        const msg = JSON.parse(text) as { symbol?: string; seq?: number; emitted_ms?: number };
        frames++;
        if (typeof msg.emitted_ms === 'number') latencies.push(now() - msg.emitted_ms);
        if (typeof msg.seq === 'number') {
          const key = msg.symbol ?? '';
          const last = lastSeq.get(key);
          if (last !== undefined && msg.seq > last + 1) seqGaps += msg.seq - last - 1;
          lastSeq.set(key, msg.seq);
        }
      });
    });

  // Connect in batches, so the server's accept queue is not flooded all at once.
  let connected = 0;
  let failed = 0;
  const BATCH = 200;
  for (let i = 0; i < cfg.clients; i += BATCH) {
    const results = await Promise.all(Array.from({ length: Math.min(BATCH, cfg.clients - i) }, connectOne));
    for (const ok of results) ok ? connected++ : failed++;
    if (connected === 0 && failed > 0) break; // the upgrade is refused: no point in trying the rest
  }
  const signal = stdinSignal();
  out({ event: 'ready', connected, failed, first_error: firstError });
  const go = await signal;
  let seconds = 0;
  if (go && cfg.mode === 'ws') {
    measuring = true;
    const t0 = now();
    await new Promise((r) => setTimeout(r, cfg.seconds * 1000));
    measuring = false;
    seconds = (now() - t0) / 1000;
  }
  for (const ws of sockets) ws.terminate();
  const sorted = latencies.sorted();
  const n = sorted.length;
  return {
    connected,
    failed,
    first_error: firstError,
    frames,
    seconds,
    frames_per_s: seconds > 0 ? frames / seconds : 0,
    p50_ms: n ? percentile(sorted, 50) : null,
    p99_ms: n ? percentile(sorted, 99) : null,
    max_ms: n ? sorted[n - 1] : null,
    dropped_notices: droppedNotices,
    seq_gaps: seqGaps,
    closed_by_server: closedByServer,
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as HttpLoad | WsLoad;
  const result = cfg.mode === 'http' ? await httpLoad(cfg) : await wsLoad(cfg);
  out({ event: 'result', ...result });
  process.exit(0);
}

main().catch((e: unknown) => {
  out({ event: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
