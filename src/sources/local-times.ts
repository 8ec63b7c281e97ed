/**
 * Naive wall-clock times → UTC, with a stated rule for the two hours a year where that is not one-to-one.
 *
 * When clocks go back (US: 2024-11-03 02:00 EDT → 01:00 EST) every time from 01:00 to 01:59 happens twice; when
 * they go forward (2024-03-10 02:00 EST → 03:00 EDT) 02:00–02:59 never happens. Reading such a time silently one
 * way collapses two hours of data onto one, so each case follows a rule the user chose, and the default of both
 * is an error naming the row (see AMBIGUOUS_RULES and NONEXISTENT_RULES in time.ts for the rules).
 */
import { CiftError } from '../errors.js';
import {
  type AmbiguousRule,
  type NonexistentRule,
  type WallReading,
  NS_PER_MS,
  describeClockChange,
  readWallTime,
  splitMs,
} from '../time.js';

export interface LocalTimeRules {
  ambiguous: AmbiguousRule;
  nonexistent: NonexistentRule;
}

export const STRICT_LOCAL_TIMES: LocalTimeRules = { ambiguous: 'error', nonexistent: 'error' };

/** A column of times as read: UTC ns where the text said so, wall-clock ns (as if UTC) where `naive[i]` is 1. */
export interface TimeColumn {
  ns: BigInt64Array;
  /** Undefined when no row is naive. */
  naive: Uint8Array | undefined;
  /** The cell as written, for messages. */
  text: (row: number) => string;
}

export interface LocalizeContext {
  tz: string;
  rules: LocalTimeRules;
  /** The field's name as the file has it. */
  field: string;
  /** Row → "file line 5 (row 4)". */
  where: (row: number) => string;
  /**
   * Whether two equal wall times in a row mean the second pass of a repeated hour (bars: two bars cannot share a
   * time) or simply equal times (trades and quotes, which may share one).
   */
  repeatStartsSecondPass: boolean;
}

interface Ambiguous {
  row: number;
  wallNs: bigint;
  reading: Extract<WallReading, { kind: 'ambiguous' }>;
}

const AMBIGUOUS_HINT = 'choose a reading with --ambiguous earliest|latest|infer (infer: in time-ordered rows the first pass is the earlier one)';
const NONEXISTENT_HINT = 'choose a reading with --nonexistent forward|backward (forward: the first time after the jump; backward: the last before it)';

/**
 * Converts the naive rows among `rows` (a symbol's rows in file order; undefined = every row) to UTC in place.
 * `infer` looks at the rows of one symbol only, so interleaved symbols do not confuse each other.
 */
export function localizeNaiveTimes(column: TimeColumn, rows: readonly number[] | undefined, ctx: LocalizeContext): void {
  const { naive, ns } = column;
  if (naive === undefined || ctx.tz === 'UTC') return;
  const fail = (row: number, message: string, hint: string): never => {
    throw new CiftError('INPUT_INVALID', `${ctx.where(row)}: ${ctx.field} ${JSON.stringify(column.text(row))} ${message}`, hint);
  };
  const count = rows === undefined ? ns.length : rows.length;
  // A run is the consecutive ambiguous rows of one clock change; `infer` reads each run as a whole.
  let run: Ambiguous[] = [];
  const closeRun = () => {
    if (run.length > 0) resolveRun(run, ns, ctx, fail);
    run = [];
  };
  for (let k = 0; k < count; k++) {
    const row = rows === undefined ? k : rows[k];
    if (naive[row] === 0) {
      closeRun();
      continue;
    }
    const wallNs = ns[row];
    const { ms, restNs } = splitMs(wallNs);
    const reading = readWallTime(ms, ctx.tz);
    if (reading.kind === 'unique') {
      closeRun();
      ns[row] = BigInt(reading.utcMs) * NS_PER_MS + restNs;
    } else if (reading.kind === 'nonexistent') {
      closeRun();
      if (ctx.rules.nonexistent === 'error') fail(row, `does not exist: ${describeClockChange(reading, ctx.tz)}`, NONEXISTENT_HINT);
      const change = BigInt(reading.changeMs) * NS_PER_MS;
      ns[row] = ctx.rules.nonexistent === 'forward' ? change : change - 1n;
    } else {
      if (ctx.rules.ambiguous === 'error') fail(row, `is ambiguous: ${describeClockChange(reading, ctx.tz)}`, AMBIGUOUS_HINT);
      if (run.length > 0 && run[0].reading.changeMs !== reading.changeMs) closeRun();
      run.push({ row, wallNs, reading });
    }
  }
  closeRun();
}

function resolveRun(run: Ambiguous[], ns: BigInt64Array, ctx: LocalizeContext, fail: (row: number, message: string, hint: string) => never): void {
  let secondPassFrom = ctx.rules.ambiguous === 'earliest' ? run.length : 0;
  if (ctx.rules.ambiguous === 'infer') {
    // pandas' rule: the wall time steps back exactly once inside the repeated hour, where the second pass starts.
    const steps: number[] = [];
    for (let j = 1; j < run.length; j++) {
      const back = ctx.repeatStartsSecondPass ? run[j].wallNs <= run[j - 1].wallNs : run[j].wallNs < run[j - 1].wallNs;
      if (back) steps.push(j);
    }
    const change = describeClockChange(run[0].reading, ctx.tz);
    if (steps.length === 0) {
      fail(run[0].row, `is ambiguous and cannot be inferred: ${change}, and the rows from here never step back into the repeated hour`, 'with only one pass present, choose it with --ambiguous earliest or latest');
    }
    if (steps.length > 1) {
      fail(run[steps[1]].row, `steps back a second time within the repeated hour (${change}); the rows are not in time order`, 'sort the rows by time, or choose with --ambiguous earliest|latest');
    }
    secondPassFrom = steps[0];
  }
  for (let j = 0; j < run.length; j++) {
    const { row, wallNs, reading } = run[j];
    const restNs = wallNs - BigInt(splitMs(wallNs).ms) * NS_PER_MS;
    ns[row] = BigInt(j < secondPassFrom ? reading.earlierMs : reading.laterMs) * NS_PER_MS + restNs;
  }
}
