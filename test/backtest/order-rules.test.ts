/**
 * The order-processing rules of ../shared/specs/backtesting-parity.md §7 (backtesting.py 0.6.6), one hand-built bar
 * sequence per rule. Every expected fill is worked out in the comments from the rule's text, never from a run.
 *
 * Conventions of every case: bars are [Open, High, Low, Close], one per day from 2020-01-01; init() returns {} so the
 * warm-up is 0 and next() first runs at bar 1; an order placed in next() of bar i is first looked at in bar i + 1
 * (rule 1). Cash 10 000, commission 0, whole units (DEFAULT_BROKER) unless a case says otherwise. `Q` is a quiet bar
 * (O 100, H 101, L 99, C 100) that triggers nothing placed in these cases. Prices are chosen exact in binary (whole
 * numbers, halves, 1/64 spreads) so most comparisons are exact.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { computeStats } from '../../src/backtest/stats.js';
import { CiftError } from '../../src/errors.js';
import { DEFAULT_BROKER, type BacktestResult, type BarArrays, type BrokerSettings, type Order, type Strategy, type Trade, type Trader } from '../../src/backtest/types.js';

type Row = [open: number, high: number, low: number, close: number];
const Q: Row = [100, 101, 99, 100];
const flat = (p: number): Row => [p, p, p, p];
const DAY_NS = 86_400_000_000_000n;
const START_NS = BigInt(Date.UTC(2020, 0, 1)) * 1_000_000n;
/** backtesting.py's default order size, 1 − 2⁻⁵² ("all available equity"). */
const FULL = 1 - 2 ** -52;

function barsOf(rows: Row[]): BarArrays {
  const n = rows.length;
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  const ts = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ts[i] = START_NS + BigInt(i) * DAY_NS;
  return { ts, open: col(0), high: col(1), low: col(2), close: col(3), volume: new Float64Array(n).fill(1000) };
}

/** Runs `plan` as next() of a strategy without indicators over `rows`. */
function run(rows: Row[], plan: (t: Trader) => void, settings: Partial<BrokerSettings> = {}): BacktestResult {
  const strategy: Strategy<Record<string, never>, Record<string, never>> = { params: {}, init: () => ({}), next: (t) => plan(t) };
  return runBacktest(barsOf(rows), strategy, {}, { ...DEFAULT_BROKER, ...settings });
}

type Place = (t: Trader) => unknown;

/** `place` runs as next() of bar 1 only: the order it places is first looked at in bar 2. */
const placeAtBar1 = (rows: Row[], place: Place, settings: Partial<BrokerSettings> = {}): BacktestResult =>
  run(rows, (t) => {
    if (t.i === 1) place(t);
  }, settings);

/** [entryBar, entryPrice] of the first trade next() sees open after `place` ran at bar 1. */
function firstEntry(rows: Row[], place: Place, settings: Partial<BrokerSettings> = {}): [number, number] | undefined {
  let entry: [number, number] | undefined;
  run(rows, (t) => {
    if (t.i === 1) place(t);
    if (entry === undefined && t.trades.length > 0) entry = [t.trades[0].entryBar, t.trades[0].entryPrice];
  }, settings);
  return entry;
}

interface ClosedRow {
  size: number;
  entryBar: number;
  exitBar: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
  sl: number;
  tp: number;
  exitReason: string;
}

/** The closed-trade log as rows (sl/tp NaN when the trade had none). */
function closed(r: BacktestResult): ClosedRow[] {
  const t = r.trades;
  return t.size.map((size, k) => ({
    size,
    entryBar: t.entryBar[k],
    exitBar: t.exitBar[k],
    entryPrice: t.entryPrice[k],
    exitPrice: t.exitPrice[k],
    pnl: t.pnl[k],
    sl: t.sl[k],
    tp: t.tp[k],
    exitReason: t.exitReason[k],
  }));
}

/** What a test keeps of a pending order (Order objects are live; copy the fields). */
const orderView = (o: Order) => ({ size: o.size, stop: o.stop, limit: o.limit, contingent: o.isContingent, closesTradeOf: o.parentTrade?.entryBar });
const tradeView = (tr: Trade) => ({ size: tr.size, entryBar: tr.entryBar, entryPrice: tr.entryPrice, sl: tr.sl, tp: tr.tp });

/** Snapshots taken inside next(), by bar. */
function recorder<T>() {
  const at = new Map<number, T>();
  return { at, take: (i: number, value: T) => at.set(i, value) };
}

