/** Paper accounts and their limits, as views: create, list, and show or change an account's limits. */
import type { Dec } from '../money.js';
import { createAccount, openAccount } from '../trading/accounts.js';
import type { AccountLimits } from '../store/ledger/types.js';
import type { LedgerStores } from './stores.js';
import { accountJson, limitsJson, type AccountJson } from './views.js';

type Ledgered = Pick<LedgerStores, 'withLedger'>;

/** A new account with `cash` (default 100,000) and the default limits; ACCOUNT_EXISTS when the name is taken. */
export async function openNewAccount(stores: Ledgered, name: string, cash?: Dec): Promise<AccountJson> {
  return accountJson(await stores.withLedger((ledger) => createAccount(ledger, name, cash)));
}

export async function listAccounts(stores: Ledgered): Promise<AccountJson[]> {
  return (await stores.withLedger((ledger) => ledger.accounts())).map(accountJson);
}

/** Changes the limits given (none: shows them); the default account is created on first use, any other must exist. */
export async function updateLimits(stores: Ledgered, account: string, update: Partial<AccountLimits>): Promise<ReturnType<typeof limitsJson>> {
  return limitsJson(await stores.withLedger(async (ledger) => (await openAccount(ledger, account), ledger.setLimits(account, update))));
}
