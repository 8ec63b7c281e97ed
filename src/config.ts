import { homedir } from 'node:os';
import { resolve, join } from 'node:path';
import { CiftError } from './errors.js';
import { packageRoot } from './version.js';
import { FolderError, makeDirectory, unusableFolder } from './io/dirs.js';

/** Everything a command needs to know about where things live. Flags win over CIFT_* env, env over defaults. */
export interface Settings {
  readonly home: string;
  /** Where `home` came from, to name it in errors: the --home flag, the CIFT_HOME variable, or the default. */
  readonly homeFrom: '--home' | 'CIFT_HOME' | 'default';
  readonly ticksDir: string;
  /** Read-only shipped sample data (data/ in the package). */
  readonly builtinDataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly questdb: string | undefined;
  readonly kafkaBrokers: string | undefined;
  /** CIFT_BUS_URL: where order events are published (unset: in-process; see src/store/bus/url.ts). */
  readonly busUrl: string | undefined;
}

export interface SettingsFlags {
  home?: string;
  redisUrl?: string;
}

/** The package root: two levels above this file both in src/ (tsx) and in dist/src/ (compiled). */
export { packageRoot };

export function resolveSettings(flags: SettingsFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const homeFrom = flags.home !== undefined ? '--home' : env.CIFT_HOME ? 'CIFT_HOME' : 'default';
  const home = resolve(flags.home ?? (env.CIFT_HOME || join(homedir(), '.cift')));
  return Object.freeze({
    home,
    homeFrom,
    ticksDir: join(home, 'ticks'),
    builtinDataDir: join(packageRoot(), 'data'),
    databaseUrl: env.CIFT_DATABASE_URL || undefined,
    redisUrl: redisUrlOf(flags.redisUrl !== undefined ? ['--redis-url', flags.redisUrl] : ['CIFT_REDIS_URL', env.CIFT_REDIS_URL || undefined]),
    questdb: env.CIFT_QUESTDB || undefined,
    kafkaBrokers: env.CIFT_KAFKA_BROKERS || undefined,
    busUrl: env.CIFT_BUS_URL || undefined,
  } satisfies Settings);
}

/** The Redis URL, checked here so a typo fails at once naming where it came from (a value is never logged with its password). */
function redisUrlOf([from, url]: [string, string | undefined]): string | undefined {
  if (url === undefined) return undefined;
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw new CiftError('USAGE', `${from} is not a Redis URL`, 'use redis://HOST:PORT[/DB] (rediss:// for TLS), e.g. redis://127.0.0.1:6379; unset it to use the in-process cache');
  return url;
}

const homeName = (s: Pick<Settings, 'home' | 'homeFrom'>): string => (s.homeFrom === 'default' ? `data folder "${s.home}"` : `${s.homeFrom} "${s.home}"`);
const HOME_HINT = 'point CIFT_HOME (or --home) at a folder you can write to, or leave it unset for ~/.cift';

/** Fails fast, naming CIFT_HOME/--home, when the data folder cannot even be read (e.g. it is a file). Creates nothing. */
export function assertHomeReadable(s: Pick<Settings, 'home' | 'homeFrom'>): void {
  const problem = unusableFolder(s.home);
  if (problem !== undefined) throw new CiftError('STORE_UNAVAILABLE', `${homeName(s)} is not usable: ${problem}`, HOME_HINT);
}

/** Creates `dir` (inside the data folder) and its parents, or fails with one line naming CIFT_HOME/--home and why. */
export function ensureHomeFolder(s: Pick<Settings, 'home' | 'homeFrom'>, dir: string = s.home, onCreate?: (dir: string) => void): void {
  try {
    makeDirectory(dir, onCreate);
  } catch (e) {
    if (e instanceof FolderError) throw new CiftError('STORE_UNAVAILABLE', `${homeName(s)} is not usable: ${e.reason}`, HOME_HINT);
    throw e;
  }
}
