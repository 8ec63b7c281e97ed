/**
 * One fixture per vendor layout, written here from the vendor's published column list (a few rows each), read as
 * cift reads them, and checked against the fixture's own text: first and last ts written out by hand, a price, a
 * volume. Files with a comma-separated header go through the real CSV reader; tab-separated and headerless files
 * are handed over as the reading layer hands them (raw-table.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CiftError } from '../../src/errors.js';
import { loadPolars } from '../../src/polars.js';
import type { TickBatch } from '../../src/schema.js';
import { readTabularSource } from '../../src/sources/files.js';
import { batchesFromTable, type RawTable, type TabularOptions } from '../../src/sources/tabular.js';
import { tempDir, writeText } from '../helpers.js';
import { rawTable, type RawTableOptions } from './raw-table.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** UTC ns of an ISO instant written out by hand (with its Z); `extraNs` adds digits below the millisecond. */
const utc = (iso: string, extraNs = 0n): bigint => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;

async function read(table: RawTable, opts: TabularOptions = {}): Promise<TickBatch[]> {
  return batchesFromTable(await loadPolars(), table, opts);
}

async function readLines(file: string, lines: string[], tableOpts: RawTableOptions = {}, opts: TabularOptions = {}): Promise<{ batches: TickBatch[]; table: RawTable }> {
  const table = await rawTable(file, lines, tableOpts);
  return { batches: await read(table, opts), table };
}

async function readCsv(name: string, lines: string[], opts: TabularOptions = {}) {
  return readTabularSource(writeText(tmp.dir, name, lines.join('\n')), opts);
}

async function failure(fn: () => Promise<unknown>): Promise<CiftError> {
  try {
    await fn();
  } catch (e) {
    expect(e, 'the failure is a CiftError').toBeInstanceOf(CiftError);
    return e as CiftError;
  }
  throw new Error('expected the read to fail');
}

const first = (b: TickBatch) => b.ts[0];
const last = (b: TickBatch) => b.ts[b.ts.length - 1];

// Binance public data, spot klines: 12 columns, no header (github.com/binance/binance-public-data).
const KLINES_2024_MS = [
  '1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.00736760,1327,23.27929000,984137.68082020,0',
  '1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.10253000,1704067319999,892754.76375800,1132,15.14834000,640881.44906570,0',
  '1704067320000,42319.99000000,42331.54000000,42289.60000000,42303.99000000,22.26560000,1704067379999,941864.52091270,1055,12.65011000,535046.06557410,0',
];
// From 2025-01-01 Binance writes spot timestamps in microseconds.
const KLINES_2025_US = [
  '1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.47121390,1685,6.11349000,572015.64751030,0',
  '1735689660000000,93610.93000000,93652.00000000,93606.10000000,93651.99000000,7.31178000,1735689719999999,684616.06694100,1410,4.54741000,425798.65716720,0',
];

