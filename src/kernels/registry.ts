/**
 * Every kernel described as data (vectorbt's IndicatorFactory as a plain object): its inputs, parameters with
 * defaults and bounds, outputs, warm-up, batch function and streaming constructor. `cift features`, the
 * contract tests and the benchmark all drive kernels through this table, so adding a kernel here is enough for
 * them to pick it up.
 */
import { atr, Atr, trueRange } from './atr.js';
import { bookInputs, bookPressure, levelOfi, BookPressure, bookSlope, BookSlope, depth, Depth, mlofi, Mlofi, weightedMid, WeightedMid, wofi, Wofi, WOFI_DEFAULT_DECAY } from './book.js';
import { bollinger, Bollinger } from './bollinger.js';
import { donchian, Donchian } from './donchian.js';
import { ema, Ema } from './ema.js';
import { macd, Macd } from './macd.js';
import { microprice, mid, spread, spreadBps } from './microstructure.js';
import { minmax, zscore } from './normalize.js';
import { ofi } from './ofi.js';
import { forwardReturn, lag, logReturn, roc } from './returns.js';
import { rsi, Rsi } from './rsi.js';
import { sma, Sma } from './sma.js';
import { rollingStd, RollingStd } from './stddev.js';
import { tradeEffectiveSpread, TradeEffectiveSpread, tradeImbalance, TradeImbalance, tradeRealizedSpread, TradeRealizedSpread } from './trades.js';
import { rollingVwap, typicalPrice, vwap, Vwap } from './vwap.js';

/**
 * Column a kernel reads. `session` is a per-row session id (UTC day number unless a zone is given). Trade kernels
 * read per-trade columns: price, size, side (+1 buyer-initiated, −1 seller-initiated, 0 unknown), `mid` of the quote
 * in force before the trade and `mid_ahead`, the mid at a request's horizon after it (src/pipelines/trade-quotes.ts).
 */
export type KernelInput =
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'session'
  | 'bid'
  | 'ask'
  | 'bid_size'
  | 'ask_size'
  | 'price'
  | 'size'
  | 'side'
  | 'mid'
  | 'mid_ahead';

export interface ParamSpec {
  name: string;
  default: number;
  min: number;
  max: number;
  integer: boolean;
  /** Left out of the column name when the user does not write it (wofi:5 → wofi_5, wofi:5:0.25 → wofi_5_0.25). */
  omitDefault?: boolean;
  /**
   * The parameter is a count (bounded by min/max) or, written with a time unit (500ms, 5s, 1m), a duration: a
   * horizon in events or in time (realized_spread:50, realized_spread:5s). The parser keeps a duration in
   * FeatureRequest.durationsNs, and the parameter's slot in params is then NaN (not a count).
   */
  orDuration?: boolean;
}

/** A streaming instance: update() takes the inputs in `inputs` order and returns one value or one per output. */
export interface KernelStream {
  update(...values: number[]): number | readonly number[];
}

export interface KernelSpec {
  name: string;
  summary: string;
  /** The reference convention the numbers follow. */
  reference: string;
  /**
   * bars: computed on bar columns; quotes: on top-of-book quotes; book: on the stored book's per-level columns
   * trades: on trades joined as-of to the quote in force (src/pipelines/trade-quotes.ts), one row per trade
   * (quote, book and trade features are aggregated per bar with `perBar`).
   */
  on: 'bars' | 'quotes' | 'book' | 'trades';
  /** Input columns; empty for book kernels, whose columns depend on the parameters: see kernelInputs(). */
  inputs: readonly KernelInput[];
  /** Book kernels: the number of levels the parameters ask for; the inputs are bookInputs(levels(p)). */
  levels?(p: readonly number[]): number;
  /** Output suffixes that depend on the parameters (mlofi:5 → l1 … l5); use kernelOutputs(). */
  outputsFor?(p: readonly number[]): string[];
  params: readonly ParamSpec[];
  /** Output suffixes; '' is the feature's own column name. */
  outputs: readonly string[];
  /** Leading NaN count of each output for the given parameters. */
  warmup(p: readonly number[]): number[];
  batch(inputs: readonly Float64Array[], p: readonly number[], outs: readonly Float64Array[]): void;
  stream?(p: readonly number[]): KernelStream;
  /**
   * How per-update (or per-trade) values become one value per bar: the bar's last value, the sum over the bar, or
   * the mean over the bar's rows; NaN rows are left out of the sum and the mean.
   */
  perBar?: 'last' | 'sum' | 'mean';
  /**
   * Forward-looking: a label whose value at row i uses rows after i. Its batch function is listed in
   * FORWARD_LOOKING_KERNELS (kernels/index.ts), so strategies never receive it.
   */
  target?: boolean;
  /**
   * 'skip': a row with a NaN input is ignored (the output repeats the running value) instead of giving NaN.
   * 'empty-level': a NaN price is an empty book level, not missing data (kernels/book.ts says what each does).
   */
  nanPolicy?: 'skip' | 'empty-level';
  /** The spec that serves when the feature is written with parameters (`ofi` is top-of-book; `ofi:3` is level 3 of the book). */
  withParams?: KernelSpec;
}

