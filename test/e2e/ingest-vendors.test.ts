/**
 * Issue 9 (meaning): vendor files through the real CLI. Each ingests with at most --symbol, `cift bars` shows the
 * file's own first bar exactly, and `cift ingest` says what it decided. Fixtures are written here from each vendor's
 * published layout.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cift, tempDir, writeText, homeMaker } from '../helpers.js';

const tmp = tempDir('cift-ingest-vendors-');
afterAll(tmp.cleanup);
const freshHome = homeMaker(tmp.dir);
const file = (name: string, lines: string[]) => writeText(tmp.dir, name, lines.join('\n'));

interface Stored {
  symbol: string;
  kind: string;
  rows: number;
  first: string;
  last: string;
  read: Record<string, unknown>;
}
interface Bar {
  ts: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function ingestJson(home: string, args: string[]): Stored[] {
  const r = cift(['ingest', ...args, '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Stored[];
}
function barsJson(home: string, args: string[]): Bar[] {
  const r = cift(['bars', ...args, '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Bar[];
}
function expectOneLineError(r: { status: number; stderr: string }, status: number, message: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(lines[0]).toMatch(message);
  expect(lines.length, 'one error line, at most one hint line').toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: /);
}

describe('vendor files ingest with at most --symbol and keep their own first bar', () => {
  it('Yahoo CSV: the null holiday row is skipped and counted; --adjusted scales by Adj Close / Close', () => {
    const path = file('AAPL.csv', ['Date,Open,High,Low,Close,Adj Close,Volume', '2024-01-12,186.06,186.74,185.19,185.92,185.14,40444700', '2024-01-15,null,null,null,null,null,null', '2024-01-16,182.16,184.26,180.93,183.63,182.86,65603000']);
    const home = freshHome();
    const [stored] = ingestJson(home, [path, '--symbol', 'AAPL']);
    expect(stored).toMatchObject({ symbol: 'AAPL', kind: 'bars', rows: 2, first: '2024-01-12T00:00:00.000Z', last: '2024-01-16T00:00:00.000Z' });
    expect(stored.read.skipped).toEqual({ 'all-null rows (holidays)': 1 });
    expect(barsJson(home, ['AAPL'])[0]).toMatchObject({ ts: '2024-01-12T00:00:00.000Z', open: 186.06, high: 186.74, low: 185.19, close: 185.92, volume: 40444700 });
    const summary = cift(['ingest', path, '--symbol', 'AAPLADJ', '--adjusted'], { home });
    expect(summary.status, summary.stderr).toBe(0);
    expect(summary.stdout, 'the summary says what was decided').toMatch(/read AAPL\.csv: csv.*columns ts=Date open=Open × Adj Close\/Close .*close=Adj Close.*skipped 1 all-null rows \(holidays\)/);
    const [adjusted] = barsJson(home, ['AAPLADJ']);
    expect(adjusted.close).toBe(185.14);
    expect(adjusted.high >= adjusted.close && adjusted.close >= adjusted.low, 'high ≥ close ≥ low').toBe(true);
  });

  it('Stooq intraday (Date,Time,…): one bar per row, not one per day (regression)', () => {
    const path = file('aapl_us_5.csv', ['Date,Time,Open,High,Low,Close,Volume', '2024-01-02,15:35:00,187.15,187.5,186.9,187.2,1234567', '2024-01-02,15:40:00,187.2,187.3,186.8,186.95,987654']);
    const home = freshHome();
    const [stored] = ingestJson(home, [path, '--symbol', 'AAPL']);
    expect(stored).toMatchObject({ rows: 2, first: '2024-01-02T15:35:00.000Z', last: '2024-01-02T15:40:00.000Z' });
    const bars = barsJson(home, ['AAPL', '--interval', '5m']);
    expect(bars.map((b) => b.ts)).toEqual(['2024-01-02T15:35:00.000Z', '2024-01-02T15:40:00.000Z']);
    expect(bars[0]).toMatchObject({ open: 187.15, high: 187.5, low: 186.9, close: 187.2, volume: 1234567 });
  });

  it('Databento OHLCV: no flag at all; prices scaled by 1e-9 (regression: stored 1e9 too large)', () => {
    const path = file('glbx-mdp3-20240102.ohlcv-1m.csv', ['ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol', '1704186000000000000,33,1,5602,4772250000000,4773000000000,4771750000000,4772500000000,1234,ESH4', '1704186060000000000,33,1,5602,4772500000000,4772750000000,4772000000000,4772250000000,856,ESH4']);
    const home = freshHome();
    const [stored] = ingestJson(home, [path]);
    expect(stored).toMatchObject({ symbol: 'ESH4', rows: 2, first: '2024-01-02T09:00:00.000Z', last: '2024-01-02T09:01:00.000Z' });
    expect(stored.read).toMatchObject({ layout: 'databento-ohlcv', priceScale: 1e-9, epochUnit: 'ns' });
    expect(barsJson(home, ['ESH4'])[0]).toMatchObject({ ts: '2024-01-02T09:00:00.000Z', open: 4772.25, high: 4773, low: 4771.75, close: 4772.5, volume: 1234 });
  });

  it('Polygon trades flat file: every ticker stored under its own symbol, at sip_timestamp', () => {
    const path = file('2024-01-02.csv', [
      'ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp',
      'AAPL,"12,37",0,11,1,1704186000010593259,185.5,1001,1704186000010616913,100,3,,',
      'AAPL,"12,37",0,11,2,1704186000120000000,185.52,1002,1704186000120500000,50,3,,',
      'MSFT,12,0,4,1,1704186000200000000,370.1,1003,1704186000200400000,10,3,201,1704186000200100000',
    ]);
    const home = freshHome();
    const stored = ingestJson(home, [path]);
    expect(stored.map((s) => [s.symbol, s.kind, s.rows, s.first])).toEqual([
      ['AAPL', 'trades', 2, '2024-01-02T09:00:00.010616913Z'],
      ['MSFT', 'trades', 1, '2024-01-02T09:00:00.2004Z'],
    ]);
    expect(barsJson(home, ['AAPL', '--interval', '1m'])[0]).toMatchObject({ ts: '2024-01-02T09:00:00.000Z', open: 185.5, high: 185.52, low: 185.5, close: 185.52, volume: 150 });
  });

  it('Dukascopy ticks: quotes at Gmt time, sizes from AskVolume/BidVolume', () => {
    const path = file('EURUSD_Ticks_02.01.2024-02.01.2024.csv', ['Gmt time,Ask,Bid,AskVolume,BidVolume', '02.01.2024 00:00:00.123,1.10448,1.10440,0.9,1.35', '02.01.2024 00:00:01.456,1.10449,1.10441,0.75,2.1']);
    const [stored] = ingestJson(freshHome(), [path, '--symbol', 'EURUSD']);
    expect(stored).toMatchObject({ symbol: 'EURUSD', kind: 'quotes', rows: 2, first: '2024-01-02T00:00:00.123Z', last: '2024-01-02T00:00:01.456Z' });
    expect(stored.read).toMatchObject({ layout: 'dukascopy-ticks', columns: { ts: 'Gmt time', bid_size: 'BidVolume', ask_size: 'AskVolume' } });
  });

  it('Stooq bulk file: <TICKER> names the symbol; <DATE> + <TIME>', () => {
    const path = file('spy.us.csv', ['<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>', 'SPY.US,5,20240102,153500,472.16,472.5,471.9,472.2,1234567,0', 'SPY.US,5,20240102,154000,472.2,472.3,471.8,471.95,987654,0']);
    const home = freshHome();
    const [stored] = ingestJson(home, [path]);
    expect(stored).toMatchObject({ symbol: 'SPY.US', rows: 2, first: '2024-01-02T15:35:00.000Z', last: '2024-01-02T15:40:00.000Z' });
    expect(barsJson(home, ['SPY.US'])[0]).toMatchObject({ open: 472.16, high: 472.5, low: 471.9, close: 472.2, volume: 1234567 });
  });
});

describe('dates are trading dates (regression: --tz moved a Monday into the week before)', () => {
  it('--tz Europe/Berlin keeps 2024-01-08 (a Monday) in its own day and week', () => {
    // Thu 4, Fri 5, Mon 8, Tue 9 January 2024.
    const path = file('daily.csv', ['Date,Open,High,Low,Close,Volume', '2024-01-04,10,11,9,10,100', '2024-01-05,11,12,10,11,110', '2024-01-08,20,21,19,20,200', '2024-01-09,21,22,20,21,210']);
    const home = freshHome();
    const [stored] = ingestJson(home, [path, '--symbol', 'DAX', '--tz', 'Europe/Berlin']);
    expect(stored).toMatchObject({ first: '2024-01-04T00:00:00.000Z', last: '2024-01-09T00:00:00.000Z' });
    const weeks = barsJson(home, ['DAX', '--interval', '1w']);
    expect(weeks.map((w) => [w.ts, w.open, w.volume]), 'Monday 8th opens the second week').toEqual([
      ['2024-01-01T00:00:00.000Z', 10, 210],
      ['2024-01-08T00:00:00.000Z', 20, 410],
    ]);
  });
});

describe('what cannot be decided safely is a one-line error', () => {
  it('--symbol on a file of several tickers is a usage error, not "time goes backwards"', () => {
    const path = file('multi.csv', ['ticker,date,open,high,low,close,volume', 'AAPL,2024-01-02,187.15,188.44,183.89,185.64,82488674', 'MSFT,2024-01-02,373.86,375.9,366.77,370.87,25258600', 'AAPL,2024-01-03,184.22,185.88,183.43,184.25,58414460']);
    expectOneLineError(cift(['ingest', path, '--symbol', 'AAPL'], { home: freshHome() }), 2, /^cift: .*multi\.csv holds 2 symbols in column "ticker" \(AAPL, MSFT\); --symbol AAPL would store them as one$/);
  });

  it('an ambiguous 01/02/2024 names --date-format; with it the file ingests', () => {
    const path = file('us.csv', ['Date,Open,High,Low,Close', '01/02/2024,1,2,1,2', '01/03/2024,1,2,1,2']);
    const home = freshHome();
    const r = cift(['ingest', path, '--symbol', 'X'], { home });
    expectOneLineError(r, 1, /could be day-first or month-first/);
    expect(r.stderr).toMatch(/hint: .*--date-format/);
    const [stored] = ingestJson(home, [path, '--symbol', 'X', '--date-format', '%m/%d/%Y']);
    expect(stored).toMatchObject({ first: '2024-01-02T00:00:00.000Z', last: '2024-01-03T00:00:00.000Z' });
  });

  it('the old headerless hint (--map ts=<first value>) no longer drops the first row of a Binance file', () => {
    const path = file('BTCUSDT-1m-2024-01.csv', [
      '1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.00736760,1327,23.27929000,984137.68082020,0',
      '1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.10253000,1704067319999,892754.76375800,1132,15.14834000,640881.44906570,0',
    ]);
    const home = freshHome();
    const r = cift(['ingest', path, '--map', 'ts=1704067200000', '--map', 'open=42283.58000000', '--symbol', 'BTCUSDT'], { home });
    expect(r.status, 'refused, whichever layer notices').toBe(1);
    const list = cift(['ingest', '--list', '--json'], { home });
    expect((JSON.parse(list.stdout) as Array<{ builtin: boolean }>).filter((s) => !s.builtin), 'nothing stored').toEqual([]);
  });

  it('a bad --preset, --columns or --price-scale is a usage error', () => {
    const path = file('p.csv', ['Date,Open,High,Low,Close', '2024-01-02,1,2,1,2']);
    const home = freshHome();
    expectOneLineError(cift(['ingest', path, '--symbol', 'X', '--preset', 'binance'], { home }), 2, /^cift: --preset "binance" is not a known layout$/);
    expectOneLineError(cift(['ingest', path, '--symbol', 'X', '--columns', 'ts,opne,high,low,close'], { home }), 2, /^cift: --columns "ts,opne,high,low,close": "opne" is not a field$/);
    expectOneLineError(cift(['ingest', path, '--symbol', 'X', '--columns', 'ts,open,high,low'], { home }), 2, /^cift: --columns names 4 columns but .*p\.csv has 5$/);
    expectOneLineError(cift(['ingest', path, '--symbol', 'X', '--price-scale', '0'], { home }), 2, /^cift: --price-scale "0" is not a positive number$/);
  });
});

describe('ingest --presets', () => {
  it('lists every layout as a table and as JSON', () => {
    const home = freshHome();
    const table = cift(['ingest', '--presets'], { home });
    expect(table.status, table.stderr).toBe(0);
    for (const name of ['binance-klines', 'binance-trades', 'binance-aggtrades', 'metatrader', 'dukascopy-ticks', 'stooq', 'databento-ohlcv', 'polygon-trades', 'polygon-aggregates']) expect(table.stdout).toContain(name);
    const json = JSON.parse(cift(['ingest', '--presets', '--json'], { home }).stdout) as Array<{ name: string; columns: string[] | null; epoch_units: string[] | null; fixed_point: number | null }>;
    const klines = json.find((p) => p.name === 'binance-klines')!;
    expect(klines.columns, 'the 12 published columns').toHaveLength(12);
    expect(klines.epoch_units).toEqual(['ms', 'us']);
    expect(json.find((p) => p.name === 'databento-ohlcv')!.fixed_point).toBe(1e-9);
    expectOneLineError(cift(['ingest', '--presets', 'x.csv'], { home }), 2, /^cift: --presets takes no files/);
  });
});
