/**
 * Order books for the book kernels' benchmark and tests: a seeded synthetic N-level book (a best bid and ask that
 * step by a tick now and then, levels a tick or two apart, sizes that change one level at a time — so every case of
 * Cont–Kukanov–Stoikov's e_n occurs), and a reader of a LOBSTER orderbook file into the same per-level layout.
 */
import { readFileSync } from 'node:fs';
import { seededRandom } from '../src/sources/synthetic.js';

export interface BookArrays {
  levels: number;
  rows: number;
  bidPx: Float64Array[];
  bidSz: Float64Array[];
  askPx: Float64Array[];
  askSz: Float64Array[];
}

/** The arrays in the registry's input order (bookInputs): bid_px_1…N, bid_sz_1…N, ask_px_1…N, ask_sz_1…N. */
export function flatInputs(b: BookArrays): Float64Array[] {
  return [...b.bidPx, ...b.bidSz, ...b.askPx, ...b.askSz];
}

/** A book with these columns by name (bid_px_1, …), for code that looks inputs up by column. */
export function bookColumns(b: BookArrays): Record<string, Float64Array> {
  const cols: Record<string, Float64Array> = {};
  for (let k = 0; k < b.levels; k++) {
    cols[`bid_px_${k + 1}`] = b.bidPx[k];
    cols[`bid_sz_${k + 1}`] = b.bidSz[k];
    cols[`ask_px_${k + 1}`] = b.askPx[k];
    cols[`ask_sz_${k + 1}`] = b.askSz[k];
  }
  return cols;
}

function allocate(levels: number, rows: number): BookArrays {
  const side = () => Array.from({ length: levels }, () => new Float64Array(rows));
  return { levels, rows, bidPx: side(), bidSz: side(), askPx: side(), askSz: side() };
}

/** A seeded synthetic book with every level present: same seed, same numbers. Prices in dollars, tick 0.01. */
export function syntheticBook(rows: number, levels: number, seed = 11): BookArrays {
  const r = seededRandom(seed);
  const b = allocate(levels, rows);
  let bestBid = 10_000; // ticks: $100.00
  let bestAsk = 10_002;
  const bidGap = Array.from({ length: levels }, () => 1 + (r() < 0.25 ? 1 : 0));
  const askGap = Array.from({ length: levels }, () => 1 + (r() < 0.25 ? 1 : 0));
  const bidSz = Array.from({ length: levels }, () => 1 + Math.floor(r() * 1000));
  const askSz = Array.from({ length: levels }, () => 1 + Math.floor(r() * 1000));
  for (let i = 0; i < rows; i++) {
    const u = r();
    if (u < 0.1 && bestBid + 1 < bestAsk) bestBid++;
    else if (u < 0.2) bestBid--;
    else if (u < 0.3 && bestAsk - 1 > bestBid) bestAsk--;
    else if (u < 0.4) bestAsk++;
    else {
      const k = Math.floor(r() * levels);
      const sizes = r() < 0.5 ? bidSz : askSz;
      sizes[k] = Math.max(1, sizes[k] + Math.floor((r() - 0.5) * 400));
    }
    let pb = bestBid;
    let pa = bestAsk;
    for (let k = 0; k < levels; k++) {
      if (k > 0) {
        pb -= bidGap[k];
        pa += askGap[k];
      }
      b.bidPx[k][i] = pb / 100;
      b.askPx[k][i] = pa / 100;
      b.bidSz[k][i] = bidSz[k];
      b.askSz[k][i] = askSz[k];
    }
  }
  return b;
}

/**
 * A LOBSTER orderbook file (ask_px_1, ask_sz_1, bid_px_1, bid_sz_1, ask_px_2, … per row; prices ×10000; empty
 * levels at ±9999999999 with size 0) as per-level arrays: prices in dollars, empty levels NaN price and size.
 */
export function readLobsterBook(path: string, levels: number, maxRows = Infinity): BookArrays {
  const lines = readFileSync(path, 'utf8').split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const rows = Math.min(lines.length, maxRows);
  const b = allocate(levels, rows);
  for (let i = 0; i < rows; i++) {
    const f = lines[i].split(',');
    if (f.length < 4 * levels) throw new Error(`${path}: row ${i + 1} has ${f.length} fields, expected ${4 * levels}`);
    for (let k = 0; k < levels; k++) {
      const ap = Number(f[4 * k]);
      const bp = Number(f[4 * k + 2]);
      const askEmpty = ap === 9999999999;
      const bidEmpty = bp === -9999999999;
      b.askPx[k][i] = askEmpty ? NaN : ap / 10_000;
      b.askSz[k][i] = askEmpty ? NaN : Number(f[4 * k + 1]);
      b.bidPx[k][i] = bidEmpty ? NaN : bp / 10_000;
      b.bidSz[k][i] = bidEmpty ? NaN : Number(f[4 * k + 3]);
    }
  }
  return b;
}
