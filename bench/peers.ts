/**
 * Peer libraries for `cift bench --peers`: technicalindicators, trading-signals and @ixjb94/indicators (dev
 * dependencies). Each peer is timed on input already in its native form (number[] or candle objects). Their
 * outputs are end-aligned with cift's (they trim warm-up) and compared over the second half of the series,
 * where differences in seeding conventions have decayed; `convention` says what differs.
 */
import { syntheticMarket } from '../src/sources/synthetic.js';

export interface PeerRun {
  peer: string;
  convention: string;
  prepare: () => unknown;
  run: (input: unknown) => unknown;
  /** Largest absolute difference from cift's outputs over the aligned second half. */
  maxDiff: (result: unknown, cift: Float64Array[]) => number;
}

/** Max |peer − cift| over the last half of the series, end-aligned, for each output pair. */
function tailDiff(peerOutputs: ArrayLike<number>[], cift: Float64Array[]): number {
  let worst = 0;
  peerOutputs.forEach((p, j) => {
    const c = cift[j];
    const n = Math.floor(c.length / 2);
    for (let k = 1; k <= n && k <= p.length; k++) {
      const d = Math.abs(p[p.length - k] - c[c.length - k]);
      if (d > worst || Number.isNaN(d)) worst = Number.isNaN(d) ? Infinity : d;
    }
  });
  return worst;
}

async function optional<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch {
    return undefined;
  }
}

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function peersFor(kernel: string, size: number): Promise<PeerRun[]> {
  const ti: Any = await optional('technicalindicators');
  const ts: Any = await optional('trading-signals');
  const ix: Any = await optional('@ixjb94/indicators');
  const m = syntheticMarket(size, 42);
  const close = () => Array.from(m.close);
  const hlc = () => ({ high: Array.from(m.high), low: Array.from(m.low), close: Array.from(m.close) });
  const candles = () => Array.from(m.close, (c, i) => ({ high: m.high[i], low: m.low[i], close: c }));
  const runs: PeerRun[] = [];
  const ixSync = ix ? new ix.IndicatorsSync() : undefined;

  /** Feeds a trading-signals streaming indicator and collects its results (null during warm-up). */
  const stream = (make: () => Any, pick: (r: Any) => number[]) => (input: unknown) => {
    const ind = make();
    const values = input as unknown[];
    const outs: number[][] = [];
    for (let i = 0; i < values.length; i++) {
      const r = ind.add(values[i]);
      if (r === null || r === undefined) continue;
      const picked = pick(r);
      picked.forEach((v, j) => (outs[j] ??= []).push(v));
    }
    return outs;
  };

  switch (kernel) {
    case 'ema(20)':
      if (ti) runs.push({ peer: 'technicalindicators', convention: 'SMA seed (same)', prepare: close, run: (v) => ti.EMA.calculate({ period: 20, values: v }), maxDiff: (r, c) => tailDiff([r as number[]], c) });
      if (ts) runs.push({ peer: 'trading-signals', convention: 'first-value seed', prepare: close, run: stream(() => new ts.EMA(20), (r) => [Number(r)]), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      if (ixSync) runs.push({ peer: '@ixjb94/indicators', convention: 'first-value seed (Tulip)', prepare: close, run: (v) => ixSync.ema(v, 20), maxDiff: (r, c) => tailDiff([r as number[]], c) });
      break;
    case 'rsi(14)':
      if (ti) runs.push({ peer: 'technicalindicators', convention: 'Wilder; rounds to 2 decimals', prepare: close, run: (v) => ti.RSI.calculate({ period: 14, values: v }), maxDiff: (r, c) => tailDiff([r as number[]], c) });
      if (ts) runs.push({ peer: 'trading-signals', convention: 'Wilder (WSMA)', prepare: close, run: stream(() => new ts.RSI(14), (r) => [Number(r)]), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      if (ixSync) runs.push({ peer: '@ixjb94/indicators', convention: 'Wilder (Tulip)', prepare: close, run: (v) => ixSync.rsi(v, 14), maxDiff: (r, c) => tailDiff([r as number[]], c) });
      break;
    case 'bbands(20,2)':
      if (ti)
        runs.push({
          peer: 'technicalindicators',
          convention: 'SMA ± 2 population σ (same)',
          prepare: close,
          run: (v) => ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: v }),
          maxDiff: (r, c) => {
            const rows = r as Array<{ lower: number; middle: number; upper: number }>;
            return tailDiff([rows.map((x) => x.lower), rows.map((x) => x.middle), rows.map((x) => x.upper)], c);
          },
        });
      if (ts) runs.push({ peer: 'trading-signals', convention: 'SMA ± 2 population σ (same)', prepare: close, run: stream(() => new ts.BollingerBands(20, 2), (r) => [Number(r.lower), Number(r.middle), Number(r.upper)]), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      if (ixSync) runs.push({ peer: '@ixjb94/indicators', convention: 'SMA ± 2 population σ (same)', prepare: close, run: (v) => ixSync.bbands(v, 20, 2), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      break;
    case 'macd(12,26,9)':
      if (ti)
        runs.push({
          peer: 'technicalindicators',
          convention: 'EMAs seeded separately (not TA-Lib aligned)',
          prepare: close,
          run: (v) => ti.MACD.calculate({ values: v, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false }),
          maxDiff: (r, c) => {
            const rows = (r as Array<{ MACD: number; signal?: number; histogram?: number }>).filter((x) => x.signal !== undefined);
            return tailDiff([rows.map((x) => x.MACD), rows.map((x) => x.signal!), rows.map((x) => x.histogram!)], c);
          },
        });
      if (ts) runs.push({ peer: 'trading-signals', convention: 'first-value-seeded EMAs', prepare: close, run: stream(() => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)), (r) => [Number(r.macd), Number(r.signal), Number(r.histogram)]), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      if (ixSync) runs.push({ peer: '@ixjb94/indicators', convention: 'first-value-seeded EMAs (Tulip)', prepare: close, run: (v) => ixSync.macd(v, 12, 26, 9), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      break;
    case 'atr(14)':
      if (ti) runs.push({ peer: 'technicalindicators', convention: 'TA-Lib seed (same)', prepare: hlc, run: (v) => ti.ATR.calculate({ ...(v as object), period: 14 }), maxDiff: (r, c) => tailDiff([r as number[]], c) });
      if (ts) runs.push({ peer: 'trading-signals', convention: 'Wilder (WSMA)', prepare: candles, run: stream(() => new ts.ATR(14), (r) => [Number(r)]), maxDiff: (r, c) => tailDiff(r as number[][], c) });
      if (ixSync) {
        runs.push({
          peer: '@ixjb94/indicators',
          convention: 'TR[0] = high − low seed (Tulip)',
          prepare: hlc,
          run: (v) => {
            const x = v as { high: number[]; low: number[]; close: number[] };
            return ixSync.atr(x.high, x.low, x.close, 14);
          },
          maxDiff: (r, c) => tailDiff([r as number[]], c),
        });
      }
      break;
    default:
      break;
  }
  return runs;
}
