/**
 * Market-data routes: latest quote, batch quotes, bars (the same loadBars as `cift bars`), streamed history
 * downloads and the symbol list (what `cift ingest --list --json` shows). Read-only over the tick store and the
 * shipped sample data.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type pl from 'nodejs-polars';
import { CiftError, isCiftError } from '../../errors.js';
import { frameColumns } from '../../io/export.js';
import type { MarketData } from '../../market-data.js';
import { DATA_ORIGINS } from '../../market-data.js';
import type { Polars } from '../../polars.js';
import { TICK_KINDS, VALUE_COLUMNS } from '../../schema.js';
import { normalizeSymbol } from '../../schema.js';
import { parseInterval, parseTimestamp } from '../../time.js';
import { loadBars } from '../../usecases/load-bars.js';
import type { ApiServices } from '../app.js';
import { getQuote, getQuotes } from '../../usecases/quotes.js';
import { listSymbols } from '../../usecases/symbols.js';

const isInterval = (text: string): boolean => {
  try {
    parseInterval(text);
    return true;
  } catch {
    return false;
  }
};
const isTimestamp = (text: string): boolean => {
  try {
    return parseTimestamp(text) !== undefined;
  } catch {
    return false;
  }
};

const quoteSchema = z
  .object({
    symbol: z.string(),
    source: z.enum(['quote', 'trade', 'bar']).describe('quote: a stored quote; trade: no quotes, the last trade; bar: neither, the last bar close'),
    price: z.number().describe('the mark: quote mid, last trade price or last close'),
    ts: z.string().describe('ISO-8601 UTC, with sub-millisecond digits when the row has them'),
    ts_ns: z.string().describe('UTC epoch nanoseconds as a decimal string'),
    bid: z.number().nullable(),
    ask: z.number().nullable(),
    bid_size: z.number().nullable(),
    ask_size: z.number().nullable(),
    size: z.number().nullable().describe('trade size or bar volume; null for a quote'),
  })
  .describe('latest price of a symbol');

const symbolParam = z.object({ symbol: z.string().min(1).max(32).describe('a stored or shipped symbol, e.g. AAPL') });
const timeField = z.string().refine(isTimestamp, { message: 'not a date or time: use ISO-8601, e.g. 2012-06-21 or 2012-06-21T14:00:00Z' });
const rangeFields = {
  from: timeField.optional().describe('first time, inclusive (ISO-8601; UTC unless it has an offset)'),
  to: timeField.optional().describe('last time, inclusive'),
};
const sourceField = z.enum(DATA_ORIGINS as unknown as ['stored', 'shipped']).optional().describe('read only stored or only shipped data (default: stored wins, else shipped)');

/** Parses a validated from/to pair; a range that ends before it starts is refused rather than answered empty. */
function rangeOf(q: { from?: string; to?: string }): { from?: bigint; to?: bigint } {
  const from = q.from === undefined ? undefined : parseTimestamp(q.from);
  const to = q.to === undefined ? undefined : parseTimestamp(q.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw new CiftError('INPUT_INVALID', `querystring.from ${q.from} is after querystring.to ${q.to}`, 'swap them');
  }
  return { from, to };
}

function symbolOf(text: string): string {
  try {
    return normalizeSymbol(text);
  } catch (e) {
    throw isCiftError(e) ? new CiftError('INPUT_INVALID', `params.symbol: ${e.message}`, e.hint) : e;
  }
}

/** Rows per chunk of a streamed CSV/JSON download: one chunk's text is in memory at a time, never the whole file. */
const CHUNK_ROWS = 10_000;

