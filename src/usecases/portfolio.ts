/**
 * The account marked to market. The ledger is read and released first: marking positions reads price files and
 * needs no lock.
 */
import { fmt } from '../money.js';
import type { MarketData } from '../market-data.js';
import { openAccount, reservedBuyingPower } from '../trading/accounts.js';
import { portfolio } from '../trading/portfolio.js';
import type { LedgerStores } from './stores.js';
import { portfolioJson, type PortfolioJson } from './views.js';

export interface PortfolioStores extends Pick<LedgerStores, 'withLedger'> {
  market: Pick<MarketData, 'latest'>;
}

/** Positions at the latest prices, P&L, cash, equity, buying power and gross leverage. */
export async function getPortfolio(stores: PortfolioStores, account: string): Promise<PortfolioJson> {
  const { a, held, reserved } = await stores.withLedger(async (ledger) => {
    const a = await openAccount(ledger, account);
    return { a, held: await ledger.positions(a.name), reserved: await reservedBuyingPower(ledger, a.name) };
  });
  return portfolioJson(await portfolio(stores.market, a, held, reserved));
}

export interface BuyingPowerJson {
  account: string;
  currency: string;
  /** equity × max leverage − gross exposure − what resting orders reserve, never below 0: what a new order may add, fee included. */
  buying_power: string;
  cash: string;
  equity: string;
  gross_exposure: string;
  max_leverage: string;
}

export async function getBuyingPower(stores: PortfolioStores, account: string): Promise<BuyingPowerJson> {
  const { a, held, reserved } = await stores.withLedger(async (ledger) => {
    const a = await openAccount(ledger, account);
    return { a, held: await ledger.positions(a.name), reserved: await reservedBuyingPower(ledger, a.name) };
  });
  const p = await portfolio(stores.market, a, held, reserved);
  return { account: a.name, currency: a.currency, buying_power: fmt(p.buyingPower), cash: fmt(p.cash), equity: fmt(p.equity), gross_exposure: fmt(p.grossExposure), max_leverage: fmt(a.maxLeverage) };
}
