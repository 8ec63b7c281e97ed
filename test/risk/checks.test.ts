/**
 * Every pre-trade check at its edge, on hand-worked numbers: the last value it allows and the first it refuses,
 * with the figures it names. Expected values are worked in the comments from each check's definition.
 */
import { describe, expect, it } from 'vitest';
import { dec } from '../../src/money.js';
import { CHECKS, checkOrder, concentrationAfter, type RiskInput } from '../../src/risk/checks.js';

// Cash 10000, flat, price 100, fee 0.1 % of notional; limits: 50 units, 5000 per order, leverage 1.
const base: RiskInput = {
  side: 'buy',
  quantity: dec('10'),
  price: dec('100'),
  fee: dec('1'),
  position: dec('0'),
  equity: dec('10000'),
  grossExposure: dec('0'),
  mark: dec('100'),
  limits: { maxPositionQty: dec('50'), maxOrderNotional: dec('5000'), maxLeverage: dec('1'), maxConcentration: null },
  allowShort: false,
};
const order = (o: Partial<RiskInput>, limits: Partial<RiskInput['limits']> = {}): RiskInput => ({ ...base, ...o, limits: { ...base.limits, ...limits } });
const codes = (r: RiskInput) => checkOrder(r).map((d) => d.code);

describe('each check at its edge', () => {
  it('SHORT_NOT_ALLOWED: a sell up to the long position passes, one unit more is refused unless shorting is allowed', () => {
    expect(CHECKS.shortSelling(order({ side: 'sell', quantity: dec('5'), position: dec('5') }))).toBeUndefined();
    expect(CHECKS.shortSelling(order({ side: 'sell', quantity: dec('5.000001'), position: dec('5') }))).toEqual({ code: 'SHORT_NOT_ALLOWED', context: { position: '5.000000', qty: '5.000001' } });
    expect(CHECKS.shortSelling(order({ side: 'sell', quantity: dec('6'), position: dec('5'), allowShort: true }))).toBeUndefined();
  });

  it('MAX_ORDER_NOTIONAL_EXCEEDED: 50 × 100 = 5000 passes, 50.000001 × 100 = 5000.0001 does not', () => {
    expect(CHECKS.orderNotional(order({ quantity: dec('50') }))).toBeUndefined();
    expect(CHECKS.orderNotional(order({ quantity: dec('50.000001') }))).toEqual({ code: 'MAX_ORDER_NOTIONAL_EXCEEDED', context: { notional: '5000.000100', max: '5000.000000' } });
  });

  it('MAX_POSITION_EXCEEDED: |position after| against the max, long or short', () => {
    expect(CHECKS.positionSize(order({ quantity: dec('20'), position: dec('30') }))).toBeUndefined();
    expect(CHECKS.positionSize(order({ quantity: dec('21'), position: dec('30') }))).toEqual({ code: 'MAX_POSITION_EXCEEDED', context: { position_after: '51.000000', max: '50.000000' } });
    // Short 40, sell 11 more: −51.
    expect(CHECKS.positionSize(order({ side: 'sell', quantity: dec('11'), position: dec('-40'), allowShort: true }))).toEqual({ code: 'MAX_POSITION_EXCEEDED', context: { position_after: '-51.000000', max: '50.000000' } });
  });

  it('INSUFFICIENT_BUYING_POWER: need = new exposure + fee ≤ equity × leverage − gross', () => {
    // Equity 10000, gross 6000 (60 long at 100): have 10000 × 1 − 6000 = 4000. Fee 0.1 %:
    // buy 39.96: need 3996 + 3.996 = 3999.996 ≤ 4000; buy 39.9601: 3996.01 + 3.99601 = 4000.00601 > 4000.
    const held = { position: dec('60'), grossExposure: dec('6000') };
    expect(CHECKS.buyingPower(order({ ...held, quantity: dec('39.96'), fee: dec('3.996') }))).toBeUndefined();
    expect(CHECKS.buyingPower(order({ ...held, quantity: dec('39.9601'), fee: dec('3.99601') }))).toEqual({ code: 'INSUFFICIENT_BUYING_POWER', context: { need: '4000.006010', have: '4000.000000' } });
    // Short 30 (gross 3000, have 7000): a buy of 100 closes 30 for free and needs 70 × 100 + fee 10 = 7010 > 7000.
    expect(CHECKS.buyingPower(order({ position: dec('-30'), grossExposure: dec('3000'), quantity: dec('100'), fee: dec('10') }))).toEqual({ code: 'INSUFFICIENT_BUYING_POWER', context: { need: '7010.000000', have: '7000.000000' } });
  });

  it('MAX_LEVERAGE_EXCEEDED: gross after ÷ (equity − fee)', () => {
    // Leverage 2; buy 199.6 at 100, fee 19.96: 19960 / 9980.04 = 1.99999… ≤ 2. Buy 200, fee 20: 20000 / 9980 = 2.004008 > 2.
    expect(CHECKS.leverage(order({ quantity: dec('199.6'), fee: dec('19.96') }, { maxLeverage: dec('2') }))).toBeUndefined();
    expect(CHECKS.leverage(order({ quantity: dec('200'), fee: dec('20') }, { maxLeverage: dec('2') }))).toEqual({ code: 'MAX_LEVERAGE_EXCEEDED', context: { leverage: '2.004008', max: '2.000000' } });
    expect(CHECKS.leverage(order({ equity: dec('0'), fee: dec('0') })), 'no equity: any exposure is infinite leverage').toEqual({ code: 'MAX_LEVERAGE_EXCEEDED', context: { leverage: 'inf', max: '1.000000' } });
  });
});

