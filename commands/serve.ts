/**
 * `cift serve`: the HTTP API over the same core as the CLI. Parses flags, opens the services, builds the app
 * (src/api) and listens; SIGINT/SIGTERM stop accepting, let in-flight requests finish, close the stores, exit 0.
 * fastify and prom-client are imported inside the action so `cift --help` stays fast.
 */
import { Command } from './commander.js';
import { CiftError } from '../src/errors.js';
import type { LedgerStores } from '../src/usecases/stores.js';
import { VERSION } from '../src/version.js';
import { parseSpeed, type ReplaySpeed } from '../src/live/replay.js';
import { normalizeSymbol } from '../src/schema.js';
import { parseBusUrl } from '../src/store/bus/url.js';
import { formatTs, parseRange } from '../src/time.js';
import { uiFrom } from './context.js';
import { keysCommand } from './serve-keys.js';
import { examples } from './ui.js';

interface ServeOptions {
  host: string;
  port: string;
  cors?: string;
  replay?: string;
  speed?: string;
  from?: string;
  to?: string;
  rateLimit: string;
}

/** `--rate-limit N`: requests per second per API key on the trading routes; 0 turns the limit off. */
export function parseRateLimit(text: string): { max: number; timeWindowMs: number } | false {
  const n = /^\d{1,9}$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n)) throw new CiftError('USAGE', `--rate-limit "${text}" is not a whole number of requests per second`, 'e.g. --rate-limit 50; 0 turns the limit off');
  return n === 0 ? false : { max: n, timeWindowMs: 1000 };
}

export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CiftError('USAGE', `--port "${text}" is not a port`, 'use 0 to 65535 (0 picks a free one)');
  return port;
}

/** --replay/--speed/--from/--to → what to replay (undefined without --replay); USAGE errors before anything opens. */
export function replayRequest(opts: Pick<ServeOptions, 'replay' | 'speed' | 'from' | 'to'>): { symbols: string[]; speed: ReplaySpeed; range: { from?: bigint; to?: bigint } } | undefined {
  if (opts.replay === undefined) {
    const stray = (['speed', 'from', 'to'] as const).filter((k) => opts[k] !== undefined);
    if (stray.length) throw new CiftError('USAGE', `--${stray[0]} needs --replay`, 'e.g. cift serve --replay AAPL --speed 10');
    return undefined;
  }
  const symbols = [...new Set(opts.replay.split(',').map((s) => s.trim()).filter(Boolean).map(normalizeSymbol))];
  if (symbols.length === 0) throw new CiftError('USAGE', '--replay needs at least one symbol', 'e.g. --replay AAPL or --replay AAPL,AMZN');
  const { from, to } = parseRange(opts.from, opts.to);
  return { symbols, speed: parseSpeed(opts.speed ?? '1'), range: { from, to } };
}

