/**
 * Transforms, lags and forward targets (src/pipelines/ml-columns.ts) on a five-row table worked by hand, and the
 * option grammar (`--lags close:1,2,5,volume:3`, `--target fwd_ret:10,fwd_dir:5`).
 */
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { addMlColumns, parseColumnSpecs, parseTargets, type ColumnInfo, type MlColumnsRequest } from '../../src/pipelines/ml-columns.js';
import { thrownBy } from '../helpers.js';

const none: MlColumnsRequest = { lags: [], zscores: [], minmaxes: [], targets: [], targetOn: 'close', flatEps: 0 };
const close = [10, 11, 12, 11, 13];
const table = () => pl.DataFrame({ ts: [1, 2, 3, 4, 5], close, score: [1, 2, NaN, 4, 5] });
const values = (f: pl.DataFrame, c: string) => Array.from(f.getColumn(c).toTypedArray() as Float64Array);

const expectClose = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => (Number.isNaN(e) ? expect(actual[i], `[${i}]`).toBeNaN() : expect(actual[i], `[${i}]`).toBeCloseTo(e, 14)));
};

describe('option grammar', () => {
  it('a column then whole numbers; a new "name:" starts the next column', () => {
    expect(parseColumnSpecs('close:1,2,5,volume:3', '--lags', 'the lag', 1)).toEqual([
      { column: 'close', values: [1, 2, 5] },
      { column: 'volume', values: [3] },
    ]);
    expect(parseColumnSpecs('book_pressure_10:1', '--lags', 'the lag', 1)).toEqual([{ column: 'book_pressure_10', values: [1] }]);
  });

  it('refuses what is not a column and whole numbers, naming the option', () => {
    expect(thrownBy(() => parseColumnSpecs('1,2', '--lags', 'the lag', 1)).message).toBe('--lags "1,2" must start with a column and a colon');
    expect(thrownBy(() => parseColumnSpecs('close:0', '--lags', 'the lag', 1)).message).toBe('--lags "close:0": the lag "0" must be a whole number from 1 to 1000000');
    expect(thrownBy(() => parseColumnSpecs('close:1.5', '--lags', 'the lag', 1)).message).toContain('"1.5" must be a whole number');
    expect(thrownBy(() => parseColumnSpecs('close:', '--zscore', 'the window', 2)).message).toContain('the window "" must be a whole number from 2');
    expect(thrownBy(() => parseColumnSpecs(':3', '--lags', 'the lag', 1)).message).toContain('has no column before the colon');
  });

  it('targets: fwd_ret, fwd_logret, fwd_dir with one or more horizons', () => {
    expect(parseTargets('fwd_ret:10,fwd_dir:5')).toEqual([
      { kind: 'fwd_ret', horizon: 10 },
      { kind: 'fwd_dir', horizon: 5 },
    ]);
    expect(parseTargets('FWD_LOGRET:1,3')).toEqual([
      { kind: 'fwd_logret', horizon: 1 },
      { kind: 'fwd_logret', horizon: 3 },
    ]);
    expect(thrownBy(() => parseTargets('fwd_return:5')).message).toBe('--target "fwd_return" is not a target');
  });
});

describe('columns worked by hand on close = 10, 11, 12, 11, 13', () => {
  it('lags: close_lag_k[i] = close[i−k], the first k rows null; warm-up adds to the source column', () => {
    const known = new Map<string, ColumnInfo>([['score', { kernel: 'x', params: {}, warmup: 2, tail: 0, target: false }]]);
    const f = addMlColumns(pl, table(), { ...none, lags: [{ column: 'close', values: [1, 3] }, { column: 'score', values: [1] }] }, known);
    expectClose(values(f, 'close_lag_1'), [NaN, 10, 11, 12, 11]);
    expectClose(values(f, 'close_lag_3'), [NaN, NaN, NaN, 10, 11]);
    expectClose(values(f, 'score_lag_1'), [NaN, 1, 2, NaN, 4]);
    expect(known.get('close_lag_3')).toEqual({ kernel: 'lag', params: { column: 'close', k: 3 }, warmup: 3, tail: 0, target: false });
    expect(known.get('score_lag_1')!.warmup).toBe(3);
  });

  it('targets: fwd_ret = x[i+h]/x[i] − 1, fwd_logret = ln(x[i+h]/x[i]), the last h rows null', () => {
    const known = new Map<string, ColumnInfo>();
    const f = addMlColumns(pl, table(), { ...none, targets: [{ kind: 'fwd_ret', horizon: 2 }, { kind: 'fwd_logret', horizon: 1 }] }, known);
    expectClose(values(f, 'fwd_ret_2'), [12 / 10 - 1, 11 / 11 - 1, 13 / 12 - 1, NaN, NaN]);
    expectClose(values(f, 'fwd_logret_1'), [Math.log(1.1), Math.log(12 / 11), Math.log(11 / 12), Math.log(13 / 11), NaN]);
    expect(known.get('fwd_ret_2')).toEqual({ kernel: 'fwd_ret', params: { column: 'close', h: 2 }, warmup: 0, tail: 2, target: true });
  });

  it('fwd_dir: +1 above +eps, −1 below −eps, 0 within; returns +10 %, +9.09 %, −8.33 %, +18.2 %', () => {
    const dir = (flatEps: number) => values(addMlColumns(pl, table(), { ...none, flatEps, targets: [{ kind: 'fwd_dir', horizon: 1 }] }, new Map()), 'fwd_dir_1');
    expectClose(dir(0), [1, 1, -1, 1, NaN]);
    expectClose(dir(0.05), [1, 1, -1, 1, NaN]);
    expectClose(dir(0.095), [1, 0, 0, 1, NaN]);
    expectClose(dir(0.2), [0, 0, 0, 0, NaN]);
  });

  it('zscore:3 (population σ) and minmax:3 over the last three rows', () => {
    const f = addMlColumns(pl, table(), { ...none, zscores: [{ column: 'close', values: [3] }], minmaxes: [{ column: 'close', values: [3] }] }, new Map());
    // [10,11,12]: mean 11, σ = √(2/3) → (12 − 11)/σ; [11,12,11]: mean 34/3, σ = √2/3 → (11 − 34/3)/σ; [12,11,13]: mean 12, σ = √(2/3) → 1/σ
    const s1 = Math.sqrt(2 / 3);
    expectClose(values(f, 'close_zscore_3'), [NaN, NaN, 1 / s1, (11 - 34 / 3) / (Math.sqrt(2) / 3), 1 / s1]);
    expectClose(values(f, 'close_minmax_3'), [NaN, NaN, 1, 0, 1]);
  });

  it('a lag may read a transform (transforms run first); a missing column names the columns there are', () => {
    const f = addMlColumns(pl, table(), { ...none, minmaxes: [{ column: 'close', values: [3] }], lags: [{ column: 'close_minmax_3', values: [1] }] }, new Map());
    expectClose(values(f, 'close_minmax_3_lag_1'), [NaN, NaN, NaN, 1, 0]);
    expect(thrownBy(() => addMlColumns(pl, table(), { ...none, lags: [{ column: 'mid', values: [1] }] }, new Map())).message).toBe('--lags: this table has no column "mid"');
  });
});
