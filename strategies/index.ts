/** The built-in strategies, by the name `--strategy` takes. Explicit and ordered: no directory scanning. */
import type { Strategy } from 'cift';
import breakout from './breakout.js';
import macd from './macd.js';
import meanReversion from './mean-reversion.js';
import momentum from './momentum.js';
import rsi from './rsi.js';
import smaCross from './sma-cross.js';

export const BUILTIN_STRATEGIES: Readonly<Record<string, Strategy<any, any>>> = {
  'sma-cross': smaCross,
  momentum,
  'mean-reversion': meanReversion,
  macd,
  rsi,
  breakout,
};

/**
 * This module's URL, so worker threads (the optimiser's, several symbols') can look built-ins up by name. Run from
 * dist/ it is the compiled .js a worker can import.
 */
export const BUILTINS_MODULE_URL = import.meta.url;
