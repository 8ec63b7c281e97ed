import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder (where package.json and data/ are), from src/version.ts or dist/src/version.js.
 * Here rather than in config.ts so `cift --version` and `--help` load no settings code.
 */
export function packageRoot(): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return dir.endsWith('dist') ? resolve(dir, '..') : dir;
}

/** cift's version, from package.json. */
export const VERSION = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
