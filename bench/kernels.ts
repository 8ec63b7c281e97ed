/**
 * The kernels suite: every kernel on a seeded synthetic market, timed with a preallocated `out`, against
 * (a) the floor — copying as many float64 arrays as the kernel reads and writes — and (b) with --peers, the
 * JavaScript indicator libraries a TypeScript quant would otherwise use, each fed input in its native form.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/config.js';
import { bookPressure, mlofi, atr, bollinger, donchian, ema, logReturn, macd, microprice, mid, ofi, roc, rollingStd, rollingVwap, rsi, sma, spread, typicalPrice, vwap, zscore } from '../src/index.js';
import { syntheticMarket } from '../src/sources/synthetic.js';
import { maxRelativeError, refAtr, refEma, refLogReturn, refMacd, refMicroprice, refMid, refRollingVwap, refRoc, refRsi, refSma, refSpread, refStd, refVwap } from './reference.js';
import { time, type BenchOptions, type CaseResult } from './harness.js';
import { runKernelSuiteInProcesses } from './kernel-processes.js';
import { peersFor, type PeerRun } from './peers.js';
import { readLobsterBook, syntheticBook, type BookArrays } from './book-data.js';

interface Tolerance {
  /** Relative tolerance (relative to max(|ref|, floor)). */
  rel: number;
  floor?: number;
}

export interface KernelCase {
  name: string;
  read: Float64Array[];
  write: Float64Array[];
  run: () => void;
  /** Expected outputs (NaN = not evaluated when `sampled`). */
  reference: () => Float64Array[];
  sampled?: boolean;
  tolerance: Tolerance;
  /** Rows the case runs over when not the suite's --size (the book cases: one row per book update). */
  rows?: number;
  /** Book levels read per row: the case also reports ns per level per row against `targetNsPerLevelRow`. */
  levels?: number;
  targetNsPerLevelRow?: number;
}

const REL = { rel: 1e-10 };
/** RSI is checked to 1e-10 absolute: it lives on [0, 100]. */
const RSI_ABS = { rel: 1e-10, floor: 1 };

