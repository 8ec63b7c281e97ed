/**
 * Conventions shared by every kernel in this folder:
 * - Batch functions take inputs first, then parameters, then an optional preallocated `out` of the input's length
 *   (returned, so `const y = sma(x, 20)` and `sma(x, 20, y)` both work). Outputs are NaN during warm-up.
 * - Parameters are validated once, before the loop; a programmer error throws a RangeError naming the argument.
 * - Loops are one pass over Float64Array, with no allocation per element and no closures.
 * This file imports nothing, as every kernel file must (test/architecture.test.ts).
 */

/** Returns `out` when it has the right length, else a new array; throws when a given `out` is the wrong size. */
export function outFor(n: number, out: Float64Array | undefined, name = 'out'): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) throw new RangeError(`${name} has length ${out.length}, expected ${n}`);
  return out;
}

export function checkPeriod(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

export function checkSameLength(n: number, ...arrays: Float64Array[]): void {
  for (const a of arrays) if (a.length !== n) throw new RangeError(`inputs differ in length: ${a.length} vs ${n}`);
}

/** Sets out[0..k−1] to NaN (clamped to the array): the warm-up of kernels that look k rows back. */
export function nanWarmup(out: Float64Array, k: number): void {
  out.fill(NaN, 0, Math.min(k, out.length));
}