describe('§7 rule 1: broker first, then next(); orders act from the next bar', { tags: ['oracle'] }, () => {
  it('a market buy placed at bar 1 fills at Open[2]; equity before the first step is back-filled', () => {
    const seen: number[] = [];
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // bar 2 opens at 102: 10 units bought there. equity[2] = 10 000 + 10·(103 − 102) = 10 010; equity[3] = 10 000 + 10·(104 − 102) = 10 020.
    const r = run([Q, Q, [102, 104, 101, 103], [103, 105, 102, 104]], (t) => {
      seen.push(t.i);
      if (t.i === 1) t.buy(10);
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(seen, 'warm-up 0: next() runs from bar 1').toEqual([1, 2, 3]);
    expect(trades.at.get(1), 'nothing fills on the bar the order is placed').toEqual([]);
    expect(trades.at.get(2)).toEqual([{ size: 10, entryBar: 2, entryPrice: 102, sl: undefined, tp: undefined }]);
    expect(Array.from(r.equity)).toEqual([10_000, 10_000, 10_010, 10_020]);
    expect(closed(r), 'no finalize: the trade stays open').toEqual([]);
  });
});

describe('§7 rule 2: out of money', { tags: ['oracle'] }, () => {
  it('equity ≤ 0 closes every trade at that Close, zeroes equity from there and stops before next() and finalize', () => {
    const seen: number[] = [];
    // Short 100 at 100 (needs 100·100 = 10 000 ≤ 10 000 of margin). Bar 3 closes at 200: equity = 10 000 − 100·(200 − 100) = 0.
    const rows: Row[] = [flat(100), flat(100), flat(100), [150, 210, 150, 200], flat(100)];
    const r = run(rows, (t) => {
      seen.push(t.i);
      if (t.i === 1) t.sell(100);
    }, { finalizeTrades: true });
    expect(seen, 'next() does not run on the bar that ran out of money, nor after').toEqual([1, 2]);
    expect(r.outOfMoney).toBe(true);
    expect(closed(r)).toEqual([{ size: -100, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 200, pnl: -10_000, sl: NaN, tp: NaN, exitReason: 'out_of_money' }]);
    expect(Array.from(r.equity)).toEqual([10_000, 10_000, 10_000, 0, 0]);
    // The statistics the rule lists for a run that ran out of money.
    const bars = barsOf(rows);
    const stats = computeStats({ trades: r.trades, equity: r.equity, ts: bars.ts, close: bars.close, warmup: r.warmup });
    expect([stats['Return [%]'], stats['Return (Ann.) [%]'], stats['Sharpe Ratio'], stats['Sortino Ratio'], stats['Calmar Ratio']]).toEqual([-100, 0, 0, 0, 0]);
    expect(stats['Alpha [%]']).toBeNaN();
    expect(stats.Beta).toBeNaN();
  });
});

describe('§7 rule 3: finalize_trades', { tags: ['oracle'] }, () => {
  const rows: Row[] = [Q, Q, [100, 102, 98, 101], [99, 100, 96, 97]];
  const plan = (t: Trader) => {
    if (t.i === 1) t.buy(10); // fills at Open[2] = 100
    if (t.i === 3) t.buy({ size: 5, limit: 98 }); // placed in the last next()
  };

  it('closes at the last Open and its extra pass fills a limit placed in the last next(), which stays open (probe)', () => {
    const r = run(rows, plan, { finalizeTrades: true });
    // Close order first (queue front): exit at Open[3] = 99, pnl 10·(99 − 100) = −10, cash 9 990.
    // Then the limit: L 96 ≤ 98, fills at min(O 99, 98) = 98, 5 units, left open.
    expect(closed(r)).toEqual([{ size: 10, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 99, pnl: -10, sl: NaN, tp: NaN, exitReason: 'finalize' }]);
    // equity[3] is overwritten by the extra pass: 9 990 + 5·(97 − 98) = 9 985.
    expect(r.equity[3]).toBe(9_985);
  });

  it('without finalize the limit never fills and the trade stays open', () => {
    const r = run(rows, plan);
    expect(closed(r)).toEqual([]);
    expect(r.equity[3], '10 000 + 10·(97 − 100)').toBe(9_970);
  });
});

describe('§7 rules 4–5: queue order', { tags: ['oracle'] }, () => {
  it("a trade's SL goes to the queue front and its TP to the end; Order fields as next() sees them", () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    let returned: Order | undefined;
    let returnedView: Record<string, unknown> = {};
    run([Q, Q, Q, Q], (t) => {
      if (t.i === 1) {
        t.buy({ size: 1, sl: 90, tp: 120 });
        returned = t.buy({ size: 1, limit: 50, reason: 'cheap' });
        returnedView = { size: returned.size, limit: returned.limit, stop: returned.stop, sl: returned.sl, tp: returned.tp, reason: returned.reason, contingent: returned.isContingent, parent: returned.parentTrade };
      }
      if (t.i === 2) orders.take(2, t.orders.map(orderView));
    });
    expect(returnedView).toEqual({ size: 1, limit: 50, stop: undefined, sl: undefined, tp: undefined, reason: 'cheap', contingent: false, parent: undefined });
    // Bar 2: the market buy fills at 100; _open_trade sets TP (appended) then SL (inserted at 0): [SL, limit 50, TP].
    expect(orders.at.get(2)).toEqual([
      { size: -1, stop: 90, limit: undefined, contingent: true, closesTradeOf: 2 },
      { size: 1, stop: undefined, limit: 50, contingent: false, closesTradeOf: undefined },
      { size: -1, stop: undefined, limit: 120, contingent: true, closesTradeOf: 2 },
    ]);
  });

  it('close() queues ahead of an order placed before it, so the new order is sized from the cash after the close', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    const r = run([flat(100), flat(100), flat(100), flat(110), flat(110)], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) {
        t.buy();
        t.close();
        orders.take(2, t.orders.map(orderView));
      }
      if (t.i === 3) trades.take(3, t.trades.map(tradeView));
    });
    expect(orders.at.get(2)).toEqual([
      { size: -10, stop: undefined, limit: undefined, contingent: false, closesTradeOf: 2 },
      { size: FULL, stop: undefined, limit: undefined, contingent: false, closesTradeOf: undefined },
    ]);
    // Bar 3 at 110: the close books +100 (cash 10 100); the buy gets floor(10 100·(1 − 2⁻⁵²) / 110) = floor(91.8…) = 91.
    expect(closed(r)).toEqual([{ size: 10, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 110, pnl: 100, sl: NaN, tp: NaN, exitReason: 'signal' }]);
    expect(trades.at.get(3)).toEqual([{ size: 91, entryBar: 3, entryPrice: 110, sl: undefined, tp: undefined }]);
  });

  // Three buys of 1, 2 and 3 units fill at Open 101, 102, 103 on bars 2, 3, 4.
  const ladder: Row[] = [Q, Q, [101, 102, 100, 101], [102, 103, 101, 102], [103, 104, 102, 103], [104, 105, 103, 104]];
  const buyLadder = (t: Trader) => {
    if (t.i >= 1 && t.i <= 3) t.buy(t.i);
  };

  it('position close() over several trades closes the newest first (probe)', () => {
    // Each trade.close() inserts at 0, oldest first, so the queue is [close #3, close #2, close #1]; all exit at Open[5] = 104.
    const r = run(ladder, (t) => {
      buyLadder(t);
      if (t.i === 4) t.close();
    });
    expect(closed(r).map((c) => [c.size, c.entryBar, c.exitBar, c.exitPrice])).toEqual([
      [3, 4, 5, 104],
      [2, 3, 5, 104],
      [1, 2, 5, 104],
    ]);
  });

  it('finalize closes them in their original order (probe)', () => {
    // reversed(trades) each inserted at 0 → [close #1, close #2, close #3], filled at the last Open, 104.
    const r = run(ladder, buyLadder, { finalizeTrades: true });
    expect(closed(r).map((c) => [c.size, c.entryBar, c.exitBar, c.exitPrice, c.exitReason])).toEqual([
      [1, 2, 5, 104, 'finalize'],
      [2, 3, 5, 104, 'finalize'],
      [3, 4, 5, 104, 'finalize'],
    ]);
  });

  // Trade A (sl 95) fills at bar 2, trade B (sl 96) at bar 3, both at 100. Bar 4 opens 97 and falls to 90: both SLs hit.
  const twoStops: Row[] = [Q, Q, Q, Q, [97, 97, 90, 92]];

  it('two SLs hit on one bar: the one set later fills first (probe)', () => {
    // B's SL was inserted at 0 after A's: queue [SL B, SL A]. Fills: min(O 97, 96) = 96, then min(97, 95) = 95.
    const r = run(twoStops, (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
      if (t.i === 2) t.buy({ size: 1, sl: 96 });
    });
    expect(closed(r)).toEqual([
      { size: 1, entryBar: 3, exitBar: 4, entryPrice: 100, exitPrice: 96, pnl: -4, sl: 96, tp: NaN, exitReason: 'sl' },
      { size: 1, entryBar: 2, exitBar: 4, entryPrice: 100, exitPrice: 95, pnl: -5, sl: 95, tp: NaN, exitReason: 'sl' },
    ]);
  });

  it('re-assigning trade.sl (as a trailing stop does) moves that SL to the front', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const r = run(twoStops, (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
      if (t.i === 2) t.buy({ size: 1, sl: 96 });
      if (t.i === 3) {
        t.trades[0].sl = 95; // same level, re-placed: now ahead of B's
        orders.take(3, t.orders.map(orderView));
      }
    });
    expect(orders.at.get(3)?.map((o) => [o.stop, o.closesTradeOf])).toEqual([
      [95, 2],
      [96, 3],
    ]);
    expect(closed(r).map((c) => [c.entryBar, c.exitPrice])).toEqual([
      [2, 95],
      [3, 96],
    ]);
  });
});

describe('§7 rule 6: SL and TP reachable in one bar → SL fills', { tags: ['oracle'] }, () => {
  it('on the entry bar of a market order (probe)', () => {
    // Bar 2: entry at O 100, then the same-bar pass: SL first, L 94 ≤ 95 → min(100, 95) = 95; the TP is taken off.
    const r = run([Q, Q, [100, 106, 94, 100], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95, tp: 105 });
    });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 2, entryPrice: 100, exitPrice: 95, pnl: -5, sl: 95, tp: 105, exitReason: 'sl' }]);
  });

  it('on a later bar, long and short (probe)', () => {
    const wide: Row[] = [Q, Q, Q, [100, 106, 94, 100], Q];
    const long = run(wide, (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95, tp: 105 });
    });
    expect(closed(long)).toEqual([{ size: 1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 95, pnl: -5, sl: 95, tp: 105, exitReason: 'sl' }]);
    // Short: its SL is a buy stop at 105, H 106 ≥ 105 → max(O 100, 105) = 105; pnl −1·(105 − 100) = −5.
    const short = run(wide, (t) => {
      if (t.i === 1) t.sell({ size: 1, sl: 105, tp: 95 });
    });
    expect(closed(short)).toEqual([{ size: -1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 105, pnl: -5, sl: 105, tp: 95, exitReason: 'sl' }]);
  });
});

