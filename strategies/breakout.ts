// Donchian channel breakout (the Turtle rule) with stop entries and an ATR trailing stop.
// - Channel of bar i: the highest high and lowest low of the `entry` bars i−entry+1..i (ta.donchian; the window
//   includes bar i, the bar next() decides on, and so excludes bar i+1, the first bar the orders can fill on).
// - With no open trade, each bar keeps a buy stop at the channel's high and a sell stop at its low: both entry
//   orders are cancelled (t.orders, order.cancel()) and placed again at this bar's levels, buy first, so they are
//   never stale. A bar that trades through a stop fills at the stop, or at its open when it gaps through it. A bar
//   wide enough to trigger both fills the buy (first in the queue); the sell stop then finds no free margin and
//   the broker cancels it, as backtesting.py does, so the long stands.
// - Once a trade is open, the other entry order is cancelled and the trade's stop-loss trails at
//   close ∓ mult·ATR(atr) (Wilder, ta.atr): set on the bar the entry filled, then only ever tightened (raised for a
//   long, lowered for a short), live from the next bar. The stop-loss is the only exit (a gap through it fills at
//   the open); on the bar it fills, next() places new entry stops. Each reassignment of trade.sl re-places the
//   stop-loss order at the front of the queue, so it is only assigned when it tightens.
import type { Strategy } from 'cift';

export default {
  description: 'Donchian channel breakout: stop entries at the entry-bar high/low, exit on a close ∓ mult·ATR trailing stop',
  params: { entry: 20, atr: 14, mult: 3 },
  bounds: { entry: { min: 1, integer: true }, atr: { min: 1, integer: true }, mult: { min: 0, max: 100 } },
  init({ high, low, close }, p, ta) {
    const [lower, , upper] = ta.donchian(high, low, p.entry);
    return { upper, lower, atr: ta.atr(high, low, close, p.atr) };
  },
  next(t, { upper, lower, atr }, p) {
    const i = t.i;
    // Entry orders are the stand-alone ones; a trade's stop-loss is contingent and stays.
    for (const order of t.orders) if (!order.isContingent) order.cancel();
    const trades = t.trades;
    if (trades.length === 0) {
      // A bar with a missing price leaves the channel NaN for `entry` bars: no entries until it is back.
      if (Number.isNaN(upper[i] + lower[i])) return;
      t.buy({ stop: upper[i], reason: `broke the ${p.entry}-bar high ${upper[i]}` });
      t.sell({ stop: lower[i], reason: `broke the ${p.entry}-bar low ${lower[i]}` });
      return;
    }
    const distance = p.mult * atr[i];
    for (const trade of trades) {
      const trail = trade.isLong ? t.bar.close - distance : t.bar.close + distance;
      const sl = trade.sl;
      // A stop-loss must be a positive price: a long's trail at or below 0 (or NaN) keeps the last one.
      if (trail > 0 && (sl === undefined || (trade.isLong ? trail > sl : trail < sl))) trade.sl = trail;
    }
  },
} satisfies Strategy<{ entry: number; atr: number; mult: number }>;
