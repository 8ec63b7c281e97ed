/**
 * Issue 13's "Done when": the GOOG level-10 LOBSTER day ingested, then
 *   cift features GOOG --interval 1m --set "mlofi:5,book_pressure:10,book_slope:10,effective_spread"
 *     --lags close:1,5 --target fwd_ret:10 --export parquet --out f.parquet
 * read back with polars (the data) and with this repo's independent Parquet footer reader (the metadata). Expected
 * values come from the raw message and orderbook CSVs through naive loops written here: the bar close (last
 * execution of the minute), level-1 OFI summed per minute (Cont, Kukanov & Stoikov 2014 eq. 2), and the mean
 * effective spread 2·d·(p − m)/m per minute with m the mid of the book line before the execution.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cift, GOOG_MESSAGE_10, GOOG_ORDERBOOK_10, hasLobsterGoog10, tempDir } from '../helpers.js';
import { arrowSchemaInParquet, parquetFooter } from '../io/format-readers.js';

const EMPTY = 9_999_999_999;
const MIDNIGHT_UTC_MS = Date.UTC(2012, 5, 21, 4); // New York midnight (EDT) of the day, in UTC

interface Minute {
  close: number;
  ofi1: number;
  spreadSum: number;
  spreadCount: number;
}

/** Per minute (ms of its start, UTC) from the raw files. */
function rawMinutes(): Map<number, Minute> {
  const messages = readFileSync(GOOG_MESSAGE_10, 'utf8').trim().split('\n').map((l) => l.split(','));
  const books = readFileSync(GOOG_ORDERBOOK_10, 'utf8').trim().split('\n').map((l) => l.split(',').map(Number));
  const minutes = new Map<number, Minute>();
  const at = (seconds: number) => {
    const key = MIDNIGHT_UTC_MS + Math.floor(seconds / 60) * 60_000;
    let m = minutes.get(key);
    if (m === undefined) minutes.set(key, (m = { close: NaN, ofi1: 0, spreadSum: 0, spreadCount: 0 }));
    return m;
  };
  messages.forEach((msg, k) => {
    const seconds = Number(msg[0]);
    const m = at(seconds);
    const cur = books[k];
    const prev = books[k - 1];
    if (prev !== undefined) {
      // level 1: ask px, ask sz, bid px, bid sz
      let e = 0;
      if (cur[2] >= prev[2]) e += cur[3];
      if (cur[2] <= prev[2]) e -= prev[3];
      if (cur[0] <= prev[0]) e -= cur[1];
      if (cur[0] >= prev[0]) e += prev[1];
      m.ofi1 += e;
    }
    const type = msg[1];
    if (type === '4' || type === '5') {
      const price = Number(msg[4]) / 10_000;
      m.close = price;
      if (prev !== undefined && Math.abs(prev[0]) < EMPTY && Math.abs(prev[2]) < EMPTY) {
        const mid = (prev[0] + prev[2]) / 2 / 10_000;
        const d = -Number(msg[5]); // the resting order's side is the direction; the aggressor is the other side
        m.spreadSum += (2 * d * (price - mid)) / mid;
        m.spreadCount++;
      }
    }
  });
  return minutes;
}

