/**
 * The pipelines and codec suites' checkers: each must pass on agreeing outputs and throw on a deliberately wrong one
 * (a benchmark whose check never fires proves nothing). Expected values are worked by hand or read by the test's
 * own line reader, never taken from the code under test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolars } from '../../src/polars.js';
import { checkRoundTrip, codecCases, orderEvent, tickBatch, type Codec } from '../../bench/codec.js';
import {
  asofLoop,
  asofPolars,
  checkDigest,
  checkMinuteBars,
  compareColumns,
  digestOfColumns,
  digestOfFrame,
  floatColumn,
  minuteBarsLoop,
  minuteBarsOfFrame,
  minuteBarsPolars,
  quotesFrame,
  readTicksLineByLine,
  rollingKernel,
  rollingPolars,
  tradesFrame,
} from '../../bench/pipelines-cases.js';
import { pipelineSizes } from '../../bench/pipelines.js';
import { writeTickCsv, type Trades } from '../../bench/pipelines-data.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const f64 = (...v: number[]) => Float64Array.from(v);

describe('pipelines: the tick file and its digest', () => {
  const csv = join(tmp.dir, 'ticks.csv');
  const digest = writeTickCsv(csv, 7, 3);

  it("the generator's digest is what the file holds (read by the test's own line reader)", () => {
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('ts,price,size,side');
    const fields = rows.slice(1).map((l) => l.split(','));
    expect(fields).toHaveLength(7);
    for (const f of fields) expect(f[1], 'prices carry two decimals').toMatch(/^\d+\.\d\d$/);
    expect(digest).toEqual({
      rows: 7,
      price_cents_sum: fields.reduce((s, f) => s + Number(f[1].replace('.', '')), 0),
      size_sum: fields.reduce((s, f) => s + Number(f[2]), 0),
      buys: fields.filter((f) => f[3] === 'B').length,
      ts_first: Number(fields[0][0]),
      ts_last: Number(fields[6][0]),
      ts_micros_sum: fields.reduce((s, f) => s + Number(BigInt(f[0]) % 1_000_000n), 0),
    });
  });

  it('both readers pass the check; a digest off by one row, one cent or one buy fails it, naming the field', async () => {
    const pl = await loadPolars();
    const baseline = digestOfColumns(await readTicksLineByLine(csv));
    const polars = digestOfFrame(pl, pl.readCSV(csv));
    for (const got of [baseline, polars]) {
      checkDigest('reader', got, digest);
      expect(() => checkDigest('reader', got, { ...digest, rows: 8 })).toThrow('reader: rows is 7, the generator wrote 8');
      expect(() => checkDigest('reader', got, { ...digest, price_cents_sum: digest.price_cents_sum + 1 })).toThrow(/reader: Σ price is .*, the generator wrote/);
      expect(() => checkDigest('reader', got, { ...digest, buys: digest.buys + 1 })).toThrow(/buys/);
    }
  });

  it('a file that differs from what the generator wrote (one size changed) fails both readers', async () => {
    const pl = await loadPolars();
    const bad = join(tmp.dir, 'bad.csv');
    const lines = readFileSync(csv, 'utf8').split('\n');
    const f = lines[3].split(',');
    lines[3] = [f[0], f[1], String(Number(f[2]) + 1), f[3]].join(',');
    writeFileSync(bad, lines.join('\n'));
    expect(() => checkDigest(bad, digestOfFrame(pl, pl.readCSV(bad)), digest)).toThrow(/size_sum/);
    await expect(readTicksLineByLine(bad).then((c) => checkDigest(bad, digestOfColumns(c), digest))).rejects.toThrow(/size_sum/);
  });
});

describe('pipelines: compareColumns', () => {
  it('passes equal columns (NaN meeting NaN) and returns the largest difference', () => {
    expect(compareColumns('x', f64(NaN, 1, 2.0000000001), f64(NaN, 1, 2), 1e-9)).toBeCloseTo(1e-10, 15);
  });
  it('throws on a wrong value, a NaN against a number, or a different length', () => {
    expect(() => compareColumns('x', f64(1, 2.5), f64(1, 2), 1e-9)).toThrow('x: index 1 is 2.5, the baseline has 2 (difference 0.5)');
    expect(() => compareColumns('x', f64(1, NaN), f64(1, 2), 1e-9)).toThrow('x: index 1 is NaN, the baseline has 2');
    expect(() => compareColumns('x', f64(1, 2), f64(NaN, 2), 1e-9)).toThrow('x: index 0 is 1, the baseline has NaN');
    expect(() => compareColumns('x', f64(1), f64(1, 2), 0)).toThrow('x: 1 values, the baseline has 2');
  });
});

const T0 = 1_704_205_800_000_000; // a minute boundary in epoch µs (28,403,430 minutes)

describe('pipelines: group-by (OHLCV per 1-minute bucket)', () => {
  const trades: Trades = {
    ts: f64(T0 + 1e6, T0 + 30e6, T0 + 59_999_999, T0 + 60e6, T0 + 150e6),
    price: f64(10, 12, 9, 11, 13),
    size: f64(1, 2, 3, 4, 5),
  };
  // Worked by hand: the first minute holds three trades, the next one, the third one.
  const want = {
    minute: f64(T0, T0 + 60e6, T0 + 120e6),
    open: f64(10, 11, 13),
    high: f64(12, 11, 13),
    low: f64(9, 11, 13),
    close: f64(9, 11, 13),
    volume: f64(6, 4, 5),
    trades: f64(3, 1, 1),
  };

  it('the loop and polars both give the hand-worked bars, and the checker accepts them', async () => {
    const pl = await loadPolars();
    const loop = minuteBarsLoop(trades);
    const polars = minuteBarsOfFrame(pl, minuteBarsPolars(pl, tradesFrame(pl, trades)));
    expect(loop).toEqual(want);
    expect(polars).toEqual(want);
    expect(checkMinuteBars(polars, loop)).toBe(3);
  });

  it('a bar that disagrees fails the check, naming the field', () => {
    expect(() => checkMinuteBars({ ...want, close: f64(9, 11, 12) }, want)).toThrow('group-by close: index 2 is 12, the baseline has 13');
    expect(() => checkMinuteBars({ ...want, minute: f64(T0, T0 + 60e6) }, want)).toThrow('group-by minute: 2 values, the baseline has 3');
  });
});

describe('pipelines: as-of join (backward)', () => {
  const trades: Trades = { ts: f64(5, 10, 25, 30, 40), price: f64(1, 1, 1, 1, 1), size: f64(1, 1, 1, 1, 1) };
  const quotes = { ts: f64(10, 20, 30), bid: f64(1, 2, 3), ask: f64(1.5, 2.5, 3.5) };

  it('each trade gets the last quote at or before it (none before the first), in both implementations', async () => {
    const pl = await loadPolars();
    const loop = asofLoop(trades, quotes);
    expect(loop.bid).toEqual(f64(NaN, 1, 2, 3, 3));
    expect(loop.ask).toEqual(f64(NaN, 1.5, 2.5, 3.5, 3.5));
    const joined = asofPolars(tradesFrame(pl, trades), quotesFrame(pl, quotes));
    expect(compareColumns('bid', floatColumn(pl, joined, 'bid'), loop.bid, 0)).toBe(0);
    expect(compareColumns('ask', floatColumn(pl, joined, 'ask'), loop.ask, 0)).toBe(0);
    // A merge that took the quote after the trade would be caught:
    expect(() => compareColumns('bid', f64(1, 1, 3, 3, 3), loop.bid, 0)).toThrow('bid: index 0 is 1, the baseline has NaN');
  });
});

describe('pipelines: rolling mean(20)', () => {
  it('polars and the sma kernel agree with the hand-worked means (NaN until 20 values)', async () => {
    const pl = await loadPolars();
    const x = Float64Array.from({ length: 25 }, (_, i) => i + 1);
    const kernel = rollingKernel(x);
    const polars = floatColumn(pl, rollingPolars(pl, pl.DataFrame({ price: x })), 'price');
    expect(kernel[18]).toBeNaN();
    expect(kernel[19]).toBe(10.5); // mean of 1…20
    expect(kernel[24]).toBe(15.5); // mean of 6…25
    expect(compareColumns('rolling', polars, kernel, 1e-9)).toBeLessThanOrEqual(1e-12);
    expect(() => compareColumns('rolling', polars, Float64Array.from(kernel, (v, i) => (i === 22 ? v + 1e-6 : v)), 1e-9)).toThrow(/rolling: index 22/);
  });
});

describe('pipelines: sizes', () => {
  it("--size 1,000,000 gives the brief's sizes; a small --size scales them down", () => {
    expect(pipelineSizes(1_000_000)).toEqual({ fileRows: 10_000_000, groupRows: 100_000, asofRows: 100_000, rollingRows: 1_000_000 });
    expect(pipelineSizes(1000)).toEqual({ fileRows: 10_000, groupRows: 100, asofRows: 100, rollingRows: 1000 });
  });
});

describe('codec: round trips', () => {
  it('the tick batch is 1,000 trade messages of the stream; both codecs give back what they encoded', () => {
    const batch = tickBatch();
    expect(batch).toHaveLength(1000);
    expect(Object.keys(batch[0])).toEqual(['type', 'channel', 'symbol', 'ts', 'ts_ns', 'seq', 'price', 'size', 'side', 'emitted_ms']);
    expect(batch[0].type).toBe('trade');
    const [ticks, event] = codecCases();
    expect(checkRoundTrip(ticks.name, ticks.json, ticks.value), 'JSON bytes are the UTF-8 of JSON.stringify').toBe(Buffer.byteLength(JSON.stringify(batch)));
    expect(checkRoundTrip(ticks.name, ticks.msgpack, ticks.value)).toBeGreaterThan(0);
    expect(checkRoundTrip(event.name, event.json, event.value)).toBeGreaterThan(0);
    expect(checkRoundTrip(event.name, event.msgpack, event.value)).toBeGreaterThan(0);
  });

  it('the order event is the bus event of a filled order: JSON as `cift events tail` prints it', () => {
    const e = orderEvent();
    const [, c] = codecCases();
    const json = c.json.decode(c.json.encode(e)) as Record<string, unknown>;
    expect(json.created_ns, 'JSON carries the ns as a decimal string').toBe('1717000000123456789');
    expect(json.id).toBe('48213');
    expect((json.order as Record<string, unknown>).status).toBe('filled');
    expect(c.msgpack.decode(c.msgpack.encode(e)), 'MessagePack gives the bigint fields back').toEqual(e);
  });

  it('a codec that does not give back what it encoded fails the check', () => {
    const [ticks] = codecCases();
    const lossy: Codec = { ...ticks.json, decode: (b) => (ticks.json.decode(b) as Array<Record<string, unknown>>).map(({ emitted_ms: _dropped, ...rest }) => rest) };
    expect(() => checkRoundTrip(ticks.name, lossy, ticks.value)).toThrow('tick batch (1,000 trades): JSON does not give back what it encoded');
    const rounding: Codec = { ...ticks.msgpack, encode: (v) => ticks.msgpack.encode((v as Array<Record<string, unknown>>).map((m) => ({ ...m, price: Math.round(m.price as number) }))) };
    expect(() => checkRoundTrip(ticks.name, rounding, ticks.value)).toThrow(/MessagePack does not give back/);
  });
});