describe('§7 rule 7: stop trigger', { tags: ['oracle'] }, () => {
  it('a buy stop triggers when H ≥ stop and fills at max(O, stop)', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Bar 2: H 104 < 105, pending. Bar 3: H 105 = stop, triggers; max(O 103, 105) = 105.
    run([Q, Q, [101, 104, 100, 103], [103, 105, 102, 104], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, stop: 105 });
      orders.take(t.i, t.orders.map(orderView));
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(orders.at.get(2)).toEqual([{ size: 1, stop: 105, limit: undefined, contingent: false, closesTradeOf: undefined }]);
    expect(trades.at.get(2)).toEqual([]);
    expect(trades.at.get(3)).toEqual([{ size: 1, entryBar: 3, entryPrice: 105, sl: undefined, tp: undefined }]);
  });

  it('a sell stop triggers when L ≤ stop and fills at min(O, stop)', () => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Bar 2: L 96 > 95. Bar 3: L 95 = stop; min(O 97, 95) = 95.
    run([Q, Q, [99, 100, 96, 97], [97, 98, 95, 96], Q], (t) => {
      if (t.i === 1) t.sell({ size: 1, stop: 95 });
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(trades.at.get(2)).toEqual([]);
    expect(trades.at.get(3)).toEqual([{ size: -1, entryBar: 3, entryPrice: 95, sl: undefined, tp: undefined }]);
  });

  it('once triggered the stop is cleared for good: the order is a plain limit from then on', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Buy stop 105 / limit 104. Bar 2: H 106 triggers, L 104.5 > 104 so the limit is not reached: pending, stop cleared.
    // Bar 3: H 104.8 < 105 (a live stop would not trigger), L 103 ≤ 104 → fills at min(O 104.5, 104) = 104.
    run([Q, Q, [105, 106, 104.5, 105], [104.5, 104.8, 103, 104], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, stop: 105, limit: 104 });
      orders.take(t.i, t.orders.map(orderView));
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(orders.at.get(2)).toEqual([{ size: 1, stop: undefined, limit: 104, contingent: false, closesTradeOf: undefined }]);
    expect(trades.at.get(3)).toEqual([{ size: 1, entryBar: 3, entryPrice: 104, sl: undefined, tp: undefined }]);
  });
});

describe('§7 rule 8: limit fills', { tags: ['oracle'] }, () => {
  it('a buy limit waits until L ≤ limit and fills at min(O, limit)', () => {
    // Bar 2: L 98.5 > 98. Bar 3: L 97.5 ≤ 98 → min(100, 98) = 98.
    expect(firstEntry([Q, Q, [100, 101, 98.5, 100], [100, 101, 97.5, 99], Q], (t) => t.buy({ size: 1, limit: 98 }))).toEqual([3, 98]);
    // L exactly at the limit counts.
    expect(firstEntry([Q, Q, [100, 101, 98, 99], Q], (t) => t.buy({ size: 1, limit: 98 }))).toEqual([2, 98]);
  });

  it('a buy limit that gaps fills at the better Open: limit 98, next bar opens 97 → 97 (probe)', () => {
    expect(firstEntry([Q, Q, [97, 98, 96, 97.5], Q], (t) => t.buy({ size: 1, limit: 98 }))).toEqual([2, 97]);
  });

  it('a sell limit fills when H ≥ limit at max(O, limit), a gap at the Open', () => {
    expect(firstEntry([Q, Q, [100, 103, 99, 102], Q], (t) => t.sell({ size: 1, limit: 102 }))).toEqual([2, 102]);
    expect(firstEntry([Q, Q, [104, 105, 103, 104], Q], (t) => t.sell({ size: 1, limit: 102 }))).toEqual([2, 104]);
  });

  it('a stop-limit fills at min(stop, limit) even when the bar opened beyond the stop: buy stop 102 / limit 103, O104 H105 L102.5 → 102 (probe)', () => {
    // Stop hit (H 105 ≥ 102), limit hit (L 102.5 ≤ 103), limit 103 > stop 102 so not "limit first": min(102, 103) = 102.
    expect(firstEntry([Q, Q, [104, 105, 102.5, 104], Q], (t) => t.buy({ size: 1, stop: 102, limit: 103 }))).toEqual([2, 102]);
    // Mirror: sell stop 98 / limit 97 on O96 H97.5 L95 → max(98, 97) = 98, above the bar's high.
    expect(firstEntry([Q, Q, [96, 97.5, 95, 96], Q], (t) => t.sell({ size: 1, stop: 98, limit: 97 }))).toEqual([2, 98]);
  });
});

describe('§7 rule 9: stop-limit with stop and limit both touched in one bar', { tags: ['oracle'] }, () => {
  it('is not filled that bar; its stop is cleared and from the next bar it is a plain limit (probe)', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Buy stop 102 / limit 101. Bar 2: H 103 triggers, L 100.5 ≤ 101 but limit 101 ≤ stop 102 → held back, stop cleared.
    // Bar 3: H 101.5 < 102, L 99 ≤ 101 → plain limit, min(O 100.5, 101) = 100.5.
    run([Q, Q, [100, 103, 100.5, 101], [100.5, 101.5, 99, 100], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, stop: 102, limit: 101 });
      orders.take(t.i, t.orders.map(orderView));
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(trades.at.get(2)).toEqual([]);
    expect(orders.at.get(2)).toEqual([{ size: 1, stop: undefined, limit: 101, contingent: false, closesTradeOf: undefined }]);
    expect(trades.at.get(3)).toEqual([{ size: 1, entryBar: 3, entryPrice: 100.5, sl: undefined, tp: undefined }]);
  });
});

describe('§7 rules 10 and 12: market and stop-market fills, trade_on_close and bar indices', { tags: ['oracle'] }, () => {
  it('a stop-market fills at the stop, or at the Open when the bar gapped through it (probe)', () => {
    // Buy stop 105: O103 H106 → max(103, 105) = 105; gap O107 → max(107, 105) = 107.
    expect(firstEntry([Q, Q, [103, 106, 102, 104], Q], (t) => t.buy({ size: 1, stop: 105 }))).toEqual([2, 105]);
    expect(firstEntry([Q, Q, [107, 108, 106, 107], Q], (t) => t.buy({ size: 1, stop: 105 }))).toEqual([2, 107]);
    // Sell stop 95, gap down to O93 → min(93, 95) = 93.
    expect(firstEntry([Q, Q, [93, 94, 92, 93], Q], (t) => t.sell({ size: 1, stop: 95 }))).toEqual([2, 93]);
  });

  it('under trade_on_close a market order fills at the Close of its bar, booked there; equity shows it from the next bar', () => {
    // Bar 1 closes at 100.5: buy placed there, filled in bar 2's step at prevC = 100.5 with EntryBar 1.
    // close() at bar 2 fills in bar 3's step at prevC = Close[2] = 102 with ExitBar 2 (rule 12: a Trade.close() order is
    // not contingent). pnl 1·(102 − 100.5) = 1.5.
    const r = run([Q, [100, 101, 99, 100.5], [102, 103, 101, 102], Q], (t) => {
      if (t.i === 1) t.buy(1);
      if (t.i === 2) t.close();
    }, { tradeOnClose: true });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 1, exitBar: 2, entryPrice: 100.5, exitPrice: 102, pnl: 1.5, sl: NaN, tp: NaN, exitReason: 'signal' }]);
    // equity[1] was recorded before the fill booked on bar 1; equity[2] = 10 000 + (102 − 100.5).
    expect(Array.from(r.equity)).toEqual([10_000, 10_000, 10_001.5, 10_001.5]);
  });

  it('under trade_on_close a stand-alone stop fills at max(prevC, stop) with the bar it triggered on (probe)', () => {
    const toc = { tradeOnClose: true };
    // Buy stop 105 placed at Close 100: bar 2 H 106 triggers; max(prevC 100, 105) = 105, EntryBar 2 (not i − 1).
    expect(firstEntry([Q, Q, [103, 106, 102, 104], Q], (t) => t.buy({ size: 1, stop: 105 }), toc)).toEqual([2, 105]);
    // The gap case: O107 but the price is taken from prevC 100, so max(100, 105) = 105, not the Open.
    expect(firstEntry([Q, Q, [107, 108, 106, 107], Q], (t) => t.buy({ size: 1, stop: 105 }), toc)).toEqual([2, 105]);
    // A buy stop 95 below the placing Close 100 triggers at once: max(prevC 100, 95) = 100 (without trade_on_close: max(O 101, 95) = 101).
    const below: Row[] = [Q, Q, [101, 102, 100, 101], Q];
    expect(firstEntry(below, (t) => t.buy({ size: 1, stop: 95 }), toc)).toEqual([2, 100]);
    expect(firstEntry(below, (t) => t.buy({ size: 1, stop: 95 }))).toEqual([2, 101]);
  });

  it('under trade_on_close a limit still fills against bar i with index i', () => {
    // Buy limit 98, bar 2 opens 97: min(O 97, 98) = 97 at bar 2 (prevC 100 plays no part).
    expect(firstEntry([Q, Q, [97, 98, 96, 97], Q], (t) => t.buy({ size: 1, limit: 98 }), { tradeOnClose: true })).toEqual([2, 97]);
  });

  it('under trade_on_close finalize closes at Close[n − 2] with ExitBar n − 2', () => {
    // Entry at Close[1] = 100 (bar 1); finalize's pass on bar 3 fills the close at prevC = Close[2] = 101, booked on bar 2.
    const r = run([Q, Q, [101, 102, 100, 101], [102, 103, 101, 102.5]], (t) => {
      if (t.i === 1) t.buy(1);
    }, { tradeOnClose: true, finalizeTrades: true });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 1, exitBar: 2, entryPrice: 100, exitPrice: 101, pnl: 1, sl: NaN, tp: NaN, exitReason: 'finalize' }]);
  });
});

