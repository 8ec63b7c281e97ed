/** Every kernel, as one namespace: the public API. Strategies receive it as `ta`, less FORWARD_LOOKING_KERNELS. */
export { sma, Sma } from './sma.js';
export { ema, Ema, type EmaSeed } from './ema.js';
export { rsi, Rsi } from './rsi.js';
export { macd, Macd } from './macd.js';
export { rollingStd, RollingStd } from './stddev.js';
export { bollinger, Bollinger } from './bollinger.js';
export { atr, Atr, trueRange } from './atr.js';
export { donchian, Donchian } from './donchian.js';
export { roc, logReturn, forwardReturn, forwardLogReturn, forwardDirection, lag } from './returns.js';
export { vwap, Vwap, rollingVwap, typicalPrice } from './vwap.js';
export { mid, spread, spreadBps, microprice, effectiveSpread } from './microstructure.js';
export { ofi } from './ofi.js';
export { levelOfi, mlofi, Mlofi, wofi, Wofi, bookPressure, BookPressure, depth, Depth, weightedMid, WeightedMid, bookSlope, BookSlope } from './book.js';
export { tradeSigns, TradeSign, tradeEffectiveSpread, TradeEffectiveSpread, tradeRealizedSpread, TradeRealizedSpread, tradeImbalance, TradeImbalance } from './trades.js';
export { minmax, zscore } from './normalize.js';
export { crossedAbove, crossedBelow } from './cross.js';

/**
 * Kernels whose value at bar i reads bars after i: labels and targets for research (`cift features --set fwdret`).
 * A strategy's `ta` leaves every name listed here out (src/backtest/strategy-kernels.ts), and their registry entries
 * carry `target: true`. List each new forward-looking kernel here: test/backtest/strategy-kernels.test.ts changes
 * the future of every kernel exported above and fails when this list differs from the ones whose past moved.
 */
export const FORWARD_LOOKING_KERNELS = ['forwardReturn', 'forwardLogReturn', 'forwardDirection', 'tradeRealizedSpread'] as const;
export type ForwardLookingKernel = (typeof FORWARD_LOOKING_KERNELS)[number];
