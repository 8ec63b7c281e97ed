/**
 * Resolves `--strategy NAME|PATH` to a validated strategy module, and `-p name=value` overrides to typed params
 * checked against the strategy's declared bounds. A built-in name and a user's file take the same path.
 *
 * .ts files load through tsx's CommonJS require, whose stack traces tsx maps back to the .ts source (its ESM
 * `tsImport` runs a CommonJS-typed .ts from a data: URL that carries no source map, so a user's line numbers
 * would point into one minified line). A file with top-level await cannot be CommonJS and falls back to tsImport.
 * .js/.mjs files load with Node's own import().
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CiftError, didYouMean } from '../errors.js';
import { positionIn } from './strategy-errors.js';
import type { ParamBound, Params, Strategy } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any, any>;

const TS_EXTENSIONS = ['.ts', '.mts', '.cts'];
const FILE_EXTENSIONS = [...TS_EXTENSIONS, '.js', '.mjs', '.cjs'];
const STRATEGY_SHAPE = 'export default { params: {...}, init(bars, p, ta) {...}, next(t, indicators, p) {...} }';

export const looksLikePath = (spec: string): boolean => spec.includes('/') || spec.includes('\\') || FILE_EXTENSIONS.includes(extname(spec));

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
};

function notAStrategy(where: string, problem: string): CiftError {
  return new CiftError('UNKNOWN_STRATEGY', `${where} is not a strategy: ${problem}`, STRATEGY_SHAPE);
}

function checkBound(where: string, name: string, bound: unknown, dflt: unknown): void {
  if (bound === undefined) return;
  const b = bound as ParamBound;
  if (bound === null || typeof bound !== 'object') throw notAStrategy(where, `bounds.${name} is not an object like { min: 1, integer: true }`);
  for (const key of ['min', 'max'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'number') throw notAStrategy(where, `bounds.${name}.${key} is not a number`);
  }
  if (typeof dflt !== 'number') throw notAStrategy(where, `bounds.${name} is given but the default of ${name} is not a number`);
  const broken = boundProblem(b, dflt);
  if (broken) throw notAStrategy(where, `the default ${name}=${dflt} ${broken}`);
}

function validate(candidate: unknown, where: string, exportNames: string[]): AnyStrategy {
  if (candidate === undefined) {
    throw notAStrategy(where, exportNames.length ? `it has no default export (it exports ${exportNames.join(', ')})` : 'it has no default export');
  }
  if (candidate === null || typeof candidate !== 'object') throw notAStrategy(where, `its default export is ${candidate === null ? 'null' : `a ${typeof candidate}`}, not an object`);
  const s = candidate as Partial<AnyStrategy>;
  const problems: string[] = [];
  if (s.params === null || typeof s.params !== 'object' || Array.isArray(s.params)) problems.push('`params` is missing or not an object');
  if (typeof s.init !== 'function') problems.push('`init` is missing or not a function');
  if (typeof s.next !== 'function') problems.push('`next` is missing or not a function');
  if (problems.length) throw notAStrategy(where, problems.join('; '));
  for (const [name, value] of Object.entries(s.params as object)) {
    if (!['number', 'string', 'boolean'].includes(typeof value)) throw notAStrategy(where, `params.${name} is a ${value === null ? 'null' : typeof value}; defaults are numbers, strings or booleans`);
  }
  if (s.bounds !== undefined) {
    if (s.bounds === null || typeof s.bounds !== 'object') throw notAStrategy(where, '`bounds` is not an object');
    for (const [name, bound] of Object.entries(s.bounds)) {
      if (!(name in (s.params as object))) throw notAStrategy(where, `bounds.${name} names no parameter`);
      checkBound(where, name, bound, (s.params as Params)[name]);
    }
  }
  return s as AnyStrategy;
}

/** A syntax error from tsx/esbuild ("file:4:26: ERROR: message", column 0-based) as file:line:column. */
function esbuildSyntaxError(e: unknown): { file: string; line: number; column: number; message: string } | undefined {
  const text = e instanceof Error ? e.message : '';
  const m = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(text);
  return m ? { file: m[1], line: Number(m[2]), column: Number(m[3]) + 1, message: m[4] } : undefined;
}

/** Where a .js file fails to parse: V8 does not say for ES modules, so TypeScript's parser finds it. */
async function jsSyntaxPosition(path: string): Promise<{ line: number; column: number } | undefined> {
  try {
    const ts = (await import('typescript')).default;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const diagnostics = (source as unknown as { parseDiagnostics?: Array<{ start?: number }> }).parseDiagnostics ?? [];
    const first = diagnostics.find((d) => d.start !== undefined);
    if (!first) return undefined;
    const { line, character } = source.getLineAndCharacterOfPosition(first.start!);
    return { line: line + 1, column: character + 1 };
  } catch {
    return undefined;
  }
}

