/**
 * The columns that turn a feature table into a training table: rolling transforms (zscore, minmax), lags and
 * forward targets, each on any column of the table. They run after the features (and after the per-bar
 * aggregation), on the table's own rows: a lag of 1 is the previous output row (bar or update).
 *
 * Order: transforms, then lags (so `--lags close_zscore_20:1` lags a transform), then targets. Only targets look
 * forward; their last h rows are null, never filled.
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { minmax, zscore } from '../kernels/normalize.js';
import { forwardDirection, forwardLogReturn, forwardReturn, lag } from '../kernels/returns.js';
import type { Polars } from '../polars.js';
import { numericColumn } from './features.js';

/** A column and the numbers asked of it: `close:1,2,5` → {column: 'close', values: [1, 2, 5]}. */
export interface ColumnSpec {
  column: string;
  values: number[];
}

export const TARGET_KINDS = ['fwd_ret', 'fwd_logret', 'fwd_dir'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetSpec {
  kind: TargetKind;
  horizon: number;
}

export interface MlColumnsRequest {
  lags: ColumnSpec[];
  zscores: ColumnSpec[];
  minmaxes: ColumnSpec[];
  targets: TargetSpec[];
  /** The price column targets are computed on. */
  targetOn: string;
  /** fwd_dir's flat band: |r| ≤ flatEps is class 0. */
  flatEps: number;
}

/** What one added column is: written into the export's schema metadata. */
export interface ColumnInfo {
  kernel: string;
  params: Record<string, number | string>;
  /** Leading rows that are null by construction (rows of this table). */
  warmup: number;
  /** Trailing rows that are null by construction (targets: the horizon). */
  tail: number;
  target: boolean;
}

const MAX_ROWS_BACK = 1_000_000;

/**
 * Parses "close:1,2,5,volume:3" (a column, then whole numbers; a new `name:` starts the next column). `flag` and
 * `what` name the option and its numbers in errors.
 */
export function parseColumnSpecs(text: string, flag: string, what: string, min: number): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  for (const raw of text.split(',').map((s) => s.trim())) {
    if (raw === '') continue;
    let numberText = raw;
    const colon = raw.lastIndexOf(':');
    if (colon >= 0) {
      const column = raw.slice(0, colon).trim();
      if (column === '') throw new CiftError('USAGE', `${flag} "${text}": "${raw}" has no column before the colon`, `e.g. ${flag} close:1,5`);
      out.push({ column, values: [] });
      numberText = raw.slice(colon + 1).trim();
    } else if (out.length === 0) {
      throw new CiftError('USAGE', `${flag} "${text}" must start with a column and a colon`, `e.g. ${flag} close:1,5`);
    }
    const n = Number(numberText);
    if (numberText === '' || !Number.isInteger(n) || n < min || n > MAX_ROWS_BACK) {
      throw new CiftError('USAGE', `${flag} "${text}": ${what} "${numberText}" must be a whole number from ${min} to ${MAX_ROWS_BACK}`);
    }
    out[out.length - 1].values.push(n);
  }
  if (out.length === 0) throw new CiftError('USAGE', `${flag} is empty`, `e.g. ${flag} close:1,5`);
  return out;
}

/** Parses "fwd_ret:10,fwd_dir:5" (or "fwd_ret:1,5": both horizons of fwd_ret). */
export function parseTargets(text: string): TargetSpec[] {
  return parseColumnSpecs(text, '--target', 'the horizon', 1).flatMap(({ column, values }) => {
    const kind = column.toLowerCase();
    if (!(TARGET_KINDS as readonly string[]).includes(kind)) {
      throw new CiftError('USAGE', `--target "${column}" is not a target`, `use ${TARGET_KINDS.join(', ')}, e.g. --target fwd_ret:10`);
    }
    return values.map((horizon) => ({ kind: kind as TargetKind, horizon }));
  });
}

/** The names the request adds, in the order they are added. */
export function mlColumnNames(req: MlColumnsRequest): string[] {
  return [
    ...req.zscores.flatMap((s) => s.values.map((w) => `${s.column}_zscore_${w}`)),
    ...req.minmaxes.flatMap((s) => s.values.map((w) => `${s.column}_minmax_${w}`)),
    ...req.lags.flatMap((s) => s.values.map((k) => `${s.column}_lag_${k}`)),
    ...req.targets.map((t) => `${t.kind}_${t.horizon}`),
  ];
}

function assertColumn(frame: pl.DataFrame, column: string, flag: string): void {
  if (frame.columns.includes(column)) return;
  const usable = frame.columns.filter((c) => c !== 'ts' && c !== 'seq');
  throw new CiftError('USAGE', `${flag}: this table has no column "${column}"`, `its columns: ${usable.join(', ')}`);
}

/**
 * Adds the request's columns to `frame` (sorted in time). `known` holds what is known of the frame's columns
 * (their warm-up), and receives an entry per added column.
 */
export function addMlColumns(polars: Polars, frame: pl.DataFrame, req: MlColumnsRequest, known: Map<string, ColumnInfo>): pl.DataFrame {
  const warmupOf = (c: string) => known.get(c)?.warmup ?? 0;
  const add = (f: pl.DataFrame, name: string, values: Float64Array, info: ColumnInfo): pl.DataFrame => {
    if (f.columns.includes(name)) throw new CiftError('USAGE', `column "${name}" is asked for twice`);
    known.set(name, info);
    return f.withColumns(polars.Series(name, values));
  };
  let out = frame;
  const rolling = [
    { specs: req.zscores, name: 'zscore', fn: zscore, flag: '--zscore' },
    { specs: req.minmaxes, name: 'minmax', fn: minmax, flag: '--minmax' },
  ];
  for (const { specs, name, fn, flag } of rolling) {
    for (const s of specs) {
      assertColumn(out, s.column, flag);
      const x = numericColumn(polars, out, s.column);
      for (const w of s.values) {
        out = add(out, `${s.column}_${name}_${w}`, fn(x, w), { kernel: name, params: { column: s.column, n: w }, warmup: warmupOf(s.column) + w - 1, tail: 0, target: false });
      }
    }
  }
  for (const s of req.lags) {
    assertColumn(out, s.column, '--lags');
    const x = numericColumn(polars, out, s.column);
    for (const k of s.values) {
      out = add(out, `${s.column}_lag_${k}`, lag(x, k), { kernel: 'lag', params: { column: s.column, k }, warmup: warmupOf(s.column) + k, tail: 0, target: false });
    }
  }
  if (req.targets.length > 0) {
    assertColumn(out, req.targetOn, '--target-on');
    const x = numericColumn(polars, out, req.targetOn);
    for (const t of req.targets) {
      const y = t.kind === 'fwd_ret' ? forwardReturn(x, t.horizon) : t.kind === 'fwd_logret' ? forwardLogReturn(x, t.horizon) : forwardDirection(x, t.horizon, req.flatEps);
      const params: Record<string, number | string> = { column: req.targetOn, h: t.horizon };
      if (t.kind === 'fwd_dir') params.flat_eps = req.flatEps;
      out = add(out, `${t.kind}_${t.horizon}`, y, { kernel: t.kind, params, warmup: 0, tail: t.horizon, target: true });
    }
  }
  return out;
}