describe('§7 rule 11: SL and TP fill prices', { tags: ['oracle'] }, () => {
  it('a gap through a long SL fills at the Open, worse than the SL; the SL column keeps the stop level (probe, rule 19)', () => {
    // Entry 100 at bar 2; bar 3 opens 93 < SL 95: min(93, 95) = 93.
    expect(closed(placeAtBar1([Q, Q, Q, [93, 94, 92, 93], Q], (t) => t.buy({ size: 1, sl: 95 })))).toEqual([
      { size: 1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 93, pnl: -7, sl: 95, tp: NaN, exitReason: 'sl' },
    ]);
  });

  it('a gap through a short SL fills at the Open: max(O, SL)', () => {
    expect(closed(placeAtBar1([Q, Q, Q, [108, 109, 107, 108], Q], (t) => t.sell({ size: 1, sl: 105 })))).toEqual([
      { size: -1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 108, pnl: -8, sl: 105, tp: NaN, exitReason: 'sl' },
    ]);
  });

  it('a long TP fills at max(O, TP): at the TP, or at the better Open on a gap (probe)', () => {
    expect(closed(placeAtBar1([Q, Q, Q, [104, 106, 103, 105], Q], (t) => t.buy({ size: 1, tp: 105 }))).map((c) => [c.exitBar, c.exitPrice, c.exitReason])).toEqual([[3, 105, 'tp']]);
    expect(closed(placeAtBar1([Q, Q, Q, [107, 108, 106, 107], Q], (t) => t.buy({ size: 1, tp: 105 }))).map((c) => [c.exitBar, c.exitPrice, c.exitReason])).toEqual([[3, 107, 'tp']]);
  });

  it('a short TP gapped through fills at the Open: min(O, TP)', () => {
    expect(closed(placeAtBar1([Q, Q, Q, [93, 94, 92, 93], Q], (t) => t.sell({ size: 1, tp: 95 })))).toEqual([
      { size: -1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 93, pnl: 7, sl: NaN, tp: 95, exitReason: 'tp' },
    ]);
  });

  it('an SL never uses prevC under trade_on_close: it fills against the Open with the bar it hit on', () => {
    // Entry at Close[1] = 100 (bar 1). Bar 2 closes at 96. Bar 3: O94, L93 ≤ 95 → min(O 94, 95) = 94, ExitBar 3.
    // (Had it used prevC 96: min(96, 95) = 95, ExitBar 2.)
    expect(closed(placeAtBar1([Q, Q, [100, 101, 99, 96], [94, 95, 93, 94], Q], (t) => t.buy({ size: 1, sl: 95 }), { tradeOnClose: true }))).toEqual([
      { size: 1, entryBar: 1, exitBar: 3, entryPrice: 100, exitPrice: 94, pnl: -6, sl: 95, tp: NaN, exitReason: 'sl' },
    ]);
  });
});

describe('§7 rule 13: spread on entries only', { tags: ['oracle'] }, () => {
  // A spread of 1/64 keeps every product exact: 96·(1 + 1/64) = 97.5, 96·(1 − 1/64) = 94.5.
  const spread = { spread: 1 / 64 };
  const rows: Row[] = [Q, Q, [96, 97, 95, 96], [100, 101, 99, 100], Q];

  it('a long enters at O·(1 + spread) and a close exits at the raw Open', () => {
    const r = run(rows, (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.close();
    }, spread);
    expect(closed(r).map((c) => [c.entryPrice, c.exitPrice, c.pnl])).toEqual([[97.5, 100, 25]]);
  });

  it('a short enters at O·(1 − spread)', () => {
    const r = run(rows, (t) => {
      if (t.i === 1) t.sell(10);
      if (t.i === 2) t.close();
    }, spread);
    // pnl −10·(100 − 94.5) = −55.
    expect(closed(r).map((c) => [c.entryPrice, c.exitPrice, c.pnl])).toEqual([[94.5, 100, -55]]);
  });

  it('FIFO netting and SL exits are at the raw price too', () => {
    const netted = run(rows, (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.sell(10); // closes the long at Open[3] = 100, not 100·(1 − 1/64)
    }, spread);
    expect(closed(netted).map((c) => [c.entryPrice, c.exitPrice, c.pnl, c.exitReason])).toEqual([[97.5, 100, 25, 'signal']]);
    expect(netted.equity[3], 'nothing opened by the sell').toBe(10_025);
    // SL 90 (below the reference 100·(1 + 1/64)); bar 3 O89: min(89, 90) = 89 raw. pnl 10·(89 − 97.5) = −85.
    const stopped = run([Q, Q, [96, 97, 95, 96], [89, 90, 88, 89], Q], (t) => {
      if (t.i === 1) t.buy({ size: 10, sl: 90 });
    }, spread);
    expect(closed(stopped).map((c) => [c.entryPrice, c.exitPrice, c.pnl, c.exitReason])).toEqual([[97.5, 89, -85, 'sl']]);
  });
});

describe('§7 rule 14: SL/TP validated at placement against limit, stop or Close·(1 + spread)', { tags: ['oracle'] }, () => {
  /** The error placing `place` at bar `at` throws out of the run. */
  function placementError(place: (t: Trader) => void, at = 1, settings: Partial<BrokerSettings> = {}): CiftError {
    try {
      run([Q, Q, Q, Q], (t) => {
        if (t.i === at) place(t);
      }, settings);
    } catch (e) {
      expect(e, 'a CiftError, not a crash').toBeInstanceOf(CiftError);
      return e as CiftError;
    }
    throw new Error('expected the order to be refused');
  }
  const accepted = (place: (t: Trader) => void, settings: Partial<BrokerSettings> = {}) => expect(() => run([Q, Q, Q, Q], (t) => t.i === 1 && place(t), settings)).not.toThrow();

  it.each([
    ['buy sl above the Close', (t: Trader) => t.buy({ sl: 105 }), '105'],
    ['buy sl equal to the Close', (t: Trader) => t.buy({ sl: 100 }), '100'],
    ['buy tp below the Close', (t: Trader) => t.buy({ tp: 95 }), '95'],
    ['sell sl below the Close', (t: Trader) => t.sell({ sl: 95 }), '95'],
    ['sell tp above the Close', (t: Trader) => t.sell({ tp: 105 }), '105'],
    ['buy limit 98 with sl 99', (t: Trader) => t.buy({ limit: 98, sl: 99 }), '99'],
  ])('%s: a one-line error naming the bar and the price', (_name, place, price) => {
    const e = placementError(place, 2);
    expect(e.message).toMatch(/at bar 2\b/);
    expect(e.message).toContain(price);
    expect(e.message).not.toContain('\n');
  });

  it('the reference is the limit or stop when there is one, else Close·(1 + spread)', () => {
    accepted((t) => t.buy({ limit: 90, tp: 95 })); // 90 < 95 although the TP is below the Close
    accepted((t) => t.buy({ stop: 110, sl: 105 })); // 105 < 110 although the SL is above the Close
    // Spread 1/64: the buy reference is 100·(1 + 1/64) = 101.5625, so TP 101 is refused and TP 102 accepted.
    expect(placementError((t) => t.buy({ tp: 101 }), 1, { spread: 1 / 64 }).message).toMatch(/at bar 1\b/);
    accepted((t) => t.buy({ tp: 102 }), { spread: 1 / 64 });
  });

  it('checked against the last Close, not the fill: next bar opens at 94 below SL 95 → entry 94, exit 94 on the same bar (probe)', () => {
    const r = run([Q, Q, [94, 96, 93, 95], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
    });
    // Entry at O 94; the same-bar pass: L 93 ≤ 95 → min(O 94, 95) = 94.
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 2, entryPrice: 94, exitPrice: 94, pnl: 0, sl: 95, tp: NaN, exitReason: 'sl' }]);
  });
});

