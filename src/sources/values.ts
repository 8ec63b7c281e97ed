/**
 * The value columns of a table → Float64 arrays per canonical field: numbers in the file's own format, sides
 * (words or Binance's is_buyer_maker), MetaTrader's tick volume, fixed-point price scales and --adjusted factors.
 * Records what it decided (source columns, scale, warnings).
 */
import type pl from 'nodejs-polars';
import { VALUE_COLUMNS, type TickKind } from '../schema.js';
import type { ReadDecisions } from './decisions.js';
import type { LaidOut } from './layout.js';
import { FIXED_POINT_SUSPECT, PLAIN_NUMBERS, describeNumberFormat, median, parseNumberColumn, scalePrices, writtenAsIntegers, type NumberFormat } from './numbers.js';
import { isNullWord, shown, type Rows } from './rows.js';
import type { TabularOptions } from './tabular.js';

type Polars = typeof pl;

const PRICE_FIELDS: Record<TickKind, readonly string[]> = { bars: ['open', 'high', 'low', 'close'], trades: ['price'], quotes: ['bid', 'ask'], book: [] };

/** The value columns read, what each canonical field came from (for decisions), and the source columns used. */
export interface Values {
  values: Record<string, Float64Array>;
  columns: Record<string, string>;
  sources: string[];
}

export function readValues(polars: Polars, rows: Rows, kind: TickKind, fields: Record<string, string>, format: NumberFormat, opts: TabularOptions, laid: LaidOut, decided: Partial<ReadDecisions>): Values {
  const n = rows.frame.height;
  const plain = format.decimal === PLAIN_NUMBERS.decimal && !format.thousands;
  const numbers = (column: string, emptyIsUnknown = false): Float64Array => {
    const parsed = parseNumberColumn(polars, rows.frame, column, format);
    if (!emptyIsUnknown && parsed.emptyRow >= 0) rows.fail(parsed.emptyRow, `${column} is empty`);
    if (parsed.badRow >= 0) {
      const text = String(rows.frame.getColumn(column).get(parsed.badRow)).trim();
      if (isNullWord(text)) rows.fail(parsed.badRow, `${column} is null but other values on the row are not`, 'only a row whose every value is null (a holiday) is skipped; fix or remove the row');
      rows.fail(parsed.badRow, `${column} ${shown(text)} is not a number${plain ? '' : ` (${describeNumberFormat(format)})`}`);
    }
    return parsed.values;
  };
  const values: Record<string, Float64Array> = {};
  const columns: Record<string, string> = {};
  const sources: string[] = [];
  const take = (field: string, column: string, emptyIsUnknown = false) => {
    values[field] = numbers(column, emptyIsUnknown);
    columns[field] = column;
    sources.push(column);
  };
  for (const name of VALUE_COLUMNS[kind]) {
    const column = fields[name];
    if (name === 'side') {
      if (column !== undefined) {
        values.side = readSides(rows, column);
        columns.side = column;
        sources.push(column);
      } else if (fields.is_buyer_maker !== undefined) {
        values.side = readBuyerMaker(rows, fields.is_buyer_maker);
        columns.side = `${fields.is_buyer_maker} (true: seller aggressor)`;
        sources.push(fields.is_buyer_maker);
      } else values.side = new Float64Array(n);
    } else if (column === undefined) values[name] = defaultColumn(kind, name, n);
    else take(name, column, kind === 'quotes' && (name === 'bid_size' || name === 'ask_size'));
  }
  const tickVolume = fields.tick_volume;
  if (kind === 'bars' && tickVolume !== undefined && (fields.volume === undefined || values.volume.every((v) => v === 0))) {
    const volumeColumn = fields.volume;
    take('volume', tickVolume);
    if (volumeColumn !== undefined) sources.splice(sources.indexOf(volumeColumn), 1);
    decided.warnings!.push(`volume is ${tickVolume} (a tick count)${volumeColumn === undefined ? '' : `: ${volumeColumn} is all 0`}`);
  }
  scaleAllPrices(polars, rows, kind, fields, values, columns, opts, laid, decided);
  if (opts.adjusted && kind === 'bars') adjust(rows, fields, values, columns, sources, numbers, decided);
  return { values, columns, sources };
}

/**
 * Fixed-point prices: --price-scale if given, else the layout's (Databento: 1e-9) when every price is written as a
 * whole number; Databento's pretty_px files write decimals and are read as they are. Without a scale, a price
 * column of whole numbers in the millions is what an unscaled fixed-point file looks like: a warning.
 */