describe('Binance public data (headerless)', () => {
  it('klines in ms: recognised by file name and 12 columns; symbol from the name; open_time is the bar time', async () => {
    const { batches, table } = await readLines('BTCUSDT-1m-2024-01.csv', KLINES_2024_MS, { headerless: true });
    expect(batches).toHaveLength(1);
    const [b] = batches;
    expect([b.symbol, b.kind]).toEqual(['BTCUSDT', 'bars']);
    expect(first(b), '1704067200000 ms').toBe(utc('2024-01-01T00:00:00Z'));
    expect(last(b), '1704067320000 ms').toBe(utc('2024-01-01T00:02:00Z'));
    expect(b.values.close[2]).toBe(42303.99);
    expect(b.values.volume[0], 'base-asset volume, column 6').toBe(35.92724);
    expect(table.decisions).toMatchObject({ layout: 'binance-klines', epochUnit: 'ms', columns: { ts: 'open_time', volume: 'volume' } });
    expect(table.decisions.ignored).toEqual(['close_time', 'quote_asset_volume', 'number_of_trades', 'taker_buy_base_volume', 'taker_buy_quote_volume', 'ignore']);
  });

  it('klines in µs (2025 on) land on their own dates, not in year 55970', async () => {
    const { batches, table } = await readLines('BTCUSDT-1m-2025-01.csv', KLINES_2025_US, { headerless: true });
    const [b] = batches;
    expect(first(b), '1735689600000000 µs').toBe(utc('2025-01-01T00:00:00Z'));
    expect(last(b)).toBe(utc('2025-01-01T00:01:00Z'));
    expect(b.values.open[0]).toBe(93576);
    expect(b.values.volume[1]).toBe(7.31178);
    expect(table.decisions.epochUnit).toBe('us');
  });

  it('a file that joins ms and µs rows fails on the first row in the other unit', async () => {
    const e = await failure(() => readLines('BTCUSDT-1m-2024-12.csv', [KLINES_2024_MS[0], KLINES_2025_US[0]], { headerless: true }));
    expect(e.message).toBe('BTCUSDT-1m-2024-12.csv line 2 (row 2): open_time "1735689600000000" is an epoch in microseconds, but the column\'s first row is an epoch in milliseconds');
    expect(e.hint).toMatch(/2025/);
  });

  it('klines inside a zip are recognised by the member name', async () => {
    const { batches, table } = await readLines('downloads/BTCUSDT-1m-2024-01.zip:BTCUSDT-1m-2024-01.csv', KLINES_2024_MS, { headerless: true, decisions: { container: 'zip:BTCUSDT-1m-2024-01.csv' } });
    expect(batches[0].symbol).toBe('BTCUSDT');
    expect(table.decisions.layout).toBe('binance-klines');
  });

  it('trades: is_buyer_maker True means the seller was the aggressor (side -1)', async () => {
    const { batches, table } = await readLines(
      'BTCUSDT-trades-2024-01-01.csv',
      ['3343660734,42283.58000000,0.00100000,42.28358000,1704067200003,True,True', '3343660735,42283.57000000,0.00036000,15.22208520,1704067200012,False,True', '3343660736,42283.58000000,0.01200000,507.40296000,1704067200012,False,True'],
      { headerless: true },
    );
    const [b] = batches;
    expect([b.symbol, b.kind]).toEqual(['BTCUSDT', 'trades']);
    expect(first(b)).toBe(utc('2024-01-01T00:00:00.003Z'));
    expect(last(b)).toBe(utc('2024-01-01T00:00:00.012Z'));
    expect(b.values.price[1]).toBe(42283.57);
    expect(b.values.size[2], 'qty, not quote_qty').toBe(0.012);
    expect(Array.from(b.values.side)).toEqual([-1, 1, 1]);
    expect(table.decisions).toMatchObject({ layout: 'binance-trades', epochUnit: 'ms' });
  });

  it('aggTrades: transact_time is the time, quantity the size', async () => {
    const { batches, table } = await readLines(
      'ETHUSDT-aggTrades-2024-01-01.csv',
      ['2969827213,2281.63000000,0.00440000,3343660734,3343660734,1704067200003,true,true', '2969827214,2281.62000000,0.13600000,3343660735,3343660737,1704067200512,false,true'],
      { headerless: true },
    );
    const [b] = batches;
    expect([b.symbol, b.kind]).toEqual(['ETHUSDT', 'trades']);
    expect(first(b)).toBe(utc('2024-01-01T00:00:00.003Z'));
    expect(last(b)).toBe(utc('2024-01-01T00:00:00.512Z'));
    expect(b.values.price[0]).toBe(2281.63);
    expect(b.values.size[1]).toBe(0.136);
    expect(Array.from(b.values.side)).toEqual([-1, 1]);
    expect(table.decisions.layout).toBe('binance-aggtrades');
  });

  it('a published name with the wrong column count is an error, not a guess', async () => {
    const e = await failure(() => readLines('BTCUSDT-1m-2024-01.csv', KLINES_2024_MS.map((l) => l.split(',').slice(0, 11).join(',')), { headerless: true }));
    expect(e.message).toBe('BTCUSDT-1m-2024-01.csv: named like a binance-klines file but it has 11 columns, not 12');
    expect(e.hint).toMatch(/--columns/);
  });

  it('--symbol overrides the name; --preset reads a renamed file', async () => {
    const { batches } = await readLines('btc.csv', KLINES_2024_MS, { headerless: true }, { preset: 'binance-klines', symbol: 'BTC' });
    expect(batches[0].symbol).toBe('BTC');
    expect(first(batches[0])).toBe(utc('2024-01-01T00:00:00Z'));
  });

  it('binance-klines with ns timestamps is refused: the layout publishes ms or µs', async () => {
    const ns = KLINES_2024_MS.map((l) => l.replace(/^(\d{13})/, '$1000000'));
    const e = await failure(() => readLines('BTCUSDT-1m-2024-01.csv', ns, { headerless: true }));
    expect(e.message).toMatch(/line 1 \(row 1\): open_time "1704067200000000000" is in nanoseconds, but binance-klines files are in milliseconds or microseconds$/);
  });
});

