/**
 * cift's public surface for strategy authors and library users: the kernels and the domain types.
 * `import type { Strategy } from 'cift'` in a strategy file; `import { rsi } from 'cift'` in scripts.
 */
export * from './kernels/index.js';
export { KERNELS, findKernel, type KernelSpec, type ParamSpec, type KernelInput } from './kernels/registry.js';
export { CiftError, type CiftErrorCode } from './errors.js';
export type { TickBatch, TickKind } from './schema.js';
export type { Strategy, Trader, Order, Trade, ExitReason, BarArrays, BarView, OrderOptions, Indicators, Params, ParamBound, KernelNamespace, BrokerSettings, BacktestResult, TradeLog } from './backtest/types.js';
