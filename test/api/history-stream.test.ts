/**
 * Streamed history downloads: GET /market-data/history/{symbol} reads the tick store a file group and a chunk at a
 * time (MarketData.readChunks). A trades series stored as four data files (one source over three UTC days, and a
 * second source appended over the middle day, with one row tying the first on (ts, seq)) must come out with the
 * same rows in the same order as market.read(); a range must cut it the same way; and a client that goes away
 * mid-download must end the store generator rather than leave it running.
 * Expected rows are written out by hand from the fixtures below.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type pl from 'nodejs-polars';
import { buildApp, type ApiServices } from '../../src/api/app.js';
import { resolveSettings } from '../../src/config.js';
import { frameToCsv } from '../../src/io/export.js';
import { MarketData } from '../../src/market-data.js';
import { loadPolars, type Polars } from '../../src/polars.js';
import { parseTimestamp } from '../../src/time.js';
import { cift, tempDir, writeText } from '../helpers.js';

// Source A: one row on 2024-01-02, two on 2024-01-03, one on 2024-01-04 → three data files (one per UTC day).
const A_CSV = `ts,price,size,side
2024-01-02T23:59:59Z,10,1,1
2024-01-03T00:00:01Z,11,2,-1
2024-01-03T12:00:00Z,12,3,1
2024-01-04T09:30:00Z,13,4,0
`;
// Source B (--append), all on 2024-01-03 → one file overlapping A's middle file. Its third row has the same ts
// and seq (2) as A's 12:00 row: read() keeps the catalog order for such ties (A was stored first).
const B_CSV = `ts,price,size,side
2024-01-03T06:00:00Z,20,5,1
2024-01-03T07:00:00Z,21,6,-1
2024-01-03T12:00:00Z,22,7,1
`;

const HEADER = 'ts,seq,price,size,side';
const ALL_ROWS = [
  '2024-01-02T23:59:59.000Z,0,10,1,1',
  '2024-01-03T00:00:01.000Z,1,11,2,-1',
  '2024-01-03T06:00:00.000Z,0,20,5,1',
  '2024-01-03T07:00:00.000Z,1,21,6,-1',
  '2024-01-03T12:00:00.000Z,2,12,3,1',
  '2024-01-03T12:00:00.000Z,2,22,7,1',
  '2024-01-04T09:30:00.000Z,3,13,4,0',
];

const tmp = tempDir('cift-history-');
const home = `${tmp.dir}/home`;
let polars: Polars;
let market: MarketData;
let services: ApiServices;
let app: FastifyInstance;

beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(home);
  expect(cift(['ingest', writeText(tmp.dir, 'a.csv', A_CSV), '--symbol', 'ZZT', '--kind', 'trades'], { home }).status).toBe(0);
  expect(cift(['ingest', writeText(tmp.dir, 'b.csv', B_CSV), '--symbol', 'ZZT', '--kind', 'trades', '--append'], { home }).status).toBe(0);
  const settings = resolveSettings({ home });
  polars = await loadPolars();
  market = await MarketData.open(settings);
  services = { version: '9.9.9-test', polars, market, marketFor: (source) => MarketData.open(settings, { source }) };
  app = await buildApp(services);
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

const csvRows = (text: string): string[] => text.split('\n').slice(1, -1);

async function collect(frames: AsyncIterable<pl.DataFrame>): Promise<pl.DataFrame[]> {
  const out: pl.DataFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

describe('MarketData.readChunks over a series of several data files', () => {
  it('the fixture is stored as four data files in two sources', async () => {
    const sources = (await market.sources()).filter((s) => s.symbol === 'ZZT');
    expect(sources.map((s) => [s.rows, s.files])).toEqual([
      [4, 3],
      [3, 1],
    ]);
  });

  it('yields the rows of read(), in its order, in frames of at most chunkRows, one file group at a time', async () => {
    const whole = (await market.read('trades', 'ZZT'))!;
    expect(csvRows(frameToCsv(polars, whole))).toEqual(ALL_ROWS);
    const chunks = await collect(market.readChunks('trades', 'ZZT', {}, { chunkRows: 2 }));
    // Groups: the 01-02 file (1 row); A's and B's 01-03 files, overlapping, merged (2 + 3 rows); the 01-04 file (1).
    expect(chunks.map((c) => c.height)).toEqual([1, 2, 2, 1, 1]);
    expect(chunks.flatMap((c) => csvRows(frameToCsv(polars, c)))).toEqual(ALL_ROWS);
  });

  it('cuts a range the way read() does', async () => {
    const range = { from: parseTimestamp('2024-01-03T00:00:00Z'), to: parseTimestamp('2024-01-03T12:00:00Z') };
    const expected = ALL_ROWS.slice(1, 6);
    expect(csvRows(frameToCsv(polars, (await market.read('trades', 'ZZT', range))!))).toEqual(expected);
    const chunks = await collect(market.readChunks('trades', 'ZZT', range, { chunkRows: 100 }));
    expect(chunks.map((c) => c.height)).toEqual([5]);
    expect(chunks.flatMap((c) => csvRows(frameToCsv(polars, c)))).toEqual(expected);
  });

  it('yields nothing for a range with no rows, and for a symbol with nothing stored', async () => {
    const empty = { from: parseTimestamp('2024-01-05T00:00:00Z') };
    expect(await collect(market.readChunks('trades', 'ZZT', empty))).toEqual([]);
    expect(await collect(market.readChunks('quotes', 'ZZT'))).toEqual([]);
  });

  it('falls back to the shipped bars as read() does when nothing of the kind is stored', async () => {
    const whole = (await market.read('bars', 'GOOG'))!;
    const chunks = await collect(market.readChunks('bars', 'GOOG', {}, { chunkRows: 100 }));
    expect(chunks.length).toBe(Math.ceil(whole.height / 100));
    expect(chunks.reduce((n, c) => n + c.height, 0)).toBe(whole.height);
    expect(frameToCsv(polars, polars.concat(chunks))).toBe(frameToCsv(polars, whole));
  });
});

describe('GET /api/v1/market-data/history/{symbol} streams from the store', () => {
  it('CSV of the whole series: the rows and order of market.read()', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/ZZT?kind=trades&format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="ZZT-trades.csv"');
    expect(res.body).toBe([HEADER, ...ALL_ROWS, ''].join('\n'));
  });

  it('JSON of a range', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/ZZT?kind=trades&format=json&from=2024-01-03T06:00:00Z&to=2024-01-03T23:59:59Z' });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((r: any) => [r.ts, r.seq, r.price])).toEqual([
      ['2024-01-03T06:00:00.000Z', 0, 20],
      ['2024-01-03T07:00:00.000Z', 1, 21],
      ['2024-01-03T12:00:00.000Z', 2, 12],
      ['2024-01-03T12:00:00.000Z', 2, 22],
    ]);
  });

  it('an empty range: the CSV header alone, or an empty JSON array', async () => {
    const csv = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/ZZT?kind=trades&from=2030-01-01' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toBe(`${HEADER}\n`);
    const json = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/ZZT?kind=trades&format=json&from=2030-01-01' });
    expect(json.json()).toEqual([]);
  });

  it('gzip-encoded when asked, with the same text', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/market-data/history/ZZT?kind=trades', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(res.rawPayload).toString()).toBe([HEADER, ...ALL_ROWS, ''].join('\n'));
  });
});

describe('a client that goes away mid-download', () => {
  /**
   * The store generator is replaced by one that never ends (it repeats the stored rows), counting the frames pulled
   * and noting when it is closed: only backpressure keeps it from running away, and only the abort ends it.
   */
  async function abortMidStream(headers: Record<string, string>): Promise<{ pulled: number; closed: boolean; pulledLater: number }> {
    const probe = { pulled: 0, closed: false };
    const endless = Object.create(market) as MarketData;
    endless.readChunks = async function* (kind, symbol, range, opts) {
      try {
        for (;;) {
          for await (const frame of market.readChunks(kind, symbol, range, opts)) {
            probe.pulled++;
            yield frame;
          }
        }
      } finally {
        probe.closed = true;
      }
    };
    const server = await buildApp({ ...services, market: endless });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = server.server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/market-data/history/ZZT?kind=trades&format=csv', headers }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy(); // the client goes away after the first bytes
            resolve();
          });
        });
        req.on('error', (e) => (probe.closed ? undefined : reject(e)));
        req.end();
      });
      // Wait (not a timing assertion: the bound only turns a hang into a failure) for the generator to be closed.
      for (let i = 0; i < 500 && !probe.closed; i++) await new Promise((r) => setTimeout(r, 10));
      const pulled = probe.pulled;
      await new Promise((r) => setTimeout(r, 50));
      return { pulled, closed: probe.closed, pulledLater: probe.pulled };
    } finally {
      await server.close();
    }
  }

  it('closes the store generator and stops pulling (plain)', async () => {
    const r = await abortMidStream({});
    expect(r.closed).toBe(true);
    expect(r.pulled).toBeGreaterThan(0);
    expect(r.pulledLater).toBe(r.pulled);
  });

  it('closes the store generator and stops pulling (gzip)', async () => {
    const r = await abortMidStream({ 'accept-encoding': 'gzip' });
    expect(r.closed).toBe(true);
    expect(r.pulledLater).toBe(r.pulled);
  });

  it('closing the server after an abort does not wait on the download', async () => {
    // server.close() in abortMidStream resolving is the check: a leaked response would hold it open.
    const r = await abortMidStream({});
    expect(r.closed).toBe(true);
  });
});