export function kernelCases(size: number, seed = 42): KernelCase[] {
  const m = syntheticMarket(size, seed);
  const out = () => new Float64Array(size);
  const [o1, o2, o3] = [out(), out(), out()];
  const stride = Math.max(1, Math.floor(size / 100_000));
  const typical = typicalPrice(m.high, m.low, m.close);
  const direct = (f: (i: number) => number) => () => [Float64Array.from({ length: size }, (_, i) => f(i))];
  let allocated: Float64Array = o1;
  return [
    { name: 'sma(20)', read: [m.close], write: [o1], run: () => sma(m.close, 20, o1), reference: () => [refSma(m.close, 20, stride)], sampled: true, tolerance: REL },
    { name: 'ema(20)', read: [m.close], write: [o1], run: () => ema(m.close, 20, o1), reference: () => [refEma(m.close, 20)], tolerance: REL },
    {
      // Without `out`: each call returns a new array, so the time includes the first touch of its fresh pages
      // (issue 14). The floor still copies into preallocated arrays, so the ratio shows what allocating costs.
      name: 'ema(20) new output',
      read: [m.close],
      get write() {
        return [allocated];
      },
      run: () => {
        allocated = ema(m.close, 20);
      },
      reference: () => [refEma(m.close, 20)],
      tolerance: REL,
    },
    { name: 'rsi(14)', read: [m.close], write: [o1], run: () => rsi(m.close, 14, o1), reference: () => [refRsi(m.close, 14)], tolerance: RSI_ABS },
    {
      name: 'macd(12,26,9)',
      read: [m.close],
      write: [o1, o2, o3],
      run: () => macd(m.close, 12, 26, 9, o1, o2, o3),
      reference: () => refMacd(m.close, 12, 26, 9),
      // The line is a difference of two EMAs near each other: judge it relative to the price scale.
      tolerance: { rel: 1e-10, floor: 1 },
    },
    { name: 'stddev(20)', read: [m.close], write: [o1], run: () => rollingStd(m.close, 20, o1), reference: () => [refStd(m.close, 20, stride).std], sampled: true, tolerance: REL },
    {
      name: 'bbands(20,2)',
      read: [m.close],
      write: [o1, o2, o3],
      run: () => bollinger(m.close, 20, 2, o1, o2, o3),
      reference: () => {
        const { std, mean } = refStd(m.close, 20, stride);
        return [mean.map((v, i) => v - 2 * std[i]), mean, mean.map((v, i) => v + 2 * std[i])];
      },
      sampled: true,
      tolerance: REL,
    },
    {
      name: 'zscore(20)',
      read: [m.close],
      write: [o1],
      run: () => zscore(m.close, 20, o1),
      reference: () => {
        const { std, mean } = refStd(m.close, 20, stride);
        return [mean.map((v, i) => (m.close[i] - v) / std[i])];
      },
      sampled: true,
      // z is a difference of nearby numbers divided by σ: judge it on the scale of one σ.
      tolerance: { rel: 1e-9, floor: 1 },
    },
    { name: 'atr(14)', read: [m.high, m.low, m.close], write: [o1], run: () => atr(m.high, m.low, m.close, 14, o1), reference: () => [refAtr(m.high, m.low, m.close, 14)], tolerance: REL },
    {
      name: 'donchian(20)',
      read: [m.high, m.low],
      write: [o1, o2, o3],
      run: () => donchian(m.high, m.low, 20, o1, o2, o3),
      // A maximum and minimum are exact, so the reference is a plain scan of each window (sampled).
      reference: () => {
        const [lower, mid, upper] = [size, size, size].map(() => new Float64Array(size).fill(NaN));
        for (let i = 19; i < size; i += stride) {
          let u = -Infinity;
          let d = Infinity;
          for (let j = i - 19; j <= i; j++) {
            u = Math.max(u, m.high[j]);
            d = Math.min(d, m.low[j]);
          }
          [lower[i], mid[i], upper[i]] = [d, (u + d) / 2, u];
        }
        return [lower, mid, upper];
      },
      sampled: true,
      tolerance: REL,
    },
    { name: 'roc(10)', read: [m.close], write: [o1], run: () => roc(m.close, 10, o1), reference: () => [refRoc(m.close, 10)], tolerance: { rel: 1e-10, floor: 1 } },
    { name: 'logret(1)', read: [m.close], write: [o1], run: () => logReturn(m.close, 1, o1), reference: () => [refLogReturn(m.close, 1)], tolerance: { rel: 1e-10, floor: 1 } },
    { name: 'vwap(session)', read: [typical, m.volume, m.session], write: [o1], run: () => vwap(typical, m.volume, m.session, o1), reference: () => [refVwap(typical, m.volume, m.session)], tolerance: REL },
    { name: 'rvwap(14)', read: [typical, m.volume], write: [o1], run: () => rollingVwap(typical, m.volume, 14, o1), reference: () => [refRollingVwap(typical, m.volume, 14, stride)], sampled: true, tolerance: REL },
    { name: 'mid', read: [m.bid, m.ask], write: [o1], run: () => mid(m.bid, m.ask, o1), reference: () => [refMid(m.bid, m.ask)], tolerance: REL },
    { name: 'spread', read: [m.bid, m.ask], write: [o1], run: () => spread(m.bid, m.ask, o1), reference: () => [refSpread(m.bid, m.ask)], tolerance: REL },
    {
      name: 'microprice',
      read: [m.bid, m.ask, m.bid_size, m.ask_size],
      write: [o1],
      run: () => microprice(m.bid, m.ask, m.bid_size, m.ask_size, o1),
      reference: () => [refMicroprice(m.bid, m.ask, m.bid_size, m.ask_size)],
      tolerance: REL,
    },
    {
      name: 'ofi',
      read: [m.bid, m.ask, m.bid_size, m.ask_size],
      write: [o1],
      run: () => ofi(m.bid, m.ask, m.bid_size, m.ask_size, o1),
      // Cont–Kukanov–Stoikov, written as the paper's four cases.
      reference: direct((i) => {
        if (i === 0) return NaN;
        const bidPart = m.bid[i] > m.bid[i - 1] ? m.bid_size[i] : m.bid[i] < m.bid[i - 1] ? -m.bid_size[i - 1] : m.bid_size[i] - m.bid_size[i - 1];
        const askPart = m.ask[i] < m.ask[i - 1] ? -m.ask_size[i] : m.ask[i] > m.ask[i - 1] ? m.ask_size[i - 1] : m.ask_size[i - 1] - m.ask_size[i];
        return bidPart + askPart;
      }),
      tolerance: { rel: 0, floor: 1 },
    },
  ];
}

