/**
 * Which columns hold the time, and reading them: ts alone, or a date completed by a time-of-day column. A time of
 * day is never left unused where it matters (see readTime).
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../errors.js';
import { EPOCH_UNIT_NAMES, type DateFormat } from '../time.js';
import type { LaidOut } from './layout.js';
import { fieldLabel, shown, type Rows } from './rows.js';
import { isDateOnlyText, looksLikeTimeOfDay, readTimeSeries, type TimeReading } from './timestamps.js';

type Polars = typeof pl;

export interface TimeChoices {
  dateFormat: DateFormat | undefined;
  /** The user named ts (--map ts=…): a date-only column beside an unused time column is their choice. */
  explicitTs: boolean;
  explicitTime: boolean;
  layout: LaidOut['layout'];
}

/** First cell of a column as text (for deciding a column's form from its first value). */
const firstText = (frame: pl.DataFrame, column: string): string => String(frame.getColumn(column).get(0));

/**
 * Reads ts (or Date + Time). A time-of-day column is never left unused where it matters: beside a date-only ts it
 * is combined with it (its header says `time`, or --map time= names it); a column whose values look like times of
 * day, beside a date-only ts, is an error until the user says what it is. (A Stooq intraday file read by its Date
 * alone stored each day as one "5-minute bar".)
 */
export function readTime(polars: Polars, rows: Rows, fields: Record<string, string>, choices: TimeChoices): TimeReading {
  const { frame, fail } = rows;
  const field = fieldLabel(fields.ts);
  for (const column of [fields.ts, fields.time]) {
    if (column === undefined) continue;
    const nulls = frame.getColumn(column).isNull().argTrue();
    if (nulls.length > 0) fail(nulls.get(0) as number, `${fieldLabel(column)} is empty`);
  }
  const tsSeries = frame.getColumn(fields.ts);
  const dateOnly = tsSeries.dtype.variant === 'Date' || (tsSeries.dtype.variant !== 'Datetime' && isDateOnlyText(firstText(frame, fields.ts), choices.dateFormat));
  if (fields.time !== undefined && !dateOnly) {
    const holds = `${field} ${shown(firstText(frame, fields.ts))} already holds times`;
    if (choices.explicitTime) throw new CiftError('INPUT_INVALID', `${rows.file}: --map time=${fields.time} completes a date, but ${holds}`, `drop --map time=, or name the date column with --map ts=Column`);
    if (!choices.explicitTs) {
      throw new CiftError(
        'INPUT_INVALID',
        `${rows.file}: column "${fields.time}" is a time of day, but ${holds}; cift will not leave "${fields.time}" unused`,
        `--map ts=${fields.ts} to read ${field} alone, or --map ts=DateColumn --map time=${fields.time} to combine them`,
      );
    }
    delete fields.time;
  }
  if (fields.time === undefined && dateOnly && !choices.explicitTs) {
    const used = new Set(Object.values(fields));
    for (const column of frame.columns) {
      if (used.has(column) || frame.getColumn(column).isNumeric()) continue;
      const cell = frame.getColumn(column).get(0);
      if (cell !== null && looksLikeTimeOfDay(String(cell))) {
        throw new CiftError(
          'INPUT_INVALID',
          `${rows.file}: the dates are in "${field}" and column "${column}" looks like a time of day (${shown(cell)}), which would be left unused`,
          `--map time=${column} to combine them, or --map ts=${fields.ts} to read dates only`,
        );
      }
    }
  }
  const time = readTimeSeries(polars, tsSeries, { field, fail, dateFormat: choices.dateFormat }, fields.time === undefined ? undefined : { series: frame.getColumn(fields.time), field: fields.time });
  const units = choices.layout?.epochUnits;
  if (time.epochUnit !== undefined && units !== undefined && !units.includes(time.epochUnit)) {
    fail(0, `${field} ${shown(firstText(frame, fields.ts))} is in ${EPOCH_UNIT_NAMES[time.epochUnit]}, but ${choices.layout!.name} files are in ${units.map((u) => EPOCH_UNIT_NAMES[u]).join(' or ')}`, `check the file is a ${choices.layout!.name} file, or name its columns with --columns`);
  }
  return time;
}

