/**
 * Exact decimal amounts for the ledger: a bigint count of millionths (6 decimal places, the scale of the ledger's
 * DECIMAL(20,6) columns). Money and quantities never pass through a float once they are in the ledger; prices
 * from market data enter once, rounded to 6 places.
 */
import { CiftError } from './errors.js';

export type Dec = bigint & { readonly __dec: unique symbol };

export const SCALE = 6;
const ONE = 10n ** BigInt(SCALE);
export const ZERO = 0n as Dec;

const DEC_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses "123.45", "-0.5", "7" (more than 6 decimals round half-even). */
export function dec(text: string | number | bigint): Dec {
  if (typeof text === 'bigint') return (text * ONE) as Dec;
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new CiftError('INPUT_INVALID', `${text} is not a finite amount`);
    return dec(text.toFixed(SCALE + 2));
  }
  const m = DEC_RE.exec(text.trim());
  if (!m) throw new CiftError('INPUT_INVALID', `"${text}" is not a decimal number`);
  const [, sign, whole, frac = ''] = m;
  const digits = BigInt(whole + frac.padEnd(SCALE, '0').slice(0, SCALE));
  let v = digits;
  if (frac.length > SCALE) {
    // Round half to even on the dropped digits.
    const dropped = frac.slice(SCALE);
    const half = '5'.padEnd(dropped.length, '0');
    if (dropped > half || (dropped === half && v % 2n === 1n)) v += 1n;
  }
  return (sign === '-' ? -v : v) as Dec;
}

export const add = (a: Dec, b: Dec): Dec => (a + b) as Dec;
export const sub = (a: Dec, b: Dec): Dec => (a - b) as Dec;
export const neg = (a: Dec): Dec => -a as Dec;
export const abs = (a: Dec): Dec => (a < 0n ? -a : a) as Dec;
export const cmp = (a: Dec, b: Dec): number => (a < b ? -1 : a > b ? 1 : 0);
export const min = (a: Dec, b: Dec): Dec => (a < b ? a : b);
export const max = (a: Dec, b: Dec): Dec => (a > b ? a : b);

/** Divides with round-half-even at the last place. */
function roundDiv(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  let q = an / ad;
  const r = an % ad;
  if (2n * r > ad || (2n * r === ad && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

export const mul = (a: Dec, b: Dec): Dec => roundDiv(a * b, ONE) as Dec;
export function div(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new CiftError('INTERNAL', 'division by zero amount');
  return roundDiv(a * ONE, b) as Dec;
}

/** "1234.500000" — always 6 places, as the ledger stores it. */
export function fmt(a: Dec): string {
  const negative = a < 0n;
  const s = (negative ? -a : a).toString().padStart(SCALE + 1, '0');
  return `${negative ? '-' : ''}${s.slice(0, -SCALE)}.${s.slice(-SCALE)}`;
}

/** The largest magnitude a DECIMAL(20,6) column holds: 99999999999999.999999 (14 digits before the point). */
export const LEDGER_MAX = (10n ** 20n - 1n) as Dec;

/**
 * The largest quantity an order request may name (10^30 units): far past anything the ledger records, so an
 * absurd quantity is still read exactly and rejected by the risk checks, while its arithmetic stays small.
 */
export const ORDER_QUANTITY_MAX = (10n ** 36n) as Dec;

/** Whether the ledger's DECIMAL(20,6) columns can hold `a` (writing one that cannot is a database error). */
export const fitsLedger = (a: Dec): boolean => a <= LEDGER_MAX && a >= -LEDGER_MAX;

export type ExactDecimal = { ok: true; value: Dec } | { ok: false; problem: string };

const EXACT_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Reads a number a person typed ("12", "0.5", ".5", "1e3", "-2.25"), or a JSON number, exactly, for quantities, cash and limits.
 * Unlike dec() it never rounds: more than 6 decimal places, or a magnitude beyond DECIMAL(20,6), is a problem
 * stated in words, so an order is never placed for a different quantity than the one asked for.
 */
export function parseExact(input: string | number, max: Dec = LEDGER_MAX): ExactDecimal {
  // A JSON number is read from its shortest round-trip text (0.1 → "0.1"); NaN and ±Infinity are not numbers here.
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input;
  const m = EXACT_RE.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return { ok: false, problem: 'is not a number' };
  const [, sign, whole, frac = '', expText = '0'] = m;
  const digits = BigInt(whole + frac || '0');
  if (digits === 0n) return { ok: true, value: ZERO };
  // Exponents beyond a few dozen are out of range or below the unit whatever the digits; say so without
  // building a bigint with millions of digits.
  const exp = expText.replace(/^[+-]?0*/, '').length > 4 ? (expText.startsWith('-') ? -100_000 : 100_000) : Number(expText);
  const shift = exp - frac.length + SCALE;
  let value: bigint;
  if (shift >= 0) {
    if (shift > 40) return { ok: false, problem: max === LEDGER_MAX ? `is larger than the ledger holds (at most ${fmt(LEDGER_MAX)})` : `is larger than any order (at most ${fmt(max)})` };
    value = digits * 10n ** BigInt(shift);
  } else {
    const unit = -shift > 40 ? undefined : 10n ** BigInt(-shift);
    if (unit === undefined || digits % unit !== 0n) return { ok: false, problem: `has more than ${SCALE} decimal places (the ledger's smallest unit is ${fmt(1n as Dec)})` };
    value = digits / unit;
  }
  if (value > max) return { ok: false, problem: max === LEDGER_MAX ? `is larger than the ledger holds (at most ${fmt(LEDGER_MAX)})` : `is larger than any order (at most ${fmt(max)})` };
  return { ok: true, value: (sign === '-' ? -value : value) as Dec };
}

/** For display and ratios only (never stored). */
export const toNumber = (a: Dec): number => Number(a) / Number(ONE);
