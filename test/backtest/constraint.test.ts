/** The `--constraint` language: values, precedence, Python's chained comparisons and %, strict types, errors. */
import { describe, expect, it } from 'vitest';
import { parseConstraint } from '../../src/backtest/constraint.js';
import { thrownBy } from '../helpers.js';

const params = { fast: 10, slow: 30, ratio: 0.5, long: true, mode: 'close' };
const names = Object.keys(params);
const holds = (text: string, p: Record<string, number | string | boolean> = params) => parseConstraint(text, names).admits(p);

describe('--constraint', () => {
  it.each([
    ['fast < slow', true],
    ['fast > slow', false],
    ['fast <= 10', true],
    ['fast >= 11', false],
    ['fast == 10', true],
    ['fast != 10', false],
    ['slow - fast >= 20', true],
    ['slow / fast == 3', true],
    ['fast * 3 == slow', true],
    ['slow % 7 == 2', true],
    ['-fast < 0', true],
    ['- -fast == 10', true],
    ['2 + 3 * 4 == 14', true],
    ['(2 + 3) * 4 == 20', true],
    ['10 - 4 - 3 == 3', true],
    ['-7 % 3 == 2', true],
    ['7 % -3 == -2', true],
    ['ratio == 0.5 and .5 == ratio and 1e1 == fast', true],
    ['fast < 5 or slow > 20', true],
    ['fast < 5 || slow > 40', false],
    ['fast > 5 && slow > 20', true],
    ['not fast > 5', false],
    ['!(fast > 5)', false],
    ['not fast > 5 or true', true],
    ['true or false and false', true],
    ['(true or false) and false', false],
    ['long', true],
    ['long == true and not false', true],
    ['mode == "close"', true],
    ["mode != 'close'", false],
    ['mode < "open"', true],
    ['fast == "10"', false],
    ['1 < fast < slow', true],
    ['1 < slow < fast', false],
    ['fast < slow < 20', false],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('evaluates per combination', () => {
    const c = parseConstraint('fast < slow', ['fast', 'slow']);
    expect([c.admits({ fast: 5, slow: 10 }), c.admits({ fast: 10, slow: 10 }), c.admits({ fast: 20, slow: 10 })]).toEqual([true, false, false]);
  });

  it('short-circuits: a type error on the right of a decided and/or is not reached', () => {
    expect(holds('false and fast + mode')).toBe(false);
    expect(holds('true or fast + mode')).toBe(true);
  });

  it.each([
    ['fast <', 'expected a value but found the end (column 7)'],
    ['fast < < slow', 'expected a value but found "<" (column 8)'],
    ['(fast < slow', 'expected ")" but found the end (column 13)'],
    ['fast < slow)', 'unexpected ")" (column 12)'],
    ['fast slow', 'unexpected "slow" (column 6)'],
    ['fast = slow', 'unexpected "=" (column 6)'],
    ['fast < slow; 1', 'unexpected ";" (column 12)'],
    ['mode == "close', 'the string opened here has no closing " (column 9)'],
    ['fats < slow', 'unknown parameter "fats" (column 1)'],
    ['', 'it is empty'],
    ['   ', 'it is empty'],
  ])('rejects %j at parse time: %s', (text, problem) => {
    const e = thrownBy(() => parseConstraint(text, names));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe(`--constraint "${text}": ${problem}`);
    expect(e.message).not.toContain('\n');
  });

  it('suggests the parameter meant', () => {
    expect(thrownBy(() => parseConstraint('fats < slow', names)).hint).toBe('did you mean fast?');
  });

  it.each([
    ['fast + slow', 'it gives the number 40, not true or false'],
    ['fast < mode', '< needs two numbers or two strings, got number and string (column 6)'],
    ['fast + mode == 1', '+ needs numbers, got number and string (column 6)'],
    ['fast and long', 'and needs true or false, got the number 10 (column 6)'],
    ['not fast', 'not needs true or false, got the number 10 (column 1)'],
    ['-mode == 1', 'unary - needs a number, got string (column 1)'],
    ['fast / 0 > 1', 'division by zero (column 6)'],
    ['fast % 0 > 1', 'division by zero (column 6)'],
  ])('rejects %j when evaluated: %s', (text, problem) => {
    const e = thrownBy(() => holds(text));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe(`--constraint "${text}": ${problem}`);
  });

  it('never reaches JavaScript: names outside the params are errors, not globals', () => {
    expect(thrownBy(() => parseConstraint('process < 1', names)).message).toContain('unknown parameter "process"');
    expect(thrownBy(() => parseConstraint('constructor == 1', names)).message).toContain('unknown parameter "constructor"');
  });
});
