/**
 * cift's public surface for strategy authors and library users: the kernels and the domain types.
 * `import type { Strategy } from 'cift'` in a strategy file; `import { rsi } from 'cift'` in scripts.
 */
export { sma, Sma } from './kernels/sma.js';
export { ema, Ema, type EmaSeed } from './kernels/ema.js';
export { rsi, Rsi } from './kernels/rsi.js';
export { macd, Macd } from './kernels/macd.js';
export { rollingStd, RollingStd } from './kernels/stddev.js';
export { bollinger, Bollinger } from './kernels/bollinger.js';
export { atr, Atr, trueRange } from './kernels/atr.js';
export { roc, logReturn, forwardReturn, lag } from './kernels/returns.js';
export { vwap, Vwap, rollingVwap, typicalPrice } from './kernels/vwap.js';
export { mid, spread, spreadBps, microprice, effectiveSpread } from './kernels/microstructure.js';
export { ofi } from './kernels/ofi.js';
export { crossedAbove, crossedBelow } from './kernels/cross.js';
export { KERNELS, findKernel, type KernelSpec, type ParamSpec, type KernelInput } from './kernels/registry.js';
export { CiftError, type CiftErrorCode } from './errors.js';
export type { TickBatch, TickKind } from './schema.js';
