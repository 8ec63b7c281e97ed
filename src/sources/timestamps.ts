/**
 * A timestamp column (or a date column and a time-of-day column) → ns, deciding the column's form once from its
 * values: integer epochs in one unit, dates only, or dates with times. Every row must have the form the column has;
 * a row that does not is an error naming it, so a file that mixes units (Binance klines before and after their
 * 2025 switch from ms to µs, joined into one file) never lands half of its rows in another century.
 *
 * Dates without a time of day are trading dates: they are stored at 00:00 UTC of that date, and `--tz` never moves
 * them (a Berlin daily bar of 2024-01-02 shifted to 2024-01-01T23:00Z would land in the previous day and, on a
 * Monday, the previous week). A column whose every time is 00:00 and has no offset is read the same way: that is
 * how daily exports that always write a time (Stooq's <TIME> 000000, MetaTrader's 00:00:00) label their dates.
 */
import type pl from 'nodejs-polars';
import {
  EPOCH_UNIT_NAMES,
  NS_PER_DAY,
  epochUnitOfDigits,
  isYearLastDate,
  parseTimeOfDay,
  parseTimestampText,
  type DateFormat,
  type EpochUnit,
  type ParsedTimestamp,
  type YearLastOrder,
} from '../time.js';
import type { TimeColumn } from './local-times.js';
import { shown } from './rows.js';

type Polars = typeof pl;

export interface TimeReading extends TimeColumn {
  /** The unit of integer epochs, when the column holds them. */
  epochUnit?: EpochUnit;
  /** Rows are trading dates (no time of day), which `--tz` does not move. */
  dates: boolean;
  /** How the column was read, for `cift ingest`'s decisions: "Date + Time", "day-first dates", … (the epoch unit is its own decision). */
  notes: string[];
}

export interface TimeContext {
  /** The field's name as the file has it (for messages). */
  field: string;
  /** Fails naming the row: "file line 5 (row 4): <message>". */
  fail: (row: number, message: string, hint?: string) => never;
  /** `--date-format`, when given. */
  dateFormat?: DateFormat;
}


type Form = { kind: 'epoch'; unit: EpochUnit } | { kind: 'date' } | { kind: 'datetime' };

const formName = (f: Form): string => (f.kind === 'epoch' ? `an epoch in ${EPOCH_UNIT_NAMES[f.unit]}` : f.kind === 'date' ? 'a date without a time' : 'a date with a time');
const sameForm = (a: Form, b: Form): boolean => a.kind === b.kind && (a.kind !== 'epoch' || a.unit === (b as { unit: EpochUnit }).unit);

const DATE_FORMAT_HINT = 'give the order with --date-format, e.g. --date-format %d/%m/%Y (day first) or %m/%d/%Y (month first)';

/**
 * Year-last dates (01/02/2024) are read in the one order that fits every row: a row with a first number above 12
 * rules month-first out, one with a second number above 12 rules day-first out. When both orders fit every row
 * (no day above 12 anywhere) the column is ambiguous, and --date-format must say.
 */
function yearLastOrder(texts: readonly string[], ctx: TimeContext): YearLastOrder {
  const firstMisfit = (order: YearLastOrder): number => texts.findIndex((t) => parseTimestampText(t, order) === undefined);
  const dayFirstMisfit = firstMisfit('day-first');
  const monthFirstMisfit = firstMisfit('month-first');
  if (dayFirstMisfit < 0 && monthFirstMisfit < 0) {
    ctx.fail(0, `${ctx.field} ${shown(texts[0])} could be day-first or month-first, and no row tells (no day is above 12)`, DATE_FORMAT_HINT);
  }
  if (dayFirstMisfit < 0) return 'day-first';
  if (monthFirstMisfit < 0) return 'month-first';
  const row = Math.max(dayFirstMisfit, monthFirstMisfit);
  return ctx.fail(row, `${ctx.field} ${shown(texts[row])} fits neither the day-first nor the month-first reading of the rows before it`, DATE_FORMAT_HINT);
}

