/**
 * int64 ns timestamps read as plain numbers, exactly, without a BigInt per element (statistics, exports).
 */

/** 86,400e9 / 2¹⁶: a day in units of 65,536 ns. */
const NS_PER_DAY_OVER_2_16 = 1_318_359_375;
/**
 * Bar times read as plain numbers, exactly, without a BigInt per bar: each int64 is seen through its two 32-bit
 * halves (an Int32Array over the same bytes). A BigInt element read costs ~25 ns and a BigInt division more;
 * these are a few ns.
 */
export class NsTimes {
  private readonly words: Int32Array;
  private readonly hi: number;
  private readonly lo: number;
  /** Set by day(): ns since midnight UTC of the bar last asked for, in [0, 86,400e9). */
  nsOfDay = 0;

  constructor(ts: BigInt64Array) {
    this.words = new Int32Array(ts.buffer, ts.byteOffset, ts.length * 2);
    // A BigInt64Array is in the platform's byte order, as is the Int32Array over the same bytes.
    const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    this.lo = littleEndian ? 0 : 1;
    this.hi = 1 - this.lo;
  }

  /**
   * ts[b] − ts[a] in ns, exactly Number(ts[b] − ts[a]): the high-word difference times 2³² and the low-word
   * difference are both exact, so their one rounded sum is the exact difference rounded once, to nearest with
   * ties to even, as the BigInt-to-Number conversion rounds it.
   */
  nsBetween(a: number, b: number): number {
    const w = this.words;
    return (w[2 * b + this.hi] - w[2 * a + this.hi]) * 4_294_967_296 + ((w[2 * b + this.lo] >>> 0) - (w[2 * a + this.lo] >>> 0));
  }

  /**
   * The UTC day number of bar i, floor(ts / 86,400e9), as the BigInt floor division gives it; also sets nsOfDay.
   * ts = high·2³² + low, so floor(ts / 2¹⁶) = high·2¹⁶ + (low >>> 16) exactly (|·| < 2⁴⁸). A day is
   * 2¹⁶ · 1,318,359,375 ns, and the floor of that quotient is exact: its fraction is at most 1 − 1/1,318,359,375,
   * far from rounding up to the next integer for quotients below 2¹⁸ (int64 ns span ±106,752 days).
   */
  day(i: number): number {
    const high = this.words[2 * i + this.hi];
    const low = this.words[2 * i + this.lo] >>> 0;
    const top = high * 65_536 + (low >>> 16);
    const day = Math.floor(top / NS_PER_DAY_OVER_2_16);
    this.nsOfDay = (top - day * NS_PER_DAY_OVER_2_16) * 65_536 + (low & 0xffff);
    return day;
  }
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/**
 * formatTs for a whole column, the same strings: ISO-8601 UTC with milliseconds, then the sub-millisecond digits
 * without trailing zeros. formatTs costs ~3 µs a row (BigInt division, a Date, toISOString); here each row is
 * split into day and ns-of-day without a BigInt (NsTimes), and the date text is made once per day.
 */
export function isoTimestamps(ns: BigInt64Array): string[] {
  const times = new NsTimes(ns);
  const out = new Array<string>(ns.length);
  let lastDay = NaN;
  let datePart = '';
  for (let i = 0; i < ns.length; i++) {
    const day = times.day(i);
    if (day !== lastDay) {
      lastDay = day;
      datePart = new Date(day * 86_400_000).toISOString().slice(0, -13); // "2012-06-21T"
    }
    const t = times.nsOfDay;
    const ms = Math.floor(t / 1e6);
    const sub = t - ms * 1e6;
    const s = Math.floor(ms / 1000);
    let text = `${datePart}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.${three(ms % 1000)}`;
    if (sub !== 0) text += String(sub).padStart(6, '0').replace(/0+$/, '');
    out[i] = `${text}Z`;
  }
  return out;
}
