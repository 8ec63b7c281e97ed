/**
 * A seeded synthetic market: a multiplicative random walk with consistent OHLC bars, volumes, session ids and a
 * top-of-book quote per bar. Same seed, same numbers, on every machine: benchmarks and tests use it where real
 * data would be too small or too slow to load.
 */

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticMarket {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Session id per row (a new session every `sessionLength` rows). */
  session: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  bid_size: Float64Array;
  ask_size: Float64Array;
}

export function syntheticMarket(n: number, seed = 7, sessionLength = 390): SyntheticMarket {
  const rand = seededRandom(seed);
  const m: SyntheticMarket = {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    session: new Float64Array(n),
    bid: new Float64Array(n),
    ask: new Float64Array(n),
    bid_size: new Float64Array(n),
    ask_size: new Float64Array(n),
  };
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    price *= 1 + (rand() - 0.5) * 0.02;
    // Keep the walk in a sane band so 10M-step series neither vanish nor explode.
    if (price < 20) price = 20 + rand();
    if (price > 500) price = 500 - rand();
    m.open[i] = open;
    m.close[i] = price;
    m.high[i] = Math.max(open, price) * (1 + rand() * 0.005);
    m.low[i] = Math.min(open, price) * (1 - rand() * 0.005);
    m.volume[i] = 1000 + Math.floor(rand() * 9000);
    m.session[i] = Math.floor(i / sessionLength);
    const half = 0.01 + Math.floor(rand() * 5) * 0.01;
    m.bid[i] = Math.round((price - half) * 100) / 100;
    m.ask[i] = Math.round((price + half) * 100) / 100;
    m.bid_size[i] = 100 * (1 + Math.floor(rand() * 10));
    m.ask_size[i] = 100 * (1 + Math.floor(rand() * 10));
  }
  return m;
}

export interface SyntheticBatchOptions {
  symbol: string;
  kind: 'bars' | 'trades' | 'quotes';
  rows: number;
  seed: number;
  /** UTC ns of the first row. */
  start: bigint;
  /** Spacing between rows, ns. */
  stepNs: bigint;
}

/** A seeded synthetic series as a canonical batch, for `cift ingest synthetic`, demos and benchmarks. */
export function syntheticBatch(o: SyntheticBatchOptions): import('../schema.js').TickBatch {
  const m = syntheticMarket(o.rows, o.seed);
  const ts = new BigInt64Array(o.rows);
  for (let i = 0; i < o.rows; i++) ts[i] = o.start + BigInt(i) * o.stepNs;
  const seq = Float64Array.from({ length: o.rows }, (_, i) => i);
  if (o.kind === 'bars') return { kind: 'bars', symbol: o.symbol, ts, seq, values: { open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume } };
  if (o.kind === 'quotes') return { kind: 'quotes', symbol: o.symbol, ts, seq, values: { bid: m.bid, ask: m.ask, bid_size: m.bid_size, ask_size: m.ask_size } };
  // Trades print at the close with a side from the move: up-ticks buyer-initiated, down-ticks seller-initiated.
  const side = new Float64Array(o.rows);
  for (let i = 0; i < o.rows; i++) side[i] = m.close[i] >= m.open[i] ? 1 : -1;
  const size = Float64Array.from(m.volume, (v) => Math.max(1, Math.round(v / 100)));
  return { kind: 'trades', symbol: o.symbol, ts, seq, values: { price: m.close, size, side } };
}
