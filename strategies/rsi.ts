// Wilder RSI thresholds (ta.rsi: Wilder smoothing, TA-Lib's seed, first value at bar `period`). Crosses are strict,
// as backtesting.py's crossover: RSI strictly below `lower` on the previous bar and strictly above it on this
// one is a cross up (touching exactly 30 is not).
// - RSI crosses up through `lower` (leaves oversold): close any short and buy, unless already long.
// - RSI crosses down through `upper` (leaves overbought): close any long and, with short = true, sell; with
//   short = false (the default) stay flat until the next cross up through `lower`.
// Nothing else closes a position. Orders are market orders, filled at the next bar's open.
import type { Strategy } from 'cift';

export default {
  description: 'Wilder RSI leaving oversold (cross up through lower) buys; leaving overbought (cross down through upper) sells or exits',
  params: { period: 14, lower: 30, upper: 70, short: false },
  bounds: { period: { min: 1, integer: true }, lower: { min: 0, max: 100 }, upper: { min: 0, max: 100 } },
  init({ close }, p, ta) {
    // Bounds check each threshold alone; the pair must also be ordered, or the two signals would overlap.
    if (!(p.lower < p.upper)) throw new Error(`lower (${p.lower}) must be below upper (${p.upper})`);
    return { rsi: ta.rsi(close, p.period) };
  },
  next(t, { rsi }, p) {
    const r = rsi[t.i];
    if (t.crossedAbove(rsi, p.lower)) {
      if (t.position < 0) t.close(`RSI ${r.toFixed(1)} crossed above ${p.lower}`);
      if (t.position <= 0) t.buy({ reason: `RSI ${r.toFixed(1)} crossed above ${p.lower}` });
    } else if (t.crossedBelow(rsi, p.upper)) {
      if (t.position > 0) t.close(`RSI ${r.toFixed(1)} crossed below ${p.upper}`);
      if (p.short && t.position >= 0) t.sell({ reason: `RSI ${r.toFixed(1)} crossed below ${p.upper}` });
    }
  },
} satisfies Strategy<{ period: number; lower: number; upper: number; short: boolean }>;
