/** Small trade batches for store tests: given times and prices, size 1 and unknown side. */
import type { TickBatch } from '../../src/schema.js';

export const NS = 1_000_000_000n;

export function trades(times: bigint[], prices: number[], symbol = 'TEST'): TickBatch {
  return {
    kind: 'trades',
    symbol,
    ts: BigInt64Array.from(times),
    seq: Float64Array.from(times.keys()),
    values: { price: Float64Array.from(prices), size: Float64Array.from(prices, () => 1), side: new Float64Array(prices.length) },
  };
}
