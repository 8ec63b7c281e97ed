/**
 * Flag validation with zod: each command declares its flags as a schema (shadcn's `optionsSchema.parse`), and
 * the first problem becomes one usage line naming the flag and the value the user typed.
 */
import { z } from 'zod';
import { CiftError } from '../src/errors.js';

/** Kebab-case flag name for a schema key: maxRegression → --max-regression. */
const flagName = (key: PropertyKey): string => `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A number flag given as text, with a rule sentence used in the error ("must be in (0, 1]"). */
export const numberFlag = (rule: string, check: (v: number) => boolean) =>
  z.string().refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && check(Number(s)), { message: rule }).transform(Number);

export const positiveInt = numberFlag('must be a positive whole number', (v) => Number.isInteger(v) && v >= 1);

/** Parses commander's option bag; throws CiftError(USAGE) naming the first bad flag and its value. */
export function parseFlags<S extends z.ZodType>(schema: S, flags: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(flags);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = issue.path[0];
  const value = key === undefined ? undefined : flags[key as string];
  throw new CiftError('USAGE', key === undefined ? issue.message : `${flagName(key)} ${value === undefined ? 'is missing' : JSON.stringify(String(value))} ${issue.message}`);
}
