/**
 * How a `cift order` in another shell finds the `cift serve` that holds this $CIFT_HOME's embedded ledger (a
 * DuckDB file one process at a time): the server writes serve.json (pid, a URL a client can connect to, start
 * time, version) and serve.key (a fresh random local key, mode 0600) under $CIFT_HOME while it runs, and removes
 * both when it stops. A file left by a process that died (its pid no longer runs) is ignored and replaced.
 * Only the embedded ledger is announced: PostgreSQL has no lock, so commands never need to forward there.
 * No fastify here: the CLI reads these files on every `cift order`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHomeFolder, type Settings } from './config.js';
import { CiftError } from './errors.js';
import { writeAtomically } from './io/atomic.js';
import { pidAlive } from './store/pid.js';

export const SERVE_INFO_FILE = 'serve.json';
export const SERVE_KEY_FILE = 'serve.key';

export interface ServeInfo {
  pid: number;
  /** Where a client on this machine reaches the server (a wildcard listen address becomes loopback). */
  url: string;
  started_at: string;
  version: string;
}

/** A live server of this home, as a client sees it. */
export interface LocalServer extends ServeInfo {
  key: string;
}

/** The local key: `cift_local_` + 32 random bytes base64url. It lives only in memory and in the 0600 file. */
export const newLocalKey = (): string => `cift_local_${randomBytes(32).toString('base64url')}`;

/** A URL a client can connect to: a server listening on 0.0.0.0 or :: is reached on the loopback address. */
export function connectableUrl(address: string): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

function readInfo(home: string): ServeInfo | undefined {
  let text: string;
  try {
    text = readFileSync(join(home, SERVE_INFO_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<ServeInfo>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.url !== 'string') return undefined;
    return { pid: v.pid, url: v.url, started_at: String(v.started_at ?? ''), version: String(v.version ?? '') };
  } catch {
    // A torn or foreign file: nobody can be reached through it.
    return undefined;
  }
}

export interface Announcement {
  info: ServeInfo;
  /** Removes serve.json and serve.key if they are still this announcement's (same pid, same key). Idempotent. */
  remove(): void;
}

/**
 * Announces the server listening at `address` for `home`: serve.key (0600) first, then serve.json, so a client
 * that sees serve.json also finds the key. A file of a dead process is replaced; one of a live process other than
 * this one is refused (LEDGER_LOCKED), since two servers cannot share one embedded ledger.
 */
export function announceServer(settings: Pick<Settings, 'home' | 'homeFrom'>, opts: { address: string; key: string; version: string; pid?: number; now?: Date }): Announcement {
  const home = settings.home;
  const pid = opts.pid ?? process.pid;
  const existing = readInfo(home);
  if (existing && existing.pid !== pid && pidAlive(existing.pid)) {
    throw new CiftError(
      'LEDGER_LOCKED',
      `another cift serve (pid ${existing.pid}, ${existing.url}) already serves ${home}`,
      `stop it first; if no cift serve runs, remove ${join(home, SERVE_INFO_FILE)}`,
    );
  }
  ensureHomeFolder(settings);
  const info: ServeInfo = { pid, url: connectableUrl(opts.address), started_at: (opts.now ?? new Date()).toISOString(), version: opts.version };
  // Each file whole or not at all (io/atomic's temp + rename); the temp is created with its final mode, so the key is
  // never readable by others, not even briefly.
  const writeWithMode = (path: string, text: string, mode: number) => writeAtomically(path, (temp) => writeFileSync(temp, text, { mode, flag: 'wx' }));
  writeWithMode(join(home, SERVE_KEY_FILE), `${opts.key}\n`, 0o600);
  writeWithMode(join(home, SERVE_INFO_FILE), `${JSON.stringify(info)}\n`, 0o644);
  let removed = false;
  return {
    info,
    remove() {
      if (removed) return;
      removed = true;
      removeAnnouncement(home, pid, opts.key);
    },
  };
}

/**
 * Removes serve.json and serve.key when serve.json names `pid` (and the key file holds `key`, when given): a
 * server stopping never deletes the files of a server that started after it.
 */
export function removeAnnouncement(home: string, pid: number, key?: string): void {
  const info = readInfo(home);
  if (info?.pid !== pid) return;
  rmSync(join(home, SERVE_INFO_FILE), { force: true });
  const keyPath = join(home, SERVE_KEY_FILE);
  let stored: string | undefined;
  try {
    stored = readFileSync(keyPath, 'utf8').trim();
  } catch {
    return;
  }
  if (key === undefined || stored === key) rmSync(keyPath, { force: true });
}

/**
 * The live server announced for `home`, or undefined: no serve.json, an unreadable one, a dead pid (a stale
 * file is ignored; the next server replaces it), this very process, or no readable key.
 */
export function findServer(home: string): LocalServer | undefined {
  const info = readInfo(home);
  if (!info || info.pid === process.pid || !pidAlive(info.pid)) return undefined;
  let key: string;
  try {
    key = readFileSync(join(home, SERVE_KEY_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  return key === '' ? undefined : { ...info, key };
}
