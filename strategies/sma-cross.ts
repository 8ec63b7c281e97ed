// backtesting.py's reference strategy (its test-suite SmaCross): on a strict crossover of SMA(fast) above
// SMA(slow), close the position and go long; on the opposite crossover, close and go short.
import type { Strategy } from 'cift';

export default {
  description: 'SMA(fast) / SMA(slow) crossover, always in the market (backtesting.py SmaCross)',
  params: { fast: 10, slow: 30 },
  bounds: { fast: { min: 1, integer: true }, slow: { min: 1, integer: true } },
  init: ({ close }, p, ta) => ({ fast: ta.sma(close, p.fast), slow: ta.sma(close, p.slow) }),
  next(t, { fast, slow }) {
    if (t.crossedAbove(fast, slow)) {
      t.close();
      t.buy({ reason: 'fast SMA crossed above slow' });
    } else if (t.crossedBelow(fast, slow)) {
      t.close();
      t.sell({ reason: 'fast SMA crossed below slow' });
    }
  },
} satisfies Strategy<{ fast: number; slow: number }>;
