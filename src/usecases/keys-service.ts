/**
 * API-key use-cases behind one port, as TradingService is for orders: `cift serve keys …` works on the ledger here,
 * or, while a `cift serve` holds this home's embedded ledger, is sent to that server's key routes (local key only).
 */
import type { Settings } from '../config.js';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyJson, type CreatedKeyJson } from './keys.js';
import { listOf, serverClient, type RemoteServer } from './remote-trading.js';
import { openLedgerStores, type LedgerStores } from './stores.js';
import { failingOver, forwardTarget, serverName } from './trading-service.js';

export interface KeysService {
  create(account: string, name?: string): Promise<CreatedKeyJson>;
  list(account?: string): Promise<ApiKeyJson[]>;
  revoke(idOrPrefix: string): Promise<ApiKeyJson>;
}

export function localKeysService(stores: Pick<LedgerStores, 'withLedger'>): KeysService {
  return {
    create: (account, name) => createApiKey(stores, account, name),
    list: (account) => listApiKeys(stores, account),
    revoke: (idOrPrefix) => revokeApiKey(stores, idOrPrefix),
  };
}

export function remoteKeysService(server: RemoteServer): KeysService {
  const { ok } = serverClient(server);
  return {
    create: async (account, name) => (await ok('POST', '/keys', undefined, name === undefined ? { account } : { account, name })) as CreatedKeyJson,
    list: async (account) => listOf<ApiKeyJson>(await ok('GET', account === undefined ? '/keys' : `/keys?${new URLSearchParams({ account })}`, undefined), 'keys'),
    revoke: async (idOrPrefix) => (await ok('DELETE', `/keys/${encodeURIComponent(idOrPrefix)}`, undefined)) as ApiKeyJson,
  };
}

/** The server holding this home's embedded ledger when one runs, else the ledger here. */
export function openKeysService(settings: Pick<Settings, 'home' | 'databaseUrl'>): KeysService {
  const local = () => localKeysService(openLedgerStores(settings));
  const server = forwardTarget(settings);
  return server === undefined ? local() : failingOver(remoteKeysService(server), local, serverName(server), ['create', 'list', 'revoke']);
}