describe('§7 rule 15: a market entry reprocesses the queue on its bar', { tags: ['oracle'] }, () => {
  it('its TP can fill on the entry bar', () => {
    // Entry 100 at bar 2, H 106 ≥ 105 → max(O 100, 105) = 105.
    const r = run([Q, Q, [100, 106, 99, 105], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, tp: 105 });
    });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 2, entryPrice: 100, exitPrice: 105, pnl: 5, sl: NaN, tp: 105, exitReason: 'tp' }]);
  });

  it('a trade_on_close entry reprocesses too: its SL is tested against the bar it filled in, and exits there', () => {
    // Buy (SL 95) at bar 1's Close 100: filled in bar 2's step, booked on bar 1. The second pass tests the SL against
    // bar 2: L 94 ≤ 95 → min(O 96, 95) = 95, ExitBar 2 (a contingent order takes bar i).
    const r = run([Q, Q, [96, 97, 94, 95], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
    }, { tradeOnClose: true });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 1, exitBar: 2, entryPrice: 100, exitPrice: 95, pnl: -5, sl: 95, tp: NaN, exitReason: 'sl' }]);
  });

  // Bar 2: O100 H103 L100.5. A buy stop 102 / limit 101 triggers and touches its limit (limit ≤ stop): held back (rule 9).
  const rows: Row[] = [Q, Q, [100, 103, 100.5, 101], [100.5, 101.5, 99, 100], Q];
  const entries = (marketOpts: { size: number; sl?: number }) => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    run(rows, (t) => {
      if (t.i === 1) {
        t.buy({ size: 1, stop: 102, limit: 101 });
        t.buy(marketOpts);
      }
      trades.take(t.i, t.trades.map(tradeView));
    });
    return trades.at;
  };

  it('a stop-limit held back in the first pass fills in the second at min(O, limit) on the same bar (probe)', () => {
    // The market buy (2 units, SL 90) fills at 100 and asks for a second pass; the stop-limit, stop now cleared, is a
    // plain limit 101 with L 100.5 ≤ 101 → min(O 100, 101) = 100 on bar 2.
    expect(entries({ size: 2, sl: 90 }).get(2)).toEqual([
      { size: 2, entryBar: 2, entryPrice: 100, sl: 90, tp: undefined },
      { size: 1, entryBar: 2, entryPrice: 100, sl: undefined, tp: undefined },
    ]);
  });

  it('without SL/TP on the market order there is no second pass: the stop-limit fills on the next bar', () => {
    // Bar 3: plain limit 101, L 99 → min(O 100.5, 101) = 100.5.
    const at = entries({ size: 2 });
    expect(at.get(2)).toEqual([{ size: 2, entryBar: 2, entryPrice: 100, sl: undefined, tp: undefined }]);
    expect(at.get(3)?.[1]).toEqual({ size: 1, entryBar: 3, entryPrice: 100.5, sl: undefined, tp: undefined });
  });
});

describe('§7 rule 16: a stop-market entry with a TP', { tags: ['oracle'] }, () => {
  const exits = (rows: Row[], place: Place) => closed(placeAtBar1(rows, place)).map((c) => [c.entryBar, c.entryPrice, c.exitBar, c.exitPrice, c.exitReason]);

  it('TP ≤ H and SL < L: the TP fills on the entry bar at max(O, TP) (probe)', () => {
    // Buy stop 102 (SL 99, TP 105). Bar 2 O101 H106 L100: entry max(101, 102) = 102; TP 105 ≤ 106 and SL 99 < 100 →
    // second pass: SL not hit, TP fills at max(O 101, 105) = 105.
    expect(exits([Q, Q, [101, 106, 100, 104], Q], (t) => t.buy({ size: 1, stop: 102, sl: 99, tp: 105 }))).toEqual([[2, 102, 2, 105, 'tp']]);
    // Without an SL the same.
    expect(exits([Q, Q, [101, 106, 100, 104], Q], (t) => t.buy({ size: 1, stop: 102, tp: 105 }))).toEqual([[2, 102, 2, 105, 'tp']]);
  });

  it('short mirror: TP ≥ L and SL > H → min(O, TP) on the entry bar', () => {
    // Sell stop 98 (SL 101, TP 95). Bar 2 O99 H100 L94: entry min(99, 98) = 98; TP 95 ≥ 94, SL 101 > 100 → min(99, 95) = 95.
    expect(exits([Q, Q, [99, 100, 94, 96], Q], (t) => t.sell({ size: 1, stop: 98, sl: 101, tp: 95 }))).toEqual([[2, 98, 2, 95, 'tp']]);
  });

  it('SL inside the entry bar: no second pass, SL/TP tested from the next bar (rule 17)', () => {
    // Bar 2 L 98.5 ≤ SL 99: no same-bar exit. Bar 3 touches neither. Bar 4 H 106 ≥ 105 → max(O 104, 105) = 105.
    expect(exits([Q, Q, [101, 106, 98.5, 104], [103, 104, 102.5, 103], [104, 106, 103, 105], Q], (t) => t.buy({ size: 1, stop: 102, sl: 99, tp: 105 }))).toEqual([
      [2, 102, 4, 105, 'tp'],
    ]);
  });
});

describe('§7 rule 17: a limit or stop-limit entry tests its SL/TP from the next bar (probe)', { tags: ['oracle'] }, () => {
  it('limit parent: both SL and TP inside the fill bar, neither fills there', () => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Buy limit 99 (SL 95, TP 104). Bar 2 O100 H105 L94: fills at min(100, 99) = 99; SL and TP both inside, untested.
    // Bar 3 quiet. Bar 4 H 104.5 ≥ 104 → max(O 100, 104) = 104.
    const r = run([Q, Q, [100, 105, 94, 100], Q, [100, 104.5, 99.5, 104], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, limit: 99, sl: 95, tp: 104 });
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(trades.at.get(2)).toEqual([{ size: 1, entryBar: 2, entryPrice: 99, sl: 95, tp: 104 }]);
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 4, entryPrice: 99, exitPrice: 104, pnl: 5, sl: 95, tp: 104, exitReason: 'tp' }]);
  });

  it('stop-limit parent: the same', () => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Buy stop 101 / limit 102 (SL 97, TP 106). Bar 2 O100 H107 L96: stop hit, limit hit, 102 > 101 → min(101, 102) = 101.
    const r = run([Q, Q, [100, 107, 96, 100], Q, Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, stop: 101, limit: 102, sl: 97, tp: 106 });
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(trades.at.get(3)).toEqual([{ size: 1, entryBar: 2, entryPrice: 101, sl: 97, tp: 106 }]);
    expect(closed(r)).toEqual([]);
  });
});

