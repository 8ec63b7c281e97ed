// Time-series momentum: go long when the rate of change over `lookback` bars is above `threshold` percent;
// when it falls below −threshold, go short (short = true) or stand aside (short = false).
import type { Strategy } from 'cift';

export default {
  description: 'rate of change over a lookback against a threshold; long/flat or long/short',
  params: { lookback: 20, threshold: 0, short: false },
  bounds: { lookback: { min: 1, integer: true }, threshold: { min: 0 } },
  init: ({ close }, p, ta) => ({ roc: ta.roc(close, p.lookback) }),
  next(t, { roc }, p) {
    const r = roc[t.i];
    if (r > p.threshold && t.position <= 0) {
      t.close('momentum turned up');
      t.buy({ reason: `ROC ${r.toFixed(2)}% > ${p.threshold}%` });
    } else if (r < -p.threshold && t.position >= 0) {
      if (p.short) {
        t.close('momentum turned down');
        t.sell({ reason: `ROC ${r.toFixed(2)}% < ${-p.threshold}%` });
      } else if (t.position > 0) {
        t.close(`ROC ${r.toFixed(2)}% < ${-p.threshold}%`);
      }
    }
  },
} satisfies Strategy<{ lookback: number; threshold: number; short: boolean }>;
