/**
 * No spread of an array into a function call where the array can be data-sized (issue 8, item 13): each element
 * becomes a stack slot, and past ~10⁵ elements `Math.max(...returns)` throws "Maximum call stack size exceeded".
 * Loops (or a reduce) have no such limit. Spreads into array literals, objects and polars' column lists are fine.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers.js';

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Calls whose argument count is unbounded when fed a spread: the ones the issue names, and their kin. */
const SPREAD_SINKS = /\b(?:Math\.(?:max|min|hypot)|String\.fromCharCode|String\.fromCodePoint|\.push|\.unshift|\.splice|\.apply)\s*\((?:[^(){}[\]]*,)?\s*\.\.\./g;

describe('spreads into calls', () => {
  it('no Math.max/min(...x), push(...x) or fromCharCode(...x) in src/, commands/, bench/ or strategies/', () => {
    const files = ['src', 'commands', 'bench', 'strategies'].flatMap((d) => sourceFiles(join(ROOT, d)));
    const found = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, k) => (/^(\/\/|\/\*|\*)/.test(line.trim()) ? [] : [...line.matchAll(SPREAD_SINKS)].map(() => `${relative(ROOT, f)}:${k + 1}: ${line.trim()}`))),
    );
    expect(found, 'use a loop: a spread puts every element on the stack').toEqual([]);
  });

  it('the pattern recognises the spreads it bans', () => {
    const lines = ['const m = Math.max(...returns);', 'out.push(...rows);', 'String.fromCharCode(...bytes)', 'a.splice(0, 0, ...items)'];
    for (const l of lines) expect(l.match(SPREAD_SINKS), l).not.toBeNull();
    expect('frame.select(...COLUMNS); const b = [...a]; out.push({ ...row });'.match(SPREAD_SINKS)).toBeNull();
  });
});
