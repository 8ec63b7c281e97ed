/**
 * Flag validation with zod: each command declares its flags as a schema (shadcn's `optionsSchema.parse`), and
 * the first problem becomes one usage line naming the flag and the value the user typed.
 *
 * zod is ~95 modules (~60 ms to load): it is required on the first flag check, never for `--help`, `--version`
 * or a command that validates nothing. So a schema is declared with lazySchema (built on first use), and the
 * rule helpers below are called only inside such a builder.
 */
import { createRequire } from 'node:module';
import type * as Zod from 'zod';
import { CiftError } from '../src/errors.js';

export type Z = typeof Zod.z;

let zod: Z | undefined;
/** zod's `z`, required synchronously on first use (flag checks run inside sync helpers such as lockTimeoutMs). */
export const loadZod = (): Z => (zod ??= (createRequire(import.meta.url)('zod') as typeof Zod).z);

/**
 * A command's answer when every flag its schema reads is at commander's default: `flags` lists each key the schema
 * reads (undefined for an optional flag with no default) with the text commander gives, `parsed` the schema's
 * output for exactly that bag. A command run with its defaults then never loads zod (~35 ms of every `cift order
 * buy`). test/flags-defaults.test.ts parses every declared `flags` with the real schema and requires `parsed`,
 * and requires `flags` to name the schema's keys exactly, so the two cannot drift apart.
 */
export interface FlagDefaults<Out> {
  flags: Record<string, string | undefined>;
  parsed: Out;
}

/** A schema built on its first use: `const Flags = lazySchema((z) => z.object({ … }))`, optionally with its FlagDefaults. */
export interface LazySchema<S extends Zod.ZodType> {
  (): S;
  defaults?: FlagDefaults<Zod.z.output<S>>;
}

/** Every schema declared with FlagDefaults in the loaded command modules, for the test that checks them. */
export const SCHEMAS_WITH_DEFAULTS: Array<LazySchema<Zod.ZodType>> = [];

export function lazySchema<S extends Zod.ZodType>(build: (z: Z) => S, defaults?: FlagDefaults<Zod.z.output<S>>): LazySchema<S> {
  let schema: S | undefined;
  const get: LazySchema<S> = () => (schema ??= build(loadZod()));
  if (defaults !== undefined) {
    get.defaults = defaults;
    SCHEMAS_WITH_DEFAULTS.push(get as LazySchema<Zod.ZodType>);
  }
  return get;
}

/** `flags` holds exactly the declared default texts for every key the schema reads. */
function atDefaults(defaults: FlagDefaults<unknown>, flags: Record<string, unknown>): boolean {
  for (const key of Object.keys(defaults.flags)) if (flags[key] !== defaults.flags[key]) return false;
  return true;
}

/** Kebab-case flag name for a schema key: maxRegression → --max-regression. */
const flagName = (key: PropertyKey): string => `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A number flag given as text, with a rule sentence used in the error ("must be in (0, 1]"). */
export const numberFlag = (rule: string, check: (v: number) => boolean) =>
  loadZod()
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && check(Number(s)), { message: rule })
    .transform(Number);

export const positiveInt = () => numberFlag('must be a positive whole number', (v) => Number.isInteger(v) && v >= 1);

/** Parses commander's option bag; throws CiftError(USAGE) naming the first bad flag and its value. */
export function parseFlags<S extends Zod.ZodType>(schema: S | LazySchema<S>, flags: Record<string, unknown>): Zod.z.output<S> {
  const defaults = typeof schema === 'function' ? (schema as LazySchema<S>).defaults : undefined;
  if (defaults !== undefined && atDefaults(defaults, flags)) return structuredClone(defaults.parsed);
  const r = (typeof schema === 'function' ? schema() : schema).safeParse(flags);
  if (r.success) return r.data as Zod.z.output<S>;
  const issue = r.error.issues[0];
  const key = issue.path[0];
  const value = key === undefined ? undefined : flags[key as string];
  throw new CiftError('USAGE', key === undefined ? issue.message : `${flagName(key)} ${value === undefined ? 'is missing' : JSON.stringify(String(value))} ${issue.message}`);
}
