/**
 * The `serve` suite: `cift serve` as a user runs it (a child process, `--port 0 --json`, a temporary CIFT_HOME),
 * loaded from separate processes (bench/serve-load.ts) over loopback. Cases and their targets (issue 10):
 *   - quote route GET /api/v1/market-data/quote/GOOG: ≥ 15,000 req/s with p99 < 5 ms;
 *   - order submit POST /api/v1/trading/orders (an X-API-Key of the paper account): p50 < 3 ms;
 *   - WebSocket fan-out: N clients (default 1,000) subscribed to SYN trades replayed at ~200 trades/s of event time
 *     (`--replay SYN --speed 1`): frames/s received, p50/p99 delivery latency (client clock − emitted_ms) < 50 ms,
 *     nothing dropped;
 *   - idle: M subscribed connections (default 10,000) held by the server with < 1 GB RSS (/proc/PID/status VmRSS).
 * A case whose route or upgrade the server does not offer is reported `skipped` with the reason, not failed.
 * Every child (servers, load processes) is killed and the temporary home removed, on success and on failure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/config.js';
import type { BenchOptions, CaseResult } from './harness.js';
import type { HttpLoad, HttpResult, WsLoad, WsResult } from './serve-load.js';

/** Sizes of the serve suite (`cift bench --suite serve --clients N --idle M --seconds S`). */
export interface ServeBenchSizes {
  /** WebSocket fan-out clients. */
  clients: number;
  /** Idle subscribed connections. */
  idle: number;
  /** Seconds of load per case. */
  seconds: number;
  /** Connections of the quote-route load. */
  connections: number;
  /** Orders submitted one after another (a single client). */
  orders: number;
}

export const SERVE_DEFAULTS: ServeBenchSizes = { clients: 1000, idle: 10_000, seconds: 3, connections: 10, orders: 500 };

const TARGETS = {
  quote: { req_per_s: 15_000, p99_ms: 5 },
  order: { p50_ms: 3 },
  ws: { p99_ms: 50, dropped: 0 },
  idle: { rss_mb: 1024 },
};

/** Synthetic trades for the replay: one every 5 ms of event time (200 per second), starting at this instant. */
const REPLAY_EVERY = '5ms';
const REPLAY_RATE = 200;
/** Event-time seconds of replay beyond the measured window: server start, connects and slack. */
const REPLAY_MARGIN_S = 120;

const SERVER_START_MS = 60_000;
const STOP_GRACE_MS = 10_000;

type Child = ChildProcess & { exited: Promise<number | null> };

export class Children {
  private readonly all = new Set<Child>();
  private readonly onExit = () => {
    for (const c of this.all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  spawn(args: string[], env: NodeJS.ProcessEnv): Child {
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] }) as Child;
    child.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    this.all.add(child);
    void child.exited.then(() => this.all.delete(child));
    return child;
  }

  /** SIGTERM (the server's graceful stop), then SIGKILL if it is still there after `graceMs`. */
  async stop(child: Child, graceMs = STOP_GRACE_MS): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, graceMs);
    });
    const code = await Promise.race([child.exited, killed]);
    clearTimeout(timer);
    await child.exited;
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.all].map((c) => this.stop(c, 3000)));
    process.off('exit', this.onExit);
  }
}

/** Lines of a child's stdout as they come. */
function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    tail = (tail + d).slice(-2000);
  });
  return () => tail.trim();
}

interface Server {
  child: Child;
  url: string;
}

async function startServer(children: Children, cli: string, env: NodeJS.ProcessEnv, extra: string[]): Promise<Server> {
  const child = children.spawn([cli, 'serve', '--port', '0', '--json', ...extra], env);
  const tail = stderrTail(child);
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cift serve ${extra.join(' ')} printed no URL in ${SERVER_START_MS / 1000} s`)), SERVER_START_MS);
    lines(child, (line) => {
      try {
        const { url } = JSON.parse(line) as { url?: string };
        if (typeof url === 'string') {
          clearTimeout(timer);
          resolve({ child, url });
        }
      } catch {
        // not the URL line
      }
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cift serve ${extra.join(' ')} exited (${code}) before listening: ${tail() || 'no output'}`));
    });
  });
}

