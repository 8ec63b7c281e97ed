/** Pre-trade checks, position arithmetic and decimal money, on hand-worked cases. */
import { describe, expect, it } from 'vitest';
import { add, dec, div, fmt, mul, parseExact } from '../../src/money.js';
import { buyingPower, checkOrder, formatDenial, type RiskInput } from '../../src/risk/checks.js';
import { applyFill } from '../../src/trading/orders.js';

const base: RiskInput = {
  side: 'buy',
  quantity: dec('10'),
  price: dec('100'),
  fee: dec('1'),
  position: dec('0'),
  equity: dec('10000'),
  grossExposure: dec('0'),
  mark: dec('100'),
  limits: { maxPositionQty: dec('50'), maxOrderNotional: dec('5000'), maxLeverage: dec('1') },
  allowShort: false,
};

describe('money', () => {
  it('is exact decimal arithmetic at 6 places with half-even rounding', () => {
    expect(fmt(add(dec('0.1'), dec('0.2')))).toBe('0.300000');
    expect(fmt(mul(dec('577.67'), dec('10')))).toBe('5776.700000');
    expect(fmt(div(dec('1'), dec('3')))).toBe('0.333333');
    expect(fmt(dec('0.0000005')), 'half to even: 0 stays').toBe('0.000000');
    expect(fmt(dec('0.0000015')), 'half to even: 1 goes to 2').toBe('0.000002');
    expect(fmt(dec(577.67))).toBe('577.670000');
    expect(fmt(dec('-2.5'))).toBe('-2.500000');
  });
});

describe('exact decimals typed by a person', () => {
  const read = (text: string) => {
    const r = parseExact(text);
    return r.ok ? fmt(r.value) : r.problem;
  };
  it('reads plain, signed and scientific notation exactly', () => {
    expect(['10', '0.5', '.5', '+7', '-2.25', '1e3', '1.5E2', '2.5e-1', '1e-6', '1.000000000', '0'].map(read)).toEqual([
      '10.000000', '0.500000', '0.500000', '7.000000', '-2.250000', '1000.000000', '150.000000', '0.250000', '0.000001', '1.000000', '0.000000',
    ]);
  });
  it('refuses, in words, what the ledger cannot hold instead of rounding or overflowing', () => {
    const tooFine = "has more than 6 decimal places (the ledger's smallest unit is 0.000001)";
    const tooBig = 'is larger than the ledger holds (at most 99999999999999.999999)';
    expect(read('0.0000001'), 'rounding would trade a different quantity').toBe(tooFine);
    expect(read('1e-7')).toBe(tooFine);
    expect(read('1.0000005')).toBe(tooFine);
    expect(read('100000000000000'), '10^14 needs 15 digits before the point; DECIMAL(20,6) has 14').toBe(tooBig);
    expect(read('99999999999999.999999')).toBe('99999999999999.999999');
    expect(read('1e30')).toBe(tooBig);
    expect(read('1e99999999')).toBe(tooBig);
    expect(read('1e-99999999')).toBe(tooFine);
    expect(['abc', 'NaN', 'Infinity', '', ' ', '.', '1e', '0x10', '1,000', '--1'].map(read)).toEqual(Array.from({ length: 10 }, () => 'is not a number'));
  });
});

describe('risk checks', () => {
  it('passes an order inside every limit', () => expect(checkOrder(base)).toEqual([]));

  it('reports every breached limit together, each with its context', () => {
    const d = checkOrder({ ...base, quantity: dec('200'), fee: dec('20') });
    expect(d.map(formatDenial)).toEqual([
      'MAX_ORDER_NOTIONAL_EXCEEDED: notional=20000.000000 max=5000.000000',
      'MAX_POSITION_EXCEEDED: position_after=200.000000 max=50.000000',
      // need = 200 × 100 + 20 fee; have = 10000 × 1 − 0
      'INSUFFICIENT_BUYING_POWER: need=20020.000000 have=10000.000000',
      // (0 + 200 × 100) / (10000 − 20) = 2.004008…
      'MAX_LEVERAGE_EXCEEDED: leverage=2.004008 max=1.000000',
    ]);
  });

  it('needs no buying power for the part of an order that closes a position', () => {
    // Long 40 worth 4000 of exposure, equity 10000: buying power 6000. Selling 40 closes, needing only the fee.
    const r = { ...base, side: 'sell' as const, quantity: dec('40'), position: dec('40'), grossExposure: dec('4000'), fee: dec('4') };
    expect(checkOrder(r)).toEqual([]);
    expect(fmt(buyingPower(r.equity, r.grossExposure, r.limits.maxLeverage))).toBe('6000.000000');
  });

  it('denies a sell larger than the position unless shorting is allowed', () => {
    const r = { ...base, side: 'sell' as const, quantity: dec('5'), position: dec('3') };
    expect(checkOrder(r).map(formatDenial)).toEqual(['SHORT_NOT_ALLOWED: position=3.000000 qty=5.000000']);
    expect(checkOrder({ ...r, allowShort: true })).toEqual([]);
  });
});

describe('position arithmetic', () => {
  const flat = { quantity: dec('0'), avgCost: dec('0'), realizedPnl: dec('0') };
  it('averages the cost when adding', () => {
    const p = applyFill(applyFill(flat, 'buy', dec('10'), dec('100')), 'buy', dec('30'), dec('104'));
    // (10 × 100 + 30 × 104) / 40 = 103
    expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)]).toEqual(['40.000000', '103.000000', '0.000000']);
  });
  it('realises P&L when reducing, keeping the average cost', () => {
    const p = applyFill({ quantity: dec('40'), avgCost: dec('103'), realizedPnl: dec('0') }, 'sell', dec('15'), dec('110'));
    expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)], '(110 − 103) × 15 = 105').toEqual(['25.000000', '103.000000', '105.000000']);
  });
  it('flips through zero at the fill price', () => {
    const p = applyFill({ quantity: dec('5'), avgCost: dec('20'), realizedPnl: dec('0') }, 'sell', dec('8'), dec('18'));
    expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)], '(18 − 20) × 5 = −10; short 3 at 18').toEqual(['-3.000000', '18.000000', '-10.000000']);
  });
  it('realises a short covered below its cost as a gain', () => {
    const p = applyFill({ quantity: dec('-3'), avgCost: dec('18'), realizedPnl: dec('0') }, 'buy', dec('3'), dec('15'));
    expect([fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)]).toEqual(['0.000000', '0.000000', '9.000000']);
  });
});