describe('§7 rule 18: assigning trade.sl / trade.tp', { tags: ['oracle'] }, () => {
  it('replaces the SL order, live from the next bar', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const sl = recorder<number | undefined>();
    // Entry 100 at bar 2 with SL 90. At bar 3 (L 96: too late for this bar) the SL becomes 97.
    // Bar 4: L 96.5 ≤ 97 → min(O 99, 97) = 97.
    const r = run([Q, Q, Q, [100, 101, 96, 99], [99, 100, 96.5, 97], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 90 });
      if (t.i === 3) {
        t.trades[0].sl = 97;
        sl.take(3, t.trades[0].sl);
        orders.take(3, t.orders.map(orderView));
      }
    });
    expect(sl.at.get(3)).toBe(97);
    expect(orders.at.get(3), 'the old SL is gone').toEqual([{ size: -1, stop: 97, limit: undefined, contingent: true, closesTradeOf: 2 }]);
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 4, entryPrice: 100, exitPrice: 97, pnl: -3, sl: 97, tp: NaN, exitReason: 'sl' }]);
  });

  it('undefined removes it: no exit on a bar far below, and the trade keeps no SL', () => {
    const views = recorder<[number | undefined, number]>();
    const r = run([Q, Q, Q, [94, 95, 90, 92], flat(92)], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
      if (t.i === 2) {
        t.trades[0].sl = undefined;
        views.take(2, [t.trades[0].sl, t.orders.length]);
      }
    }, { finalizeTrades: true });
    expect(views.at.get(2)).toEqual([undefined, 0]);
    // Still open at the end; finalize closes it at Open[4] = 92 with no SL on record.
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 4, entryPrice: 100, exitPrice: 92, pnl: -8, sl: NaN, tp: NaN, exitReason: 'finalize' }]);
  });

  it('a TP assigned later goes to the end of the queue; re-assigning replaces it there', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    run([Q, Q, Q, Q, Q], (t) => {
      if (t.i === 1) {
        t.buy({ size: 1, sl: 90 });
        t.buy({ size: 1, limit: 50 });
      }
      if (t.i === 2) {
        t.trades[0].tp = 110;
        orders.take(2, t.orders.map(orderView));
      }
      if (t.i === 3) {
        t.trades[0].tp = 115;
        orders.take(3, t.orders.map(orderView));
      }
    });
    const sl = { size: -1, stop: 90, limit: undefined, contingent: true, closesTradeOf: 2 };
    const pending = { size: 1, stop: undefined, limit: 50, contingent: false, closesTradeOf: undefined };
    expect(orders.at.get(2)).toEqual([sl, pending, { size: -1, stop: undefined, limit: 110, contingent: true, closesTradeOf: 2 }]);
    expect(orders.at.get(3)).toEqual([sl, pending, { size: -1, stop: undefined, limit: 115, contingent: true, closesTradeOf: 2 }]);
  });

  it.each([
    ['sl', -1],
    ['sl', 0],
    ['sl', Infinity],
    ['sl', NaN],
    ['tp', -5],
    ['tp', Infinity],
  ] as const)('trade.%s = %s is refused with an error naming the bar', (field, value) => {
    let error: unknown;
    try {
      run([Q, Q, Q, Q], (t) => {
        if (t.i === 1) t.buy({ size: 1 });
        if (t.i === 2) t.trades[0][field] = value;
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CiftError);
    expect((error as CiftError).message).toMatch(/at bar 2\b/);
  });
});

describe('§7 rule 19: the SL/TP columns keep the last values', { tags: ['oracle'] }, () => {
  it('a trade closed by a signal keeps its SL and TP, in the log and on t.closedTrades', () => {
    const seen = recorder<Record<string, unknown>>();
    // Entry 100 at bar 2; close() at bar 2 fills at Open[3] = 102.
    const r = run([Q, Q, Q, [102, 103, 101, 102], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 90, tp: 120 });
      if (t.i === 2) t.close();
      if (t.i === 3) {
        const c = t.closedTrades[0];
        seen.take(3, { n: t.closedTrades.length, sl: c.sl, tp: c.tp, exitPrice: c.exitPrice, exitBar: c.exitBar, exitReason: c.exitReason, pl: c.pl, orders: t.orders.length });
      }
    });
    expect(seen.at.get(3), 'its SL/TP orders are off the queue').toEqual({ n: 1, sl: 90, tp: 120, exitPrice: 102, exitBar: 3, exitReason: 'signal', pl: 2, orders: 0 });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 102, pnl: 2, sl: 90, tp: 120, exitReason: 'signal' }]);
  });

  it('an SL moved before a TP exit shows its last level', () => {
    // SL 90 → 95 at bar 2; bar 3 H 111 ≥ TP 110 → max(O 104, 110) = 110.
    const r = run([Q, Q, Q, [104, 111, 103, 110], Q], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 90, tp: 110 });
      if (t.i === 2) t.trades[0].sl = 95;
    });
    expect(closed(r)).toEqual([{ size: 1, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 110, pnl: 10, sl: 95, tp: 110, exitReason: 'tp' }]);
  });
});

describe('§7 rule 20: fractional sizes', { tags: ['oracle'] }, () => {
  const entrySize = (price: number, place: Place, settings: Partial<BrokerSettings> = {}) => {
    let size: number | undefined;
    const r = run([flat(price), flat(price), flat(price), flat(price)], (t) => {
      if (t.i === 1) place(t);
      if (t.i === 2) size = t.trades[0]?.size;
    }, settings);
    return { size, r };
  };

  it('10 000 cash at 100 buys 99 units with the default size 1 − 2⁻⁵², 50 with size 0.5 (probe)', () => {
    // floor(10 000·(1 − 2⁻⁵²) / 100) = floor(99.999…) = 99; floor(5 000 / 100) = 50.
    expect(entrySize(100, (t) => t.buy()).size).toBe(99);
    expect(entrySize(100, (t) => t.buy(0.5)).size).toBe(50);
    expect(entrySize(100, (t) => t.sell()).size).toBe(-99);
  });

  it('a fixed commission is counted per unit of a fractional order: 5 + 100 per unit buys 95', () => {
    // adjusted + commission(size, price)/|size| = 100 + 5/(1 − 2⁻⁵²) ≈ 105; floor(9 999.99… / 105) = 95.
    expect(entrySize(100, (t) => t.buy(), { commissionFixed: 5 }).size).toBe(95);
  });

  it('the unit price includes the spread: at 96 with spread 1/64 each unit costs 97.5 → 102 units', () => {
    // floor(10 000·(1 − 2⁻⁵²) / 97.5) = floor(102.56…) = 102.
    expect(entrySize(96, (t) => t.buy(), { spread: 1 / 64 }).size).toBe(102);
  });

  it('0 units is a cancelled order, not an error', () => {
    const { size, r } = entrySize(20_000, (t) => t.buy());
    expect(size).toBeUndefined();
    expect(r.cancelledOrders).toBe(1);
    expect(closed(r)).toEqual([]);
  });
});

describe('§7 rule 21: margin is valued at the current Close', { tags: ['oracle'] }, () => {
  it('with 2:1 leverage a second order is sized from equity and open value at Close, not Open', () => {
    const trades = recorder<number[]>();
    // Margin .5. 50 units at 100 on bar 2. Bar 3: O100, C120. margin_available = (10 000 + 50·20) − 50·120/2 = 8 000;
    // buy(0.5): 8 000·2·0.5 / 100 = 80 units. (Valued at the Open it would be (10 000 − 2 500)·2·0.5/100 = 75.)
    run([flat(100), flat(100), flat(100), [100, 121, 99, 120], Q], (t) => {
      if (t.i === 1) t.buy(50);
      if (t.i === 2) t.buy(0.5);
      if (t.i === 3) trades.take(3, t.trades.map((tr) => tr.size));
    }, { margin: 0.5 });
    expect(trades.at.get(3)).toEqual([50, 80]);
  });
});