function scaleAllPrices(polars: Polars, rows: Rows, kind: TickKind, fields: Record<string, string>, values: Record<string, Float64Array>, columns: Record<string, string>, opts: TabularOptions, laid: LaidOut, decided: Partial<ReadDecisions>): void {
  const priceFields = PRICE_FIELDS[kind].filter((f) => fields[f] !== undefined);
  let scale = 1;
  if (opts.priceScale !== undefined) scale = opts.priceScale;
  else if (laid.layout?.fixedPoint !== undefined) {
    if (priceFields.every((f) => writtenAsIntegers(polars, rows.frame, fields[f]))) scale = laid.layout.fixedPoint;
    else decided.warnings!.push(`${laid.layout.name} prices are written with decimals (pretty_px), so they are not scaled`);
  }
  if (opts.priceScale !== undefined || laid.layout?.fixedPoint !== undefined) decided.priceScale = scale;
  for (const f of priceFields) {
    scalePrices(values[f], scale);
    if (scale !== 1) columns[f] = `${fields[f]} × ${scale}`;
  }
  if (scale === 1 && opts.priceScale === undefined) {
    // Whole numbers first: a decimal price ends that check at its first row, so most files never sort a column.
    const suspects = priceFields.filter((f) => values[f].every(Number.isInteger) && median(values[f]) >= FIXED_POINT_SUSPECT);
    if (suspects.length > 0) {
      const names = suspects.map((f) => fields[f]).join(', ');
      decided.warnings!.push(`${names} ${suspects.length === 1 ? 'is' : 'are'} whole numbers around ${median(values[suspects[0]])}: if these are fixed-point prices (e.g. Databento's units of 1e-9), give --price-scale 1e-9`);
    }
  }
}

/**
 * --adjusted: every price scaled by Adj Close / Close and volume by its inverse, as a split- and dividend-adjusted
 * series is. One factor per row keeps high ≥ close ≥ low; the adjusted high and low are clamped to the adjusted
 * close where rounding alone would put them a unit in the last place on the wrong side.
 */
function adjust(rows: Rows, fields: Record<string, string>, values: Record<string, Float64Array>, columns: Record<string, string>, sources: string[], numbers: (c: string) => Float64Array, decided: Partial<ReadDecisions>): void {
  const adj = numbers(fields.adj_close);
  if (decided.priceScale !== undefined) scalePrices(adj, decided.priceScale);
  const { open, high, low, close, volume } = values;
  for (let i = 0; i < close.length; i++) {
    if (!(close[i] > 0)) rows.fail(i, `${fields.close} ${shown(close[i])} is not a positive price`);
    if (!(adj[i] > 0)) rows.fail(i, `${fields.adj_close} ${shown(adj[i])} is not a positive price`);
    const factor = adj[i] / close[i];
    const [h, l] = [high[i] * factor, low[i] * factor];
    high[i] = high[i] >= close[i] ? Math.max(h, adj[i]) : h;
    low[i] = low[i] <= close[i] ? Math.min(l, adj[i]) : l;
    open[i] *= factor;
    volume[i] /= factor;
    close[i] = adj[i];
  }
  for (const f of ['open', 'high', 'low']) columns[f] = `${fields[f]} × ${fields.adj_close}/${fields.close}`;
  columns.close = fields.adj_close;
  if (fields.volume !== undefined || columns.volume !== undefined) columns.volume = `${columns.volume ?? fields.volume} × ${fields.close}/${fields.adj_close}`;
  sources.push(fields.adj_close);
}

/** Side words: +1 buyer-initiated, −1 seller-initiated, 0 unknown. Databento writes A (sell aggressor), B, N. */
const SIDE_WORDS: Record<string, number> = { b: 1, buy: 1, bid: 1, '1': 1, s: -1, sell: -1, a: -1, ask: -1, '-1': -1, '': 0, '0': 0, n: 0, unknown: 0 };

function readSides(rows: Rows, column: string): Float64Array {
  const texts = rows.frame.getColumn(column).toArray() as unknown[];
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const word = texts[i] === null || texts[i] === undefined ? '' : String(texts[i]).trim().toLowerCase();
    const side = SIDE_WORDS[word];
    if (side === undefined) rows.fail(i, `${column} ${shown(texts[i])} is not a side (buy/sell/b/s/1/-1)`);
    out[i] = side;
  }
  return out;
}

/** Binance's is_buyer_maker: true means the buyer's order was resting, so the seller hit it: side −1. */
function readBuyerMaker(rows: Rows, column: string): Float64Array {
  const texts = rows.frame.getColumn(column).toArray() as unknown[];
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const word = texts[i] === null || texts[i] === undefined ? '' : String(texts[i]).trim().toLowerCase();
    if (word === 'true' || word === '1') out[i] = -1;
    else if (word === 'false' || word === '0') out[i] = 1;
    else rows.fail(i, `${column} ${shown(texts[i])} is not true or false`);
  }
  return out;
}

/** Missing optional columns: bars without volume get 0; quotes without sizes get NaN (unknown). */
function defaultColumn(kind: TickKind, name: string, n: number): Float64Array {
  const out = new Float64Array(n);
  if (kind === 'quotes') out.fill(NaN);
  return out;
}

