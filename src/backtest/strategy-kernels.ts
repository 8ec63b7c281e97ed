/**
 * The `ta` a strategy receives: every kernel except the forward-looking ones (FORWARD_LOOKING_KERNELS), which
 * read bars after the current one and would let a backtest trade on the future. Asking for one of those throws a
 * clear error instead of "ta.forwardReturn is not a function", so the user learns why it is missing.
 */
import * as kernels from '../kernels/index.js';
import { FORWARD_LOOKING_KERNELS } from '../kernels/index.js';
import { CiftError } from '../errors.js';
import type { KernelNamespace } from './types.js';

const forwardLooking: ReadonlySet<string> = new Set(FORWARD_LOOKING_KERNELS);

export const isForwardLookingKernel = (name: string): boolean => forwardLooking.has(name);

export function forwardLookingError(name: string): CiftError {
  return new CiftError(
    'LOOKAHEAD',
    `ta.${name} is forward-looking (its value at bar i uses bars after i) and is not available to strategies`,
    'labels such as fwdret are for research (cift features --set fwdret); a strategy may only use bars up to the current one',
  );
}

function buildStrategyKernels(): KernelNamespace {
  const ta: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(kernels)) {
    if (typeof value !== 'function') continue;
    if (forwardLooking.has(name)) {
      // Not enumerable, so spreading or listing `ta` does not trip it; reading it does.
      Object.defineProperty(ta, name, {
        enumerable: false,
        get() {
          throw forwardLookingError(name);
        },
      });
    } else ta[name] = value;
  }
  return Object.freeze(ta) as unknown as KernelNamespace;
}

/** Built once: a default run pays nothing per bar for the exclusion. */
export const STRATEGY_KERNELS: KernelNamespace = buildStrategyKernels();
