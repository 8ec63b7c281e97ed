/**
 * The one error type the core throws on purpose. `code` is a closed set so callers (the CLI, the API, tests)
 * can branch on it; `message` is one line a person can act on; `hint` says what to try next.
 */
export type CiftErrorCode =
  | 'INPUT_INVALID'
  | 'FILE_NOT_FOUND'
  | 'USAGE'
  | 'UNKNOWN_SYMBOL'
  | 'UNKNOWN_FEATURE'
  | 'UNKNOWN_STRATEGY'
  | 'UNKNOWN_PARAM'
  | 'STRATEGY_ERROR'
  | 'LOOKAHEAD'
  | 'WRITE_FAILED'
  | 'NO_DATA'
  | 'STORE_UNAVAILABLE'
  | 'STORE_CORRUPT'
  | 'SOURCE_CONFLICT'
  | 'UNKNOWN_SOURCE'
  | 'LEDGER_LOCKED'
  | 'UNKNOWN_ACCOUNT'
  | 'ACCOUNT_EXISTS'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_NOT_CANCELABLE'
  | 'ORDER_REJECTED'
  | 'POSITION_NOT_FOUND'
  | 'BENCH_REGRESSION'
  | 'KEY_NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'INTERNAL';

export class CiftError extends Error {
  readonly code: CiftErrorCode;
  readonly hint: string | undefined;

  constructor(code: CiftErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'CiftError';
    this.code = code;
    this.hint = hint;
  }
}

export const isCiftError = (e: unknown): e is CiftError => e instanceof CiftError;

/** Levenshtein distance, for did-you-mean hints on names the user typed. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known name when it is close enough to be a typo, else undefined. */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}