/** Reads a column of timestamp texts (one form for every row), optionally adding a time-of-day column to its dates. */
export function readTimeTexts(texts: readonly string[], ctx: TimeContext, timeOfDay?: { texts: readonly string[]; field: string }): TimeReading {
  const n = texts.length;
  const notes: string[] = [];
  let order: YearLastOrder | undefined;
  if (ctx.dateFormat !== undefined) notes.push(`--date-format ${ctx.dateFormat.text}`);
  else if (n > 0 && isYearLastDate(texts[0])) {
    order = yearLastOrder(texts, ctx);
    notes.push(`${order} dates (the only reading that fits every row)`);
  }
  const parse = (text: string): ParsedTimestamp | undefined => (ctx.dateFormat ? ctx.dateFormat.parse(text) : parseTimestampText(text, order));
  const ns = new BigInt64Array(n);
  let naive: Uint8Array | undefined;
  let columnForm: Form | undefined;
  let allMidnight = true;
  for (let i = 0; i < n; i++) {
    const text = texts[i].trim();
    const parsed = parse(text);
    if (parsed === undefined) {
      const digits = /^\d+$/.test(text) && ctx.dateFormat === undefined;
      ctx.fail(i, `${ctx.field} ${shown(texts[i])} is not a date or time`, digits ? 'an integer epoch has 9–11 digits (s), 12–14 (ms), 15–17 (µs) or 18–19 (ns); a date YYYYMMDD has 8' : undefined);
    }
    const form: Form = /^\d+$/.test(text) && text.length !== 8 && ctx.dateFormat === undefined ? { kind: 'epoch', unit: epochUnitOfDigits(text.length)! } : parsed!.dateOnly ? { kind: 'date' } : { kind: 'datetime' };
    if (columnForm === undefined) columnForm = form;
    else if (!sameForm(form, columnForm)) {
      ctx.fail(
        i,
        `${ctx.field} ${shown(texts[i])} is ${formName(form)}, but the column's first row is ${formName(columnForm)}`,
        form.kind === 'epoch' && columnForm.kind === 'epoch' ? 'one file holds one epoch unit; ingest the parts separately (e.g. Binance files from before and after 2025, when klines went from ms to µs)' : 'write every row of the column in one form',
      );
    }
    ns[i] = parsed!.ns;
    if (parsed!.naive) (naive ??= new Uint8Array(n))[i] = 1;
    if (!parsed!.naive || ns[i] % NS_PER_DAY !== 0n) allMidnight = false;
  }
  if (timeOfDay !== undefined) {
    for (let i = 0; i < n; i++) {
      const tod = parseTimeOfDay(timeOfDay.texts[i]);
      if (tod === undefined) ctx.fail(i, `${timeOfDay.field} ${shown(timeOfDay.texts[i])} is not a time of day`, 'a time of day is hh:mm, hh:mm:ss(.fff) or hhmmss');
      ns[i] += tod!;
      if (tod !== 0n) allMidnight = false;
    }
    notes.push(`${ctx.field} + ${timeOfDay.field}`);
  }
  const dates = n > 0 && allMidnight;
  if (dates) notes.push(columnForm?.kind === 'date' && timeOfDay === undefined ? 'dates only: trading dates, not moved by --tz' : 'every time is 00:00: trading dates, not moved by --tz');
  return { ns, naive: dates ? undefined : naive, dates, epochUnit: columnForm?.kind === 'epoch' ? columnForm.unit : undefined, notes, text: (row) => texts[row] };
}

/** Whether a column's first value is written as a date without a time (so a time-of-day column may complete it). */
export function isDateOnlyText(text: string, dateFormat?: DateFormat): boolean {
  const t = text.trim();
  if (dateFormat !== undefined) return !dateFormat.hasTime && dateFormat.parse(t) !== undefined;
  if (/^\d+$/.test(t) && t.length !== 8) return false;
  const order: YearLastOrder | undefined = isYearLastDate(t) ? 'day-first' : undefined;
  const parsed = parseTimestampText(t, order) ?? (order ? parseTimestampText(t, 'month-first') : undefined);
  return parsed?.dateOnly === true;
}

/** Looks like a time of day written with colons (09:30, 09:30:00.5): how an unnamed time column gives itself away. */
export const looksLikeTimeOfDay = (text: string): boolean => /^\s*\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*$/.test(text);

/**
 * Reads a timestamp column whatever its type: text and numbers through readTimeTexts; a polars Datetime directly
 * (zoned = instants; naive = wall-clock times, or trading dates when every one is at 00:00); a polars Date as
 * trading dates.
 */
export function readTimeSeries(polars: Polars, series: pl.Series, ctx: TimeContext, timeOfDay?: { series: pl.Series; field: string }): TimeReading {
  const variant = series.dtype.variant;
  const textsOf = (s: pl.Series): string[] => (s.isNumeric() ? s.cast(polars.Int64).cast(polars.String) : s.cast(polars.String)).toArray() as string[];
  if (variant === 'Datetime' && timeOfDay === undefined) {
    const n = series.length;
    const zone = (series.dtype as unknown as { timeZone?: string }).timeZone;
    const ns = series.cast(polars.Datetime('ns')).cast(polars.Int64).toTypedArray() as BigInt64Array;
    const text = (row: number) => String(series.cast(polars.String).get(row));
    if (zone) return { ns, naive: undefined, dates: false, notes: [`times in ${zone}`], text };
    // A naive Datetime is a wall-clock time, which its UTC reading holds as is (polars reports its zone as "").
    const dates = n > 0 && ns.every((v) => v % NS_PER_DAY === 0n);
    return { ns, naive: dates ? undefined : new Uint8Array(n).fill(1), dates, notes: dates ? ['every time is 00:00: trading dates, not moved by --tz'] : [], text };
  }
  const texts = textsOf(variant === 'Date' ? series.cast(polars.String) : series);
  const tod = timeOfDay === undefined ? undefined : { texts: padTimeDigits(textsOf(timeOfDay.series), timeOfDay.series.isNumeric()), field: timeOfDay.field };
  return readTimeTexts(texts, ctx, tod);
}

/** A numeric time column (Parquet, 93000 for 09:30:00) has lost its leading zero; give it back. */
const padTimeDigits = (texts: string[], numeric: boolean): string[] => (numeric ? texts.map((t) => t.padStart(6, '0')) : texts);
