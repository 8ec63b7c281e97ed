/**
 * Property: what cift decides by itself about a vendor file (layout, names, epoch unit, scale) is exactly what the
 * user would get by saying it with flags (--columns, --map, --preset, --price-scale). Random files of each layout,
 * from a seeded generator, are read both ways and must store identical rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolars } from '../../src/polars.js';
import type { TickBatch } from '../../src/schema.js';
import { readTabularFile } from '../../src/sources/files.js';
import { batchesFromTable, type TabularOptions } from '../../src/sources/tabular.js';
import { tempDir, writeText, rng } from '../helpers.js';
import { rawTable, type RawTableOptions } from './raw-table.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Random OHLC in cents (high ≥ open, close ≥ low > 0) for `n` bars. */
function ohlcCents(r: () => number, n: number): Array<[number, number, number, number]> {
  return Array.from({ length: n }, () => {
    const open = int(r, 200, 9_000_000);
    const close = Math.max(100, open + int(r, -5000, 5000));
    return [open, Math.max(open, close) + int(r, 0, 3000), Math.max(1, Math.min(open, close) - int(r, 0, 3000)), close];
  });
}
const dollars = (cents: number, digits = 2) => (cents / 100).toFixed(digits);

/** Batches as plain data, so two reads compare with toEqual (ts, seq and every value, bit for bit). */
const plain = (batches: TickBatch[]) => batches.map((b) => ({ symbol: b.symbol, kind: b.kind, ts: Array.from(b.ts), seq: Array.from(b.seq), values: Object.fromEntries(Object.entries(b.values).map(([k, v]) => [k, Array.from(v)])) }));

async function fromLines(file: string, lines: string[], tableOpts: RawTableOptions, opts: TabularOptions) {
  return plain(batchesFromTable(await loadPolars(), await rawTable(file, lines, tableOpts), opts));
}
let files = 0;
async function fromCsv(lines: string[], opts: TabularOptions) {
  return plain(await readTabularFile(writeText(tmp.dir, `f${++files}.csv`, lines.join('\n')), opts));
}

const SEEDS = Array.from({ length: 8 }, (_, k) => 1000 + k);
const SKIP6 = [undefined, undefined, undefined, undefined, undefined, undefined];

