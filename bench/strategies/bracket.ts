/**
 * §7's BR_GOOG strategy (../shared/specs/backtesting-parity.md): SMA-cross 10/30 entering with a bracket. At a cross
 * up, with c the signal bar's close: close the position, then buy with a stop-loss at c·(1 − s) and a take-profit at
 * c·(1 + p); at a cross down the mirror image. The backtest bench times it and checks it against the public answer.
 */
import type { Strategy } from 'cift';

export default {
  description: 'SMA-cross with a stop-loss and take-profit bracket on every entry (backtesting-parity §7, BR_GOOG)',
  params: { fast: 10, slow: 30, s: 0.05, p: 0.1 },
  init: ({ close }, p, ta) => ({ fast: ta.sma(close, p.fast), slow: ta.sma(close, p.slow) }),
  next(t, { fast, slow }, p) {
    const c = t.bar.close;
    if (t.crossedAbove(fast, slow)) {
      t.close();
      t.buy({ sl: c * (1 - p.s), tp: c * (1 + p.p) });
    } else if (t.crossedBelow(fast, slow)) {
      t.close();
      t.sell({ sl: c * (1 + p.s), tp: c * (1 - p.p) });
    }
  },
} satisfies Strategy<{ fast: number; slow: number; s: number; p: number }>;
