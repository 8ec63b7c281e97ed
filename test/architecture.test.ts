/**
 * The dependency rules of ARCHITECTURE.md, as a test: src/ never imports commands/, strategies/ or bench/;
 * kernels import nothing; only src/store imports a datastore client.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { ROOT } from './helpers.js';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const IMPORT_RE = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2]);
}

/** Repo-relative path an import resolves to, or the package name. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : spec;
}

const DATASTORE_CLIENTS = ['pg', '@duckdb/node-api', 'ioredis', 'kafkajs', '@questdb/nodejs-client'];
const srcFiles = sourceFiles(join(ROOT, 'src'));

describe('architecture', () => {
  it('src/ never imports commands/, strategies/ or bench/', () => {
    const bad = srcFiles.flatMap((f) => importsOf(f).map((s) => [relative(ROOT, f), target(f, s)])).filter(([, t]) => /^(commands|strategies|bench)\//.test(t));
    expect(bad).toEqual([]);
  });

  it('kernels import nothing outside src/kernels', () => {
    const kernels = srcFiles.filter((f) => relative(ROOT, f).startsWith('src/kernels/'));
    const bad = kernels.flatMap((f) => importsOf(f).map((s) => [relative(ROOT, f), target(f, s)])).filter(([, t]) => !t.startsWith('src/kernels/'));
    expect(bad).toEqual([]);
  });

  it('only src/store imports a datastore client', () => {
    const all = [...srcFiles, ...sourceFiles(join(ROOT, 'commands')), ...sourceFiles(join(ROOT, 'bench'))];
    const bad = all
      .filter((f) => !relative(ROOT, f).startsWith('src/store/'))
      .flatMap((f) => importsOf(f).map((s) => [relative(ROOT, f), s]))
      .filter(([, s]) => DATASTORE_CLIENTS.some((c) => s === c || s.startsWith(`${c}/`)));
    expect(bad).toEqual([]);
  });

  it('the rules see imports (the checker itself works)', () => {
    expect(importsOf(join(ROOT, 'src', 'market-data.ts'))).toContain('./store/ticks/parquet.js');
  });
});