interface Worker<R> {
  child: Child;
  /** The {"event":"ready"} line of a WebSocket worker. */
  ready: Promise<{ connected: number; failed: number; first_error?: string }>;
  result: Promise<R>;
  go(): void;
  end(): void;
}

function startWorker<R>(children: Children, cfg: HttpLoad | WsLoad, env: NodeJS.ProcessEnv): Worker<R> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'serve-load.js');
  const child = children.spawn([script, JSON.stringify(cfg)], env);
  const tail = stderrTail(child);
  let onReady!: (v: { connected: number; failed: number; first_error?: string }) => void;
  let onResult!: (v: R) => void;
  let onFail!: (e: Error) => void;
  const failed = new Promise<never>((_, reject) => (onFail = reject));
  failed.catch(() => undefined);
  const ready = Promise.race([new Promise<{ connected: number; failed: number }>((r) => (onReady = r)), failed]);
  const result = Promise.race([new Promise<R>((r) => (onResult = r)), failed]);
  ready.catch(() => undefined);
  result.catch(() => undefined);
  lines(child, (line) => {
    let msg: { event?: string; message?: string } & Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.event === 'ready') onReady(msg as unknown as { connected: number; failed: number });
    else if (msg.event === 'result') onResult(msg as unknown as R);
    else if (msg.event === 'error') onFail(new Error(`load process: ${msg.message}`));
  });
  void child.exited.then((code) => onFail(new Error(`load process exited (${code}) without a result: ${tail() || 'no output'}`)));
  return {
    child,
    ready,
    result,
    go: () => void child.stdin?.write('go\n'),
    end: () => void child.stdin?.end(),
  };
}

/** Resident set size of a process in MB (VmRSS of /proc/PID/status), or undefined where there is no /proc. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const round = (v: number | null | undefined, digits = 3): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

/** A case the server could not run: reported with the reason, no figures. */
function skipped(name: string, size: number, target: Record<string, number>, reason: string): CaseResult {
  return { suite: 'serve', name, size, status: 'skipped', reason, target, target_met: null, median_ms: NaN, min_ms: NaN, max_ms: NaN };
}

function failed(name: string, size: number, target: Record<string, number>, e: unknown): CaseResult {
  return { suite: 'serve', name, size, status: 'failed', reason: e instanceof Error ? e.message : String(e), target, target_met: null, median_ms: NaN, min_ms: NaN, max_ms: NaN };
}

/** The figures every HTTP load case reports, from the load process's result. */
const httpFigures = (r: HttpResult) => ({
  requests: r.requests,
  statuses: r.statuses,
  errors: r.errors,
  req_per_s: round(r.req_per_s, 1),
  p50_ms: round(r.p50_ms),
  p99_ms: round(r.p99_ms),
  median_ms: r.p50_ms,
  min_ms: r.min_ms,
  max_ms: r.max_ms,
});

async function quoteCase(children: Children, server: Server, env: NodeJS.ProcessEnv, sizes: ServeBenchSizes): Promise<CaseResult> {
  const name = 'quote route GET /market-data/quote/GOOG';
  const url = `${server.url}/api/v1/market-data/quote/GOOG`;
  const probe = await fetch(url);
  if (probe.status !== 200) return skipped(name, sizes.connections, TARGETS.quote, `the route answered ${probe.status}: ${(await probe.text()).slice(0, 200)}`);
  const r = await startWorker<HttpResult>(children, { mode: 'http', url, connections: sizes.connections, seconds: sizes.seconds, warmupSeconds: Math.min(1, sizes.seconds) }, env).result;
  const ok = r.statuses['200'] ?? 0;
  return {
    suite: 'serve',
    name,
    size: sizes.connections,
    status: 'ok',
    connections: sizes.connections,
    seconds: round(r.seconds),
    ok_responses: ok,
    ...httpFigures(r),
    target: TARGETS.quote,
    target_met: r.req_per_s >= TARGETS.quote.req_per_s && r.p99_ms < TARGETS.quote.p99_ms && ok === r.requests,
  };
}

