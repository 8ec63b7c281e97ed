/**
 * The one step that decides a table's layout before its columns are read: what each column is called and which
 * vendor layout (if any) applies. In order of precedence:
 *   1. `--columns a,b,_,…` names every column in order (pandas' `names=`; a header line, if any, is replaced);
 *   2. `--preset NAME` applies a published layout (vendors.ts);
 *   3. a headerless file is recognised by its published file name and column count (Binance), or refused;
 *   4. a header is recognised by names only one vendor uses (Databento's rtype + publisher_id, Polygon's
 *      sip_timestamp, …), or read by the generic aliases (columns.ts).
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import type { ColumnNames } from './columns.js';
import { normalizeHeader } from './columns.js';
import type { RawTable } from './tabular.js';
import { findPreset, isDatabentoHeader, recogniseHeader, recogniseHeaderless, type VendorLayout } from './vendors.js';

export interface LaidOut {
  /** The table's frame with the decided column names (skipped columns dropped). */
  frame: pl.DataFrame;
  /** Field → column (as `frame` names it) that the layout or --columns decided; the user's --map goes on top. */
  map: Record<string, string>;
  layout?: VendorLayout;
  /** How the column names were decided, when not simply the header line. */
  header?: string;
  /** Source columns skipped with `_`. */
  skipped: string[];
}

export interface LayoutOptions {
  columns?: ColumnNames;
  preset?: string;
  /** Explicit --map field=Column pairs: on a headerless file they may name column_1 … column_N. */
  map?: Record<string, string>;
}

const HEADERLESS_HINT = 'name the columns in order with --columns, e.g. --columns ts,open,high,low,close,volume (_ skips one), or use --preset NAME (cift ingest --presets)';

/** Whether the reading layer found no header line (it then names the columns column_1 … column_N). */
export const isHeaderless = (table: RawTable): boolean => table.decisions.header?.startsWith('none') === true;

/** A data row read as a header: every name a number or a boolean (polars' _duplicated_N suffix aside). */
function headerLooksLikeData(names: readonly string[]): boolean {
  return names.length > 0 && names.every((n) => /^\s*([+-]?\d+([.,]\d+)?([eE][+-]?\d+)?|true|false)\s*$/i.test(n.replace(/_duplicated_\d+$/, '')));
}

export function layOut(table: RawTable, opts: LayoutOptions): LaidOut {
  const { file } = table;
  const headers = table.frame.columns;
  const headerless = isHeaderless(table);
  if (!headerless && table.decisions.format === 'csv' && headerLooksLikeData(headers)) {
    // Reading on would lose this row (or, with --map ts=1704067200000, take a value for a column name).
    throw new CiftError('INPUT_INVALID', `${file}: line 1 (${headers.slice(0, 3).join(',')},…) is data, not a header`, HEADERLESS_HINT);
  }
  if (opts.columns !== undefined && opts.preset !== undefined) throw new CiftError('USAGE', '--columns and --preset both name the columns', 'give one');
  if (opts.columns !== undefined) {
    const named = nameInOrder(table, opts.columns.map((f) => f ?? undefined), '--columns');
    const map: Record<string, string> = {};
    for (const f of opts.columns) if (f !== undefined) map[f] = f;
    return { ...named, map, header: headerless ? '--columns' : `line 1, replaced by --columns` };
  }
  if (opts.preset !== undefined) return applyLayout(table, findPreset(opts.preset), headerless, 'preset');
  if (headerless && Object.values(opts.map ?? {}).some((c) => headers.includes(c))) {
    // The user named the positional columns with --map: that is their decision, not a layout to recognise.
    return { frame: table.frame, map: {}, skipped: [] };
  }
  if (headerless) {
    const layout = recogniseHeaderless(file, headers.length);
    if (layout === undefined) {
      throw new CiftError('INPUT_INVALID', `${file}: has no header line, and its name is no layout cift knows (${headers.length} columns)`, HEADERLESS_HINT);
    }
    return applyLayout(table, layout, headerless, 'recognised');
  }
  const layout = recogniseHeader(headers);
  if (layout !== undefined) return applyLayout(table, layout, headerless, 'recognised');
  if (isDatabentoHeader(headers)) {
    throw new CiftError(
      'INPUT_INVALID',
      `${file}: a Databento file (rtype, publisher_id) of a schema cift does not read`,
      'cift reads Databento ohlcv-* and trades CSVs (--preset databento-ohlcv, databento-trades)',
    );
  }
  return { frame: table.frame, map: {}, skipped: [] };
}

/** Renames every column in order (undefined = skip and drop it); the count must match. */
function nameInOrder(table: RawTable, names: ReadonlyArray<string | undefined>, what: string): { frame: pl.DataFrame; skipped: string[] } {
  const headers = table.frame.columns;
  if (names.length !== headers.length) {
    throw new CiftError('USAGE', `${what} names ${names.length} columns but ${table.file} has ${headers.length}`, `give one name per column, in order (_ skips one)`);
  }
  const rename: Record<string, string> = {};
  const skipped: string[] = [];
  headers.forEach((h, i) => {
    const name = names[i];
    if (name === undefined) skipped.push(h);
    else rename[h] = name;
  });
  // Renamed to temporary names first, so a new name equal to another column's old one never collides.
  const temp: Record<string, string> = {};
  Object.keys(rename).forEach((h, i) => (temp[h] = `__cift_column_${i}`));
  let frame = skipped.length ? table.frame.drop(skipped) : table.frame;
  frame = frame.rename(temp);
  const final: Record<string, string> = {};
  Object.entries(rename).forEach(([h, name]) => (final[temp[h]] = name));
  return { frame: frame.rename(final), skipped };
}

function applyLayout(table: RawTable, layout: VendorLayout, headerless: boolean, how: 'preset' | 'recognised'): LaidOut {
  if (layout.columns !== undefined && (headerless || how === 'preset')) {
    const named = nameInOrder(table, layout.columns, `preset ${layout.name}`);
    // The layout's own spare columns (close_time, ignore, …) stay in the frame, so they are reported as ignored.
    return { ...named, map: { ...layout.fields }, layout, header: headerless ? `none: named by layout ${layout.name}` : `line 1, replaced by preset ${layout.name}` };
  }
  const byNorm = new Map(table.frame.columns.map((h) => [normalizeHeader(h), h]));
  const map: Record<string, string> = {};
  for (const [field, name] of Object.entries(layout.fields)) {
    const column = byNorm.get(normalizeHeader(name));
    if (column !== undefined) map[field] = column;
    else if (!layout.optional?.includes(field)) {
      throw new CiftError('INPUT_INVALID', `${table.file}: not a ${layout.name} file: it has no column ${name} (${field})`, `that layout is ${layout.source}; see cift ingest --presets, or name columns with --map ${field}=Column`);
    }
  }
  return { frame: table.frame, map, layout, skipped: [] };
}
