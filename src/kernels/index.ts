/** Every kernel, as one namespace: what strategies receive as `ta`. */
export { sma, Sma } from './sma.js';
export { ema, Ema, type EmaSeed } from './ema.js';
export { rsi, Rsi } from './rsi.js';
export { macd, Macd } from './macd.js';
export { rollingStd, RollingStd } from './stddev.js';
export { bollinger, Bollinger } from './bollinger.js';
export { atr, Atr, trueRange } from './atr.js';
export { roc, logReturn, forwardReturn, lag } from './returns.js';
export { vwap, Vwap, rollingVwap, typicalPrice } from './vwap.js';
export { mid, spread, spreadBps, microprice, effectiveSpread } from './microstructure.js';
export { ofi } from './ofi.js';
export { zscore } from './normalize.js';
export { crossedAbove, crossedBelow } from './cross.js';
