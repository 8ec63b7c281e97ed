/**
 * Conventions shared by every kernel in this folder:
 * - Batch functions take inputs first, then parameters, then an optional preallocated `out` of the input's length
 *   (returned, so `const y = sma(x, 20)` and `sma(x, 20, y)` both work). Outputs are NaN during warm-up.
 * - Parameters are validated once, before the loop; a programmer error throws a RangeError naming the argument.
 * - Loops are one pass over Float64Array, with no allocation per element and no closures.
 * - The hot loop is a function of its own that takes everything as arguments and runs nothing before its loop;
 *   checks, outFor and warm-ups stay in the exported function. V8 collects type feedback on a first call only
 *   once a loop is under way, and optimised code that contains an operation run before then deoptimises on the
 *   next call and, in some processes, is never optimised again (issue 14; ema.ts's emaRun).
 * This file imports nothing, as every kernel file must (test/architecture.test.ts).
 */

/** Returns `out` when it has the right length, else a new array; throws when a given `out` is the wrong size. */
export function outFor(n: number, out: Float64Array | undefined, name = 'out'): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) throw new RangeError(`${name} has length ${out.length}, expected ${n}`);
  return out;
}

/**
 * A kernel argument out of its bounds. A RangeError, with the argument, the value and the rule kept apart so a
 * caller (the backtest engine) can say which of *its* inputs carried the value, e.g. a strategy's `-p fast=0`.
 */
export class KernelArgumentError extends RangeError {
  constructor(
    readonly argument: string,
    readonly value: number,
    /** What the value must be, completing "<argument> must be …": "an integer ≥ 1". */
    readonly rule: string,
  ) {
    super(`${argument} must be ${rule}, got ${value}`);
    this.name = 'KernelArgumentError';
  }
}

export function checkPeriod(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new KernelArgumentError(name, value, `an integer ≥ ${min}`);
}

export function checkSameLength(n: number, ...arrays: Float64Array[]): void {
  for (const a of arrays) if (a.length !== n) throw new RangeError(`inputs differ in length: ${a.length} vs ${n}`);
}

/**
 * The index of the first NaN in x[from..len−1], or `len`. Recursive kernels (ema, rsi, atr) run their hot loop
 * without a NaN test, since a NaN input turns every later output NaN; this finds where it came in.
 */
export function firstNaN(x: Float64Array, from: number, len: number): number {
  for (let i = from; i < len; i++) if (x[i] !== x[i]) return i;
  return len;
}

/** Sets out[0..k−1] to NaN (clamped to the array): the warm-up of kernels that look k rows back. */
export function nanWarmup(out: Float64Array, k: number): void {
  out.fill(NaN, 0, Math.min(k, out.length));
}
