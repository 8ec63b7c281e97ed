import { homedir } from 'node:os';
import { resolve, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything a command needs to know about where things live. Flags win over CIFT_* env, env over defaults. */
export interface Settings {
  readonly home: string;
  readonly ticksDir: string;
  /** Read-only shipped sample data (data/ in the package). */
  readonly builtinDataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly questdb: string | undefined;
  readonly kafkaBrokers: string | undefined;
}

export interface SettingsFlags {
  home?: string;
}

/** The package root: two levels above this file both in src/ (tsx) and in dist/src/ (compiled). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  // src/config.ts → root; dist/src/config.js → root
  dir = resolve(dir, '..');
  return dir.endsWith('dist') ? resolve(dir, '..') : dir;
}

export function resolveSettings(flags: SettingsFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const home = resolve(flags.home ?? env.CIFT_HOME ?? join(homedir(), '.cift'));
  return Object.freeze({
    home,
    ticksDir: join(home, 'ticks'),
    builtinDataDir: join(packageRoot(), 'data'),
    databaseUrl: env.CIFT_DATABASE_URL || undefined,
    redisUrl: env.CIFT_REDIS_URL || undefined,
    questdb: env.CIFT_QUESTDB || undefined,
    kafkaBrokers: env.CIFT_KAFKA_BROKERS || undefined,
  });
}