async function orderCase(children: Children, server: Server, env: NodeJS.ProcessEnv, sizes: ServeBenchSizes, key: string | { reason: string }): Promise<CaseResult> {
  const name = 'order submit POST /trading/orders';
  if (typeof key !== 'string') return skipped(name, sizes.orders, TARGETS.order, key.reason);
  const url = `${server.url}/api/v1/trading/orders`;
  const headers = { 'content-type': 'application/json', 'x-api-key': key };
  const body = JSON.stringify({ symbol: 'GOOG', side: 'buy', order_type: 'market', quantity: 1 });
  const probe = await fetch(url, { method: 'POST', headers, body });
  const probeText = await probe.text();
  if (probe.status === 404 && !/"order"|"status"/.test(probeText)) return skipped(name, sizes.orders, TARGETS.order, `POST /api/v1/trading/orders answered 404: the server has no trading routes`);
  if (probe.status === 401 || probe.status === 403) return skipped(name, sizes.orders, TARGETS.order, `the API key was refused (${probe.status}): ${probeText.slice(0, 200)}`);
  if (probe.status >= 500) return skipped(name, sizes.orders, TARGETS.order, `the route answered ${probe.status}: ${probeText.slice(0, 200)}`);
  // One client, one order at a time: the latency of a submit, not the throughput of a queue.
  const r = await startWorker<HttpResult>(children, { mode: 'http', url, method: 'POST', headers, body, connections: 1, seconds: sizes.seconds, amount: sizes.orders }, env).result;
  const created = r.statuses['201'] ?? 0;
  return {
    suite: 'serve',
    name,
    size: sizes.orders,
    status: 'ok',
    connections: 1,
    created,
    ...httpFigures(r),
    target: TARGETS.order,
    // Only accepted orders count as met: a run of 422 rejections would time the refusal path.
    target_met: r.p50_ms < TARGETS.order.p50_ms && created === r.requests,
  };
}

/** Clients split over `procs` load processes. */
const split = (n: number, procs: number): number[] => Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0)).filter((k) => k > 0);

async function wsWorkers(children: Children, env: NodeJS.ProcessEnv, cfg: Omit<WsLoad, 'clients'>, clients: number, procs: number): Promise<{ workers: Worker<WsResult>[]; connected: number; failed: number; firstError?: string }> {
  const workers = split(clients, procs).map((k) => startWorker<WsResult>(children, { ...cfg, clients: k }, env));
  const ready = await Promise.all(workers.map((w) => w.ready));
  return {
    workers,
    connected: ready.reduce((n, r) => n + r.connected, 0),
    failed: ready.reduce((n, r) => n + r.failed, 0),
    firstError: ready.find((r) => r.first_error)?.first_error,
  };
}