const csvCell = (v: string | number | null): string => (v === null ? '' : typeof v === 'number' ? String(v) : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The text of a download, chunk by chunk as the store yields them. Pulled by Readable.from, so a slow client
 * holds back the store reads (backpressure), and a client that goes away ends the generator (and the store's).
 */
async function* textChunks(polars: Polars, columns: readonly string[] | undefined, frames: AsyncIterable<pl.DataFrame>, format: 'csv' | 'json'): AsyncGenerator<string> {
  // A book's columns follow its levels, so its CSV header is the first stored chunk's (undefined columns).
  let header = columns === undefined && format === 'csv';
  if (!header) yield format === 'csv' ? `${columns!.join(',')}\n` : '[';
  let first = true;
  for await (const part of frames) {
    if (header) {
      yield `${part.columns.join(',')}\n`;
      header = false;
    }
    if (part.height === 0) continue;
    const cols = frameColumns(polars, part);
    const lines: string[] = new Array(part.height);
    for (let i = 0; i < part.height; i++) {
      if (format === 'csv') lines[i] = cols.map((c) => csvCell(c.values[i])).join(',');
      else {
        const rec: Record<string, string | number | null> = {};
        for (const c of cols) rec[c.name] = c.values[i];
        lines[i] = JSON.stringify(rec);
      }
    }
    yield format === 'csv' ? `${lines.join('\n')}\n` : `${first ? '' : ','}${lines.join(',')}`;
    first = false;
    // A turn of the event loop between chunks, so a fast download never keeps other requests waiting.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (header) yield 'ts,seq\n';
  if (format === 'json') yield ']\n';
}

/** What fastify sends a serialised object as, so a body sent as bytes is labelled the same. */
const JSON_TYPE = 'application/json; charset=utf-8';

export const marketDataRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  const { polars } = services;
  /** The response bytes of each remembered quote (getQuote shares an unchanged one), so it is serialised once. */
  const quoteBodies = new WeakMap<object, Buffer>();
  const marketOf = (source: 'stored' | 'shipped' | undefined): Promise<MarketData> => (source ? services.marketFor(source) : Promise.resolve(services.market));

  app.get(
    '/quote/:symbol',
    {
      schema: {
        description: 'Latest bid/ask/sizes from stored quotes; else the last trade; else the last bar close (`source` says which)',
        tags: ['market-data'],
        params: symbolParam,
        querystring: z.object({ source: sourceField }).strict(),
        response: { 200: quoteSchema },
      },
      // A quote is a few hundred bytes, always under the compression threshold: no compression hooks on every request.
      compress: false,
    },
    // No ?source: the live prices (a replay moves them), else the chosen origin's stored latest row.
    async (request, reply) => {
      const quote = await getQuote(request.query.source ? await marketOf(request.query.source) : services.prices ?? services.market, symbolOf(request.params.symbol));
      // A remembered quote (frozen, shared until the market changes) is serialised by the route's schema once.
      let body = quoteBodies.get(quote);
      if (body === undefined) {
        body = Buffer.from(reply.serialize(quote) as string);
        if (Object.isFrozen(quote)) quoteBodies.set(quote, body);
      }
      return (reply as FastifyReply).type(JSON_TYPE).send(body);
    },
  );

  app.get(
    '/quotes',
    {
      schema: {
        description: 'Latest quote of several symbols; unknown ones (or ones with no price data) are listed in `missing`',
        tags: ['market-data'],
        querystring: z.object({ symbols: z.string().min(1).describe('comma-separated symbols, e.g. AAPL,GOOG') }),
        response: { 200: z.object({ quotes: z.array(quoteSchema), missing: z.array(z.string()).describe('symbols with no data') }) },
      },
    },
    async (request) => {
      const symbols = [...new Set(request.query.symbols.split(',').map((s) => s.trim()).filter(Boolean).map(symbolOf))];
      if (symbols.length === 0) throw new CiftError('INPUT_INVALID', 'querystring.symbols: give at least one symbol');
      if (symbols.length > 500) throw new CiftError('INPUT_INVALID', `querystring.symbols: ${symbols.length} symbols; at most 500 per request`);
      return getQuotes(services.prices ?? services.market, symbols);
    },
  );

  app.get(
    '/bars/:symbol',
    {
      schema: {
        description: 'OHLCV bars, the same columns and numbers as `cift bars SYMBOL --json`',
        tags: ['market-data'],
        params: symbolParam,
        querystring: z
          .object({
            interval: z.string().refine(isInterval, { message: 'not an interval: use a count and a unit, e.g. 1s, 1m, 5m, 1h, 1d, 1w, 1mo' }).optional().describe('bar length (default: 1m from trades or quotes; stored bars as they are)'),
            ...rangeFields,
            limit: z.coerce.number().int().positive().max(1_000_000).optional().describe('at most this many bars, from the start of the range'),
            source: sourceField,
          })
          .strict(),
      },
    },
    async (request) => {
      const symbol = symbolOf(request.params.symbol);
      const q = request.query;
      const range = rangeOf(q);
      const market = await marketOf(q.source);
      const result = await loadBars(polars, market, { symbol, interval: q.interval, range });
      const frame = q.limit !== undefined ? result.frame.head(q.limit) : result.frame;
      const cols = frameColumns(polars, frame);
      const bars = new Array(frame.height);
      for (let i = 0; i < frame.height; i++) {
        const rec: Record<string, string | number | null> = {};
        for (const c of cols) rec[c.name] = c.values[i];
        bars[i] = rec;
      }
      return { symbol, interval: result.interval ?? null, from: result.from, count: frame.height, truncated: frame.height < result.frame.height, bars };
    },
  );

  app.get(
    '/history/:symbol',
    {
      schema: {
        description: 'Stored rows of one kind as a streamed download (Content-Disposition: attachment) in json, csv or parquet',
        tags: ['market-data'],
        params: symbolParam,
        querystring: z
          .object({
            kind: z.enum(TICK_KINDS as unknown as ['trades', 'quotes', 'bars', 'book']).describe('which rows'),
            ...rangeFields,
            format: z.enum(['json', 'csv', 'parquet']).default('csv').describe('download format (default csv)'),
            source: sourceField,
          })
          .strict(),
      },
    },
    async (request, reply) => {
      const symbol = symbolOf(request.params.symbol);
      const q = request.query;
      const range = rangeOf(q);
      const market = await marketOf(q.source);
      const kinds = await market.kindsOf(symbol);
      if (!kinds.includes(q.kind)) throw new CiftError('NO_DATA', `no ${q.kind} for "${symbol}" (it has ${kinds.join(', ')})`);
      const name = `${symbol}-${q.kind}.${q.format}`;
      if (q.format === 'parquet') {
        // Polars writes a Parquet file whole (nodejs-polars has no row-group writer), so this one format reads the
        // range into one frame; a temp file keeps the bytes out of the JS heap and is streamed, then removed.
        const frame = await market.read(q.kind, symbol, range);
        if (frame === undefined) throw new CiftError('NO_DATA', `no ${q.kind} for "${symbol}"`);
        const dir = await mkdtemp(join(services.tempDir ?? tmpdir(), 'cift-history-'));
        const path = join(dir, name);
        try {
          frame.writeParquet(path, { compression: 'zstd' });
        } catch (e) {
          await rm(dir, { recursive: true, force: true });
          throw e;
        }
        const stream = createReadStream(path);
        stream.on('close', () => void rm(dir, { recursive: true, force: true }));
        reply.header('content-disposition', `attachment; filename="${name}"`);
        reply.header('x-row-count', String(frame.height));
        reply.type('application/vnd.apache.parquet');
        return reply.send(stream);
      }
      // CSV and JSON stream from the store a file group and a chunk at a time (MarketData.readChunks), never the
      // whole range in memory; the row count is not known before the end, so there is no x-row-count here.
      reply.header('content-disposition', `attachment; filename="${name}"`);
      reply.type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      const columns = q.kind === 'book' ? undefined : ['ts', 'seq', ...VALUE_COLUMNS[q.kind]];
      return reply.send(Readable.from(textChunks(polars, columns, market.readChunks(q.kind, symbol, range, { chunkRows: CHUNK_ROWS }), q.format)));
    },
  );

  app.get(
    '/symbols',
    {
      schema: { description: 'Stored series and the shipped sample series (what `cift ingest --list --json` shows)', tags: ['market-data'] },
    },
    async () => listSymbols(services.market),
  );
};

