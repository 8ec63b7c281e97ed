/**
 * Paper accounts are created on purpose: a mistyped `--account` must not open a new funded account and trade in
 * it. Only the default account appears by itself, on first use.
 */
import { CiftError, didYouMean } from '../errors.js';
import { fitsLedger, fmt, ZERO, type Dec } from '../money.js';
import type { Account, Ledger } from '../store/ledger/types.js';
import { DEFAULT_ACCOUNT, DEFAULT_ACCOUNT_SETTINGS } from './orders.js';

const ACCOUNT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkAccountName(name: string): void {
  if (!ACCOUNT_NAME.test(name)) throw new CiftError('USAGE', `account "${name}" is not a valid name`, 'letters, digits, . _ - (at most 64)');
}

/** The account to trade in or read: the default is created with the defaults on first use, any other must exist. */
export async function openAccount(ledger: Ledger, name: string): Promise<Account> {
  checkAccountName(name);
  if (name === DEFAULT_ACCOUNT) return ledger.ensureAccount(name, DEFAULT_ACCOUNT_SETTINGS);
  const account = await ledger.getAccount(name);
  if (account) return account;
  const known = (await ledger.accounts()).map((a) => a.name);
  const guess = didYouMean(name, known.length ? known : [DEFAULT_ACCOUNT]);
  throw new CiftError(
    'UNKNOWN_ACCOUNT',
    `UNKNOWN_ACCOUNT: no account "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`,
    `create it with \`cift order accounts create ${name} --cash ${fmt(DEFAULT_ACCOUNT_SETTINGS.cash).replace(/\.0+$/, '')}\`; list them with \`cift order accounts list\``,
  );
}

/** A new account with `cash` (default 100,000) and the default limits; ACCOUNT_EXISTS when the name is taken. */
export async function createAccount(ledger: Ledger, name: string, cash: Dec = DEFAULT_ACCOUNT_SETTINGS.cash): Promise<Account> {
  checkAccountName(name);
  if (cash < 0n || !fitsLedger(cash)) throw new CiftError('USAGE', `--cash ${fmt(cash)} must be an amount ≥ 0 the ledger can hold`);
  return ledger.createAccount(name, { ...DEFAULT_ACCOUNT_SETTINGS, cash });
}

/** Buying power held by the account's resting orders (open, partially filled): spoken for until they fill or end. */
export async function reservedBuyingPower(ledger: Pick<Ledger, 'orders'>, account: string): Promise<Dec> {
  const resting = [...(await ledger.orders(account, 'open')), ...(await ledger.orders(account, 'partially_filled'))];
  return resting.reduce((s, o) => (s + o.reserved) as Dec, ZERO);
}
