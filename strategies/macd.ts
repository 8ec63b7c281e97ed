// MACD signal-line crosses (Appel): line = EMA(fast) − EMA(slow) of the close, signal = EMA(signal) of the line,
// with TA-Lib's seeding (ta.macd), so the first cross can happen at bar slow + signal − 1 (34 for 12/26/9).
// Crosses are strict, as backtesting.py's crossover: line < signal on the previous bar and line > signal on this
// one is a cross up.
// - Cross up: close any short and buy, unless already long.
// - Cross down: close any long and, with short = true (the default: always in the market after the first cross,
//   like sma-cross), sell; with short = false, stay flat until the next cross up.
// Orders are market orders, filled at the next bar's open.
import type { Strategy } from 'cift';

export default {
  description: 'MACD line crossing its signal line: buy on a cross up, sell (or go flat) on a cross down',
  params: { fast: 12, slow: 26, signal: 9, short: true },
  // fast < slow as well; ta.macd rejects fast ≥ slow by name.
  bounds: { fast: { min: 1, integer: true }, slow: { min: 2, integer: true }, signal: { min: 1, integer: true } },
  init({ close }, p, ta) {
    const [line, signal] = ta.macd(close, p.fast, p.slow, p.signal);
    return { line, signal };
  },
  next(t, { line, signal }, p) {
    if (t.crossedAbove(line, signal)) {
      if (t.position < 0) t.close('MACD crossed above its signal');
      if (t.position <= 0) t.buy({ reason: 'MACD crossed above its signal' });
    } else if (t.crossedBelow(line, signal)) {
      if (t.position > 0) t.close('MACD crossed below its signal');
      if (p.short && t.position >= 0) t.sell({ reason: 'MACD crossed below its signal' });
    }
  },
} satisfies Strategy<{ fast: number; slow: number; signal: number; short: boolean }>;