const period = (name: string, dflt: number, min = 1, max = 100_000): ParamSpec => ({ name, default: dflt, min, max, integer: true });
const real = (name: string, dflt: number, min: number, max: number): ParamSpec => ({ name, default: dflt, min, max, integer: false });

/** A book kernel's flat inputs (bookInputs order) split into its four per-level sides. */
function sides(inputs: readonly Float64Array[], levels: number): [Float64Array[], Float64Array[], Float64Array[], Float64Array[]] {
  if (inputs.length !== 4 * levels) throw new RangeError(`a ${levels}-level book kernel takes ${4 * levels} input columns, got ${inputs.length}`);
  return [inputs.slice(0, levels), inputs.slice(levels, 2 * levels), inputs.slice(2 * levels, 3 * levels), inputs.slice(3 * levels)];
}

const levelsParam = (dflt: number): ParamSpec => period('levels', dflt, 1, 100);
const BOOK_REFERENCE = 'book levels: a NaN price is an empty level (bid −∞ / ask +∞, size 0)';

const TRADE_REFERENCE =
  'Huang & Stoll (1996), Bessembinder & Kaufman (1997); mid = quote in force before the trade; d = stored side, else Lee & Ready (1991): quote rule, tick test at the mid';

const scalar = (update: (...v: number[]) => number): KernelStream => ({ update });

/**
 * `ofi:k`: OFI at book level k alone (Xu, Wang & Yu's level-k e_n, the k-th column of mlofi:k). Written without a
 * level, `ofi` is the top-of-book quote OFI; with one it reads the stored book, so the two share a name.
 */
const BOOK_LEVEL_OFI: KernelSpec = {
  name: 'ofi',
  summary: 'order-flow imbalance at book level k alone (per book update; summed per bar)',
  reference: "Xu, Wang & Yu (2019): level k's Cont–Kukanov–Stoikov e_n; 0 on the first row; " + BOOK_REFERENCE,
  on: 'book',
  inputs: [],
  params: [period('level', 1, 1, 100)],
  levels: ([k]) => k,
  outputs: [''],
  warmup: () => [0],
  batch: (inputs, [k], [y]) => {
    const [bp, bs, ap, as] = sides(inputs, k);
    levelOfi(bp[k - 1], bs[k - 1], ap[k - 1], as[k - 1], y);
  },
  stream: ([k]) => {
    const s = new Mlofi(k);
    return { update: (...row: number[]) => s.update(row)[k - 1] };
  },
  perBar: 'sum',
  nanPolicy: 'empty-level',
};