export async function fanoutCase(children: Children, server: Server, env: NodeJS.ProcessEnv, sizes: ServeBenchSizes): Promise<CaseResult> {
  const name = 'WebSocket fan-out SYN trades (replay --speed 1)';
  const url = `${server.url.replace(/^http/, 'ws')}/api/v1/market-data/ws/stream`;
  const procs = Math.min(4, Math.max(1, Math.ceil(sizes.clients / 500)));
  const { workers, connected, failed: refused, firstError } = await wsWorkers(children, env, { mode: 'ws', url, symbols: ['SYN'], channels: ['trades'], seconds: sizes.seconds }, sizes.clients, procs);
  if (connected === 0) {
    for (const w of workers) w.end();
    return skipped(name, sizes.clients, TARGETS.ws, `the WebSocket upgrade failed: ${firstError ?? 'no client connected'}`);
  }
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.result));
  const frames = results.reduce((n, r) => n + r.frames, 0);
  const seconds = results.reduce((m, r) => Math.max(m, r.seconds), 0);
  const dropped = results.reduce((n, r) => n + r.dropped_notices + r.seq_gaps, 0);
  // Percentiles of the whole run from each process's: the worst process's p99 is quoted (an upper bound).
  const p50s = results.map((r) => r.p50_ms).filter((v): v is number => v !== null);
  const p99s = results.map((r) => r.p99_ms).filter((v): v is number => v !== null);
  const maxes = results.map((r) => r.max_ms).filter((v): v is number => v !== null);
  const p50 = p50s.length ? p50s.sort((a, b) => a - b)[p50s.length >> 1] : NaN;
  const p99 = p99s.length ? p99s.reduce((m, v) => Math.max(m, v), -Infinity) : NaN;
  const expected = connected * REPLAY_RATE;
  return {
    suite: 'serve',
    name,
    size: sizes.clients,
    status: 'ok',
    clients: sizes.clients,
    connected,
    refused,
    load_processes: workers.length,
    seconds: round(seconds),
    frames,
    frames_per_s: round(frames / seconds, 1),
    expected_frames_per_s: expected,
    p50_ms: round(p50),
    p99_ms: round(p99),
    dropped,
    dropped_notices: results.reduce((n, r) => n + r.dropped_notices, 0),
    seq_gaps: results.reduce((n, r) => n + r.seq_gaps, 0),
    closed_by_server: results.reduce((n, r) => n + r.closed_by_server, 0),
    median_ms: p50,
    min_ms: NaN,
    max_ms: maxes.length ? maxes.reduce((m, v) => Math.max(m, v), -Infinity) : NaN,
    target: { ...TARGETS.ws, frames_per_s: expected },
    // Met only when the clients also got the replay's rate: a server that falls behind publishes fewer frames, each
    // still stamped on time, so latency and drops alone would call a half-rate run a success.
    target_met: frames > 0 && frames / seconds >= 0.95 * expected && p99 < TARGETS.ws.p99_ms && dropped === 0 && refused === 0,
  };
}

export async function idleCase(children: Children, server: Server, env: NodeJS.ProcessEnv, sizes: ServeBenchSizes): Promise<CaseResult> {
  const name = 'idle subscribed WebSocket connections';
  const url = `${server.url.replace(/^http/, 'ws')}/api/v1/market-data/ws/stream`;
  const before = rssMb(server.child.pid);
  // GOOG is not replayed: the connections are subscribed and get no traffic. 2,500 per load process at most.
  const procs = Math.min(4, Math.max(1, Math.ceil(sizes.idle / 2500)));
  const { workers, connected, failed: refused, firstError } = await wsWorkers(children, env, { mode: 'idle', url, symbols: ['GOOG'], channels: ['trades'], seconds: 0 }, sizes.idle, procs);
  try {
    if (connected === 0) return skipped(name, sizes.idle, TARGETS.idle, `the WebSocket upgrade failed: ${firstError ?? 'no client connected'}`);
    await new Promise((r) => setTimeout(r, 500)); // let the subscriptions land
    const held = rssMb(server.child.pid);
    return {
      suite: 'serve',
      name,
      size: sizes.idle,
      status: 'ok',
      connections: sizes.idle,
      connected,
      refused,
      first_error: firstError,
      load_processes: workers.length,
      rss_mb_before: round(before, 1),
      rss_mb: round(held, 1),
      rss_kb_per_connection: held !== undefined && before !== undefined && connected > 0 ? round(((held - before) * 1024) / connected, 2) : null,
      median_ms: NaN,
      min_ms: NaN,
      max_ms: NaN,
      target: TARGETS.idle,
      target_met: held !== undefined && held < TARGETS.idle.rss_mb && connected === sizes.idle,
    };
  } finally {
    for (const w of workers) w.end();
    await Promise.all(workers.map((w) => w.result.catch(() => undefined)));
  }
}

