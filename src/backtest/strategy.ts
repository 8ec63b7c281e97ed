/**
 * Resolves `--strategy NAME|PATH` to a validated strategy module, and `-p name=value` overrides to typed params.
 * A built-in name and a user's file take the same path; .ts files load through tsx's tsImport (Node 20 cannot
 * strip types itself).
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CiftError, didYouMean } from '../errors.js';
import type { Params, Strategy } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any, any>;

const FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export const looksLikePath = (spec: string): boolean => spec.includes('/') || spec.includes('\\') || FILE_EXTENSIONS.includes(extname(spec));

function validate(candidate: unknown, where: string): AnyStrategy {
  const s = candidate as Partial<AnyStrategy> | undefined;
  const problems: string[] = [];
  if (s === null || typeof s !== 'object') problems.push('it has no default export object');
  else {
    if (s.params === null || typeof s.params !== 'object') problems.push('`params` is not an object');
    if (typeof s.init !== 'function') problems.push('`init` is not a function');
    if (typeof s.next !== 'function') problems.push('`next` is not a function');
  }
  if (problems.length) {
    throw new CiftError('UNKNOWN_STRATEGY', `${where} is not a strategy: ${problems.join('; ')}`, 'export default { params: {...}, init(bars, p, ta) {...}, next(t, indicators, p) {...} }');
  }
  return s as AnyStrategy;
}

export async function loadStrategy(spec: string, builtins: Readonly<Record<string, AnyStrategy>>): Promise<{ strategy: AnyStrategy; name: string; path?: string }> {
  if (!looksLikePath(spec)) {
    const builtin = builtins[spec];
    if (builtin) return { strategy: builtin, name: spec };
    const guess = didYouMean(spec, Object.keys(builtins));
    throw new CiftError('UNKNOWN_STRATEGY', `unknown strategy "${spec}"`, guess ? `did you mean ${guess}?` : `built-ins: ${Object.keys(builtins).join(', ')}; or give a path to your own .ts/.js file`);
  }
  const path = resolve(spec);
  if (!existsSync(path)) throw new CiftError('FILE_NOT_FOUND', `strategy file ${spec} not found`);
  let mod: { default?: unknown };
  try {
    if (['.ts', '.mts'].includes(extname(path))) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    } else {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    }
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new CiftError('UNKNOWN_STRATEGY', `strategy file ${spec} failed to load: ${first}`);
  }
  // tsx may wrap a CommonJS-style default once more.
  let candidate = mod.default;
  if (candidate && typeof candidate === 'object' && 'default' in candidate && !('next' in candidate)) candidate = (candidate as { default: unknown }).default;
  return { strategy: validate(candidate, spec), name: spec, path };
}

/** Applies `name=value` overrides to a strategy's defaults, typed like each default. */
export function resolveParams(defaults: Params, overrides: readonly string[]): Params {
  const params: Params = { ...defaults };
  const names = Object.keys(defaults);
  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CiftError('USAGE', `-p "${pair}" is not name=value`);
    const name = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    if (!names.includes(name)) {
      const guess = didYouMean(name, names);
      throw new CiftError('UNKNOWN_PARAM', `unknown parameter "${name}"`, guess ? `did you mean ${guess}?` : names.length ? `parameters: ${names.join(', ')}` : 'this strategy takes no parameters');
    }
    const dflt = defaults[name];
    if (typeof dflt === 'number') {
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) throw new CiftError('USAGE', `parameter ${name}="${text}" is not a number`);
      params[name] = v;
    } else if (typeof dflt === 'boolean') {
      const t = text.toLowerCase();
      if (!['true', 'false', '1', '0', 'yes', 'no'].includes(t)) throw new CiftError('USAGE', `parameter ${name}="${text}" is not true or false`);
      params[name] = ['true', '1', 'yes'].includes(t);
    } else params[name] = text;
  }
  return params;
}
