/**
 * Inputs of the pipelines suite, all seeded (same seed, same bytes):
 * - a tick CSV `ts,price,size,side` (ts in epoch microseconds, exact in a double below 2^53; price in dollars with
 *   two decimals; size a whole number; side B or S), generated once per (rows, seed) and cached in the OS temp
 *   folder with the digest its generator computed while writing it, and the same ticks as Parquet (written once by
 *   polars from that CSV);
 * - in-memory trades and quotes for the group-by, as-of join and rolling-window cases.
 * The digest is what each reader's output is checked against before it is timed: the generator's own sums, not a
 * reader's.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { makeDirectory } from '../src/io/dirs.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically, writeFileAtomic } from '../src/io/atomic.js';
import type { Polars } from '../src/polars.js';
import { seededRandom } from '../src/sources/synthetic.js';

/** 2024-01-02 14:30:00 UTC in epoch microseconds: the first tick's time. */
const START_US = 1_704_205_800_000_000;

/** What a reader of the tick file must reproduce: sums that catch a lost row, a misparsed field or a swapped column. */
export interface TickDigest {
  rows: number;
  /** Σ price in cents (an exact integer); a reader's Σ price must equal it / 100 within 1e-9 relative. */
  price_cents_sum: number;
  size_sum: number;
  buys: number;
  ts_first: number;
  ts_last: number;
  /** Σ (ts mod 10^6): the microsecond within the second of every row, exact. */
  ts_micros_sum: number;
}

/** A reader's view of the same sums (price as the Σ of the parsed doubles). */
export interface ReadDigest extends Omit<TickDigest, 'price_cents_sum'> {
  price_sum: number;
}

export interface TickFiles {
  csv: string;
  parquet: string;
  digest: TickDigest;
}

/** The cache folder: the OS temp folder (TMPDIR), so a cleaned temp folder only costs a regeneration. */
export function benchCacheDir(): string {
  return join(tmpdir(), 'cift-bench-cache');
}

/** Bytes of a CSV being built in a fixed buffer and flushed when nearly full: no string per row, so no GC churn. */
class CsvBytes {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  constructor(private readonly fd: number) {}
  /** A whole number ≥ 0 in decimal, `minDigits` zero-padded. */
  digits(v: number, minDigits = 1): void {
    let n = 0;
    for (let x = v; x >= 1 || n < minDigits; x = Math.floor(x / 10)) n++;
    for (let k = n - 1, x = v; k >= 0; k--, x = Math.floor(x / 10)) this.buf[this.pos + k] = 48 + (x % 10);
    this.pos += n;
  }
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }
  /** Flushes when fewer than 64 bytes are left (a row is under 40). */
  endRow(): void {
    this.buf[this.pos++] = 10;
    if (this.pos > this.buf.length - 64) this.flush();
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }
}

const COMMA = 44;
const DOT = 46;

/** Writes `rows` ticks to `path` (atomically) and returns their digest. */
export function writeTickCsv(path: string, rows: number, seed: number): TickDigest {
  const r = seededRandom(seed);
  const d: TickDigest = { rows, price_cents_sum: 0, size_sum: 0, buys: 0, ts_first: NaN, ts_last: NaN, ts_micros_sum: 0 };
  writeAtomically(path, (temp) => {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, 'ts,price,size,side\n');
      const out = new CsvBytes(fd);
      let ts = START_US;
      let cents = 10_000;
      for (let i = 0; i < rows; i++) {
        ts += Math.floor(r() * 20_000); // 0–20 ms apart: equal stamps occur, as on a real tape
        cents = Math.max(1, cents + Math.floor(r() * 5) - 2);
        const size = 1 + Math.floor(r() * 500);
        const buy = r() < 0.5;
        out.digits(ts);
        out.byte(COMMA);
        out.digits(Math.floor(cents / 100));
        out.byte(DOT);
        out.digits(cents % 100, 2);
        out.byte(COMMA);
        out.digits(size);
        out.byte(COMMA);
        out.byte(buy ? 66 : 83); // B, S
        out.endRow();
        d.price_cents_sum += cents;
        d.size_sum += size;
        if (buy) d.buys++;
        d.ts_micros_sum += ts % 1_000_000;
        if (i === 0) d.ts_first = ts;
        d.ts_last = ts;
      }
      out.flush();
    } finally {
      closeSync(fd);
    }
  });
  return d;
}

/**
 * The cached tick CSV and Parquet of (rows, seed), made when missing. The digest file is written last, so a run
 * interrupted while generating leaves nothing that looks complete.
 */
export async function tickFiles(pl: Polars, rows: number, seed: number, onProgress?: (label: string) => void): Promise<TickFiles> {
  const dir = benchCacheDir();
  makeDirectory(dir);
  const base = join(dir, `ticks-${rows}-seed${seed}`);
  const files = { csv: `${base}.csv`, parquet: `${base}.parquet`, digestPath: `${base}.digest.json` };
  if (existsSync(files.digestPath) && existsSync(files.csv) && existsSync(files.parquet)) {
    return { csv: files.csv, parquet: files.parquet, digest: JSON.parse(readFileSync(files.digestPath, 'utf8')) as TickDigest };
  }
  onProgress?.(`pipelines: generating ${rows.toLocaleString('en-US')} ticks (once; cached in ${dir})`);
  const digest = writeTickCsv(files.csv, rows, seed);
  onProgress?.('pipelines: writing the same ticks as Parquet (once)');
  const frame = pl.readCSV(files.csv);
  // polars writes to the path it is given; the temp name keeps a half-written file from looking like the cache.
  writeAtomically(files.parquet, (temp) => frame.writeParquet(temp));
  writeFileAtomic(files.digestPath, `${JSON.stringify(digest)}\n`);
  return { csv: files.csv, parquet: files.parquet, digest };
}

/** Trades in memory, ts ascending (epoch µs as doubles, gaps of 0 … 2·meanGapUs), prices a cent random walk. */
export interface Trades {
  ts: Float64Array;
  price: Float64Array;
  size: Float64Array;
}

export function syntheticTrades(rows: number, seed: number, meanGapUs: number): Trades {
  const r = seededRandom(seed);
  const t: Trades = { ts: new Float64Array(rows), price: new Float64Array(rows), size: new Float64Array(rows) };
  let ts = START_US;
  let cents = 10_000;
  for (let i = 0; i < rows; i++) {
    ts += Math.floor(r() * 2 * meanGapUs);
    cents = Math.max(1, cents + Math.floor(r() * 5) - 2);
    t.ts[i] = ts;
    t.price[i] = cents / 100;
    t.size[i] = 1 + Math.floor(r() * 500);
  }
  return t;
}

/** Quotes in memory: ts strictly ascending (so "the last quote at or before" is never a tie), bid one cent under ask. */
export interface Quotes {
  ts: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
}

export function syntheticQuotes(rows: number, seed: number, meanGapUs: number): Quotes {
  const r = seededRandom(seed);
  const q: Quotes = { ts: new Float64Array(rows), bid: new Float64Array(rows), ask: new Float64Array(rows) };
  // Quotes start a little after the trades' start time, so the first trade or two may find no quote (the join's null case).
  let ts = START_US + 2 * meanGapUs;
  let cents = 10_000;
  for (let i = 0; i < rows; i++) {
    ts += 1 + Math.floor(r() * 2 * meanGapUs);
    cents = Math.max(2, cents + Math.floor(r() * 3) - 1);
    q.ts[i] = ts;
    q.bid[i] = (cents - 1) / 100;
    q.ask[i] = cents / 100;
  }
  return q;
}