describe('a sniffed file and the same file with explicit flags store identical rows', () => {
  it.each(SEEDS)('Binance klines (seed %i): by name = --preset = --columns; ms and µs files are the same rows', async (seed) => {
    const r = rng(seed);
    const n = int(r, 1, 30);
    const start = 1_704_067_200_000 + int(r, 0, 10_000) * 60_000;
    const ms = ohlcCents(r, n).map(([o, h, l, c], i) => {
      const t = start + i * 60_000;
      return `${t},${dollars(o, 8)},${dollars(h, 8)},${dollars(l, 8)},${dollars(c, 8)},${(int(r, 0, 1e6) / 1e5).toFixed(8)},${t + 59_999},0,${int(r, 0, 9999)},0,0,0`;
    });
    const sniffed = await fromLines('ETHUSDT-1m-2024-01.csv', ms, { headerless: true }, {});
    expect(await fromLines('data.csv', ms, { headerless: true }, { preset: 'binance-klines', symbol: 'ETHUSDT' }), 'preset').toEqual(sniffed);
    expect(await fromLines('data.csv', ms, { headerless: true }, { columns: ['ts', 'open', 'high', 'low', 'close', 'volume', ...SKIP6], symbol: 'ETHUSDT' }), '--columns').toEqual(sniffed);
    // The µs file of the same bars: every digit of the ms file, with 000 after each time.
    const us = ms.map((l) => l.replace(/^(\d+),/, '$1000,'));
    expect(await fromLines('ETHUSDT-1m-2025-01.csv', us, { headerless: true }, {}), 'µs').toEqual(sniffed);
  });

  it.each(SEEDS)('Binance trades (seed %i): by name = --columns with is_buyer_maker', async (seed) => {
    const r = rng(seed);
    const n = int(r, 1, 30);
    let t = 1_704_067_200_000 + int(r, 0, 1e6);
    const lines = Array.from({ length: n }, (_, i) => {
      t += int(r, 0, 50);
      const price = int(r, 100, 9_000_000);
      const qty = int(r, 1, 1e6) / 1e5;
      return `${3_343_660_734 + i},${dollars(price, 8)},${qty.toFixed(8)},0,${t},${r() < 0.5 ? 'True' : 'False'},True`;
    });
    const sniffed = await fromLines('BTCUSDT-trades-2024-01-01.csv', lines, { headerless: true }, {});
    expect(await fromLines('t.csv', lines, { headerless: true }, { columns: [undefined, 'price', 'size', undefined, 'ts', 'is_buyer_maker', undefined], symbol: 'BTCUSDT' })).toEqual(sniffed);
  });

  it.each(SEEDS)('Databento OHLCV (seed %i): recognised 1e-9 scale = a plain header with --price-scale 1e-9', async (seed) => {
    const r = rng(seed);
    const bars = ohlcCents(r, int(r, 1, 30));
    const start = 1_704_186_000n + BigInt(int(r, 0, 1e5)) * 60n;
    const fixed = (cents: number) => `${cents}0000000`;
    const rows = bars.map(([o, h, l, c], i) => ({ t: `${(start + BigInt(i) * 60n) * 1_000_000_000n}`, prices: [o, h, l, c].map(fixed).join(','), v: int(r, 0, 99999) }));
    const sniffed = await fromCsv(['ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol', ...rows.map((x) => `${x.t},33,1,5602,${x.prices},${x.v},ESH4`)], {});
    const explicit = await fromCsv(['ts,open,high,low,close,volume', ...rows.map((x) => `${x.t},${x.prices},${x.v}`)], { symbol: 'ESH4', priceScale: 1e-9 });
    expect(explicit).toEqual(sniffed);
    expect(sniffed[0].values.open[0], 'and the scale gives the cents back').toBe(bars[0][0] / 100);
  });

  it.each(SEEDS)('Polygon trades (seed %i): recognised = --preset = --map', async (seed) => {
    const r = rng(seed);
    let t = 1_704_186_000_000_000_000n + BigInt(int(r, 0, 1e9));
    const lines = ['ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp'];
    for (let i = 0; i < int(r, 1, 30); i++) {
      t += BigInt(int(r, 0, 1e6));
      lines.push(`${r() < 0.5 ? 'AAPL' : 'MSFT'},"12,37",0,11,${i},${t - 20_000n},${dollars(int(r, 100, 9_000_000))},${i},${t},${int(r, 1, 500)},3,,`);
    }
    const sniffed = await fromCsv(lines, {});
    expect(await fromCsv(lines, { preset: 'polygon-trades' }), '--preset').toEqual(sniffed);
    expect(await fromCsv(lines, { map: { ts: 'sip_timestamp', symbol: 'ticker', price: 'price', size: 'size' } }), '--map').toEqual(sniffed);
  });

  it.each(SEEDS)('Stooq bulk (seed %i): recognised = --preset stooq-bulk = --map date=<DATE> --map time=<TIME>', async (seed) => {
    const r = rng(seed);
    const bars = ohlcCents(r, int(r, 1, 30));
    const lines = ['<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>'];
    const day = int(r, 2, 28);
    bars.forEach(([o, h, l, c], i) => {
      const minutes = 9 * 60 + 30 + 5 * i;
      const hhmmss = `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}00`;
      lines.push(`SPY.US,5,202402${String(day).padStart(2, '0')},${hhmmss},${dollars(o)},${dollars(h)},${dollars(l)},${dollars(c)},${int(r, 0, 1e7)},0`);
    });
    const opts: TabularOptions = { tz: 'Europe/Warsaw' };
    const sniffed = await fromCsv(lines, opts);
    expect(await fromCsv(lines, { ...opts, preset: 'stooq-bulk' })).toEqual(sniffed);
    expect(await fromCsv(lines, { ...opts, map: { ts: '<DATE>', time: '<TIME>', symbol: '<TICKER>', volume: '<VOL>' } })).toEqual(sniffed);
  });

  it.each(SEEDS)('MetaTrader 5, Dukascopy and Yahoo (seed %i): recognised or read by aliases = --preset', async (seed) => {
    const r = rng(seed);
    const bars = ohlcCents(r, int(r, 1, 20));
    const mt = ['<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>', ...bars.map(([o, h, l, c], i) => `2024.03.${String(1 + Math.floor(i / 24)).padStart(2, '0')}\t${String(i % 24).padStart(2, '0')}:00:00\t${dollars(o, 5)}\t${dollars(h, 5)}\t${dollars(l, 5)}\t${dollars(c, 5)}\t${int(r, 1, 5000)}\t0\t${int(r, 0, 20)}`)];
    const mtOpts: TabularOptions = { symbol: 'EURUSD', tz: 'Europe/Athens' };
    expect(await fromLines('mt5.csv', mt, { delimiter: '\t' }, { ...mtOpts, preset: 'metatrader' })).toEqual(await fromLines('mt5.csv', mt, { delimiter: '\t' }, mtOpts));

    let ms = Date.UTC(2024, 0, 2) + int(r, 0, 1e6);
    const duka = ['Gmt time,Ask,Bid,AskVolume,BidVolume'];
    for (const [o, , l] of bars) {
      ms += int(r, 0, 5000);
      const d = new Date(ms).toISOString();
      duka.push(`${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)} ${d.slice(11, 23)},${dollars(Math.max(o, l), 5)},${dollars(Math.min(o, l), 5)},${(int(r, 1, 500) / 100).toFixed(2)},${(int(r, 1, 500) / 100).toFixed(2)}`);
    }
    expect(await fromCsv(duka, { symbol: 'EURUSD', preset: 'dukascopy-ticks' })).toEqual(await fromCsv(duka, { symbol: 'EURUSD' }));

    const yahoo = ['Date,Open,High,Low,Close,Adj Close,Volume', ...bars.map(([o, h, l, c], i) => (r() < 0.1 ? `2023-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},null,null,null,null,null,null` : `2023-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${dollars(o)},${dollars(h)},${dollars(l)},${dollars(c)},${dollars(c)},${int(r, 0, 1e8)}`))];
    if (yahoo.slice(1).every((l) => l.includes('null'))) return;
    expect(await fromCsv(yahoo, { symbol: 'X', preset: 'yahoo', tz: 'America/New_York' })).toEqual(await fromCsv(yahoo, { symbol: 'X', tz: 'America/New_York' }));
  });
});
