/**
 * The contract every registered kernel meets, registered once per kernel (trading-signals' testIndicatorContract
 * pattern): output length, warm-up length equal to the registry's, NaN handling, batch == streaming, `out` reuse.
 */
import { describe, expect, it } from 'vitest';
import { kernelInputs, kernelOutputs, type KernelInput, type KernelSpec } from '../../src/kernels/registry.js';
import { syntheticMarket } from '../../src/sources/synthetic.js';
import { bookColumns, syntheticBook } from '../../bench/book-data.js';

/** The seeded synthetic market with short sessions, so VWAP resets happen inside a 300-row test. */
export const randomMarket = (n: number, seed = 7): Record<Exclude<KernelInput, TradeInput>, Float64Array> => syntheticMarket(n, seed, 50);

type TradeInput = 'price' | 'size' | 'side' | 'mid' | 'mid_ahead';

/**
 * One trade per market row, as the trade pipeline aligns them: a price cycling bid, ask, mid (so the quote rule and,
 * at the mid, the tick test both occur), sides +1/−1 with every fifth trade 0 (unknown), the volume as size, the
 * row's mid, and mid_ahead the next row's mid (NaN on the last row: past the data end).
 */
function tradeColumns(m: Record<'bid' | 'ask' | 'volume', Float64Array>): Record<TradeInput, Float64Array> {
  const n = m.bid.length;
  const mid = Float64Array.from({ length: n }, (_, i) => (m.bid[i] + m.ask[i]) / 2);
  return {
    price: Float64Array.from({ length: n }, (_, i) => [m.bid[i], m.ask[i], mid[i]][i % 3]),
    size: m.volume,
    side: Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : i % 2 === 0 ? 1 : -1)),
    mid,
    mid_ahead: Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? mid[i + 1] : NaN)),
  };
}

function leadingNaNs(a: Float64Array): number {
  let i = 0;
  while (i < a.length && Number.isNaN(a[i])) i++;
  return i;
}

/** Parameters to exercise: defaults, plus small ones so warm-up edges are visible. */
function paramSets(spec: KernelSpec): number[][] {
  const defaults = spec.params.map((p) => p.default);
  const small = spec.params.map((p) => (p.integer ? Math.max(p.min, Math.min(p.default, 3 + spec.params.indexOf(p) * 2)) : p.default));
  return JSON.stringify(defaults) === JSON.stringify(small) ? [defaults] : [defaults, small];
}

function runBatch(spec: KernelSpec, inputs: Float64Array[], p: number[]): Float64Array[] {
  const outs = kernelOutputs(spec, p).map(() => new Float64Array(inputs[0].length));
  spec.batch(inputs, p, outs);
  return outs;
}

export function kernelContract(spec: KernelSpec): void {
  describe(`kernel contract: ${spec.name}`, () => {
    const N = 2500; // long enough to cross rollingStd's re-anchoring (every 128 outputs) many times
    // Bar and quote columns, a 10-level book's bid_px_1 … ask_sz_10 for the book kernels, trades for the trade kernels.
    const market = randomMarket(N);
    const columns: Record<string, Float64Array> = { ...market, ...bookColumns(syntheticBook(N, 10, 7)), ...tradeColumns(market) };

    for (const p of paramSets(spec)) {
      const label = `(${p.join(', ')})`;
      const names = kernelInputs(spec, p);
      const inputs = names.map((k) => columns[k]);
      const outputs = kernelOutputs(spec, p);
      it(`${label}: every output has the input's length and the registry's warm-up`, () => {
        const outs = runBatch(spec, inputs, p);
        const warm = spec.warmup(p);
        expect(warm.length).toBe(outputs.length);
        outs.forEach((o, j) => {
          expect(o.length).toBe(N);
          if (spec.target) {
            expect(leadingNaNs(o), 'targets have no leading NaNs').toBe(0);
          } else {
            expect(leadingNaNs(o), `output "${outputs[j]}" leading NaNs`).toBe(warm[j]);
          }
          for (let i = warm[j]; i < N - (spec.target ? p[0] : 0); i++) expect(Number.isFinite(o[i]), `output ${j}[${i}] finite`).toBe(true);
        });
      });

      it(`${label}: writes into a given out array and returns the same numbers on reuse`, () => {
        const first = runBatch(spec, inputs, p);
        const dirty = outputs.map(() => new Float64Array(N).fill(12345));
        spec.batch(inputs, p, dirty);
        dirty.forEach((o, j) => expect(Array.from(o)).toEqual(Array.from(first[j])));
      });

      it(`${label}: a NaN input shows as NaN near its row (or is skipped, where the kernel says so) and values recover`, () => {
        const holed = inputs.map((a) => Float64Array.from(a));
        const at = 157; // not the first row of a session (sessions are 50 rows)
        // Hole every input except the session id, which is a label not a measurement.
        names.forEach((k, j) => {
          if (k !== 'session') holed[j][at] = NaN;
        });
        const outs = runBatch(spec, holed, p);
        outs.forEach((o, j) => {
          const near = Array.from(o.subarray(at - 60, at + 61));
          // A book row of NaN prices is an empty book, a state whose values test/kernels/book.test.ts works by
          // hand (mlofi counts every level leaving, pressure is NaN, depth 0): only recovery is checked here.
          if (spec.nanPolicy === 'empty-level') return void expect(Number.isFinite(o[N - 1]), `output ${j} recovers`).toBe(true);
          if (spec.nanPolicy === 'skip') expect(Number.isFinite(o[at]), 'a skipped row repeats the running value').toBe(true);
          else expect(near.some(Number.isNaN), `output ${j} has a NaN near row ${at}`).toBe(true);
          expect(Number.isFinite(o[N - 1 - (spec.target ? p[0] : 0)]), `output ${j} recovers`).toBe(true);
        });
      });

      if (spec.stream) {
        it(`${label}: streaming update() gives the batch numbers, NaN holes included`, () => {
          const holed = inputs.map((a) => Float64Array.from(a));
          names.forEach((k, j) => {
            if (k !== 'session') holed[j][120] = NaN;
          });
          const batch = runBatch(spec, holed, p);
          const stream = spec.stream!(p);
          for (let i = 0; i < N; i++) {
            const r = stream.update(...holed.map((a) => a[i]));
            const values = typeof r === 'number' ? [r] : r;
            values.forEach((v, j) => {
              expect(Object.is(v, batch[j][i]) || v === batch[j][i], `${spec.name} output ${j}[${i}]: stream ${v} vs batch ${batch[j][i]}`).toBe(true);
            });
          }
        });
      }
    }
  });
}
