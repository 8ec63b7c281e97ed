/**
 * Issue 9's "done when", through the real CLI with both layers: the layouts that need the reading layer (a
 * container, an encoding, a dialect) AND the meaning layer (vendor names, units, date forms, numbers). Each file is
 * written here byte for byte in the vendor's published layout, ingested with at most --symbol, and `cift bars`
 * shows the file's own first bar exactly (the numbers are copied from the fixture text by hand).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { cift, tempDir, homeMaker, writeText } from '../helpers.js';
import { zipArchive } from '../sources/byte-layouts.js';

const tmp = tempDir('cift-ingest-done-');
afterAll(tmp.cleanup);
const freshHome = homeMaker(tmp.dir);
const put = (name: string, bytes: Buffer | string) => writeText(tmp.dir, name, bytes);

function ingest(home: string, args: string[]) {
  const r = cift(['ingest', ...args, '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Array<{ symbol: string; kind: string; rows: number; first: string; last: string; read: Record<string, unknown> }>;
}
function firstBar(home: string, args: string[]) {
  const r = cift(['bars', ...args, '--json'], { home });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<Record<string, number | string | null>>)[0];
}

describe('files users already have, with at most --symbol', () => {
  it('a Yahoo .csv.gz (with a null holiday row)', () => {
    const text = ['Date,Open,High,Low,Close,Adj Close,Volume', '2024-01-02,187.149994,188.440002,183.889999,185.639999,184.532089,82488700', '2024-01-15,null,null,null,null,null,null', '2024-01-16,182.160004,184.259995,180.929993,183.630005,182.534073,65603000', ''].join('\n');
    const home = freshHome();
    const [s] = ingest(home, [put('AAPL.csv.gz', gzipSync(text)), '--symbol', 'AAPL']);
    expect(s).toMatchObject({ symbol: 'AAPL', kind: 'bars', rows: 2, first: '2024-01-02T00:00:00.000Z', last: '2024-01-16T00:00:00.000Z' });
    expect(s.read).toMatchObject({ container: 'gzip', skipped: { 'all-null rows (holidays)': 1 }, ignored: ['Adj Close'] });
    expect(firstBar(home, ['AAPL'])).toMatchObject({ ts: '2024-01-02T00:00:00.000Z', open: 187.149994, high: 188.440002, low: 183.889999, close: 185.639999, volume: 82488700 });
  });

  it('a Binance spot klines .zip, headerless, named by its file and shape (no flag at all)', () => {
    const klines = [
      '1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.61726960,1327,21.04461000,889858.36143950,0',
      '1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.67712000,1704067319999,917299.80385850,922,13.45587000,569395.15497520,0',
      '',
    ].join('\n');
    const home = freshHome();
    const [s] = ingest(home, [put('BTCUSDT-1m-2024-01-01.zip', zipArchive([{ name: 'BTCUSDT-1m-2024-01-01.csv', data: klines }]))]);
    expect(s, 'both lines are rows: the first is data, not a header').toMatchObject({ symbol: 'BTCUSDT', kind: 'bars', rows: 2, first: '2024-01-01T00:00:00.000Z', last: '2024-01-01T00:01:00.000Z' });
    expect(s.read).toMatchObject({ container: 'zip:BTCUSDT-1m-2024-01-01.csv', header: 'none: named by layout binance-klines', layout: 'binance-klines', epochUnit: 'ms' });
    expect(firstBar(home, ['BTCUSDT'])).toMatchObject({ ts: '2024-01-01T00:00:00.000Z', open: 42283.58, high: 42298.62, low: 42261.02, close: 42298.61, volume: 35.92724 });
  });

  it('Binance trades and aggTrades files (headerless rows ending in true/false flags) with no flag', () => {
    const home = freshHome();
    const trades = put('BTCUSDT-trades-2024-01-01.csv', '3341592640,42283.58000000,0.00400000,169.13432000,1704067200000,true,true\n3341592641,42283.59000000,0.01000000,422.83590000,1704067200123,false,true\n');
    const [t] = ingest(home, [trades]);
    expect(t, 'both rows kept').toMatchObject({ symbol: 'BTCUSDT', kind: 'trades', rows: 2, first: '2024-01-01T00:00:00.000Z', last: '2024-01-01T00:00:00.123Z' });
    expect(firstBar(home, ['BTCUSDT']), 'one minute: 0.004 + 0.01').toMatchObject({ ts: '2024-01-01T00:00:00.000Z', open: 42283.58, close: 42283.59, volume: 0.014, trades: 2 });
    const agg = put('ETHUSDT-aggTrades-2024-01-01.csv', '2813393548,2281.55000000,0.50000000,3341592640,3341592641,1704067200000,true,true\n');
    expect(ingest(freshHome(), [agg])[0]).toMatchObject({ symbol: 'ETHUSDT', kind: 'trades', rows: 1, first: '2024-01-01T00:00:00.000Z' });
  });

  it('a MetaTrader 5 tab export in UTF-16 with its byte-order mark', () => {
    const text = ['<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>', '2024.01.02\t09:00:00\t1.10427\t1.10512\t1.10398\t1.10455\t1523\t0\t5', '2024.01.02\t10:00:00\t1.10455\t1.10490\t1.10301\t1.10322\t1789\t0\t6', ''].join('\r\n');
    const home = freshHome();
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const [s] = ingest(home, [put('EURUSD_H1.csv', bytes), '--symbol', 'EURUSD']);
    expect(s).toMatchObject({ symbol: 'EURUSD', rows: 2, first: '2024-01-02T09:00:00.000Z', last: '2024-01-02T10:00:00.000Z' });
    expect(s.read).toMatchObject({ delimiter: '\t' });
    expect(firstBar(home, ['EURUSD']), 'VOL is all zero, so TICKVOL is the volume').toMatchObject({ ts: '2024-01-02T09:00:00.000Z', open: 1.10427, high: 1.10512, low: 1.10398, close: 1.10455, volume: 1523 });
  });

  it('a semicolon broker export with decimal commas and dot thousands', () => {
    const text = ['Datum;Eröffnung;Hoch;Tief;Schluss;Volumen', 'Date;Open;High;Low;Close;Volume'][1] + '\n' + ['02.01.2024;16.769,36;16.798,54;16.615,70;16.769,36;1.234.567', '03.01.2024;16.680,10;16.700,00;16.500,25;16.538,39;987.654', ''].join('\n');
    const home = freshHome();
    const [s] = ingest(home, [put('dax.csv', text), '--symbol', 'DAX']);
    expect(s).toMatchObject({ symbol: 'DAX', rows: 2, first: '2024-01-02T00:00:00.000Z', last: '2024-01-03T00:00:00.000Z' });
    expect(s.read).toMatchObject({ delimiter: ';', decimal: ',', thousands: '.' });
    expect(firstBar(home, ['DAX'])).toMatchObject({ ts: '2024-01-02T00:00:00.000Z', open: 16769.36, high: 16798.54, low: 16615.7, close: 16769.36, volume: 1234567 });
  });

  it('a Dukascopy tick file: bars from the mid price of its quotes', () => {
    const text = ['Gmt time,Ask,Bid,AskVolume,BidVolume', '02.01.2024 00:00:00.123,1.10440,1.10430,1.5,2.25', '02.01.2024 00:00:30.500,1.10460,1.10440,0.75,1.5', '02.01.2024 00:01:05.000,1.10420,1.10400,3,1', ''].join('\n');
    const home = freshHome();
    const [s] = ingest(home, [put('EURUSD_Ticks_02.01.2024.csv', text), '--symbol', 'EURUSDT']);
    expect(s).toMatchObject({ kind: 'quotes', rows: 3, first: '2024-01-02T00:00:00.123Z', last: '2024-01-02T00:01:05.000Z' });
    const bar = firstBar(home, ['EURUSDT', '--interval', '1m']);
    // Mids of the first minute: (1.10440 + 1.10430)/2 and (1.10460 + 1.10440)/2.
    expect(bar.ts).toBe('2024-01-02T00:00:00.000Z');
    expect(bar.open as number).toBeCloseTo(1.10435, 12);
    expect(bar.high as number).toBeCloseTo(1.1045, 12);
    expect(bar.close as number).toBeCloseTo(1.1045, 12);
    expect(bar.volume, 'quotes carry no traded volume').toBe(0);
  });
});
