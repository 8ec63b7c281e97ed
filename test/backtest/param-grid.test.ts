/** `--optimize` grids: ranges with the stop included and no float drift, typed lists, bounds, product order. */
import { describe, expect, it } from 'vitest';
import { cellParams, gridParams, gridSize, parseAxis, parseGrid } from '../../src/backtest/param-grid.js';
import { thrownBy } from '../helpers.js';

const defaults = { fast: 10, slow: 30, ratio: 0.5, long: true, mode: 'close' };
const bounds = { fast: { min: 1, integer: true }, ratio: { min: 0, max: 1 } };

describe('parseAxis', () => {
  it('includes the stop of start:stop:step', () => {
    expect(parseAxis('fast=5:30:5', defaults, bounds).values).toEqual([5, 10, 15, 20, 25, 30]);
    expect(parseAxis('fast=5:29:5', defaults, bounds).values, '29 is not reached').toEqual([5, 10, 15, 20, 25]);
    expect(parseAxis('fast=7:7:1', defaults, bounds).values).toEqual([7]);
  });

  it('gives decimal steps without drift: 0.1:0.5:0.1 is 0.1 … 0.5 exactly, and 0.05 starts keep their digits', () => {
    expect(parseAxis('ratio=0.1:0.5:0.1', defaults, bounds).values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(parseAxis('ratio=0:1:0.25', defaults, bounds).values).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(parseAxis('ratio=0.05:0.35:0.1', defaults, bounds).values).toEqual([0.05, 0.15, 0.25, 0.35]);
    expect(parseAxis('ratio=0.001:0.003:1e-3', defaults, bounds).values).toEqual([0.001, 0.002, 0.003]);
  });

  it('types listed values like the default: numbers, booleans, strings (even digits)', () => {
    expect(parseAxis('fast=3, 8,13', defaults, bounds).values).toEqual([3, 8, 13]);
    expect(parseAxis('long=true,false', defaults).values).toEqual([true, false]);
    expect(parseAxis('mode=open,close,5', defaults).values).toEqual(['open', 'close', '5']);
  });

  it.each([
    ['fast=5:1:1', 'USAGE', '--optimize "fast=5:1:1": stop is before start'],
    ['fast=5:30:0', 'USAGE', '--optimize "fast=5:30:0": step must be > 0'],
    ['fast=5:30:-5', 'USAGE', '--optimize "fast=5:30:-5": step must be > 0'],
    ['fast=a:30:5', 'USAGE', '--optimize "fast=a:30:5": start "a" is not a number'],
    ['fast=', 'USAGE', '--optimize "fast=": the list of values is empty'],
    ['fast=5,,7', 'USAGE', '--optimize "fast=5,,7": the list has an empty value'],
    ['fast=5,x', 'USAGE', '--optimize "fast=5,x": "x" is not a number'],
    ['fast=0:10:5', 'USAGE', '--optimize "fast=0:10:5": fast=0 must be an integer ≥ 1'],
    ['fast=2.5,3', 'USAGE', '--optimize "fast=2.5,3": fast=2.5 must be an integer ≥ 1'],
    ['ratio=0.5:1.5:0.5', 'USAGE', '--optimize "ratio=0.5:1.5:0.5": ratio=1.5 must be a number from 0 to 1'],
    ['long=yes', 'USAGE', '--optimize "long=yes": "yes" is not true or false'],
    ['mode=1:3:1', 'USAGE', '--optimize "mode=1:3:1": a start:stop:step range needs a number parameter'],
    ['fast', 'USAGE', '--optimize "fast" is not name=start:stop:step or name=a,b,c'],
    ['fsat=5:30:5', 'UNKNOWN_PARAM', '--optimize "fsat=5:30:5": unknown parameter "fsat"'],
  ])('rejects %s naming the flag', (text, code, message) => {
    const e = thrownBy(() => parseAxis(text, defaults, bounds));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('suggests the parameter meant', () => {
    expect(thrownBy(() => parseAxis('fsat=5:30:5', defaults)).hint).toBe('did you mean fast?');
  });
});

describe('parseGrid', () => {
  it('numbers cells in itertools.product order, the first --optimize outermost', () => {
    const axes = parseGrid(['fast=1,2', 'slow=10,20,30'], defaults);
    expect(gridSize(axes)).toBe(6);
    const cells = Array.from({ length: 6 }, (_, i) => gridParams(axes, i));
    expect(cells).toEqual([
      { fast: 1, slow: 10 },
      { fast: 1, slow: 20 },
      { fast: 1, slow: 30 },
      { fast: 2, slow: 10 },
      { fast: 2, slow: 20 },
      { fast: 2, slow: 30 },
    ]);
    expect(cellParams(axes, 4, defaults), 'the other params keep their values').toEqual({ ...defaults, fast: 2, slow: 20 });
  });

  it('keeps the axis order of the flags in a cell, not the strategy’s', () => {
    const axes = parseGrid(['slow=10,20', 'fast=1,2'], defaults);
    expect(Object.keys(gridParams(axes, 1))).toEqual(['slow', 'fast']);
    expect(gridParams(axes, 1)).toEqual({ slow: 10, fast: 2 });
  });

  it('rejects a parameter given twice and a grid of more than a million cells', () => {
    expect(thrownBy(() => parseGrid(['fast=1,2', 'fast=3'], defaults)).message).toBe('--optimize "fast=3": fast is already on the grid');
    expect(thrownBy(() => parseGrid(['fast=1:1001:1', 'slow=1:1000:1'], defaults)).message).toBe('--optimize: the grid has more than 1000000 combinations');
    expect(gridSize(parseGrid(['fast=1:1000:1', 'slow=1:1000:1'], defaults)), 'exactly 10⁶ is allowed').toBe(1_000_000);
  });
});
