/**
 * What a user sees when their strategy fails: one line that says where (the strategy file's line:column, taken
 * from the stack, which tsx source-maps to the .ts source), when (the bar index and its time) and what. A kernel
 * argument out of range is traced back to the strategy parameter that carried the value (`-p fast=0`).
 */
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiftError, isCiftError } from '../errors.js';
import { formatTs } from '../time.js';
import { KernelArgumentError } from '../kernels/util.js';
import * as kernels from '../kernels/index.js';
import { LookaheadRead, LookaheadValue } from './lookahead.js';
import type { Params } from './types.js';

export interface FailureContext {
  phase: 'init' | 'next';
  /** Bar being decided on (next() only). */
  bar?: number;
  ts?: BigInt64Array;
  /** The strategy's name as the user gave it (a built-in name or a path). */
  label: string;
  /** Absolute path of the strategy file, when it is one. */
  file?: string;
  params: Params;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** Path of a stack frame's location (file URLs and tsx's `?namespace=` queries removed). */
function framePath(location: string): string {
  let path = location;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path.split('?')[0]);
    } catch {
      return location;
    }
  }
  const q = path.indexOf('?');
  return q >= 0 ? path.slice(0, q) : path;
}

/** Positions of a V8 stack, innermost first. */
export function stackPositions(stack: string | undefined): SourcePosition[] {
  const out: SourcePosition[] = [];
  for (const raw of (stack ?? '').split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    const location = line.endsWith(')') ? line.slice(line.lastIndexOf('(') + 1, -1) : line.slice(3);
    const m = /^(.*):(\d+):(\d+)$/.exec(location);
    if (m) out.push({ file: framePath(m[1]), line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}

/** The innermost frame in the strategy file. */
export function positionIn(stack: string | undefined, file: string): SourcePosition | undefined {
  return stackPositions(stack).find((p) => p.file === file);
}

/** Function names of a V8 stack, innermost first ("sma", "new Sma" → "Sma"). */
function stackFunctions(stack: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (stack ?? '').split('\n')) {
    const m = /^\s*at (?:new )?(?:Object\.)?([A-Za-z_$][\w$]*) \(/.exec(raw);
    if (m) out.push(m[1]);
  }
  return out;
}

const KERNEL_NAMES = new Set(Object.keys(kernels));

function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** "parameter fast=0" for the params holding `value`, or undefined when none does. */
function paramsHolding(params: Params, value: number): string | undefined {
  const names = Object.keys(params).filter((k) => params[k] === value);
  if (names.length === 0) return undefined;
  return names.length === 1 ? `parameter ${names[0]}=${value}` : `parameters ${names.map((k) => `${k}=${value}`).join(', ')} (one of them)`;
}

/** The one-line error for anything a strategy's init() or next() threw. */
export function strategyFailure(error: unknown, ctx: FailureContext): CiftError {
  const stack = error instanceof Error ? error.stack : undefined;
  const at = ctx.file === undefined ? undefined : positionIn(stack, ctx.file);
  const where = at ? `${shownPath(at.file)}:${at.line}:${at.column}` : `strategy ${ctx.label}`;
  const when = ctx.phase === 'next' && ctx.bar !== undefined && ctx.ts ? ` at bar ${ctx.bar} (${formatTs(ctx.ts[ctx.bar])})` : '';
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  let result: CiftError;

  if (error instanceof LookaheadRead) {
    result = new CiftError(
      'LOOKAHEAD',
      `${where}: look-ahead${when}: next() read ${error.array}[${error.index}], past the current bar`,
      `at bar i read only [0..i]: ${error.array}[t.i] is the bar just closed`,
    );
  } else if (error instanceof LookaheadValue) {
    const barTime = ctx.ts ? ` (${formatTs(ctx.ts[error.index])})` : '';
    result = new CiftError(
      'LOOKAHEAD',
      `${where}: look-ahead: init() computed ${error.indicator} at bar ${error.index}${barTime} from later bars (${error.whole} with the whole history, ${error.truncated} when it ends at bar ${error.cut})`,
      'an indicator at bar i may use only bars 0..i',
    );
  } else if (error instanceof KernelArgumentError) {
    const kernel = stackFunctions(stack).find((f) => KERNEL_NAMES.has(f));
    const needs = `${kernel ? `ta.${kernel}` : 'a kernel'} needs ${error.argument} to be ${error.rule}`;
    const holder = paramsHolding(ctx.params, error.value);
    result = holder
      ? new CiftError('USAGE', `${holder} is out of range: ${needs}${at ? ` (${shownPath(at.file)}:${at.line}:${at.column})` : ''}`, `choose another value with -p`)
      : new CiftError('STRATEGY_ERROR', `${where}: ${ctx.phase}()${when} failed: ${needs}, got ${error.value}`);
  } else if (isCiftError(error)) {
    result = new CiftError(error.code, `${where}: ${ctx.phase}()${when} failed: ${message}`, error.hint);
  } else {
    result = new CiftError('STRATEGY_ERROR', `${where}: ${ctx.phase}() threw${when}: ${message}`, 'run with --debug for the stack');
  }
  // --debug shows where the strategy failed, not where the engine caught it.
  if (stack) result.stack = `${result.name}: ${result.message}\n${stack.split('\n').slice(1).join('\n')}`;
  return result;
}
