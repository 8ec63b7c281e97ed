/**
 * Number cells → Float64, in the file's number format: the decimal mark and thousands separator the reading layer
 * found (decisions.decimal / decisions.thousands). They apply to number fields only, never to dates (02.01.2024
 * is a date in a file whose decimal mark is ","). With a non-default format every cell must be written in it,
 * thousands groups of exactly three digits included, so "1.5" in a file where "." separates thousands is an error,
 * not 15.
 */
import type pl from 'nodejs-polars';

type Polars = typeof pl;

export interface NumberFormat {
  /** "." or ",". */
  decimal: string;
  /** Separator between groups of three digits, if the file uses one. */
  thousands?: string;
}

export const PLAIN_NUMBERS: NumberFormat = { decimal: '.' };

const regexEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "1.234,5" style: the format as a phrase for messages. */
export function describeNumberFormat(f: NumberFormat): string {
  return `decimal ${JSON.stringify(f.decimal)}${f.thousands ? `, thousands ${JSON.stringify(f.thousands)}` : ''}`;
}

export interface ParsedNumbers {
  values: Float64Array;
  /** First row whose (non-empty) cell is not a number in the format, or -1. */
  badRow: number;
  /** First empty row, or -1. */
  emptyRow: number;
}

/**
 * Reads one text (or already numeric) column. Empty cells become NaN and are reported in `emptyRow`; cells that are
 * not numbers in `format` in `badRow`. The caller decides which of those is an error.
 */
export function parseNumberColumn(polars: Polars, frame: pl.DataFrame, column: string, format: NumberFormat = PLAIN_NUMBERS): ParsedNumbers {
  const { col } = polars;
  const series = frame.getColumn(column);
  const plain = format.decimal === '.' && !format.thousands;
  let text = col(column);
  let wellFormed = polars.lit(true);
  if (!plain && !series.isNumeric()) {
    text = col(column).cast(polars.String).str.strip();
    const group = format.thousands ? `|\\d{1,3}(${regexEscape(format.thousands)}\\d{3})+` : '';
    wellFormed = text.str.contains(`^[+-]?(\\d+${group})(${regexEscape(format.decimal)}\\d+)?$`);
    if (format.thousands) text = text.str.replaceAll(format.thousands, '', true);
    if (format.decimal !== '.') text = text.str.replaceAll(format.decimal, '.', true);
  }
  const checked = frame.select(
    text.cast(polars.Float64, false).fillNull(polars.lit(NaN)).alias('value'),
    text.cast(polars.Float64, false).isNull().or(wellFormed.not()).and(col(column).isNotNull()).alias('bad'),
    col(column).isNull().alias('empty'),
  );
  const first = (name: string): number => {
    const rows = checked.getColumn(name).argTrue();
    return rows.length > 0 ? (rows.get(0) as number) : -1;
  };
  return { values: checked.getColumn('value').toTypedArray() as Float64Array, badRow: first('bad'), emptyRow: first('empty') };
}

/** Whether every non-empty cell of a column is written as a whole number with no decimal mark (fixed-point prices). */
export function writtenAsIntegers(polars: Polars, frame: pl.DataFrame, column: string): boolean {
  const series = frame.getColumn(column);
  if (series.isNumeric()) return series.dtype.variant.startsWith('Int') || series.dtype.variant.startsWith('UInt');
  const whole = polars.col(column).cast(polars.String).str.strip().str.contains('^[+-]?\\d+$');
  const notWhole = frame.select(whole.not().and(polars.col(column).isNotNull()).alias('bad')).getColumn('bad').argTrue();
  return notWhole.length === 0;
}

/**
 * Multiplies prices by `scale` in place. A scale of 10^-k divides by 10^k instead: an integer divided by a power of
 * ten is correctly rounded, so Databento's 4772250000000 becomes exactly the double written 4772.25, where
 * multiplying by 1e-9 (itself inexact) could land one unit in the last place away.
 */
export function scalePrices(values: Float64Array, scale: number): void {
  if (scale === 1) return;
  const inverse = Math.round(1 / scale);
  const divide = inverse > 1 && Math.abs(1 / inverse - scale) <= Number.EPSILON * scale;
  for (let i = 0; i < values.length; i++) values[i] = divide ? values[i] / inverse : values[i] * scale;
}

/** Prices this large and all whole are what fixed-point integers look like (1e-9 units: $5 is 5000000000). */
export const FIXED_POINT_SUSPECT = 1e6;

/** The median of a column's finite values (NaN when it has none). */
export function median(values: Float64Array): number {
  const finite = Float64Array.from(values.filter(Number.isFinite)).sort();
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}