describe('§7 rule 22: netting (no hedging)', { tags: ['oracle'] }, () => {
  it('an opposite order closes trades FIFO at the fill price, reducing the last one it reaches', () => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // A: 3 @100 (bar 2). B: 5 @102 (bar 3). sell(4) at Open[4] = 104: A closes (3·4 = 12), B is reduced by 1 (1·2 = 2).
    // sell(6) at Open[5] = 106: B's 4 close (4·4 = 16), 2 units open short at 106.
    const r = run([Q, Q, [100, 101, 99, 100], [102, 103, 101, 102], [104, 105, 103, 104], [106, 107, 105, 106], Q], (t) => {
      if (t.i === 1) t.buy(3);
      if (t.i === 2) t.buy(5);
      if (t.i === 3) t.sell(4);
      if (t.i === 4) t.sell(6);
      trades.take(t.i, t.trades.map(tradeView));
    });
    expect(trades.at.get(4)).toEqual([{ size: 4, entryBar: 3, entryPrice: 102, sl: undefined, tp: undefined }]);
    expect(trades.at.get(5)).toEqual([{ size: -2, entryBar: 5, entryPrice: 106, sl: undefined, tp: undefined }]);
    expect(closed(r).map((c) => [c.size, c.entryBar, c.exitBar, c.entryPrice, c.exitPrice, c.pnl, c.exitReason])).toEqual([
      [3, 2, 4, 100, 104, 12, 'signal'],
      [1, 3, 4, 102, 104, 2, 'signal'],
      [4, 3, 5, 102, 106, 16, 'signal'],
    ]);
  });

  it('under trade_on_close netting closes at prevC, booked on bar i − 1 like the order', () => {
    // Long 10 at Close[1] = 100 (bar 1). sell(10) at bar 2 (Close 104) fills in bar 3's step at prevC 104, booked on bar 2.
    const r = run([Q, Q, [101, 105, 100, 104], [108, 109, 107, 108], Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.sell(10);
    }, { tradeOnClose: true });
    expect(closed(r)).toEqual([{ size: 10, entryBar: 1, exitBar: 2, entryPrice: 100, exitPrice: 104, pnl: 40, sl: NaN, tp: NaN, exitReason: 'signal' }]);
  });

  it('the margin check comes after netting: a too-big reversal closes the long and is then cancelled', () => {
    const seen = recorder<[number, number]>();
    // Long 10 @100. sell(200) at 100: the long closes (pnl 0), then 190·100 = 19 000 > 10 000 → cancelled.
    const r = run([flat(100), flat(100), flat(100), flat(100), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.sell(200);
      if (t.i === 3) seen.take(3, [t.trades.length, t.orders.length]);
    });
    expect(closed(r).map((c) => [c.size, c.exitBar, c.exitPrice, c.pnl])).toEqual([[10, 3, 100, 0]]);
    expect(seen.at.get(3)).toEqual([0, 0]);
    expect(r.cancelledOrders).toBe(1);
  });
});

describe('§7 rule 23: commission', { tags: ['oracle'] }, () => {
  it('relative: charged at entry and at exit; PnL = size·(exit − entry) − both', () => {
    // 10 @100, commission .002: entry 10·100·.002 = 2, exit 10·110·.002 = 2.2 → pnl 100 − 4.2 = 95.8.
    const r = run([Q, Q, flat(100), flat(110), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.close();
    }, { commission: 0.002 });
    expect(r.trades.pnl[0]).toBeCloseTo(95.8, 9);
    expect(r.trades.commission[0]).toBeCloseTo(4.2, 9);
    expect(r.equity[3], 'cash 10 000 − 2 − 2.2 + 100').toBeCloseTo(10_095.8, 9);
  });

  it('on a partial close the entry commission is recomputed for the closed size (fixed 5 per fill)', () => {
    // 10 @100 on bar 2 (cash −5). close(0.4) → 4 units at Open[3] = 110: exit 5 + entry commission(4, 100) = 5 →
    // pnl 4·10 − 10 = 30, ReturnPct .1 − 10/400 = .075. close() → 6 at Open[4] = 120: pnl 6·20 − (5 + 5) = 110.
    // Cash actually paid 15 in fees: 10 000 − 5 + 40 − 5 + 120 − 5 = 10 145.
    const r = run([Q, Q, flat(100), flat(110), flat(120), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.trades[0].close(0.4);
      if (t.i === 3) t.close();
    }, { commissionFixed: 5 });
    expect(r.equity[4], 'the cash moves by gross P&L minus the fees actually charged').toBe(10_145);
    expect(closed(r).map((c) => [c.size, c.exitPrice, c.pnl])).toEqual([
      [4, 110, 30],
      [6, 120, 110],
    ]);
    expect(r.trades.commission, 'each part books a whole entry fee: 5 + 5').toEqual([10, 10]);
    expect(r.trades.returnPct[0]).toBeCloseTo(0.075, 12);
  });
});

describe('§7 rule 24: exclusive orders', { tags: ['oracle'] }, () => {
  it('a new order closes every open trade first (close orders at the front)', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // Long 10 @100 (bar 2). sell(5) at bar 2 queues [close long, sell 5]. Bar 3 @110: close +100, then 5 short at 110.
    const r = run([Q, Q, flat(100), flat(110), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) {
        t.sell(5);
        orders.take(2, t.orders.map(orderView));
      }
      if (t.i === 3) trades.take(3, t.trades.map(tradeView));
    }, { exclusiveOrders: true });
    expect(orders.at.get(2)).toEqual([
      { size: -10, stop: undefined, limit: undefined, contingent: false, closesTradeOf: 2 },
      { size: -5, stop: undefined, limit: undefined, contingent: false, closesTradeOf: undefined },
    ]);
    expect(closed(r).map((c) => [c.size, c.exitPrice, c.pnl])).toEqual([[10, 110, 100]]);
    expect(trades.at.get(3)).toEqual([{ size: -5, entryBar: 3, entryPrice: 110, sl: undefined, tp: undefined }]);
  });

  it('without it the same sell only reduces the long (netting)', () => {
    const r = run([Q, Q, flat(100), flat(110), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) t.sell(5);
    });
    expect(closed(r).map((c) => [c.size, c.exitPrice, c.pnl])).toEqual([[5, 110, 50]]);
  });

  it('it cancels pending stand-alone orders but not SL/TP', () => {
    const orders = recorder<ReturnType<typeof orderView>[]>();
    run([Q, Q, Q, Q], (t) => {
      if (t.i === 1) {
        t.buy({ size: 1, limit: 50 });
        t.buy({ size: 2, sl: 90 }); // cancels the limit
      }
      if (t.i === 2) {
        t.sell({ size: 1, limit: 150 });
        orders.take(2, t.orders.map(orderView));
      }
    }, { exclusiveOrders: true });
    // Bar 2 queue before the sell: [SL 90]. The sell keeps the SL, puts the close at the front, itself at the end.
    expect(orders.at.get(2)).toEqual([
      { size: -2, stop: undefined, limit: undefined, contingent: false, closesTradeOf: 2 },
      { size: -2, stop: 90, limit: undefined, contingent: true, closesTradeOf: 2 },
      { size: -1, stop: undefined, limit: 150, contingent: false, closesTradeOf: undefined },
    ]);
  });

  it('a close order for a trade already closed is dropped silently', () => {
    const trades = recorder<ReturnType<typeof tradeView>[]>();
    // buy(5) queues [close A, buy 5]; t.close() then puts a second close of A in front. Bar 3: A closes once at 110.
    const r = run([Q, Q, flat(100), flat(110), Q], (t) => {
      if (t.i === 1) t.buy(10);
      if (t.i === 2) {
        t.buy(5);
        t.close();
      }
      if (t.i === 3) trades.take(3, t.trades.map(tradeView));
    }, { exclusiveOrders: true });
    expect(closed(r).map((c) => [c.size, c.exitPrice, c.pnl])).toEqual([[10, 110, 100]]);
    expect(trades.at.get(3)).toEqual([{ size: 5, entryBar: 3, entryPrice: 110, sl: undefined, tp: undefined }]);
  });
});

