/**
 * API keys for `cift serve`: create (the key is returned once, only its SHA-256 is kept), list (never the hash)
 * and revoke. A key belongs to one account; the default "paper" account is created on first use, any other must
 * exist (UNKNOWN_ACCOUNT), exactly as for `cift order`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey } from '../store/ledger/types.js';
import { openAccount } from '../trading/accounts.js';
import { formatTs } from '../time.js';
import { CiftError } from '../errors.js';
import type { LedgerStores } from './stores.js';

type Ledgered = Pick<LedgerStores, 'withLedger'>;

export const KEY_PREFIX = 'cift_';
/** Characters of a key shown in lists (`cift_` and 7 more: 42 random bits, enough to tell keys apart). */
export const SHOWN_PREFIX_LENGTH = 12;

/** A new key: `cift_` + 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Lower-case hex SHA-256 of the key text, as stored in the ledger. */
export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface ApiKeyJson {
  id: string;
  account: string;
  name: string | null;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export const apiKeyJson = (k: ApiKey): ApiKeyJson => ({
  id: k.id,
  account: k.account,
  name: k.name ?? null,
  prefix: k.prefix,
  created_at: formatTs(k.createdNs),
  revoked_at: k.revokedNs === undefined ? null : formatTs(k.revokedNs),
  last_used_at: k.lastUsedNs === undefined ? null : formatTs(k.lastUsedNs),
});

/** The new key's view plus the key itself, which exists nowhere else: show it once. */
export type CreatedKeyJson = ApiKeyJson & { key: string };

export async function createApiKey(stores: Ledgered, account: string, name?: string): Promise<CreatedKeyJson> {
  if (name !== undefined && (name.trim() === '' || name.length > 128)) throw new CiftError('USAGE', `--name "${name}" must be 1 to 128 characters`);
  const key = generateApiKey();
  const stored = await stores.withLedger(async (ledger) => {
    const a = await openAccount(ledger, account);
    return ledger.createApiKey({ account: a.name, name, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), sha256: sha256Hex(key) });
  });
  return { ...apiKeyJson(stored), key };
}

export async function listApiKeys(stores: Ledgered, account?: string): Promise<ApiKeyJson[]> {
  return (await stores.withLedger((ledger) => ledger.apiKeys(account))).map(apiKeyJson);
}

/** Revokes by id or by the prefix `keys list` shows; KEY_NOT_FOUND when neither matches. */
export async function revokeApiKey(stores: Ledgered, idOrPrefix: string): Promise<ApiKeyJson> {
  return apiKeyJson(await stores.withLedger((ledger) => ledger.revokeApiKey(idOrPrefix)));
}
