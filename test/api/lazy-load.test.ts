/**
 * `cift --help` and every other command stay fast: nothing reachable through static imports from commands/main.ts
 * loads fastify, prom-client or a @fastify plugin (serve imports them inside its action).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers.js';

const STATIC_IMPORT_RE = /^\s*(?:import|export)\s(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
const HEAVY = /^(fastify|fastify-type-provider-zod|prom-client|@fastify\/)/;

function staticGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (existsSync(ts)) stack.push(ts);
      } else packages.set(spec, relative(ROOT, file));
    }
  }
  return { files, packages };
}

describe('lazy loading of the HTTP stack', () => {
  it('commands/main.ts reaches no HTTP package through static imports', () => {
    // main.ts loads the command a run names on demand (commands/table.ts): the walk starts from it and every command module.
    const table = readFileSync(join(ROOT, 'commands', 'table.ts'), 'utf8');
    const commandModules = [...table.matchAll(/import\('\.\/([^']+)\.js'\)/g)].map((m) => join(ROOT, 'commands', `${m[1]}.ts`));
    const files = new Set<string>();
    const packages = new Map<string, string>();
    for (const entry of [join(ROOT, 'commands', 'main.ts'), ...commandModules]) {
      const g = staticGraph(entry);
      for (const f of g.files) files.add(f);
      for (const [p, from] of g.packages) packages.set(p, from);
    }
    expect(files.has(join(ROOT, 'commands', 'serve.ts')), 'the walk reaches serve.ts').toBe(true);
    expect(files.has(join(ROOT, 'src', 'api', 'app.ts'))).toBe(false);
    expect([...packages].filter(([p]) => HEAVY.test(p))).toEqual([]);
  });

  it('the walk does see the packages src/api imports (the checker works)', () => {
    const { packages } = staticGraph(join(ROOT, 'src', 'api', 'app.ts'));
    expect([...packages.keys()]).toEqual(expect.arrayContaining(['fastify', 'prom-client', '@fastify/swagger']));
  });
});