describe.skipIf(!hasLobsterGoog10)('an ML-ready table from the GOOG L10 day (issue 13, Done when)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let home: string;
  let out: string;
  let frame: pl.DataFrame;
  const args = ['features', 'GOOG', '--interval', '1m', '--set', 'mlofi:5,book_pressure:10,book_slope:10,effective_spread', '--lags', 'close:1,5', '--target', 'fwd_ret:10'];

  beforeAll(() => {
    tmp = tempDir();
    home = join(tmp.dir, 'home');
    const ingest = cift(['ingest', 'lobster', GOOG_MESSAGE_10, GOOG_ORDERBOOK_10], { home });
    expect(ingest.status, ingest.stderr).toBe(0);
    out = join(tmp.dir, 'f.parquet');
    const r = cift([...args, '--export', 'parquet', '--out', out], { home });
    expect(r.status, r.stderr).toBe(0);
    frame = pl.readParquet(out);
  });
  afterAll(() => tmp.cleanup());

  it('has the contract columns: ts and seq first, bars, features, lags, the target', () => {
    expect(frame.columns).toEqual([
      'ts', 'seq', 'open', 'high', 'low', 'close', 'volume',
      'mlofi_5_l1', 'mlofi_5_l2', 'mlofi_5_l3', 'mlofi_5_l4', 'mlofi_5_l5',
      'book_pressure_10', 'book_slope_10', 'book_slope_10_bid', 'book_slope_10_ask',
      'effective_spread', 'close_lag_1', 'close_lag_5', 'fwd_ret_10',
    ]); // prettier-ignore
    expect(String(frame.getColumn('ts').dtype)).toContain('Datetime');
  });

  it('one row per minute with a trade; close, OFI and the mean effective spread match the raw files', () => {
    const minutes = [...rawMinutes()].filter(([, m]) => !Number.isNaN(m.close)).sort(([a], [b]) => a - b);
    expect(frame.height).toBe(minutes.length);
    const ts = Array.from(frame.getColumn('ts').cast(pl.Int64).toTypedArray() as BigInt64Array, (v) => Number(v / 1_000_000n));
    const closeCol = frame.getColumn('close').toArray() as number[];
    const ofi = frame.getColumn('mlofi_5_l1').toArray() as number[];
    const spread = frame.getColumn('effective_spread').toArray() as Array<number | null>;
    minutes.forEach(([start, m], i) => {
      expect(ts[i], `row ${i}`).toBe(start);
      expect(closeCol[i], `close of row ${i}`).toBeCloseTo(m.close, 9);
      expect(ofi[i], `level-1 OFI of row ${i}`).toBe(m.ofi1);
      if (m.spreadCount === 0) expect(spread[i]).toBeNull();
      else expect(spread[i]!, `effective spread of row ${i}`).toBeCloseTo(m.spreadSum / m.spreadCount, 12);
    });
  });

  it('lags look back and the target forward over the table rows; nulls, never filled, where they run off the data', () => {
    const close = frame.getColumn('close').toArray() as number[];
    const lag1 = frame.getColumn('close_lag_1').toArray() as Array<number | null>;
    const lag5 = frame.getColumn('close_lag_5').toArray() as Array<number | null>;
    const fwd = frame.getColumn('fwd_ret_10').toArray() as Array<number | null>;
    const n = close.length;
    for (let i = 0; i < n; i++) {
      expect(lag1[i]).toBe(i >= 1 ? close[i - 1] : null);
      expect(lag5[i]).toBe(i >= 5 ? close[i - 5] : null);
      if (i + 10 < n) expect(fwd[i]!).toBeCloseTo(close[i + 10] / close[i] - 1, 14);
      else expect(fwd[i]).toBeNull();
    }
  });

  it('says what each column is in the schema metadata: kernel, params, warm-up, target', () => {
    const { keyValues } = parquetFooter(readFileSync(out));
    const about = JSON.parse(keyValues.find((e) => e.key === 'cift.features')!.value!);
    expect(about).toMatchObject({ symbol: 'GOOG', interval: '1m', rows: 'bars' });
    expect(about.columns.fwd_ret_10).toEqual({ kernel: 'fwd_ret', params: { column: 'close', h: 10 }, warmup: 0, tail: 10, target: true, input: 'table' });
    expect(about.columns.mlofi_5_l1).toMatchObject({ kernel: 'mlofi', params: { levels: 5 }, target: false, input: 'book', aggregate: 'sum' });
    const fields = Object.fromEntries(arrowSchemaInParquet(keyValues).fields.map((f) => [f.name, f.metadata]));
    expect(fields.close_lag_5).toEqual({ 'cift.kernel': 'lag', 'cift.params': '{"column":"close","k":5}', 'cift.warmup': '5', 'cift.tail': '0', 'cift.target': 'false', 'cift.input': 'table' });
    expect(fields.fwd_ret_10['cift.target']).toBe('true');
    expect(fields.effective_spread['cift.aggregate']).toBe('mean');
    expect(fields.close).toEqual({});
  });

  it('--dropna keeps exactly the rows with no null feature, lag or target', () => {
    const r = cift([...args, '--dropna', '--export', 'parquet', '--out', join(tmp.dir, 'g.parquet')], { home });
    expect(r.status, r.stderr).toBe(0);
    const dropped = pl.readParquet(join(tmp.dir, 'g.parquet'));
    const cols = frame.columns.map((c) => frame.getColumn(c).toArray() as unknown[]);
    const seq = frame.getColumn('seq').toArray() as unknown[];
    const complete = seq.filter((_, i) => cols.every((values) => values[i] !== null));
    expect(dropped.height).toBe(complete.length);
    expect(dropped.height).toBeLessThanOrEqual(frame.height - 15); // at least the 5 lag rows and the 10 target rows
    expect(dropped.getColumn('seq').toArray()).toEqual(complete);
  });
});