describe('MAX_CONCENTRATION_EXCEEDED: |position after| × price ÷ (equity − fee) ≤ max', () => {
  const max = { maxConcentration: dec('0.25') };

  it('no limit set: never refuses', () => {
    expect(CHECKS.concentration(order({ quantity: dec('99'), fee: dec('0') }))).toBeUndefined();
  });

  it('allows exactly the limit and refuses the next unit', () => {
    // Equity 10000, fee 0: 25 × 100 / 10000 = 0.25 passes; 25.000001 × 100 / 10000 = 0.2500000100 > 0.25.
    expect(CHECKS.concentration(order({ quantity: dec('25'), fee: dec('0') }, max))).toBeUndefined();
    expect(CHECKS.concentration(order({ quantity: dec('25.000001'), fee: dec('0') }, max))).toEqual({ code: 'MAX_CONCENTRATION_EXCEEDED', context: { concentration: '0.250000', max: '0.250000' } });
  });

  it('counts the fee against equity and adds to the position held', () => {
    // Hold 10, buy 14.9 at 100, fee 14.9: 24.9 × 100 / (10000 − 14.9) = 2490 / 9985.1 = 0.249371… passes.
    // Buy 15, fee 15: 2500 / 9985 = 0.250375… > 0.25.
    expect(concentrationAfter(order({ position: dec('10'), quantity: dec('15'), fee: dec('15') }))).toBe(dec('0.250376'));
    expect(CHECKS.concentration(order({ position: dec('10'), quantity: dec('14.9'), fee: dec('14.9') }, max))).toBeUndefined();
    expect(CHECKS.concentration(order({ position: dec('10'), quantity: dec('15'), fee: dec('15') }, max))).toEqual({ code: 'MAX_CONCENTRATION_EXCEEDED', context: { concentration: '0.250376', max: '0.250000' } });
  });

  it('lets an order that does not grow the position through, even over the limit; a flip past it is checked', () => {
    // Long 40 (0.40 of equity, over a 0.25 limit set later): selling 10 leaves 30 (still 0.30) but shrinks it.
    expect(CHECKS.concentration(order({ side: 'sell', position: dec('40'), quantity: dec('10'), fee: dec('0') }, max))).toBeUndefined();
    // Selling 80 flips to short 40: |−40| = |40|, not larger: passes. Selling 80.000001: |−40.000001| > 40, 0.4 > 0.25.
    expect(CHECKS.concentration(order({ side: 'sell', allowShort: true, position: dec('40'), quantity: dec('80'), fee: dec('0') }, max))).toBeUndefined();
    expect(CHECKS.concentration(order({ side: 'sell', allowShort: true, position: dec('40'), quantity: dec('80.000001'), fee: dec('0') }, max))?.code).toBe('MAX_CONCENTRATION_EXCEEDED');
  });

  it('refuses growth when the fee leaves no equity', () => {
    expect(CHECKS.concentration(order({ equity: dec('5'), quantity: dec('1'), fee: dec('5') }, max))).toEqual({ code: 'MAX_CONCENTRATION_EXCEEDED', context: { concentration: 'inf', max: '0.250000' } });
  });

  it('runs with the other checks and is reported with them', () => {
    // 60 × 100 = 6000 > 5000 notional; 60 > 50 units; 6000 / 9994 = 0.600360 > 0.25 concentration.
    expect(codes(order({ quantity: dec('60'), fee: dec('6') }, max))).toEqual(['MAX_ORDER_NOTIONAL_EXCEEDED', 'MAX_POSITION_EXCEEDED', 'MAX_CONCENTRATION_EXCEEDED']);
  });
});
