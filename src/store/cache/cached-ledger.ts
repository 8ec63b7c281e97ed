/**
 * The ledger with an account cache in front: account rows and positions are read through it, and every method
 * that can change an account invalidates it right after the inner ledger committed (account-cache.ts says why
 * that, with generations, never serves a balance from before a fill).
 *
 * Generic on purpose, so new Ledger methods are covered without touching this file: a method is a read only if
 * it is listed in READS; any other method counts as a write. A write whose account is known (ACCOUNT_OF)
 * invalidates that account, any other write (say, matching resting orders across accounts) invalidates every
 * account. A new read method belongs in READS (else it costs invalidations, never correctness).
 */
import type { Account, AccountOpening, Ledger, OrderIntent, Position } from '../ledger/types.js';
import { ALL_ACCOUNTS, type AccountCache } from './account-cache.js';

/** Methods that change nothing: passed through (the cached ones are below). */
const READS = new Set<string>(['accounts', 'orders', 'restingOrders', 'cashMovements', 'apiKeys', 'findApiKeyByHash', 'orderEvents']);
/** Writes that change no cached account state (API keys, the outbox's published marks). */
const KEY_WRITES = new Set<string>(['createApiKey', 'revokeApiKey', 'touchApiKey', 'markPublished']);
/** The account a write changes, from its arguments. */
const ACCOUNT_OF: Record<string, (...args: never[]) => string> = {
  submit: (intent: OrderIntent) => intent.account,
  cancel: (account: string) => account,
  applyOrderChange: (account: string) => account,
  setLimits: (name: string) => name,
  createAccount: (name: string) => name,
};

export function cachedLedger(inner: Ledger, accounts: AccountCache): Ledger {
  const cached: Partial<Ledger> = {
    getAccount: (name: string) => accounts.read(name, 'account', () => inner.getAccount(name), (a) => a !== undefined),
    positions: (account: string): Promise<Position[]> => accounts.read(account, 'positions', () => inner.positions(account)),
    // A read when the account exists (the usual case); when it creates it, what it answers is the new row.
    ensureAccount: (name: string, opening: AccountOpening): Promise<Account> => accounts.read(name, 'account', () => inner.ensureAccount(name, opening)),
    // A last try at invalidations an outage held back, before the ledger (and often the process) goes.
    close: async () => {
      await accounts.flush();
      await inner.close();
    },
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in cached) return cached[prop as keyof Ledger];
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (READS.has(prop) || KEY_WRITES.has(prop)) return method.bind(target);
      const accountOf = ACCOUNT_OF[prop] as ((...args: unknown[]) => string) | undefined;
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } finally {
          // Also after a failure: a commit whose answer was lost (a dropped connection) may still have happened.
          await accounts.invalidate(accountOf ? accountOf(...args) : ALL_ACCOUNTS);
        }
      };
    },
  });
}
