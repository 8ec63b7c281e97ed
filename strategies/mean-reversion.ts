// Bollinger mean reversion on the z-score z = (close − SMA(n)) / σ(n): buy when z < −entry and close the long
// once z > −exit; with short = true, also sell when z > entry and cover once z < exit.
import type { Strategy } from 'cift';

export default {
  description: 'Bollinger z-score entries and exits (long, or long/short)',
  params: { n: 20, entry: 2, exit: 0, short: false },
  // A window of one bar has σ = 0 everywhere, so z is never defined: n ≥ 2.
  bounds: { n: { min: 2, integer: true }, entry: { min: 0 } },
  init({ close }, p, ta) {
    const [, mid] = ta.bollinger(close, p.n, 1);
    const sd = ta.rollingStd(close, p.n);
    const z = new Float64Array(close.length);
    for (let i = 0; i < close.length; i++) z[i] = sd[i] > 0 ? (close[i] - mid[i]) / sd[i] : sd[i] === 0 ? 0 : NaN;
    return { z };
  },
  next(t, { z }, p) {
    const v = z[t.i];
    const pos = t.position;
    if (pos > 0 && v > -p.exit) t.close(`z ${v.toFixed(2)} back above ${-p.exit}`);
    else if (pos < 0 && v < p.exit) t.close(`z ${v.toFixed(2)} back below ${p.exit}`);
    else if (pos === 0 && v < -p.entry) t.buy({ reason: `z ${v.toFixed(2)} < ${-p.entry}` });
    else if (pos === 0 && p.short && v > p.entry) t.sell({ reason: `z ${v.toFixed(2)} > ${p.entry}` });
  },
} satisfies Strategy<{ n: number; entry: number; exit: number; short: boolean }>;