export const KERNELS: readonly KernelSpec[] = [
  {
    name: 'sma',
    summary: 'simple moving average',
    reference: 'TA-Lib SMA; pandas rolling(n).mean()',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([x], [n], [y]) => void sma(x, n, y),
    stream: ([n]) => {
      const s = new Sma(n);
      return scalar((v) => s.update(v));
    },
  },
  {
    name: 'ema',
    summary: 'exponential moving average, SMA seed',
    reference: 'TA-Lib EMA (α = 2/(n+1), first value = SMA of the first n)',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([x], [n], [y]) => void ema(x, n, y, 'sma'),
    stream: ([n]) => {
      const s = new Ema(n, 'sma');
      return scalar((v) => s.update(v));
    },
  },
  {
    name: 'ewm',
    summary: 'exponential moving average seeded with the first value',
    reference: 'pandas ewm(span=n, adjust=False).mean()',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20)],
    outputs: [''],
    warmup: () => [0],
    batch: ([x], [n], [y]) => void ema(x, n, y, 'first'),
    stream: ([n]) => {
      const s = new Ema(n, 'first');
      return scalar((v) => s.update(v));
    },
  },
  {
    name: 'rsi',
    summary: 'relative strength index (Wilder)',
    reference: 'TA-Lib RSI (first value at n from plain means; 0 when there is no movement)',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 14, 2)],
    outputs: [''],
    warmup: ([n]) => [n],
    batch: ([x], [n], [y]) => void rsi(x, n, y),
    stream: ([n]) => {
      const s = new Rsi(n);
      return scalar((v) => s.update(v));
    },
  },
  {
    name: 'macd',
    summary: 'MACD line, signal and histogram',
    reference: "TA-Lib MACD alignment (both EMAs seeded at bar slow−1)",
    on: 'bars',
    inputs: ['close'],
    params: [period('fast', 12), period('slow', 26, 2), period('signal', 9)],
    outputs: ['', 'signal', 'hist'],
    warmup: ([, slow, signal]) => [slow - 1, slow + signal - 2, slow + signal - 2],
    batch: ([x], [f, s, g], [a, b, c]) => void macd(x, f, s, g, a, b, c),
    stream: ([f, s, g]) => new Macd(f, s, g),
  },
  {
    name: 'bbands',
    summary: 'Bollinger bands (SMA middle, population σ)',
    reference: 'TA-Lib BBANDS (MA type SMA, nbdevup = nbdevdn = k)',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20, 2), real('k', 2, 0, 100)],
    outputs: ['lower', 'mid', 'upper'],
    warmup: ([n]) => [n - 1, n - 1, n - 1],
    batch: ([x], [n, k], [a, b, c]) => void bollinger(x, n, k, a, b, c),
    stream: ([n, k]) => new Bollinger(n, k),
  },
  {
    name: 'stddev',
    summary: 'rolling standard deviation (population, ddof 0)',
    reference: 'TA-Lib STDDEV (nbdev 1); numpy std(ddof=0) of the window',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20, 2)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([x], [n], [y]) => void rollingStd(x, n, y),
    stream: ([n]) => {
      const s = new RollingStd(n);
      return scalar((v) => s.update(v));
    },
  },
  {
    name: 'atr',
    summary: 'average true range (Wilder)',
    reference: 'TA-Lib ATR (first value at n = mean of TR[1..n])',
    on: 'bars',
    inputs: ['high', 'low', 'close'],
    params: [period('n', 14)],
    outputs: [''],
    warmup: ([n]) => [n],
    batch: ([h, l, c], [n], [y]) => void atr(h, l, c, n, y),
    stream: ([n]) => {
      const s = new Atr(n);
      return scalar((h, l, c) => s.update(h, l, c));
    },
  },
  {
    name: 'donchian',
    summary: 'Donchian channel: rolling lowest low, mid, highest high',
    reference: 'pandas high.rolling(n).max(), low.rolling(n).min() (window includes the bar); pandas-ta donchian',
    on: 'bars',
    inputs: ['high', 'low'],
    params: [period('n', 20)],
    outputs: ['lower', 'mid', 'upper'],
    warmup: ([n]) => [n - 1, n - 1, n - 1],
    batch: ([h, l], [n], [a, b, c]) => void donchian(h, l, n, a, b, c),
    stream: ([n]) => new Donchian(n),
  },
  {
    name: 'trange',
    summary: 'true range',
    reference: 'TA-Lib TRANGE (first value at index 1)',
    on: 'bars',
    inputs: ['high', 'low', 'close'],
    params: [],
    outputs: [''],
    warmup: () => [1],
    batch: ([h, l, c], _p, [y]) => void trueRange(h, l, c, y),
  },
  {
    name: 'roc',
    summary: 'rate of change, percent',
    reference: 'TA-Lib ROC: (x/x[−n] − 1)·100',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 10)],
    outputs: [''],
    warmup: ([n]) => [n],
    batch: ([x], [n], [y]) => void roc(x, n, y),
  },
  {
    name: 'logret',
    summary: 'log return over n bars',
    reference: 'ln(x/x[−n])',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 1)],
    outputs: [''],
    warmup: ([n]) => [n],
    batch: ([x], [n], [y]) => void logReturn(x, n, y),
  },
  {
    name: 'zscore',
    summary: 'rolling z-score (standardise)',
    reference: '(x − mean)/σ over n, σ population (ddof 0)',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20, 2)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([x], [n], [y]) => void zscore(x, n, y),
  },
  {
    name: 'minmax',
    summary: 'rolling min-max scaling to [0, 1]',
    reference: '(x − min)/(max − min) over n; a zero range gives 0 (scikit-learn MinMaxScaler)',
    on: 'bars',
    inputs: ['close'],
    params: [period('n', 20, 2)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([x], [n], [y]) => void minmax(x, n, y),
  },
  {
    name: 'lag',
    summary: 'the close k bars ago',
    reference: 'pandas shift(k)',
    on: 'bars',
    inputs: ['close'],
    params: [period('k', 1)],
    outputs: [''],
    warmup: ([k]) => [k],
    batch: ([x], [k], [y]) => void lag(x, k, y),
  },
  {
    name: 'fwdret',
    summary: 'forward return over h bars (a label: uses future data)',
    reference: 'x[+h]/x − 1; the last h rows are NaN',
    on: 'bars',
    inputs: ['close'],
    params: [period('h', 1)],
    outputs: [''],
    warmup: () => [0],
    batch: ([x], [h], [y]) => void forwardReturn(x, h, y),
    target: true,
  },
  {
    name: 'vwap',
    summary: 'session VWAP of the typical price, reset each session (UTC day)',
    reference: 'Σ((h+l+c)/3·v)/Σv since the session start (StockCharts)',
    nanPolicy: 'skip',
    on: 'bars',
    inputs: ['high', 'low', 'close', 'volume', 'session'],
    params: [],
    outputs: [''],
    warmup: () => [0],
    batch: ([h, l, c, v, s], _p, [y]) => {
      typicalPrice(h, l, c, y);
      vwap(y, v, s, y);
    },
    stream: () => {
      const s = new Vwap();
      return scalar((h, l, c, v, session) => s.update((h + l + c) / 3, v, session));
    },
  },
  {
    name: 'rvwap',
    summary: 'rolling VWAP of the typical price over n bars',
    reference: 'Σ((h+l+c)/3·v)/Σv over the window',
    on: 'bars',
    inputs: ['high', 'low', 'close', 'volume'],
    params: [period('n', 14)],
    outputs: [''],
    warmup: ([n]) => [n - 1],
    batch: ([h, l, c, v], [n], [y]) => {
      // The typical price needs its own buffer: rollingVwap reads values n rows back.
      rollingVwap(typicalPrice(h, l, c), v, n, y);
    },
  },
  {
    name: 'mid',
    summary: 'quote midpoint',
    reference: '(bid + ask)/2',
    on: 'quotes',
    inputs: ['bid', 'ask'],
    params: [],
    outputs: [''],
    warmup: () => [0],
    batch: ([b, a], _p, [y]) => void mid(b, a, y),
    perBar: 'last',
  },
  {
    name: 'spread',
    summary: 'quoted spread, absolute and in basis points of the mid',
    reference: 'ask − bid; 10⁴·(ask − bid)/mid',
    on: 'quotes',
    inputs: ['bid', 'ask'],
    params: [],
    outputs: ['', 'bps'],
    warmup: () => [0, 0],
    batch: ([b, a], _p, [y, z]) => {
      spread(b, a, y);
      spreadBps(b, a, z);
    },
    perBar: 'mean',
  },
  {
    name: 'microprice',
    summary: 'size-weighted mid',
    reference: '(bid·ask_size + ask·bid_size)/(bid_size + ask_size)',
    on: 'quotes',
    inputs: ['bid', 'ask', 'bid_size', 'ask_size'],
    params: [],
    outputs: [''],
    warmup: () => [0],
    batch: ([b, a, bs, as], _p, [y]) => void microprice(b, a, bs, as, y),
    perBar: 'last',
  },
  {
    name: 'ofi',
    summary: 'order-flow imbalance (per quote update; summed per bar)',
    reference: 'Cont, Kukanov & Stoikov (2014), eq. 2',
    on: 'quotes',
    inputs: ['bid', 'ask', 'bid_size', 'ask_size'],
    params: [],
    outputs: [''],
    warmup: () => [1],
    batch: ([b, a, bs, as], _p, [y]) => void ofi(b, a, bs, as, y),
    perBar: 'sum',
    withParams: BOOK_LEVEL_OFI,
  },
  {
    name: 'mlofi',
    summary: 'multi-level order-flow imbalance, one column per level (per book update; summed per bar)',
    reference: "Xu, Wang & Yu (2019): level k's Cont–Kukanov–Stoikov e_n; 0 on the first row; " + BOOK_REFERENCE,
    on: 'book',
    inputs: [],
    params: [levelsParam(5)],
    levels: ([n]) => n,
    outputs: ['l1', 'l2', 'l3', 'l4', 'l5'],
    outputsFor: ([n]) => Array.from({ length: n }, (_, k) => `l${k + 1}`),
    warmup: ([n]) => new Array<number>(n).fill(0),
    batch: (inputs, [n], outs) => void mlofi(...sides(inputs, n), outs as Float64Array[]),
    stream: ([n]) => {
      const s = new Mlofi(n);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'sum',
    nanPolicy: 'empty-level',
  },
  {
    name: 'wofi',
    summary: 'distance-weighted OFI: Σ w_k·e_k, w_k = decay^(k−1) normalised to sum 1 (per book update; summed per bar)',
    reference: 'level OFI of Xu, Wang & Yu (2019) with geometric depth weights (default decay 0.5); ' + BOOK_REFERENCE,
    on: 'book',
    inputs: [],
    params: [levelsParam(5), { ...real('decay', WOFI_DEFAULT_DECAY, 0.001, 1), omitDefault: true }],
    levels: ([n]) => n,
    outputs: [''],
    warmup: () => [0],
    batch: (inputs, [n, decay], [y]) => void wofi(...sides(inputs, n), decay, y),
    stream: ([n, decay]) => {
      const s = new Wofi(n, decay);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'sum',
    nanPolicy: 'empty-level',
  },
  {
    name: 'book_pressure',
    summary: 'depth imbalance over N levels, sizes only, in [−1, 1]',
    reference: '(Σ bid size − Σ ask size)/(Σ bid size + Σ ask size); empty levels 0; NaN when both sums are 0',
    on: 'book',
    inputs: [],
    params: [levelsParam(5)],
    levels: ([n]) => n,
    outputs: [''],
    warmup: () => [0],
    batch: (inputs, [n], [y]) => void bookPressure(...sides(inputs, n), y),
    stream: ([n]) => {
      const s = new BookPressure(n);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'last',
    nanPolicy: 'empty-level',
  },
  {
    name: 'book_slope',
    summary: 'OLS slope of cumulative depth against |price − mid| per side (shares per price unit), and their average',
    reference: 'after Næs & Skjeltorp (2006); empty levels left out of the fit; a side with < 2 levels is NaN',
    on: 'book',
    inputs: [],
    params: [levelsParam(5)],
    levels: ([n]) => n,
    outputs: ['', 'bid', 'ask'],
    warmup: () => [0, 0, 0],
    batch: (inputs, [n], [y, b, a]) => void bookSlope(...sides(inputs, n), y, b, a),
    stream: ([n]) => {
      const s = new BookSlope(n);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'last',
    nanPolicy: 'empty-level',
  },
  {
    name: 'depth',
    summary: 'resting size over N levels, per side',
    reference: 'Σ bid size, Σ ask size over levels 1..N; empty levels 0',
    on: 'book',
    inputs: [],
    params: [levelsParam(5)],
    levels: ([n]) => n,
    outputs: ['bid', 'ask'],
    warmup: () => [0, 0],
    batch: (inputs, [n], [b, a]) => void depth(...sides(inputs, n), b, a),
    stream: ([n]) => {
      const s = new Depth(n);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'last',
    nanPolicy: 'empty-level',
  },
  {
    name: 'weighted_mid',
    summary: "size-weighted mid over N levels (each level's microprice, pooled by size)",
    reference: "Σ(bid_px·ask_sz + ask_px·bid_sz)/Σ(bid_sz + ask_sz) over levels with both sides; Stoikov (2018)'s weighted mid per level",
    on: 'book',
    inputs: [],
    params: [levelsParam(5)],
    levels: ([n]) => n,
    outputs: [''],
    warmup: () => [0],
    batch: (inputs, [n], [y]) => void weightedMid(...sides(inputs, n), y),
    stream: ([n]) => {
      const s = new WeightedMid(n);
      return { update: (...row: number[]) => s.update(row) };
    },
    perBar: 'last',
    nanPolicy: 'empty-level',
  },
  {
    name: 'effective_spread',
    summary: 'effective spread of each trade, a fraction of the mid: 2·d·(price − mid)/mid (per trade; averaged per bar)',
    reference: TRADE_REFERENCE,
    on: 'trades',
    inputs: ['price', 'side', 'mid'],
    params: [],
    outputs: [''],
    warmup: () => [0],
    batch: ([price, side, m], _p, [y]) => void tradeEffectiveSpread(price, side, m, y),
    stream: () => {
      const s = new TradeEffectiveSpread();
      return scalar((price, side, m) => s.update(price, side, m));
    },
    perBar: 'mean',
  },
  {
    name: 'realized_spread',
    summary: 'realized spread at horizon H: 2·d·(price − mid H later)/mid; H in book updates (50) or time (5s, 500ms, 1m) (a label: uses future data)',
    reference: TRADE_REFERENCE + '; mid H later = H book updates after the trade, or the mid in force at ts + H; null past the data end',
    on: 'trades',
    inputs: ['price', 'side', 'mid', 'mid_ahead'],
    params: [{ ...period('h', 1, 1, 1_000_000), orDuration: true }],
    outputs: [''],
    warmup: () => [0],
    batch: ([price, side, m, ahead], _p, [y]) => void tradeRealizedSpread(price, side, m, ahead, y),
    stream: () => {
      const s = new TradeRealizedSpread();
      return scalar((price, side, m, ahead) => s.update(price, side, m, ahead));
    },
    perBar: 'mean',
    target: true,
  },
  {
    name: 'trade_imbalance',
    summary: 'signed volume Σ d·size over the last W trades, the current one included (per trade; last per bar)',
    reference: 'Chordia, Roll & Subrahmanyam (2002) order imbalance in shares over a trade window; d as effective_spread',
    on: 'trades',
    inputs: ['price', 'size', 'side', 'mid'],
    params: [period('w', 50)],
    outputs: [''],
    warmup: ([w]) => [w - 1],
    batch: ([price, size, side, m], [w], [y]) => void tradeImbalance(price, size, side, m, w, y),
    stream: ([w]) => {
      const s = new TradeImbalance(w);
      return scalar((price, size, side, m) => s.update(price, size, side, m));
    },
    perBar: 'last',
  },
];

export const KERNEL_NAMES = KERNELS.map((k) => k.name);
/** Every spec, with the variants written with parameters (`ofi:k`) beside their base: what --list and the contract tests cover. */
export const KERNEL_VARIANTS: readonly KernelSpec[] = KERNELS.flatMap((k) => (k.withParams ? [k, k.withParams] : [k]));
const BY_NAME = new Map(KERNELS.map((k) => [k.name, k]));

/** The input columns of a kernel for these parameters: `inputs`, or a book kernel's bookInputs(levels). */
export function kernelInputs(spec: KernelSpec, p: readonly number[]): readonly string[] {
  return spec.levels ? bookInputs(spec.levels(p)) : spec.inputs;
}

/** The output suffixes of a kernel for these parameters. */
export function kernelOutputs(spec: KernelSpec, p: readonly number[]): readonly string[] {
  return spec.outputsFor ? spec.outputsFor(p) : spec.outputs;
}

export function findKernel(name: string): KernelSpec | undefined {
  return BY_NAME.get(name);
}
