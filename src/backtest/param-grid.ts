/**
 * The parameter grid of `--optimize`: `name=start:stop:step` (stop included) or `name=a,b,c`, one axis per flag.
 * Values are typed like the strategy's default and checked against its bounds. Cells are numbered in
 * itertools.product order, the first axis outermost (backtesting.py's optimize(); parity spec §7), so a cell is
 * a mixed-radix number and a worker can rebuild its params from the index alone.
 */
import { CiftError, didYouMean } from '../errors.js';
import { boundProblem } from './strategy.js';
import type { ParamBound, Params } from './types.js';

export type ParamValue = number | string | boolean;

export interface GridAxis {
  name: string;
  values: ParamValue[];
}

/** More cells than this is almost surely a typo in a step, and would not finish. */
export const MAX_GRID_CELLS = 1_000_000;

/** Digits after the point a number is written with ("0.25" → 2, "1e-3" → 3, "5" → 0). */
function decimalsOf(text: string): number {
  const [mantissa, exponent] = text.trim().toLowerCase().split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exponent ?? 0));
}

const isNumberText = (text: string): boolean => text.trim() !== '' && Number.isFinite(Number(text));

/**
 * start, start + step, … ≤ stop. Each value is start + k·step (no running sum, so no drift), rounded to the
 * decimals its inputs are written with: 0.1:0.5:0.1 gives 0.1, 0.2, 0.3 (not 0.30000000000000004), 0.4, 0.5.
 */
function rangeValues(flag: string, startText: string, stopText: string, stepText: string): number[] {
  for (const [what, text] of [['start', startText], ['stop', stopText], ['step', stepText]] as const) {
    if (!isNumberText(text)) throw new CiftError('USAGE', `${flag}: ${what} "${text}" is not a number`, 'write name=start:stop:step, e.g. fast=5:30:5');
  }
  const start = Number(startText);
  const stop = Number(stopText);
  const step = Number(stepText);
  if (!(step > 0)) throw new CiftError('USAGE', `${flag}: step must be > 0`, 'e.g. fast=5:30:5');
  if (stop < start) throw new CiftError('USAGE', `${flag}: stop is before start`, `write ${startText}:${stopText} the other way round, start first`);
  // A relative tolerance keeps a stop that is a whole number of steps away despite rounding (0.1:0.3:0.1).
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  if (count > MAX_GRID_CELLS) throw new CiftError('USAGE', `${flag}: ${count} values is more than ${MAX_GRID_CELLS}`, 'use a larger step');
  const decimals = Math.min(100, Math.max(decimalsOf(startText), decimalsOf(stepText)));
  const values = new Array<number>(count);
  for (let k = 0; k < count; k++) values[k] = Number((start + k * step).toFixed(decimals));
  return values;
}

/** One listed value typed like the default: numbers for a number, true/false for a boolean, the text for a string. */
function typedValue(flag: string, name: string, text: string, dflt: ParamValue): ParamValue {
  if (typeof dflt === 'number') {
    if (!isNumberText(text)) throw new CiftError('USAGE', `${flag}: "${text}" is not a number`, `${name} is a number (default ${dflt})`);
    return Number(text);
  }
  if (typeof dflt === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new CiftError('USAGE', `${flag}: "${text}" is not true or false`, `${name} is a boolean (default ${dflt})`);
    return text === 'true';
  }
  return text;
}

/** One `--optimize` value as an axis of the grid. */
export function parseAxis(text: string, defaults: Params, bounds: Readonly<Record<string, ParamBound | undefined>> = {}): GridAxis {
  const flag = `--optimize "${text}"`;
  const names = Object.keys(defaults);
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CiftError('USAGE', `${flag} is not name=start:stop:step or name=a,b,c`, names.length ? `parameters: ${names.join(', ')}` : undefined);
  const name = text.slice(0, eq).trim();
  const spec = text.slice(eq + 1).trim();
  if (!names.includes(name)) {
    const guess = didYouMean(name, names);
    throw new CiftError('UNKNOWN_PARAM', `${flag}: unknown parameter "${name}"`, guess ? `did you mean ${guess}?` : names.length ? `parameters: ${names.join(', ')}` : 'this strategy takes no parameters');
  }
  const dflt = defaults[name];
  if (spec === '') throw new CiftError('USAGE', `${flag}: the list of values is empty`, `e.g. ${name}=${dflt}`);
  let values: ParamValue[];
  const range = spec.split(':');
  if (range.length === 3 && !spec.includes(',')) {
    if (typeof dflt !== 'number') throw new CiftError('USAGE', `${flag}: a start:stop:step range needs a number parameter`, `${name} is a ${typeof dflt} (default ${dflt}); list the values: ${name}=a,b`);
    values = rangeValues(flag, range[0], range[1], range[2]);
  } else {
    const items = spec.split(',').map((v) => v.trim());
    if (items.some((v) => v === '')) throw new CiftError('USAGE', `${flag}: the list has an empty value`, `e.g. ${name}=${dflt}`);
    values = items.map((v) => typedValue(flag, name, v, dflt));
  }
  const bound = bounds[name];
  if (bound) {
    for (const v of values) {
      const broken = boundProblem(bound, v as number);
      if (broken) throw new CiftError('USAGE', `${flag}: ${name}=${v} ${broken}`, `the default is ${name}=${dflt}`);
    }
  }
  return { name, values };
}

/** Every `--optimize` flag as an axis; a name given twice or a grid past MAX_GRID_CELLS is an error. */
export function parseGrid(texts: readonly string[], defaults: Params, bounds: Readonly<Record<string, ParamBound | undefined>> = {}): GridAxis[] {
  const axes: GridAxis[] = [];
  let cells = 1;
  for (const text of texts) {
    const axis = parseAxis(text, defaults, bounds);
    if (axes.some((a) => a.name === axis.name)) throw new CiftError('USAGE', `--optimize "${text}": ${axis.name} is already on the grid`, 'give each parameter one --optimize');
    cells *= axis.values.length;
    if (cells > MAX_GRID_CELLS) throw new CiftError('USAGE', `--optimize: the grid has more than ${MAX_GRID_CELLS} combinations`, 'use fewer values, or --method random --max-tries N');
    axes.push(axis);
  }
  return axes;
}

/** Number of cells: the product of the axes' lengths. */
export const gridSize = (axes: readonly GridAxis[]): number => axes.reduce((n, a) => n * a.values.length, 1);

/** The params of cell `index` (product order, last axis fastest) over `base`, written into `into`. */
export function cellParams(axes: readonly GridAxis[], index: number, base: Params, into: Params = { ...base }): Params {
  let rest = index;
  for (let k = axes.length - 1; k >= 0; k--) {
    const n = axes[k].values.length;
    into[axes[k].name] = axes[k].values[rest % n];
    rest = Math.floor(rest / n);
  }
  return into;
}

/** Only the grid's params of a cell, keyed in axis order (for heatmaps and tables). */
export function gridParams(axes: readonly GridAxis[], index: number): Params {
  const ordered: Params = Object.fromEntries(axes.map((a) => [a.name, a.values[0]]));
  return cellParams(axes, index, ordered, ordered);
}
