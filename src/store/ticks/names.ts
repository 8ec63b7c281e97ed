/**
 * Names of the files in the tick store. A data file's name carries what `cift ingest --repair` needs to rebuild the
 * catalog without it (the folder gives kind and symbol):
 *
 *   {kind}/{SYMBOL}/{firstNs}_{lastNs}_{sourceId}_{writer}_{k}of{n}.parquet
 *
 * `sourceId` is the content id of the source, `writer` = p{pid}t{ms base 36}r{random} names the process and moment
 * that wrote it (newest wins in a repair; a sweep leaves files of a live pid alone), and k of n says which part of
 * the source it is, so a repair can tell a complete source from one a crash cut short.
 */
import { randomBytes } from 'node:crypto';
import { tempFileWriter } from '../../io/atomic.js';
import { pidAlive } from '../pid.js';

export const CATALOG_FILE = 'catalog.json';
export const LOCK_FILE = '.lock';
/** One empty file per writer at work, named by its writer token; a dead writer's entry tells readers to sweep. */
export const WRITERS_DIR = '.writers';
/** Files of a writer whose pid still runs are left alone, unless older than this (its pid may have been reused). */
export const STALE_AFTER_MS = 6 * 3_600_000;

export interface WriterToken {
  token: string;
  pid: number;
  /** ms since the epoch when it started writing. */
  startedMs: number;
}

export function newWriter(): WriterToken {
  const startedMs = Date.now();
  return { token: `p${process.pid}t${startedMs.toString(36)}r${randomBytes(2).toString('hex')}`, pid: process.pid, startedMs };
}

const WRITER_RE = /^p(\d+)t([0-9a-z]+)r([0-9a-f]+)$/;

export function parseWriter(token: string): WriterToken | undefined {
  const m = WRITER_RE.exec(token);
  return m ? { token, pid: Number(m[1]), startedMs: parseInt(m[2], 36) } : undefined;
}

export interface DataFileName {
  name: string;
  first: bigint;
  last: bigint;
  sourceId: string;
  writer: WriterToken;
  part: number;
  parts: number;
}

const DATA_RE = /^(-?\d+)_(-?\d+)_([0-9a-f]{16})_(p\d+t[0-9a-z]+r[0-9a-f]+)_(\d+)of(\d+)\.parquet$/;

export function dataFileName(first: bigint, last: bigint, sourceId: string, writer: string, part: number, parts: number): string {
  return `${first}_${last}_${sourceId}_${writer}_${part}of${parts}.parquet`;
}

export function parseDataFileName(name: string): DataFileName | undefined {
  const m = DATA_RE.exec(name);
  if (!m) return undefined;
  const part = Number(m[5]);
  const parts = Number(m[6]);
  if (!(part >= 1 && part <= parts)) return undefined;
  return { name, first: BigInt(m[1]), last: BigInt(m[2]), sourceId: m[3], writer: parseWriter(m[4])!, part, parts };
}

/** Data files of the store format before the catalog: {first}_{last}_{pathHash16}_{generation}.parquet. */
const LEGACY_RE = /^(-?\d+)_(-?\d+)_([0-9a-f]{16})_([0-9a-z]+)\.parquet$/;

export function parseLegacyDataFileName(name: string): { first: bigint; last: bigint; sourceId: string; generation: string } | undefined {
  const m = LEGACY_RE.exec(name);
  return m ? { first: BigInt(m[1]), last: BigInt(m[2]), sourceId: m[3], generation: m[4] } : undefined;
}

/** Whether leftovers written by `pid`, last modified at `mtimeMs`, can be swept: their writer is gone (or long silent). */
export function writerGone(pid: number | undefined, mtimeMs: number, now = Date.now()): boolean {
  if (pid === undefined) return false;
  if (pid === process.pid) return false;
  return !pidAlive(pid) || now - mtimeMs > STALE_AFTER_MS;
}

export { tempFileWriter };