/** The GOOG L10 LOBSTER day of ../shared (CIFT_SHARED_DIR overrides), as the test helpers find it. */
export const GOOG_L10 = join(
  resolve(process.env.CIFT_SHARED_DIR ?? join(packageRoot(), '..', 'shared')),
  'data',
  'lobster',
  'GOOG_2012-06-21_34200000_57600000_orderbook_10.csv',
);
/** The GOOG L10 day's book updates: the synthetic stand-in has as many rows when ../shared is absent. */
export const GOOG_L10_ROWS = 147_915;

/**
 * mlofi:10 and book_pressure:10 on the GOOG L10 day (issue 13's target: ≤ 10 ns per level per row), or on a
 * synthetic 10-level book of the same length when the day is not there. `book` overrides the data (tests).
 */
export function bookKernelCases(book?: BookArrays): KernelCase[] {
  const source = book ? 'given book' : existsSync(GOOG_L10) ? 'GOOG L10 day' : `synthetic 10-level book`;
  const b = book ?? (existsSync(GOOG_L10) ? readLobsterBook(GOOG_L10, 10) : syntheticBook(GOOG_L10_ROWS, 10));
  const { levels, rows } = b;
  const sides = [b.bidPx, b.bidSz, b.askPx, b.askSz] as const;
  const read = sides.flat();
  const outs = Array.from({ length: levels }, () => new Float64Array(rows));
  const pressure = new Float64Array(rows);
  const present = (p: number) => p === p;
  return [
    {
      name: `mlofi:${levels} (${source})`,
      read,
      write: outs,
      run: () => mlofi(...sides, outs),
      // Each level's OFI as the paper's four cases; an empty level is a bid at −∞ / an ask at +∞ with size 0.
      reference: () =>
        Array.from({ length: levels }, (_, k) => {
          const y = new Float64Array(rows);
          for (let i = 1; i < rows; i++) {
            const pb0 = present(b.bidPx[k][i - 1]) ? b.bidPx[k][i - 1] : -Infinity;
            const qb0 = present(b.bidPx[k][i - 1]) ? b.bidSz[k][i - 1] : 0;
            const pb = present(b.bidPx[k][i]) ? b.bidPx[k][i] : -Infinity;
            const qb = present(b.bidPx[k][i]) ? b.bidSz[k][i] : 0;
            const pa0 = present(b.askPx[k][i - 1]) ? b.askPx[k][i - 1] : Infinity;
            const qa0 = present(b.askPx[k][i - 1]) ? b.askSz[k][i - 1] : 0;
            const pa = present(b.askPx[k][i]) ? b.askPx[k][i] : Infinity;
            const qa = present(b.askPx[k][i]) ? b.askSz[k][i] : 0;
            y[i] = (pb > pb0 ? qb : pb < pb0 ? -qb0 : qb - qb0) + (pa < pa0 ? -qa : pa > pa0 ? qa0 : qa0 - qa);
          }
          return y;
        }),
      tolerance: { rel: 0, floor: 1 },
      rows,
      levels,
      targetNsPerLevelRow: 10,
    },
    {
      name: `book_pressure:${levels} (${source})`,
      read,
      write: [pressure],
      run: () => bookPressure(...sides, pressure),
      reference: () => {
        const y = new Float64Array(rows);
        for (let i = 0; i < rows; i++) {
          let bid = 0;
          let ask = 0;
          for (let k = 0; k < levels; k++) {
            if (present(b.bidPx[k][i])) bid += b.bidSz[k][i];
            if (present(b.askPx[k][i])) ask += b.askSz[k][i];
          }
          y[i] = bid + ask === 0 ? NaN : (bid - ask) / (bid + ask);
        }
        return [y];
      },
      tolerance: REL,
      rows,
      levels,
      targetNsPerLevelRow: 10,
    },
  ];
}

