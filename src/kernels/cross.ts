/**
 * Crossovers at bar i, as backtesting.py's lib.crossover: a crossed above b when a[i−1] < b[i−1] and a[i] > b[i].
 * Both comparisons are strict, so touching is not crossing; any NaN gives false; false at i = 0.
 */
export function crossedAbove(a: ArrayLike<number>, b: ArrayLike<number>, i: number): boolean {
  return i > 0 && a[i - 1] < b[i - 1] && a[i] > b[i];
}

export function crossedBelow(a: ArrayLike<number>, b: ArrayLike<number>, i: number): boolean {
  return i > 0 && a[i - 1] > b[i - 1] && a[i] < b[i];
}