/** Runs `cift` synchronously in the bench home; an error names the command and its stderr. */
function cli(cliPath: string, env: NodeJS.ProcessEnv, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(r: { status: number | null; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.trim().slice(0, 500)}`);
}

export async function runServeSuite(opts: BenchOptions): Promise<CaseResult[]> {
  const given = Object.fromEntries(Object.entries(opts.serve ?? {}).filter(([, v]) => v !== undefined));
  const sizes: ServeBenchSizes = { ...SERVE_DEFAULTS, ...given };
  const home = mkdtempSync(join(tmpdir(), 'cift-bench-serve-'));
  const children = new Children();
  const env: NodeJS.ProcessEnv = { ...process.env, CIFT_HOME: home, NO_COLOR: '1', FORCE_COLOR: '' };
  const root = packageRoot();
  const cliPath = join(root, 'bin', 'cift.js');
  const results: CaseResult[] = [];
  try {
    opts.onProgress?.('serve: ingesting GOOG and a synthetic SYN trades series');
    must(cli(cliPath, env, ['ingest', join(root, 'data', 'GOOG.csv'), '--symbol', 'GOOG']), 'cift ingest data/GOOG.csv');
    const rows = REPLAY_RATE * (sizes.seconds + REPLAY_MARGIN_S);
    must(cli(cliPath, env, ['ingest', 'synthetic', '--symbol', 'SYN', '--kind', 'trades', '--rows', String(rows), '--every', REPLAY_EVERY]), 'cift ingest synthetic');
    // A bench account whose cash and limits never refuse the submits (a run of 422 rejections would time the refusal
    // path), and its key, made before the server holds the embedded ledger.
    must(cli(cliPath, env, ['order', 'accounts', 'create', 'bench', '--cash', '1000000000000']), 'cift order accounts create bench');
    must(cli(cliPath, env, ['order', 'limits', '--account', 'bench', '--max-position', '1000000000', '--max-order-notional', '1000000000000', '--max-leverage', '100']), 'cift order limits --account bench');
    const made = cli(cliPath, env, ['serve', 'keys', 'create', '--account', 'bench', '--name', 'bench', '--json']);
    let key: string | { reason: string };
    try {
      const parsed = JSON.parse(made.stdout) as { key?: unknown };
      key = made.status === 0 && typeof parsed.key === 'string' ? parsed.key : { reason: `cift serve keys create printed no key: ${made.stderr.trim().slice(0, 200)}` };
    } catch {
      key = { reason: `cift serve keys create failed (${made.status}): ${made.stderr.trim().slice(0, 200) || 'no output'}` };
    }

    opts.onProgress?.('serve: quote route');
    // No per-key rate limit: the bench measures the route, not the limiter's 429s.
    const plain = await startServer(children, cliPath, env, ['--rate-limit', '0']);
    try {
      results.push(await quoteCase(children, plain, env, sizes).catch((e) => failed('quote route GET /market-data/quote/GOOG', sizes.connections, TARGETS.quote, e)));
      opts.onProgress?.('serve: order submit');
      results.push(await orderCase(children, plain, env, sizes, key).catch((e) => failed('order submit POST /trading/orders', sizes.orders, TARGETS.order, e)));
      opts.onProgress?.(`serve: ${sizes.idle} idle connections`);
      results.push(await idleCase(children, plain, env, sizes).catch((e) => failed('idle subscribed WebSocket connections', sizes.idle, TARGETS.idle, e)));
    } finally {
      await children.stop(plain.child);
    }

    opts.onProgress?.(`serve: WebSocket fan-out to ${sizes.clients} clients`);
    let replaying: Server | undefined;
    try {
      replaying = await startServer(children, cliPath, env, ['--replay', 'SYN', '--speed', '1']);
    } catch (e) {
      results.push(skipped('WebSocket fan-out SYN trades (replay --speed 1)', sizes.clients, TARGETS.ws, `cift serve --replay did not start: ${(e as Error).message.slice(0, 300)}`));
    }
    if (replaying) {
      try {
        results.push(await fanoutCase(children, replaying, env, sizes).catch((e) => failed('WebSocket fan-out SYN trades (replay --speed 1)', sizes.clients, TARGETS.ws, e)));
      } finally {
        await children.stop(replaying.child);
      }
    }
    return results;
  } finally {
    await children.stopAll();
    rmSync(home, { recursive: true, force: true });
  }
}
