/**
 * The HTTP API through app.inject(): every market-data, health and metrics route and each error shape, over a
 * temporary CIFT_HOME holding a small bars CSV (ZZB) and a small quotes CSV (ZZQ) ingested with the real CLI.
 * Expected numbers are written out from the fixtures below (by hand), and bars are also compared with `cift bars --json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ApiServices } from '../../src/api/app.js';
import { resolveSettings } from '../../src/config.js';
import { CiftError } from '../../src/errors.js';
import { LiveMarket } from '../../src/live/live-market.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars } from '../../src/polars.js';
import { cift, tempDir, writeText } from '../helpers.js';

const BARS_CSV = `ts,open,high,low,close,volume
2024-01-02T14:30:00Z,100,101,99.5,100.5,1000
2024-01-02T14:31:00Z,100.5,102,100,101.5,1500
2024-01-02T14:32:00Z,101.5,101.75,100.25,100.75,800
2024-01-02T14:33:00Z,100.75,103,100.5,102.5,2000
`;
const QUOTES_CSV = `ts,bid,ask,bid_size,ask_size
2024-01-02T14:30:00.000000001Z,50.1,50.2,300,400
2024-01-02T14:30:01.5Z,50.15,50.25,100,200
2024-01-02T14:30:02.123456789Z,50.2,50.3,500,600
`;

const tmp = tempDir('cift-api-');
const home = `${tmp.dir}/home`;
let services: ApiServices;
let app: FastifyInstance;

async function servicesFor(homeDir: string, extra: Partial<ApiServices> = {}): Promise<ApiServices> {
  const settings = resolveSettings({ home: homeDir });
  return {
    version: '9.9.9-test',
    polars: await loadPolars(),
    market: await MarketData.open(settings),
    marketFor: (source) => MarketData.open(settings, { source }),
    ...extra,
  };
}

const get = (url: string) => app.inject({ method: 'GET', url });

beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(home);
  const bars = writeText(tmp.dir, 'bars.csv', BARS_CSV);
  const quotes = writeText(tmp.dir, 'quotes.csv', QUOTES_CSV);
  expect(cift(['ingest', bars, '--symbol', 'ZZB'], { home }).status).toBe(0);
  expect(cift(['ingest', quotes, '--symbol', 'ZZQ'], { home }).status).toBe(0);
  services = await servicesFor(home);
  app = await buildApp(services);
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

function expectError(res: { statusCode: number; json: () => any; headers: Record<string, unknown> }, status: number, code: string, messageHas?: string | RegExp) {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.request_id).toBe(res.headers['x-request-id']);
  if (messageHas !== undefined) expect(body.error.message).toMatch(messageHas);
  return body.error;
}

describe('GET /api/v1/market-data/quote/{symbol}', () => {
  it('gives the last stored quote with sizes and the ns timestamp', async () => {
    const res = await get('/api/v1/market-data/quote/ZZQ');
    expect(res.statusCode).toBe(200);
    const q = res.json();
    expect(q).toMatchObject({ symbol: 'ZZQ', source: 'quote', bid: 50.2, ask: 50.3, bid_size: 500, ask_size: 600, size: null });
    expect(q.ts).toBe('2024-01-02T14:30:02.123456789Z');
    // 2024-01-02T14:30:02Z is 1704205802 s after the epoch.
    expect(q.ts_ns).toBe('1704205802123456789');
    expect(q.price).toBeCloseTo(50.25, 12);
  });

  it('falls back to the last bar close when there are no quotes or trades, and says so; the symbol is case-insensitive', async () => {
    const q = (await get('/api/v1/market-data/quote/zzb')).json();
    expect(q).toEqual({ symbol: 'ZZB', source: 'bar', price: 102.5, size: 2000, bid: null, ask: null, bid_size: null, ask_size: null, ts: '2024-01-02T14:33:00.000Z', ts_ns: '1704205980000000000' });
  });

  it('answers 404 UNKNOWN_SYMBOL with a did-you-mean hint for an unknown symbol', async () => {
    const e = expectError(await get('/api/v1/market-data/quote/ZZX'), 404, 'UNKNOWN_SYMBOL', /ZZX/);
    expect(e.hint).toMatch(/did you mean ZZ[BQ]\?/);
  });

  it('answers 400 naming params.symbol for a malformed symbol', async () => {
    expectError(await get('/api/v1/market-data/quote/A$B'), 400, 'INPUT_INVALID', /params\.symbol/);
  });

  it('answers a quote asked again the same (JSON, its own request id), and a replayed row (LiveMarket.set) at once', async () => {
    const live = new LiveMarket(services.market);
    const liveApp = await buildApp({ ...services, prices: live });
    try {
      const ask = () => liveApp.inject({ method: 'GET', url: '/api/v1/market-data/quote/ZZB' });
      const [a, b] = [await ask(), await ask()];
      for (const res of [a, b]) {
        expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
        expect(res.json()).toEqual({ symbol: 'ZZB', source: 'bar', price: 102.5, size: 2000, bid: null, ask: null, bid_size: null, ask_size: null, ts: '2024-01-02T14:33:00.000Z', ts_ns: '1704205980000000000' });
      }
      expect(b.headers['content-length']).toBe(String(Buffer.byteLength(b.body)));
      expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
      // 2024-01-02T14:34:00Z, a minute after the last stored bar.
      live.set('trades', 'ZZB', { ts: 1704206040000000000n, values: { price: 103.25, size: 7, side: 1 } });
      expect((await ask()).json()).toEqual({ symbol: 'ZZB', source: 'trade', price: 103.25, size: 7, bid: null, ask: null, bid_size: null, ask_size: null, ts: '2024-01-02T14:34:00.000Z', ts_ns: '1704206040000000000' });
      live.set('quotes', 'ZZB', { ts: 1704206041000000000n, values: { bid: 103, ask: 103.5, bid_size: 10, ask_size: 20 } });
      expect((await ask()).json()).toMatchObject({ source: 'quote', bid: 103, ask: 103.5, bid_size: 10, ask_size: 20, price: 103.25, size: null, ts_ns: '1704206041000000000' });
    } finally {
      await liveApp.close();
    }
  });
});

describe('GET /api/v1/market-data/quotes', () => {
  it('returns one entry per known symbol and lists unknown ones in missing', async () => {
    const res = await get('/api/v1/market-data/quotes?symbols=ZZQ,nope1,ZZB');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.quotes.map((q: any) => [q.symbol, q.source])).toEqual([['ZZQ', 'quote'], ['ZZB', 'bar']]);
    expect(body.missing).toEqual(['NOPE1']);
  });

  it('answers 400 naming querystring.symbols when it is missing', async () => {
    expectError(await get('/api/v1/market-data/quotes'), 400, 'INPUT_INVALID', /querystring.*symbols/);
  });
});

describe('GET /api/v1/market-data/bars/{symbol}', () => {
  it('aggregates stored 1m bars to 2m with the numbers worked out by hand', async () => {
    const res = await get('/api/v1/market-data/bars/ZZB?interval=2m');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ symbol: 'ZZB', interval: '2m', from: 'bars', count: 2, truncated: false });
    // vwap of bars weights each bar's typical price (h+l+c)/3 by its volume:
    // (100.3333…·1000 + 101.1666…·1500)/2500 and (100.8333…·800 + 102·2000)/2800.
    expect(body.bars).toHaveLength(2);
    expect(body.bars[0]).toMatchObject({ ts: '2024-01-02T14:30:00.000Z', open: 100, high: 102, low: 99.5, close: 101.5, volume: 2500, trades: null });
    expect(body.bars[0].vwap).toBeCloseTo(100.833333333333, 9);
    expect(body.bars[1]).toMatchObject({ ts: '2024-01-02T14:32:00.000Z', open: 101.5, high: 103, low: 100.25, close: 102.5, volume: 2800, trades: null });
    expect(body.bars[1].vwap).toBeCloseTo(101.69047619047619, 9);
  });

  it('equals `cift bars --json` on the same home (same columns and numbers), stored and from quotes', async () => {
    for (const [symbol, query, args] of [
      ['ZZB', '?interval=2m', ['--interval', '2m']],
      ['ZZB', '', []],
      ['ZZQ', '?interval=1s', ['--interval', '1s']],
    ] as const) {
      const cli = cift(['bars', symbol, ...args, '--json'], { home });
      expect(cli.status, cli.stderr).toBe(0);
      const api = (await get(`/api/v1/market-data/bars/${symbol}${query}`)).json();
      expect(api.bars).toEqual(JSON.parse(cli.stdout));
    }
  });

  it('applies from/to (inclusive) and limit', async () => {
    const body = (await get('/api/v1/market-data/bars/ZZB?from=2024-01-02T14:31:00Z&to=2024-01-02T14:33:00Z&limit=2')).json();
    expect(body.bars.map((b: any) => [b.ts, b.close])).toEqual([
      ['2024-01-02T14:31:00.000Z', 101.5],
      ['2024-01-02T14:32:00.000Z', 100.75],
    ]);
    expect(body.truncated).toBe(true);
  });

  it('quote with source=shipped reads the shipped sample only', async () => {
    expectError(await get('/api/v1/market-data/quote/ZZQ?source=shipped'), 404, 'NO_DATA', /shipped/);
    expect((await get('/api/v1/market-data/quote/ZZQ?source=stored')).json().source).toBe('quote');
  });

  it('source=stored|shipped reads one origin, as --source does', async () => {
    expectError(await get('/api/v1/market-data/bars/ZZB?source=shipped'), 404, 'NO_DATA', /shipped/);
    const stored = (await get('/api/v1/market-data/bars/ZZB?source=stored')).json();
    expect(stored.count).toBe(4);
  });

  it('answers 400 naming querystring.interval for a bad interval', async () => {
    expectError(await get('/api/v1/market-data/bars/ZZB?interval=2x'), 400, 'INPUT_INVALID', /querystring\.interval/);
  });

  it('answers 400 when from is after to, naming both', async () => {
    expectError(await get('/api/v1/market-data/bars/ZZB?from=2024-01-03&to=2024-01-02'), 400, 'INPUT_INVALID', /querystring\.from 2024-01-03 is after querystring\.to 2024-01-02/);
  });

  it('answers 400 for a malformed query: a date that is not one, a negative limit, an unknown key', async () => {
    expectError(await get('/api/v1/market-data/bars/ZZB?from=yesterday-ish'), 400, 'INPUT_INVALID', /querystring\.from/);
    expectError(await get('/api/v1/market-data/bars/ZZB?limit=-3'), 400, 'INPUT_INVALID', /querystring\.limit/);
    expectError(await get('/api/v1/market-data/bars/ZZB?limit=abc'), 400, 'INPUT_INVALID', /querystring\.limit/);
    expectError(await get('/api/v1/market-data/bars/ZZB?intervl=1m'), 400, 'INPUT_INVALID', /intervl/);
  });

  it('answers 404 UNKNOWN_SYMBOL for an unknown symbol', async () => {
    expectError(await get('/api/v1/market-data/bars/QQQQQQ'), 404, 'UNKNOWN_SYMBOL');
  });
});

describe('GET /api/v1/market-data/history/{symbol}', () => {
  it('streams CSV as an attachment with the stored rows', async () => {
    const res = await get('/api/v1/market-data/history/ZZQ?kind=quotes&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="ZZQ-quotes.csv"');
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe(
      [
        'ts,seq,bid,ask,bid_size,ask_size',
        '2024-01-02T14:30:00.000000001Z,0,50.1,50.2,300,400',
        '2024-01-02T14:30:01.500Z,1,50.15,50.25,100,200',
        '2024-01-02T14:30:02.123456789Z,2,50.2,50.3,500,600',
        '',
      ].join('\n'),
    );
  });

  it('streams JSON records, honouring from/to', async () => {
    const res = await get('/api/v1/market-data/history/ZZB?kind=bars&format=json&from=2024-01-02T14:32:00Z');
    expect(res.headers['content-disposition']).toBe('attachment; filename="ZZB-bars.json"');
    expect(res.json().map((r: any) => [r.ts, r.open, r.close, r.volume])).toEqual([
      ['2024-01-02T14:32:00.000Z', 101.5, 100.75, 800],
      ['2024-01-02T14:33:00.000Z', 100.75, 102.5, 2000],
    ]);
  });

  it('serves Parquet that reads back to the stored rows', async () => {
    const res = await get('/api/v1/market-data/history/ZZQ?kind=quotes&format=parquet');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="ZZQ-quotes.parquet"');
    const pl = await loadPolars();
    const frame = pl.readParquet(res.rawPayload);
    expect(frame.height).toBe(3);
    expect([...(frame.getColumn('bid').toTypedArray() as Float64Array)]).toEqual([50.1, 50.15, 50.2]);
    expect([...(frame.getColumn('ask_size').cast(pl.Float64).toTypedArray() as Float64Array)]).toEqual([400, 200, 600]);
  });

  it('answers 404 NO_DATA for a kind the symbol does not have and 400 for an unknown kind or format', async () => {
    expectError(await get('/api/v1/market-data/history/ZZQ?kind=trades'), 404, 'NO_DATA', /trades/);
    expectError(await get('/api/v1/market-data/history/ZZQ?kind=ticks'), 400, 'INPUT_INVALID', /querystring\.kind/);
    expectError(await get('/api/v1/market-data/history/ZZQ?kind=quotes&format=xml'), 400, 'INPUT_INVALID', /querystring\.format/);
    expectError(await get('/api/v1/market-data/history/ZZQ'), 400, 'INPUT_INVALID', /querystring\.kind/);
  });
});

describe('GET /api/v1/market-data/symbols', () => {
  it('equals `cift ingest --list --json` on the same home', async () => {
    const res = await get('/api/v1/market-data/symbols');
    expect(res.statusCode).toBe(200);
    const cli = cift(['ingest', '--list', '--json'], { home });
    expect(cli.status, cli.stderr).toBe(0);
    expect(res.json()).toEqual(JSON.parse(cli.stdout));
    const zzq = res.json().find((s: any) => s.symbol === 'ZZQ');
    expect(zzq).toMatchObject({ kind: 'quotes', rows: 3, first: '2024-01-02T14:30:00.000000001Z', last: '2024-01-02T14:30:02.123456789Z', builtin: false, used: true });
    expect(zzq.sources).toHaveLength(1);
    expect(zzq.sources[0]).toMatchObject({ symbol: 'ZZQ', kind: 'quotes', label: 'quotes.csv', rows: 3 });
  });
});

describe('health, readiness, metrics and docs', () => {
  it('GET /health gives the version and uptime', async () => {
    const body = (await get('/health')).json();
    expect(body.status).toBe('ok');
    expect(body.version).toBe('9.9.9-test');
    expect(body.uptime_s).toBeGreaterThanOrEqual(0);
  });

  it('GET /ready is 200 when the tick store answers, 503 naming a failing ledger probe', async () => {
    expect((await get('/ready')).json()).toEqual({ status: 'ready', checks: { tick_store: 'ok' } });
    const broken = await buildApp(await servicesFor(home, { probes: { ledger: () => Promise.reject(new Error('ledger is closed')) } }));
    try {
      const res = await broken.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', failing: ['ledger'], checks: { tick_store: 'ok', ledger: 'failing: ledger is closed' } });
    } finally {
      await broken.close();
    }
  });

  it('GET /metrics shows the request histogram by route template after a request, per app', async () => {
    await get('/api/v1/market-data/quote/ZZQ');
    await get('/api/v1/market-data/quote/ZZX');
    const text = (await get('/metrics')).body;
    const count = (status: string) =>
      text.split('\n').find((l) => l.startsWith('cift_http_request_duration_seconds_count{') && l.includes('route="/api/v1/market-data/quote/:symbol"') && l.includes('method="GET"') && l.includes(`status_code="${status}"`));
    expect(count('200')).toMatch(/ \d+$/);
    expect(Number(count('200')!.split(' ').pop())).toBeGreaterThanOrEqual(1);
    expect(count('404')).toBeDefined();
    expect(text).toContain('process_cpu_user_seconds_total');
    await get('/no/such/route');
    const after = (await get('/metrics')).body;
    expect(after).toMatch(/cift_http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"[^}]*\} 1/);
    expect(after).not.toContain('/no/such/route');
    expect(text).not.toContain('ZZQ');
    // A second app has its own registry: none of the first app's requests.
    const other = await buildApp(services);
    try {
      const fresh = (await other.inject({ method: 'GET', url: '/metrics' })).body;
      expect(fresh).not.toContain('quote/:symbol');
    } finally {
      await other.close();
    }
  });

  it('GET /openapi.json lists the routes and their query parameters; /docs serves the UI', async () => {
    const spec = (await get('/openapi.json')).json();
    expect(spec.openapi).toBe('3.0.3');
    expect(Object.keys(spec.paths).sort()).toEqual(
      [
        '/api/v1/market-data/bars/{symbol}',
        '/api/v1/market-data/history/{symbol}',
        '/api/v1/market-data/quote/{symbol}',
        '/api/v1/market-data/quotes',
        '/api/v1/market-data/symbols',
        '/health',
        '/metrics',
        '/ready',
      ].sort(),
    );
    const barsParams = spec.paths['/api/v1/market-data/bars/{symbol}'].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    expect(barsParams).toEqual(expect.arrayContaining(['path:symbol', 'query:interval', 'query:from', 'query:to', 'query:limit', 'query:source']));
    const quote200 = spec.paths['/api/v1/market-data/quote/{symbol}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(quote200.properties)).toEqual(expect.arrayContaining(['symbol', 'source', 'bid', 'ask', 'bid_size', 'ask_size', 'ts', 'ts_ns']));
    const docs = await get('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
  });
});

describe('error mapping', () => {
  let probe: FastifyInstance;
  beforeAll(async () => {
    probe = await buildApp(services, { bodyLimit: 64 });
    // Routes that only exist here, to drive each branch of the error handler.
    probe.post('/test/echo', async (request) => ({ got: request.body }));
    probe.get('/test/throw/:code', async (request) => {
      const code = (request.params as { code: string }).code;
      if (code === 'plain') throw new Error('secret detail at /srv/internal/path');
      throw new CiftError(code as never, `thrown ${code}`);
    });
    await probe.ready();
  });
  afterAll(() => probe.close());

  it('maps CiftError codes to statuses', async () => {
    for (const [code, status] of [
      ['USAGE', 400],
      ['INPUT_INVALID', 400],
      ['UNKNOWN_SYMBOL', 404],
      ['ORDER_NOT_FOUND', 404],
      ['NO_DATA', 404],
      ['ORDER_NOT_CANCELABLE', 409],
      ['IDEMPOTENCY_CONFLICT', 409],
      ['ORDER_REJECTED', 422],
      ['LEDGER_LOCKED', 503],
      ['STORE_UNAVAILABLE', 503],
    ] as const) {
      const res = await probe.inject({ method: 'GET', url: `/test/throw/${code}` });
      expectError(res, status, code, `thrown ${code}`);
    }
  });

  it('answers an unexpected error with 500 INTERNAL, a request id and nothing of the error', async () => {
    const res = await probe.inject({ method: 'GET', url: '/test/throw/plain' });
    const e = expectError(res, 500, 'INTERNAL');
    expect(e.message).toBe('internal error');
    expect(res.body).not.toMatch(/secret|\/srv|at .*\.js/);
    expect(e.request_id).toMatch(/^[0-9a-f-]{36}$/);
    // An unmapped CiftError code is a server fault too.
    expectError(await probe.inject({ method: 'GET', url: '/test/throw/WRITE_FAILED' }), 500, 'INTERNAL', /^internal error$/);
  });

  it('answers malformed JSON with 400, an oversized body with 413, an unknown route with 404', async () => {
    const bad = await probe.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '{"symbol": ' });
    expectError(bad, 400, 'INPUT_INVALID');
    const big = await probe.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pad: 'x'.repeat(200) }) });
    expectError(big, 413, 'PAYLOAD_TOO_LARGE');
    const ok = await probe.inject({ method: 'POST', url: '/test/echo', payload: { a: 1 } });
    expect(ok.json()).toEqual({ got: { a: 1 } });
    expectError(await probe.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, 'NOT_FOUND', /\/api\/v1\/nothing-here/);
  });

  it('answers CORS preflights only for allowed origins', async () => {
    const cors = await buildApp(services, { corsOrigins: ['http://dash.local'] });
    try {
      const pre = await cors.inject({ method: 'OPTIONS', url: '/api/v1/market-data/quote/ZZQ', headers: { origin: 'http://dash.local', 'access-control-request-method': 'GET' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('http://dash.local');
      const other = await cors.inject({ method: 'GET', url: '/health', headers: { origin: 'http://evil.local' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.close();
    }
  });
});

describe('compression and shutdown', () => {
  it('gzips a large answer when asked, and the unzipped body is the plain one', async () => {
    const { gunzipSync } = await import('node:zlib');
    const plain = await get('/api/v1/market-data/bars/GOOG?interval=1w');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json().count).toBeGreaterThan(100);
    const zipped = await app.inject({ method: 'GET', url: '/api/v1/market-data/bars/GOOG?interval=1w', headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual(plain.json());
    // A small answer goes as it is.
    const small = await app.inject({ method: 'GET', url: '/health', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('app.close() lets an in-flight request finish, then runs the services close', async () => {
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inside = new Promise<void>((resolve) => (arrived = resolve));
    const live = await buildApp({ ...services, close: async () => void events.push('stores closed') });
    live.get('/test/slow', async () => {
      arrived();
      await gate;
      events.push('handler done');
      return { done: true };
    });
    const url = await live.listen({ host: '127.0.0.1', port: 0 });
    const pending = fetch(`${url}/test/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await inside;
    const closing = live.close().then(() => events.push('app closed'));
    release();
    expect(await pending).toEqual({ status: 200, body: { done: true } });
    await closing;
    expect(events).toEqual(['handler done', 'stores closed', 'app closed']);
  });
});