/** Checks a case's outputs against its reference; throws naming the worst index when they disagree. */
export function checkCase(c: KernelCase): number {
  c.run();
  const expected = c.reference();
  let worst = 0;
  c.write.forEach((actual, j) => {
    const { worst: w, index } = maxRelativeError(actual, expected[j], c.tolerance.floor ?? 1e-300, c.sampled);
    if (!(w <= c.tolerance.rel)) {
      throw new Error(`${c.name} output ${j} differs from its reference at index ${index}: ${actual[index]} vs ${expected[j][index]} (relative error ${w})`);
    }
    worst = Math.max(worst, w);
  });
  return worst;
}

/** Time to copy as many float64 arrays as the case reads and writes, into preallocated arrays. */
function floorRun(c: KernelCase): () => void {
  const sources = [...c.read, ...c.write];
  const targets = sources.map((s) => new Float64Array(s.length));
  return () => {
    for (let k = 0; k < sources.length; k++) targets[k].set(sources[k]);
  };
}

export async function runKernelSuite(opts: BenchOptions): Promise<CaseResult[]> {
  if ((opts.processes ?? 1) > 1) return runKernelSuiteInProcesses(opts);
  const results: CaseResult[] = [];
  for (const c of [...kernelCases(opts.size), ...bookKernelCases()]) results.push(await measureKernelCase(c, opts));
  return results;
}

/** Checks one case against its reference, then times it, its floor and (with --peers) the peers. */
export async function measureKernelCase(c: KernelCase, opts: BenchOptions): Promise<CaseResult> {
  opts.onProgress?.(`kernels: ${c.name} (checking)`);
  const maxErr = checkCase(c);
  opts.onProgress?.(`kernels: ${c.name}`);
  const t = time(c.run, opts.repeat, opts.warmup);
  const floor = time(floorRun(c), opts.repeat, opts.warmup);
  const size = c.rows ?? opts.size;
  const result: CaseResult = {
    suite: 'kernels',
    name: c.name,
    size,
    median_ms: t.median,
    min_ms: t.min,
    max_ms: t.max,
    ns_per_element: (t.median * 1e6) / size,
    floor_median_ms: floor.median,
    floor_ratio: t.median / floor.median,
    max_rel_error: maxErr,
  };
  if (c.levels !== undefined && c.targetNsPerLevelRow !== undefined) {
    // The target is per level per row; as a time for this case's rows and levels it shows in the table too.
    const perLevelRow = (t.median * 1e6) / (size * c.levels);
    result.levels = c.levels;
    result.ns_per_level_row = perLevelRow;
    result.target_ns_per_level_row = c.targetNsPerLevelRow;
    result.target_ms = (c.targetNsPerLevelRow * size * c.levels) / 1e6;
    result.target_met = perLevelRow <= c.targetNsPerLevelRow;
  }
  if (opts.peers) {
    const peers = await peersFor(c.name, opts.size);
    const measured: Array<PeerRun & { median_ms: number; ratio: number; max_diff: number }> = [];
    for (const p of peers) {
      opts.onProgress?.(`kernels: ${c.name} vs ${p.peer}`);
      const input = p.prepare();
      const pt = time(() => p.run(input), Math.max(1, Math.min(opts.repeat, 3)), 1);
      measured.push({ ...p, median_ms: pt.median, ratio: pt.median / t.median, max_diff: p.maxDiff(p.run(input), c.write) });
    }
    if (measured.length) {
      const fastest = measured.reduce((a, b) => (b.median_ms < a.median_ms ? b : a));
      result.peer = fastest.peer;
      result.peer_ratio = fastest.ratio;
      result.peer_max_diff = fastest.max_diff;
      result.peers = measured.map((p) => ({ peer: p.peer, median_ms: p.median_ms, peer_ratio: p.ratio, max_diff: p.max_diff, convention: p.convention }));
    }
  }
  return result;
}