describe('headerless files cift does not know', () => {
  const rows = ['1704067200000,10,11,9,10.5,100,x', '1704067260000,10.5,12,10,11,200,y'];

  it('are an error that names --columns and --preset', async () => {
    const e = await failure(() => readLines('prices.csv', rows, { headerless: true }, { symbol: 'X' }));
    expect(e.message).toBe('prices.csv: has no header line, and its name is no layout cift knows (7 columns)');
    expect(e.hint).toMatch(/--columns ts,open,high,low,close,volume.*--preset/);
  });

  it('--columns names them in order, _ skips one', async () => {
    const { batches, table } = await readLines('prices.csv', rows, { headerless: true }, { symbol: 'X', columns: ['ts', 'open', 'high', 'low', 'close', 'volume', undefined] });
    expect(first(batches[0])).toBe(utc('2024-01-01T00:00:00Z'));
    expect(batches[0].values.close[1]).toBe(11);
    expect(batches[0].values.volume[0]).toBe(100);
    expect(table.decisions).toMatchObject({ header: '--columns', ignored: ['column_7'] });
  });

  it('--columns with the wrong count is a usage error', async () => {
    const e = await failure(() => readLines('prices.csv', rows, { headerless: true }, { symbol: 'X', columns: ['ts', 'open', 'high', 'low', 'close', 'volume'] }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('--columns names 6 columns but prices.csv has 7');
  });

  it('a data row read as a header (line 1 all numbers) is refused, never dropped', async () => {
    // What the reader of this branch hands over for a headerless file: line 1 became the column names.
    const lines = ['1704067200000,10,11,9,10.5,100', '1704067260000,10.5,12,10,11,200'];
    const e = await failure(() => readLines('BTCUSDT-1m-2024-01.csv', lines, {}, { map: { ts: '1704067200000' } }));
    expect(e.message).toBe('BTCUSDT-1m-2024-01.csv: line 1 (1704067200000,10,11,…) is data, not a header');
  });
});

describe('MetaTrader 5 "Export bars" (tab-separated, <NAME> headers)', () => {
  const header = '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>';

  it('H1: <DATE> 2024.01.02 + <TIME> read in --tz; <TICKVOL> is the volume since <VOL> is all 0', async () => {
    const { batches, table } = await readLines(
      'EURUSD_H1_202401020000_202401020200.csv',
      [header, '2024.01.02\t00:00:00\t1.10427\t1.10467\t1.10390\t1.10447\t1201\t0\t0', '2024.01.02\t01:00:00\t1.10447\t1.10502\t1.10421\t1.10489\t1533\t0\t0', '2024.01.02\t02:00:00\t1.10489\t1.10490\t1.10335\t1.10351\t2011\t0\t1'],
      { delimiter: '\t' },
      { symbol: 'EURUSD', tz: 'Europe/Athens' },
    );
    const [b] = batches;
    expect(first(b), '00:00 in Athens (UTC+2 in winter)').toBe(utc('2024-01-01T22:00:00Z'));
    expect(last(b)).toBe(utc('2024-01-02T00:00:00Z'));
    expect(b.values.close[1]).toBe(1.10489);
    expect(Array.from(b.values.volume)).toEqual([1201, 1533, 2011]);
    expect(table.decisions).toMatchObject({ layout: 'metatrader', columns: { ts: '<DATE> + <TIME>', volume: '<TICKVOL>' } });
    expect(table.decisions.warnings).toEqual(['volume is <TICKVOL> (a tick count): <VOL> is all 0']);
    expect(table.decisions.ignored).toEqual(['<VOL>', '<SPREAD>']);
  });

  it('D1: every <TIME> is 00:00:00, so rows are trading dates --tz does not move', async () => {
    const { batches, table } = await readLines(
      'EURUSD_Daily.csv',
      [header, '2024.01.02\t00:00:00\t1.10427\t1.10467\t1.09390\t1.09447\t61201\t0\t0', '2024.01.03\t00:00:00\t1.09447\t1.09530\t1.08920\t1.09190\t70012\t0\t0'],
      { delimiter: '\t' },
      { symbol: 'EURUSD', tz: 'Europe/Athens' },
    );
    expect(Array.from(batches[0].ts)).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
    expect(table.decisions.time).toMatch(/trading dates/);
  });

  it('a <VOL> with real volume is kept', async () => {
    const { batches } = await readLines('X.csv', [header, '2024.01.02\t00:00:00\t10\t11\t9\t10\t5\t700\t0', '2024.01.02\t01:00:00\t10\t11\t9\t10\t6\t0\t0'], { delimiter: '\t' }, { symbol: 'X' });
    expect(Array.from(batches[0].values.volume)).toEqual([700, 0]);
  });
});

describe('Stooq', () => {
  it('per-symbol daily download: Date,Open,High,Low,Close,Volume', async () => {
    const { batches, decisions } = await readCsv('aapl_us_d.csv', ['Date,Open,High,Low,Close,Volume', '2024-01-02,187.15,188.44,183.885,185.64,82488674', '2024-01-03,184.22,185.88,183.43,184.25,58414460'], { symbol: 'AAPL' });
    expect([first(batches[0]), last(batches[0])]).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
    expect(batches[0].values.low[0]).toBe(183.885);
    expect(batches[0].values.volume[1]).toBe(58414460);
    expect(decisions.time).toMatch(/^dates only/);
  });

  it('per-symbol 5-minute download: Date + Time are one timestamp (regression: a day was one "5-minute bar")', async () => {
    const { batches, decisions } = await readCsv('aapl_us_5.csv', ['Date,Time,Open,High,Low,Close,Volume', '2024-01-02,15:35:00,187.15,187.5,186.9,187.2,1234567', '2024-01-02,15:40:00,187.2,187.3,186.8,186.95,987654', '2024-01-02,15:45:00,186.95,187.1,186.7,187.05,876543'], { symbol: 'AAPL' });
    const [b] = batches;
    expect(Array.from(b.ts), 'three bars five minutes apart').toEqual([utc('2024-01-02T15:35:00Z'), utc('2024-01-02T15:40:00Z'), utc('2024-01-02T15:45:00Z')]);
    expect(b.values.close[1]).toBe(186.95);
    expect(b.values.volume[2]).toBe(876543);
    expect(decisions.columns?.ts).toBe('Date + Time');
  });

  it('bulk 5-minute file: <TICKER>,<PER>,<DATE>,<TIME>,… with <TIME> as hhmmss', async () => {
    const { batches, decisions } = await readCsv('aapl.us.csv', ['<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>', 'AAPL.US,5,20240102,153500,187.15,187.5,186.9,187.2,1234567,0', 'AAPL.US,5,20240102,154000,187.2,187.3,186.8,186.95,987654,0']);
    const [b] = batches;
    expect(b.symbol, 'from <TICKER>').toBe('AAPL.US');
    expect([first(b), last(b)]).toEqual([utc('2024-01-02T15:35:00Z'), utc('2024-01-02T15:40:00Z')]);
    expect(b.values.open[1]).toBe(187.2);
    expect(b.values.volume[0]).toBe(1234567);
    expect(decisions).toMatchObject({ layout: 'stooq-bulk', ignored: ['<PER>', '<OPENINT>'] });
  });

  it('bulk daily file: <TIME> 000000 on every row are trading dates, even with --tz', async () => {
    const { batches } = await readCsv('aapl.us.d.csv', ['<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>', 'AAPL.US,D,20240102,000000,187.15,188.44,183.885,185.64,82488674,0', 'AAPL.US,D,20240103,000000,184.22,185.88,183.43,184.25,58414460,0'], { tz: 'Europe/Berlin' });
    expect(Array.from(batches[0].ts)).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
  });

  it('a time of day under another name is an error until --map time= names it', async () => {
    const lines = ['Date,Hour,Open,High,Low,Close', '2024-01-02,15:35:00,10,11,9,10', '2024-01-02,15:40:00,10,11,9,10'];
    const e = await failure(() => readCsv('hour.csv', lines, { symbol: 'X' }));
    expect(e.message).toMatch(/hour\.csv: the dates are in "Date" and column "Hour" looks like a time of day \("15:35:00"\), which would be left unused$/);
    expect(e.hint).toBe('--map time=Hour to combine them, or --map ts=Date to read dates only');
    const { batches } = await readCsv('hour2.csv', lines, { symbol: 'X', map: { time: 'Hour' } });
    expect(last(batches[0])).toBe(utc('2024-01-02T15:40:00Z'));
  });

  it('a Time column beside a ts that already holds times is an error, not dropped', async () => {
    const e = await failure(() => readCsv('both.csv', ['Timestamp,Time,Price,Size', '2024-01-02 15:35:00,15:35:00,10,1'], { symbol: 'X' }));
    expect(e.message).toMatch(/column "Time" is a time of day, but Timestamp "2024-01-02 15:35:00" already holds times; cift will not leave "Time" unused$/);
  });
});

describe('Dukascopy', () => {
  it('ticks: Gmt time as DD.MM.YYYY HH:MM:SS.mmm; AskVolume/BidVolume are the sizes', async () => {
    const { batches, decisions } = await readCsv('EURUSD_Ticks_02.01.2024-02.01.2024.csv', ['Gmt time,Ask,Bid,AskVolume,BidVolume', '02.01.2024 00:00:00.123,1.10448,1.10440,0.9,1.35', '02.01.2024 00:00:01.456,1.10449,1.10441,0.75,2.1'], { symbol: 'EURUSD' });
    const [b] = batches;
    expect(b.kind).toBe('quotes');
    expect([first(b), last(b)]).toEqual([utc('2024-01-02T00:00:00.123Z'), utc('2024-01-02T00:00:01.456Z')]);
    expect(b.values.ask[0]).toBe(1.10448);
    expect(b.values.bid_size[1]).toBe(2.1);
    expect(b.values.ask_size[0]).toBe(0.9);
    expect(decisions.layout).toBe('dukascopy-ticks');
  });
});

describe('Polygon flat files', () => {
  const TRADES = [
    'ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp',
    'AAPL,"12,37",0,11,1,1704186000010593259,185.5,1001,1704186000010616913,100,3,,',
    'AAPL,"12,37",0,11,2,1704186000120000000,185.52,1002,1704186000120500000,50,3,,',
    'MSFT,12,0,4,1,1704186000200000000,370.1,1003,1704186000200400000,10,3,201,1704186000200100000',
  ];

  it('trades: sip_timestamp (ns) is the time; one file of every ticker splits by ticker', async () => {
    const { batches, decisions } = await readCsv('2024-01-02.csv', TRADES);
    expect(batches.map((b) => [b.symbol, b.kind, b.ts.length])).toEqual([
      ['AAPL', 'trades', 2],
      ['MSFT', 'trades', 1],
    ]);
    const [aapl, msft] = batches;
    expect(first(aapl), 'sip 1704186000010616913, not participant …593259').toBe(utc('2024-01-02T09:00:00.010Z', 616913n));
    expect(last(aapl)).toBe(utc('2024-01-02T09:00:00.120Z', 500000n));
    expect(aapl.values.price[1]).toBe(185.52);
    expect(msft.values.size[0]).toBe(10);
    expect(decisions).toMatchObject({ layout: 'polygon-trades', epochUnit: 'ns', columns: { ts: 'sip_timestamp' } });
    expect(decisions.ignored).toContain('participant_timestamp');
  });

  it('trades: --map ts=participant_timestamp takes the exchange clock', async () => {
    const { batches } = await readCsv('2024-01-02b.csv', TRADES, { map: { ts: 'participant_timestamp' } });
    expect(first(batches[0])).toBe(utc('2024-01-02T09:00:00.010Z', 593259n));
  });

  it('aggregates: window_start (ns), columns in Polygon\'s order; transactions is not stored', async () => {
    const { batches, decisions } = await readCsv('2024-01-02-minute.csv', ['ticker,volume,open,close,high,low,window_start,transactions', 'AAPL,4930,185.5,185.6,185.7,185.4,1704186000000000000,85', 'AAPL,1200,185.6,185.55,185.65,185.5,1704186060000000000,40']);
    const [b] = batches;
    expect([b.symbol, b.kind]).toEqual(['AAPL', 'bars']);
    expect([first(b), last(b)]).toEqual([utc('2024-01-02T09:00:00Z'), utc('2024-01-02T09:01:00Z')]);
    expect(b.values.close[0]).toBe(185.6);
    expect(b.values.high[0]).toBe(185.7);
    expect(b.values.volume[0]).toBe(4930);
    expect(decisions).toMatchObject({ layout: 'polygon-aggregates', ignored: ['transactions'] });
  });
});

describe('Databento OHLCV: fixed-point prices (regression: stored 1e9 too large)', () => {
  const OHLCV = [
    'ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol',
    '1704186000000000000,33,1,5602,4772250000000,4773000000000,4771750000000,4772500000000,1234,ESH4',
    '1704186060000000000,33,1,5602,4772500000000,4772750000000,4772000000000,4772250000000,856,ESH4',
  ];

  it('prices are integers in units of 1e-9: 4772250000000 is 4772.25', async () => {
    const { batches, decisions } = await readCsv('glbx-ohlcv-1m.csv', OHLCV);
    const [b] = batches;
    expect([b.symbol, b.kind]).toEqual(['ESH4', 'bars']);
    expect([first(b), last(b)]).toEqual([utc('2024-01-02T09:00:00Z'), utc('2024-01-02T09:01:00Z')]);
    expect(b.values.open[0]).toBe(4772.25);
    expect(b.values.close[1]).toBe(4772.25);
    expect(b.values.volume[0], 'volume is not scaled').toBe(1234);
    expect(decisions).toMatchObject({ layout: 'databento-ohlcv', priceScale: 1e-9, epochUnit: 'ns', ignored: ['rtype', 'publisher_id', 'instrument_id'] });
  });

  it('a scaled price is the double its decimal text reads as: 1140000000 is 1.14, not 1.1400000000000001', async () => {
    const { batches } = await readCsv('xnas-ohlcv-1d.csv', [OHLCV[0], '1704153600000000000,35,2,9876,1140000000,1700000000,1140000000,1420000000,5000,ABC', '1704240000000000000,35,2,9876,1420000000,2050000000,1420000000,1980000000,7000,ABC']);
    const v = batches[0].values;
    expect([v.open[0], v.high[0], v.close[0], v.high[1], v.close[1]]).toEqual([1.14, 1.7, 1.42, 2.05, 1.98]);
    expect(first(batches[0]), 'ohlcv-1d: ts_event at midnight UTC').toBe(utc('2024-01-02T00:00:00Z'));
  });

  it('pretty_px files (decimals) are read as written', async () => {
    const pretty = OHLCV.map((l, i) => (i === 0 ? l : l.replace(/,(\d{4})(\d{9})/g, ',$1.$2')));
    expect(pretty[1], 'the fixture itself').toBe('1704186000000000000,33,1,5602,4772.250000000,4773.000000000,4771.750000000,4772.500000000,1234,ESH4');
    const { batches, decisions } = await readCsv('pretty.csv', pretty);
    expect(batches[0].values.open[0]).toBe(4772.25);
    expect(decisions.priceScale).toBe(1);
  });

  it('the same prices in a file that does not say it is Databento: a warning, and --price-scale fixes them', async () => {
    const plain = ['ts,open,high,low,close,volume', '1704186000000000000,4772250000000,4773000000000,4771750000000,4772500000000,1234', '1704186060000000000,4772500000000,4772750000000,4772000000000,4772250000000,856'];
    const unscaled = await readCsv('plain.csv', plain, { symbol: 'ES' });
    expect(unscaled.decisions.warnings, 'median of open 4772250000000 and 4772500000000').toEqual(["open, high, low, close are whole numbers around 4772375000000: if these are fixed-point prices (e.g. Databento's units of 1e-9), give --price-scale 1e-9"]);
    const scaled = await readCsv('plain2.csv', plain, { symbol: 'ES', priceScale: 1e-9 });
    expect(scaled.batches[0].values.open[0]).toBe(4772.25);
    expect(scaled.decisions.warnings, 'no warning once a scale is given').toBeUndefined();
  });
});

describe('Yahoo', () => {
  const YAHOO = ['Date,Open,High,Low,Close,Adj Close,Volume', '2024-01-12,186.06,186.74,185.19,185.92,185.14,40444700', '2024-01-15,null,null,null,null,null,null', '2024-01-16,182.16,184.26,180.93,183.63,182.86,65603000'];

  it('skips all-null holiday rows and counts them; seq keeps each row\'s place in the file', async () => {
    const { batches, decisions } = await readCsv('AAPL.csv', YAHOO, { symbol: 'AAPL' });
    const [b] = batches;
    expect([first(b), last(b)]).toEqual([utc('2024-01-12T00:00:00Z'), utc('2024-01-16T00:00:00Z')]);
    expect(b.values.close[0], 'Close, not Adj Close').toBe(185.92);
    expect(b.values.volume[1]).toBe(65603000);
    expect(Array.from(b.seq)).toEqual([0, 2]);
    expect(decisions.skipped).toEqual({ 'all-null rows (holidays)': 1 });
    expect(decisions.ignored).toEqual(['Adj Close']);
  });

  it('a partly null row is an error naming the row', async () => {
    const e = await failure(() => readCsv('partly.csv', [YAHOO[0], YAHOO[1], '2024-01-15,null,185.0,null,null,null,null'], { symbol: 'AAPL' }));
    expect(e.message).toMatch(/partly\.csv line 3 \(row 2\): Open is null but other values on the row are not$/);
  });

  it('--adjusted scales open, high and low by Adj Close / Close and volume by the inverse', async () => {
    // Row 1: factor 5.5 / 11 = 0.5 exactly. Row 2: high = close = 11, factor 3.3 / 11.
    const { batches } = await readCsv('adj.csv', ['Date,Open,High,Low,Close,Adj Close,Volume', '2020-01-02,10,12,9,11,5.5,100', '2020-01-03,10,11,9,11,3.3,100'], { symbol: 'X', adjusted: true });
    const v = batches[0].values;
    expect([v.open[0], v.high[0], v.low[0], v.close[0], v.volume[0]], '10, 12, 9 halved; close = Adj Close; volume doubled').toEqual([5, 6, 4.5, 5.5, 200]);
    expect(v.close[1]).toBe(3.3);
    expect(v.high[1] >= v.close[1] && v.close[1] >= v.low[1], 'high ≥ close ≥ low after scaling').toBe(true);
  });

  it('yfinance\'s ticker line names the symbol when there is no --symbol', async () => {
    const table = await rawTable('aapl.csv', ['Date,Adj Close,Close,High,Low,Open,Volume', '2024-01-02,184.29,185.64,188.44,183.89,187.15,82488700'], { decisions: { ticker: 'AAPL', header: 'yfinance (3 header lines)' } });
    const [b] = await read(table);
    expect(b.symbol).toBe('AAPL');
    expect(b.values.open[0]).toBe(187.15);
  });
});

describe('a file of several tickers', () => {
  const MULTI = ['ticker,date,open,high,low,close,volume', 'AAPL,2024-01-02,187.15,188.44,183.89,185.64,82488674', 'MSFT,2024-01-02,373.86,375.9,366.77,370.87,25258600', 'AAPL,2024-01-03,184.22,185.88,183.43,184.25,58414460', 'MSFT,2024-01-03,369.01,373.26,368.51,370.6,23083500'];

  it('splits by ticker', async () => {
    const { batches } = await readCsv('multi.csv', MULTI);
    expect(batches.map((b) => [b.symbol, Array.from(b.ts)])).toEqual([
      ['AAPL', [utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]],
      ['MSFT', [utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]],
    ]);
    expect(batches[1].values.close[1]).toBe(370.6);
  });

  it('--symbol on it is a usage error naming the symbols, not "time goes backwards"', async () => {
    const e = await failure(() => readCsv('multi2.csv', MULTI, { symbol: 'AAPL' }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/multi2\.csv holds 2 symbols in column "ticker" \(AAPL, MSFT\); --symbol AAPL would store them as one$/);
  });

  it('--symbol on a ticker column of one symbol renames it', async () => {
    const { batches } = await readCsv('one.csv', [MULTI[0], MULTI[1], MULTI[3]], { symbol: 'apple' });
    expect(batches.map((b) => b.symbol)).toEqual(['APPLE']);
  });
});

describe('date forms', () => {
  const bars = (dates: string[]) => ['Date,Open,High,Low,Close', ...dates.map((d) => `${d},1,2,1,2`)];

  it('YYYY.MM.DD, YYYYMMDD and DD.MM.YYYY are read as written', async () => {
    for (const [dates, name] of [
      [['2024.01.02', '2024.01.15'], 'dots'],
      [['20240102', '20240115'], 'digits'],
      [['02.01.2024', '15.01.2024'], 'day-first'],
    ] as const) {
      const { batches } = await readCsv(`${name}.csv`, bars([...dates]), { symbol: 'X' });
      expect(Array.from(batches[0].ts), name).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-15T00:00:00Z')]);
    }
  });

  it('01/02/2024 with no day above 12 needs --date-format', async () => {
    const e = await failure(() => readCsv('amb.csv', bars(['01/02/2024', '01/03/2024']), { symbol: 'X' }));
    expect(e.message).toMatch(/amb\.csv line 2 \(row 1\): Date "01\/02\/2024" could be day-first or month-first, and no row tells \(no day is above 12\)$/);
    expect(e.hint).toMatch(/--date-format %d\/%m\/%Y/);
    const { batches } = await readCsv('amb2.csv', bars(['01/02/2024', '01/03/2024']), { symbol: 'X', dateFormat: '%m/%d/%Y' });
    expect(Array.from(batches[0].ts), 'month first: 2 and 3 January').toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
  });

  it('a day above 12 on any row decides the order: the one reading that fits every row', async () => {
    const { batches, decisions } = await readCsv('dmy.csv', bars(['01/02/2024', '13/02/2024']), { symbol: 'X' });
    expect(Array.from(batches[0].ts), '1 and 13 February').toEqual([utc('2024-02-01T00:00:00Z'), utc('2024-02-13T00:00:00Z')]);
    expect(decisions.time).toMatch(/^day-first dates/);
    const mdy = await readCsv('mdy.csv', bars(['01/02/2024', '01/13/2024']), { symbol: 'X' });
    expect(Array.from(mdy.batches[0].ts), '2 and 13 January').toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-13T00:00:00Z')]);
  });

  it('--date-format reads times too, and a row that does not match it fails', async () => {
    const { batches } = await readCsv('fmt.csv', bars(['02-Jan-2024 09:30', '02-Jan-2024 09:31']), { symbol: 'X', dateFormat: '%d-%b-%Y %H:%M' });
    expect(last(batches[0])).toBe(utc('2024-01-02T09:31:00Z'));
    const e = await failure(() => readCsv('fmt2.csv', bars(['02/01/2024', '2024-01-03']), { symbol: 'X', dateFormat: '%d/%m/%Y' }));
    expect(e.message).toMatch(/line 3 \(row 2\): Date "2024-01-03" is not a date or time$/);
  });
});

describe('dates without times are trading dates (regression: --tz moved daily bars into the day before)', () => {
  it('--tz Europe/Berlin leaves 2024-01-02 at 2024-01-02T00:00Z but moves a time of day', async () => {
    const dates = await readCsv('d.csv', ['Date,Open,High,Low,Close', '2024-01-02,1,2,1,2', '2024-01-08,1,2,1,2'], { symbol: 'X', tz: 'Europe/Berlin' });
    expect(Array.from(dates.batches[0].ts)).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-08T00:00:00Z')]);
    const times = await readCsv('t.csv', ['Date,Open,High,Low,Close', '2024-01-02 10:00,1,2,1,2', '2024-01-02 11:00,1,2,1,2'], { symbol: 'X', tz: 'Europe/Berlin' });
    expect(Array.from(times.batches[0].ts), '10:00 CET is 09:00Z').toEqual([utc('2024-01-02T09:00:00Z'), utc('2024-01-02T10:00:00Z')]);
  });

  it('a column that mixes dates and date-times fails on the first row of the other form', async () => {
    const e = await failure(() => readCsv('mix.csv', ['Date,Open,High,Low,Close', '2024-01-02,1,2,1,2', '2024-01-03 10:00,1,2,1,2'], { symbol: 'X' }));
    expect(e.message).toMatch(/line 3 \(row 2\): Date "2024-01-03 10:00" is a date with a time, but the column's first row is a date without a time$/);
  });
});

describe('numbers in the file\'s own format', () => {
  it('decimal "," and thousands "." apply to number fields, never to the date', async () => {
    const table = await rawTable('broker.csv', ['Date;Open;High;Low;Close;Volume', '02.01.2024;1.234,5;1.240,0;1.230,25;1.235,75;1.000', '03.01.2024;1.235,75;1.236;1.200;1.210,5;25.300'], { delimiter: ';', decisions: { delimiter: ';', decimal: ',', thousands: '.' } });
    const [b] = await read(table, { symbol: 'X' });
    expect(Array.from(b.ts)).toEqual([utc('2024-01-02T00:00:00Z'), utc('2024-01-03T00:00:00Z')]);
    expect(b.values.open[0]).toBe(1234.5);
    expect(b.values.low[0]).toBe(1230.25);
    expect(b.values.high[1], '"1.236" is 1236 where "." groups thousands').toBe(1236);
    expect(b.values.volume[1]).toBe(25300);
  });

  it('a cell that is not in that format fails rather than becoming another number', async () => {
    const table = await rawTable('broker2.csv', ['Date;Open;High;Low;Close', '02.01.2024;1,5;2;1;1.5'], { delimiter: ';', decisions: { decimal: ',', thousands: '.' } });
    const e = await failure(() => read(table, { symbol: 'X' }));
    expect(e.message).toBe('broker2.csv line 2 (row 1): Close "1.5" is not a number (decimal ",", thousands ".")');
  });
});
