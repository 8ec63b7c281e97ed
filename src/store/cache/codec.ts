/**
 * Cached values as JSON that keeps what plain JSON loses: bigints (Dec amounts, ns timestamps) and non-finite
 * numbers (a NaN price column would come back as null). `undefined` fields are dropped, as JSON does.
 */
const BIG = '$big';
const NUM = '$num';

export function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { [BIG]: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NUM]: String(v) };
    return v;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o[BIG] === 'string') return BigInt(o[BIG]);
      if (keys.length === 1 && typeof o[NUM] === 'string') return Number(o[NUM]);
    }
    return v;
  }) as T;
}