describe('§7 rule 25: cancelling orders', { tags: ['oracle'] }, () => {
  it('cancelling every order while iterating t.orders cancels them all (it is a copy)', () => {
    const left = recorder<number>();
    const r = run([Q, Q, Q, [100, 106, 90, 100], Q], (t) => {
      if (t.i === 1) {
        t.buy({ size: 1, limit: 95 });
        t.buy({ size: 1, limit: 96 });
        t.sell({ size: 1, limit: 105 });
      }
      if (t.i === 2) {
        for (const o of t.orders) o.cancel();
        left.take(2, t.orders.length);
      }
      if (t.i === 3) left.take(3, t.trades.length);
    }, { finalizeTrades: true });
    expect(left.at.get(2)).toBe(0);
    expect(left.at.get(3), 'bar 3 would have filled all three').toBe(0);
    expect(closed(r)).toEqual([]);
  });

  it('the Order returned by buy() cancels itself; orders are good till cancelled', () => {
    const counts = recorder<number>();
    let mine: Order | undefined;
    // Limit 95 survives quiet bars 2–3 (GTC); another placed alongside fills on bar 5 (L 94) while the cancelled one does not.
    const r = run([Q, Q, Q, Q, Q, [96, 97, 94, 95], Q], (t) => {
      if (t.i === 1) {
        mine = t.buy({ size: 1, limit: 95 });
        t.buy({ size: 2, limit: 95 });
      }
      if (t.i === 3) mine?.cancel();
      counts.take(t.i, t.orders.length);
    }, { finalizeTrades: true });
    expect([counts.at.get(2), counts.at.get(3), counts.at.get(4)]).toEqual([2, 1, 1]);
    // min(O 96, 95) = 95 on bar 5; finalize exits at Open[6] = 100.
    expect(closed(r).map((c) => [c.size, c.entryBar, c.entryPrice, c.exitBar])).toEqual([[2, 5, 95, 6]]);
  });

  it("cancelling a trade's SL order clears trade.sl and the stop no longer fires", () => {
    const seen = recorder<[number | undefined, number]>();
    const r = run([Q, Q, Q, [94, 95, 90, 92], flat(92)], (t) => {
      if (t.i === 1) t.buy({ size: 1, sl: 95 });
      if (t.i === 2) {
        t.orders.find((o) => o.isContingent)?.cancel();
        seen.take(2, [t.trades[0].sl, t.orders.length]);
      }
    }, { finalizeTrades: true });
    expect(seen.at.get(2)).toEqual([undefined, 0]);
    expect(closed(r).map((c) => [c.exitBar, c.exitPrice, c.exitReason])).toEqual([[4, 92, 'finalize']]);
  });
});

describe('the Trade objects next() sees', { tags: ['oracle'] }, () => {
  it('t.trades oldest first: size, side, entry, P&L marked at the Close, SL/TP, reason', () => {
    const seen = recorder<Record<string, unknown>[]>();
    // A: 10 @100 (bar 2, SL 90, TP 130). B: 5 @102 (bar 3). Bar 3 closes at 104:
    // A.pl = 10·(104 − 100) = 40, plPct = 0.04; B.pl = 5·(104 − 102) = 10, plPct = 2/102.
    run([Q, Q, [100, 101, 99, 101], [102, 105, 101, 104], Q], (t) => {
      if (t.i === 1) t.buy({ size: 10, sl: 90, tp: 130, reason: 'first' });
      if (t.i === 2) t.buy(5);
      if (t.i === 3) seen.take(3, t.trades.map((tr) => ({ size: tr.size, isLong: tr.isLong, isShort: tr.isShort, entryPrice: tr.entryPrice, entryBar: tr.entryBar, pl: tr.pl, plPct: tr.plPct, sl: tr.sl, tp: tr.tp, reason: tr.reason, exitBar: tr.exitBar })));
    });
    const [a, b] = seen.at.get(3)!;
    expect({ ...a, plPct: 0 }).toEqual({ size: 10, isLong: true, isShort: false, entryPrice: 100, entryBar: 2, pl: 40, plPct: 0, sl: 90, tp: 130, reason: 'first', exitBar: undefined });
    expect({ ...b, plPct: 0 }).toEqual({ size: 5, isLong: true, isShort: false, entryPrice: 102, entryBar: 3, pl: 10, plPct: 0, sl: undefined, tp: undefined, reason: undefined, exitBar: undefined });
    expect(a.plPct).toBeCloseTo(0.04, 15);
    expect(b.plPct).toBeCloseTo(2 / 102, 15);
  });

  it('a short: pl and plPct gain as the price falls', () => {
    const seen = recorder<unknown>();
    // 10 short @100, bar 3 closes at 95: pl = −10·(95 − 100) = 50, plPct = −(95/100 − 1) = 0.05.
    run([Q, Q, Q, [96, 97, 94, 95], Q], (t) => {
      if (t.i === 1) t.sell(10);
      if (t.i === 3) {
        const tr = t.trades[0];
        seen.take(3, [tr.size, tr.isLong, tr.isShort, tr.pl, tr.plPct]);
      }
    });
    const [size, isLong, isShort, pl, plPct] = seen.at.get(3) as number[];
    expect([size, isLong, isShort, pl]).toEqual([-10, false, true, 50]);
    expect(plPct).toBeCloseTo(0.05, 15);
  });

  it('trade.close(portion) closes round(|size|·portion) units and keeps the rest with its SL resized', () => {
    const seen = recorder<Record<string, unknown>>();
    // 10 @100 with SL 90 / TP 130; close(0.4) → 4 units at Open[3] = 102 (pnl 8); 6 stay with SL/TP orders of size −6.
    const r = run([Q, Q, Q, [102, 103, 101, 102], Q], (t) => {
      if (t.i === 1) t.buy({ size: 10, sl: 90, tp: 130 });
      if (t.i === 2) t.trades[0].close(0.4);
      if (t.i === 3) seen.take(3, { open: t.trades.map(tradeView), closed: t.closedTrades.map((c) => [c.size, c.exitPrice, c.exitBar]), orders: t.orders.map(orderView) });
    });
    expect(seen.at.get(3)).toEqual({
      open: [{ size: 6, entryBar: 2, entryPrice: 100, sl: 90, tp: 130 }],
      closed: [[4, 102, 3]],
      orders: [
        { size: -6, stop: 90, limit: undefined, contingent: true, closesTradeOf: 2 },
        { size: -6, stop: undefined, limit: 130, contingent: true, closesTradeOf: 2 },
      ],
    });
    // backtesting.py closes a copy of the trade without SL/TP orders (_reduce_trade), so the part shows no SL/TP.
    expect(closed(r)).toEqual([{ size: 4, entryBar: 2, exitBar: 3, entryPrice: 100, exitPrice: 102, pnl: 8, sl: NaN, tp: NaN, exitReason: 'signal' }]);
  });

  it("close(portion) rounds half to even as Python's round(): 10·0.25 → 2, 10·0.45 → 4", () => {
    const portionClosed = (portion: number) =>
      closed(run([Q, Q, Q, Q, Q], (t) => {
        if (t.i === 1) t.buy(10);
        if (t.i === 2) t.trades[0].close(portion);
      }))[0]?.size;
    expect(portionClosed(0.25)).toBe(2);
    expect(portionClosed(0.45), '10·0.45 is exactly 4.5 in binary; half to even gives 4').toBe(4);
  });

  it('close(reason) records the text as the exit note; the exit reason stays "signal"', () => {
    const r = run([Q, Q, Q, Q, Q], (t) => {
      if (t.i === 1) t.buy(1);
      if (t.i === 2) t.close('flat into the weekend');
    });
    expect(r.trades.exitReason).toEqual(['signal']);
    expect(r.trades.exitNote).toEqual(['flat into the weekend']);
  });
});
