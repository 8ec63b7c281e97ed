/**
 * The pure matcher against hand-built quote and trade sequences; every expected fill is worked out by hand from
 * the rules in src/trading/matching.ts (buy limit: ask ≤ limit at the ask, never more than the ask size; stops on
 * a trade or quote through the stop; day orders expire at their close).
 */
import { describe, expect, it } from 'vitest';
import { matchOrders, type BookOrder, type MarketUpdate } from '../../src/trading/matching.js';

const P = (x: number): bigint => BigInt(Math.round(x * 1e6));
const q = (ts: number, bid: number, ask: number, bidSize = 100, askSize = 100): MarketUpdate => ({ kind: 'quote', ts: BigInt(ts), seq: ts, bid: P(bid), ask: P(ask), bidSize: P(bidSize), askSize: P(askSize) });
const t = (ts: number, price: number): MarketUpdate => ({ kind: 'trade', ts: BigInt(ts), seq: ts, price: P(price) });

function order(o: Partial<BookOrder> & Pick<BookOrder, 'id' | 'side' | 'type'>, qty = 10): BookOrder {
  return { limit: undefined, stop: undefined, remaining: P(qty), triggered: false, expiresNs: undefined, cursorNs: 0n, cursorSeq: 0, ...o };
}

/** Fills as [order id, ts, quantity, price] for compact tables. */
const fills = (orders: BookOrder[], updates: MarketUpdate[], clockNs?: bigint) =>
  matchOrders(orders, updates, { clockNs })
    .filter((e) => e.kind === 'fill')
    .map((e) => (e.kind === 'fill' ? [e.orderId, Number(e.ts), Number(e.quantity) / 1e6, Number(e.price) / 1e6] : []));

describe('matchOrders: one order type at a time', () => {
  const cases: Array<{ name: string; orders: BookOrder[]; updates: MarketUpdate[]; want: unknown[] }> = [
    { name: 'buy limit fills at the first ask ≤ limit, at that ask (better than the limit)', orders: [order({ id: 'a', side: 'buy', type: 'limit', limit: P(100) })], updates: [q(1, 100.5, 101), q(2, 99.5, 99.8), q(3, 99, 99.5)], want: [['a', 2, 10, 99.8]] },
    { name: 'buy limit at exactly the ask fills at the limit', orders: [order({ id: 'a', side: 'buy', type: 'limit', limit: P(100) })], updates: [q(1, 99, 100)], want: [['a', 1, 10, 100]] },
    { name: 'sell limit fills at the first bid ≥ limit, at that bid', orders: [order({ id: 's', side: 'sell', type: 'limit', limit: P(100) })], updates: [q(1, 99.9, 100.2), q(2, 100.1, 100.3)], want: [['s', 2, 10, 100.1]] },
    { name: 'never more than the quoted size: partial fills across updates', orders: [order({ id: 'a', side: 'buy', type: 'limit', limit: P(100) })], updates: [q(1, 99, 99.9, 100, 4), q(2, 99, 100.5, 100, 50), q(3, 99, 99.7, 100, 3), q(4, 99, 99.6, 100, 9)], want: [['a', 1, 4, 99.9], ['a', 3, 3, 99.7], ['a', 4, 3, 99.6]] },
    { name: 'a resting limit never crossed does not fill', orders: [order({ id: 'a', side: 'buy', type: 'limit', limit: P(90) })], updates: [q(1, 99, 100), q(2, 95, 96)], want: [] },
    { name: 'buy stop triggered by a trade fills at the next quote ask (a gap: far above the stop)', orders: [order({ id: 'st', side: 'buy', type: 'stop', stop: P(101) })], updates: [q(1, 100, 100.5), t(2, 103), q(3, 103.5, 104)], want: [['st', 3, 10, 104]] },
    { name: 'buy stop triggered by the ask reaching it fills at that ask', orders: [order({ id: 'st', side: 'buy', type: 'stop', stop: P(101) })], updates: [q(1, 100, 100.5), q(2, 100.8, 101.2)], want: [['st', 2, 10, 101.2]] },
    { name: 'sell stop gaps down through the stop: fills at the bid', orders: [order({ id: 'ss', side: 'sell', type: 'stop', stop: P(95) })], updates: [q(1, 96, 96.2), q(2, 90, 90.5)], want: [['ss', 2, 10, 90]] },
    { name: 'stop-limit triggered by a gap beyond its limit rests as a limit, then fills when the ask comes back', orders: [order({ id: 'sl', side: 'buy', type: 'stop_limit', stop: P(101), limit: P(102) })], updates: [q(1, 100, 100.5), q(2, 103, 103.5), q(3, 101.5, 101.8)], want: [['sl', 3, 10, 101.8]] },
    { name: 'an order sees only updates after its cursor', orders: [order({ id: 'a', side: 'buy', type: 'limit', limit: P(100), cursorNs: 2n, cursorSeq: 2 })], updates: [q(1, 98, 99), q(2, 98, 99.5), q(3, 98, 99.9)], want: [['a', 3, 10, 99.9]] },
  ];
  for (const c of cases) it(c.name, () => expect(fills(c.orders, c.updates)).toEqual(c.want));
});

describe('matchOrders: priority, expiry, triggers', () => {
  it('one quote offers its size once, better limit first, then the older order', () => {
    const orders = [order({ id: 'old', side: 'buy', type: 'limit', limit: P(100) }, 6), order({ id: 'better', side: 'buy', type: 'limit', limit: P(101) }, 6), order({ id: 'young', side: 'buy', type: 'limit', limit: P(100) }, 6)];
    // Ask 99.5 for 10: better takes 6, old the remaining 4, young nothing; next quote 8 more: old 2, young 6.
    expect(fills(orders, [q(1, 99, 99.5, 100, 10), q(2, 99, 99.5, 100, 8)])).toEqual([
      ['better', 1, 6, 99.5],
      ['old', 1, 4, 99.5],
      ['old', 2, 2, 99.5],
      ['young', 2, 6, 99.5],
    ]);
  });

  it('a day order expires at the first update at or after its close, before that update could fill it', () => {
    const o = order({ id: 'd', side: 'buy', type: 'limit', limit: P(100), expiresNs: 10n });
    const events = matchOrders([o], [q(5, 101, 102), q(10, 98, 99), q(11, 98, 99)]);
    expect(events).toEqual([{ kind: 'expire', orderId: 'd', ts: 10n, seq: 10 }]);
  });

  it('the market clock passing the close expires an order no update reached', () => {
    const o = order({ id: 'd', side: 'buy', type: 'limit', limit: P(100), expiresNs: 10n });
    expect(matchOrders([o], [q(5, 101, 102)], { clockNs: 9n })).toEqual([]);
    expect(matchOrders([o], [q(5, 101, 102)], { clockNs: 10n }).map((e) => e.kind)).toEqual(['expire']);
  });

  it('reports a trigger before the fill it causes', () => {
    const events = matchOrders([order({ id: 'st', side: 'sell', type: 'stop', stop: P(95) })], [t(1, 94.9), q(2, 94.5, 94.8)]);
    expect(events.map((e) => [e.kind, Number(e.ts)])).toEqual([
      ['trigger', 1],
      ['fill', 2],
    ]);
  });

  it('an already triggered stop acts as a market order at once', () => {
    expect(fills([order({ id: 'st', side: 'buy', type: 'stop', stop: P(101), triggered: true })], [q(1, 99, 99.5)])).toEqual([['st', 1, 10, 99.5]]);
  });
});