async function loadFailure(e: unknown, spec: string, path: string): Promise<CiftError> {
  const syntax = esbuildSyntaxError(e);
  if (syntax) return new CiftError('UNKNOWN_STRATEGY', `${shown(resolve(syntax.file))}:${syntax.line}:${syntax.column}: syntax error: ${syntax.message}`, `fix ${spec} and run again`);
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (e instanceof SyntaxError) {
    const at = positionIn(e.stack, path) ?? (await jsSyntaxPosition(path));
    const where = at ? `${shown(path)}:${at.line}:${at.column}` : shown(path);
    return new CiftError('UNKNOWN_STRATEGY', `${where}: syntax error: ${message}`, `fix ${spec} and run again`);
  }
  const at = positionIn(e instanceof Error ? e.stack : undefined, path);
  const where = at ? `${shown(path)}:${at.line}:${at.column}` : `strategy file ${spec}`;
  const hint = /Cannot find (module|package) 'cift'/.test(message) ? "import only types from 'cift' (import type { Strategy } from 'cift'); kernels come in as `ta`" : undefined;
  return new CiftError('UNKNOWN_STRATEGY', `${where}: failed to load: ${message}`, hint);
}

async function importFile(path: string): Promise<Record<string, unknown>> {
  if (TS_EXTENSIONS.includes(extname(path))) {
    const { require: tsxRequire } = await import('tsx/cjs/api');
    try {
      return tsxRequire(path, import.meta.url) as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof Error && /top-level await/i.test(e.message))) throw e;
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    }
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
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
  if (statSync(path).isDirectory()) throw new CiftError('UNKNOWN_STRATEGY', `strategy file ${spec} is a directory`, 'give the .ts or .js file that default-exports the strategy');
  let mod: Record<string, unknown>;
  try {
    mod = await importFile(path);
  } catch (e) {
    throw await loadFailure(e, spec, path);
  }
  // CommonJS interop may wrap the default export once more.
  let candidate = mod.default;
  if (candidate && typeof candidate === 'object' && 'default' in candidate && !('next' in candidate)) candidate = (candidate as { default: unknown }).default;
  const exportNames = Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule');
  return { strategy: validate(candidate, spec, exportNames), name: spec, path };
}

/** What a bound allows, completing "must be …": "an integer ≥ 1", "a number from 0 to 100". */
export function describeBound(bound: ParamBound): string {
  const integer = bound.integer === true;
  const kind = integer ? 'an integer' : 'a number';
  if (bound.min !== undefined && bound.max !== undefined) return `${kind} from ${bound.min} to ${bound.max}`;
  if (bound.min !== undefined) return `${integer ? 'an integer ' : ''}≥ ${bound.min}`;
  if (bound.max !== undefined) return `${integer ? 'an integer ' : ''}≤ ${bound.max}`;
  return kind;
}

/** Why `value` breaks `bound` ("must be an integer ≥ 1"), or undefined when it does not. */
export function boundProblem(bound: ParamBound, value: number): string | undefined {
  const ok = (bound.integer !== true || Number.isInteger(value)) && (bound.min === undefined || value >= bound.min) && (bound.max === undefined || value <= bound.max);
  return ok ? undefined : `must be ${describeBound(bound)}`;
}

export interface StrategyParamInfo {
  name: string;
  default: number | string | boolean;
  type: 'number' | 'string' | 'boolean';
  /** The declared bound of a numeric parameter, if any. */
  bound?: ParamBound;
}

export interface StrategyInfo {
  name: string;
  description: string;
  params: StrategyParamInfo[];
}

/** Each strategy's name, description, and parameters with their defaults and bounds, in the order given. */
export function strategyCatalog(strategies: Readonly<Record<string, AnyStrategy>>): StrategyInfo[] {
  return Object.entries(strategies).map(([name, s]) => ({
    name,
    description: s.description ?? '',
    params: Object.entries(s.params as Params).map(([param, value]) => {
      const bound = (s.bounds as Record<string, ParamBound | undefined> | undefined)?.[param];
      return { name: param, default: value, type: typeof value as StrategyParamInfo['type'], ...(bound ? { bound: { ...bound } } : {}) };
    }),
  }));
}

/** Applies `name=value` overrides to a strategy's defaults, typed like each default and checked against its bounds. */
export function resolveParams(defaults: Params, overrides: readonly string[], bounds: Readonly<Record<string, ParamBound | undefined>> = {}): Params {
  const params: Params = { ...defaults };
  const names = Object.keys(defaults);
  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CiftError('USAGE', `-p "${pair}" is not name=value`, names.length ? `parameters: ${names.join(', ')}` : undefined);
    const name = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    if (!names.includes(name)) {
      const guess = didYouMean(name, names);
      throw new CiftError('UNKNOWN_PARAM', `unknown parameter "${name}"`, guess ? `did you mean ${guess}?` : names.length ? `parameters: ${names.join(', ')}` : 'this strategy takes no parameters');
    }
    const dflt = defaults[name];
    if (typeof dflt === 'number') {
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) throw new CiftError('USAGE', `parameter ${name}="${text}" is not a number`, `e.g. -p ${name}=${dflt}`);
      const bound = bounds[name];
      const broken = bound ? boundProblem(bound, v) : undefined;
      if (broken) throw new CiftError('USAGE', `parameter ${name}=${text} ${broken}`, `the default is ${name}=${dflt}`);
      params[name] = v;
    } else if (typeof dflt === 'boolean') {
      const t = text.toLowerCase();
      if (!['true', 'false', '1', '0', 'yes', 'no'].includes(t)) throw new CiftError('USAGE', `parameter ${name}="${text}" is not true or false`);
      params[name] = ['true', '1', 'yes'].includes(t);
    } else params[name] = text;
  }
  return params;
}
