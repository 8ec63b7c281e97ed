/**
 * The dependency rules of ARCHITECTURE.md, as a test: src/ never imports commands/, strategies/ or bench/;
 * kernels import nothing; the backtest engine imports only kernels, its own files and the two leaf modules every
 * layer shares (errors, time); pipelines are frame → frame and do no I/O; only src/store imports a datastore
 * client. Code that joins I/O to those pure layers lives in src/usecases/.
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

const IMPORT_RE = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|\brequire\w*\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Repo-relative path an import resolves to, or the package name. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : spec;
}

const DATASTORE_CLIENTS = ['pg', '@duckdb/node-api', 'ioredis', 'kafkajs', '@questdb/nodejs-client'];
const srcFiles = sourceFiles(join(ROOT, 'src'));
/** Modules with no I/O and no dependencies of their own, which every layer may use. */
const LEAF_MODULES = ['src/errors.js', 'src/time.js', 'src/ns-times.js'];

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

  it('src/backtest imports only kernels, its own files and the shared leaf modules', () => {
    const allowed = (t: string) => t.startsWith('src/kernels/') || t.startsWith('src/backtest/') || LEAF_MODULES.includes(t);
    const backtest = srcFiles.filter((f) => relative(ROOT, f).startsWith('src/backtest/'));
    const bad = backtest
      .flatMap((f) => importsOf(f).filter((s) => s.startsWith('.')).map((s) => [relative(ROOT, f), target(f, s)]))
      .filter(([, t]) => !allowed(t));
    expect(bad, 'the engine must run on arrays it is given, never reach a store or a file').toEqual([]);
  });

  it('src/pipelines do no I/O: no file system, store, source or market-data imports', () => {
    const pipelines = srcFiles.filter((f) => relative(ROOT, f).startsWith('src/pipelines/'));
    const bad = pipelines
      .flatMap((f) => importsOf(f).map((s) => [relative(ROOT, f), target(f, s)]))
      .filter(([, t]) => /^node:(fs|net|http|child_process)/.test(t) || /^src\/(store|sources|usecases)\//.test(t) || t === 'src/market-data.js' || DATASTORE_CLIENTS.includes(t));
    expect(bad, 'pipelines take frames and return frames; callers read and write').toEqual([]);
  });

  it('the rules see imports (the checker itself works)', () => {
    expect(importsOf(join(ROOT, 'src', 'market-data.ts'))).toContain('./store/ticks/parquet.js');
    // A client required (CommonJS, src/store/require-client.ts) counts as imported.
    expect(importsOf(join(ROOT, 'src', 'store', 'ledger', 'postgres.ts'))).toContain('pg');
  });
});