export const serveCommand = new Command('serve')
  .description('serve market data, paper trading (API keys), a WebSocket stream, health, metrics and API docs over HTTP (the same core as the CLI)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 picks a free one)', '8000')
  .option('--cors <origins>', 'comma-separated origins a browser may call from (* for any)')
  .option('--replay <symbols>', 'replay stored trades and quotes of these symbols (comma list) as the WebSocket stream, the latest prices and the market clock resting orders are matched on')
  .option('--speed <n|max>', 'replay speed: a multiple of real time (default 1), or max')
  .option('--from <time>', 'replay from this time, inclusive (ISO-8601, UTC unless it has an offset)')
  .option('--to <time>', 'replay up to this time, inclusive')
  .option('--rate-limit <n>', 'requests per second per API key on the trading routes (0: no limit; the local key is never limited)', '50')
  // `cift serve keys …` dispatches to the subcommand; plain `cift serve [flags]` runs the action below.
  .addCommand(keysCommand)
  .addHelpText(
    'after',
    examples([
      'cift serve --port 8000',
      'cift serve --port 0 --json            # prints {"url":"http://127.0.0.1:PORT"}',
      'cift serve --cors http://localhost:5173',
      'cift serve --replay AAPL --speed 10     # stream a stored day on ws://…/api/v1/market-data/ws/stream',
      'cift serve --replay AAPL,AMZN --speed max --from 2012-06-21T14:00:00Z --to 2012-06-21T15:00:00Z',
      'curl http://127.0.0.1:8000/api/v1/market-data/quote/GOOG',
      'curl "http://127.0.0.1:8000/api/v1/market-data/bars/GOOG?interval=1w&limit=5"',
      'cift serve keys create --account paper --name bot   # then: curl -H "X-API-Key: cift_…" …/api/v1/trading/portfolio',
      'open http://127.0.0.1:8000/docs       # OpenAPI UI; the spec is /openapi.json',
    ]),
  )
  .action(async (opts: ServeOptions, cmd: Command) => {
    const ui = uiFrom(cmd);
    const port = parsePort(opts.port);
    const rateLimit = parseRateLimit(opts.rateLimit);
    const corsOrigins = opts.cors?.split(',').map((s) => s.trim()).filter(Boolean);
    const replay = replayRequest(opts);
    parseBusUrl(ui.settings.busUrl); // a bad CIFT_BUS_URL fails before listening
    const [{ buildApp }, { createKeyResolver }, { MarketData }, { openStores, cacheProbes }, { loadPolars }, { LiveMarket }, { MemoryHub }, { startReplay }] = await Promise.all([
      import('../src/api/app.js'),
      import('../src/api/auth.js'),
      import('../src/market-data.js'),
      import('../src/usecases/stores.js'),
      import('../src/polars.js'),
      import('../src/live/live-market.js'),
      import('../src/live/events.js'),
      import('../src/live/replay.js'),
    ]);
    const polars = await loadPolars();
    // `cift order` in another shell forwards to this server while it holds the embedded ledger (PostgreSQL: no lock,
    // no forwarding): it finds serve.json and the local key (0600) under $CIFT_HOME, written once we listen.
    const discovery = await import('../src/serve-discovery.js');
    const localKey = ui.settings.databaseUrl ? undefined : discovery.newLocalKey();
    // The same stores the CLI opens. The server holds the ledger for its whole life (the trading routes and API
    // keys live there): it is taken right after listen (so a taken port fails at once, not after a lock wait), every
    // ledger use waits for that one held ledger, and app.close() closes it through services.close.
    const stores = await openStores(ui.settings);
    const held: LedgerStores = { ...stores, withLedger: (work) => stores.ledger().then(work) };
    const byOrigin = new Map<string, ReturnType<typeof MarketData.open>>();
    const marketFor = (source: 'stored' | 'shipped') => {
      let m = byOrigin.get(source);
      if (!m) byOrigin.set(source, (m = MarketData.open(ui.settings, { source })));
      return m;
    };
    // Latest prices: the stored ones until the replay moves them. Quotes read through it; so must trading's market.
    const live = new LiveMarket(stores.market);
    // Orders in a replayed symbol wait for the replay to reach it (its stored latest price is the replay's future).
    if (replay) live.awaitLive(replay.symbols);
    // Orders fill at, and portfolios are marked to, the live prices.
    // Replayed symbols' resting orders are matched by the replay (below), so POST /orders/match leaves them alone
    // until it ends.
    const replaying = new Set(replay?.symbols);
    const trading = { stores: held, market: live, keys: createKeyResolver(held, { localKey }), rateLimit, replaying };
    const events = new MemoryHub();
    let listening: () => void = () => {};
    const started = new Promise<void>((resolve) => (listening = resolve));
    // Reads (and checks) what to replay before listening; publishing starts once the server listens.
    const replayer = replay && (await startReplay(polars, stores.market, { ...replay, hub: events, live, begin: started }).catch(async (e: unknown) => {
      await stores.close();
      throw e;
    }));
    const app = await buildApp(
      // /ready checks the cache too when it is Redis (cacheProbes); the in-process one always answers.
      { version: VERSION, polars, market: stores.market, prices: live, events, marketFor, trading, probes: cacheProbes(ui.settings), close: () => stores.close() },
      // Unexpected errors are logged (one JSON line each, with the request id) on stderr; stdout stays the URL line.
      { logger: { level: ui.debug ? 'info' : 'warn', stream: process.stderr }, corsOrigins },
    );
    let address: string;
    try {
      address = await app.listen({ host: opts.host, port });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new CiftError('USAGE', `port ${port} on ${opts.host} is in use`, 'choose another with --port, or --port 0 for a free one');
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CiftError('USAGE', `cannot listen on --host ${opts.host}`, 'use 127.0.0.1, 0.0.0.0 or an address of this machine');
      throw e;
    }
    let announced: ReturnType<typeof discovery.announceServer> | undefined;
    try {
      await stores.ledger();
      // Announced only once the ledger is ours: from now on `cift order` in another shell is sent here.
      announced = localKey === undefined ? undefined : discovery.announceServer(ui.settings, { address, key: localKey, version: VERSION });
    } catch (e) {
      await app.close();
      throw e;
    }
    // Order events leave the outbox for CIFT_BUS_URL's bus from here, after each change commits (the trading routes
    // publish to the hub after their transaction) and every 200 ms for anything another process wrote.
    const relay = await (await import('../src/usecases/events.js')).startEventRelay(await stores.ledger(), ui.settings, (line) => process.stderr.write(`cift serve: ${line}\n`));
    const unpoke = relay ? events.subscribe((e) => e.channel === 'orders' && relay.poke()) : undefined;
    // The replay moves the market clock of its symbols: each replayed quote and trade matches their resting orders
    // (fills and expiries as `cift order match` makes them), published on the hub (so the relay is poked too).
    const matching =
      replay &&
      (await import('../src/live/replay-matching.js')).startReplayMatching({
        hub: events,
        symbols: replay.symbols,
        withLedger: held.withLedger,
        onError: (symbol, e) => process.stderr.write(`cift serve: matching ${symbol}'s resting orders failed: ${e instanceof Error ? e.message : String(e)}; \`cift order match ${symbol}\` catches them up\n`),
      });
    // Also on an unexpected exit, so a client never reads a key of a server that is gone (a dead pid is ignored anyway).
    process.once('exit', () => announced?.remove());
    process.stdout.write(ui.json ? `${JSON.stringify({ url: address })}\n` : `cift serve: listening on ${address} (docs ${address}/docs; Ctrl-C stops)\n`);
    if (replayer && replay) {
      const rows = replayer.series.map((x) => `${x.rows} ${x.symbol} ${x.kind}`).join(', ');
      process.stderr.write(`cift serve: replaying ${rows} at ${replay.speed === 'max' ? 'max speed' : `${replay.speed}× real time`}\n`);
      listening();
      // Once the replay is over, its symbols trade at their stored latest prices again, and once its matching has
      // drained, `order match` may move them (along the stored data after the replay's end).
      const over = async () => {
        live.release();
        await matching?.idle();
        replaying.clear();
      };
      void replayer.done.finally(over).then(
        (r) => {
          if (r.stopped) return;
          const span = r.first === undefined ? 'no rows in range' : `${formatTs(r.first)} … ${formatTs(r.last!)}`;
          process.stderr.write(`cift serve: replay ended: ${r.trades} trades, ${r.quotes} quotes, ${r.bars} 1m bars (${span}); still serving\n`);
        },
        (e: unknown) => process.stderr.write(`cift serve: replay failed: ${e instanceof Error ? e.message : String(e)}; still serving\n`),
      );
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (!ui.json) process.stderr.write(`cift serve: ${signal}, finishing in-flight requests\n`);
        // Stop advertising first: a `cift order` from now on waits for the ledger instead of calling a closing server.
        announced?.remove();
        replayer?.stop();
        matching?.stop();
        // The relay stops before the ledger closes; what it has not published stays in the outbox for next time.
        // app.close stops accepting, waits for in-flight requests and runs onClose hooks (the stores close there).
        // Matching still queued finishes first (its fills reach the hub and the relay), then the relay stops.
        void (matching?.idle() ?? Promise.resolve())
          .then(() => unpoke?.())
          .then(() => relay?.stop())
          .catch(() => undefined)
          .then(() => app.close())
          .then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
