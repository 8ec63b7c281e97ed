/**
 * API keys over HTTP: which key a request presents (`X-API-Key`, or `Authorization: Bearer`), whose it is (a hash
 * lookup in the ledger, then a constant-time compare of the stored and computed hashes), and which account the
 * request acts for. A normal key acts for its own account only; the local key (written 0600 under $CIFT_HOME by
 * the running server, for `cift order` forwarding) may act for any account named by `X-Cift-Account`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CiftError } from '../errors.js';
import type { LedgerStores } from '../usecases/stores.js';
import type { KeyIdentity, KeyResolver } from './app.js';

/** The account a local-key request acts for when it names none. */
export const LOCAL_DEFAULT_ACCOUNT = 'paper';
/** The header a local key names its account in (a normal key may name only its own). */
export const ACCOUNT_HEADER = 'x-cift-account';
/** Longer than any key cift makes: refused without hashing. */
const MAX_KEY_LENGTH = 256;
/** How often a key's last use is written to the ledger, at most. */
const TOUCH_EVERY_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The key the request presented, once resolved (trading routes only). */
    apiKey?: KeyIdentity;
    /** The account the request acts for (trading routes only). */
    tradingAccount?: string;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Resolves presented keys against the ledger's api_keys (SHA-256 only) and, when given, the server's local key.
 * The ledger lookup finds the row by its hex hash; the hashes are then compared with crypto.timingSafeEqual, so
 * the answer does not depend on how much of a guessed hash matched.
 */
export function createKeyResolver(stores: Pick<LedgerStores, 'withLedger'>, opts: { localKey?: string } = {}): KeyResolver {
  const localHash = opts.localKey === undefined ? undefined : digest(opts.localKey);
  // last_used_ns is written at most once per key per TOUCH_EVERY_MS and off the request's path: a write per
  // request would cost every trading call a ledger transaction.
  const touched = new Map<string, number>();
  const touch = (id: string) => {
    const now = Date.now();
    if (now - (touched.get(id) ?? -Infinity) < TOUCH_EVERY_MS) return;
    touched.set(id, now);
    void stores.withLedger((ledger) => ledger.touchApiKey(id, BigInt(now) * 1_000_000n)).catch(() => touched.delete(id));
  };
  return {
    async resolve(presented: string): Promise<KeyIdentity | undefined> {
      if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return undefined;
      const hash = digest(presented);
      if (localHash && timingSafeEqual(hash, localHash)) return { keyId: 'local', account: LOCAL_DEFAULT_ACCOUNT, local: true };
      const found = await stores.withLedger((ledger) => ledger.findApiKeyByHash(hash.toString('hex')));
      if (found === undefined || found.revokedNs !== undefined) return undefined;
      const stored = Buffer.from(found.sha256, 'hex');
      if (stored.length !== hash.length || !timingSafeEqual(stored, hash)) return undefined;
      touch(found.id);
      return { keyId: found.id, account: found.account, local: false };
    },
  };
}

/** The key in `X-API-Key`, else in `Authorization: Bearer …`; undefined when neither carries one. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct.trim() !== '') return direct.trim();
  const auth = request.headers.authorization;
  const m = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m ? m[1] : undefined;
}

/**
 * onRequest: resolves the presented key onto request.apiKey (no answer yet, so the rate limit that runs next
 * can count the request against its key, or its address when it has none).
 */
export function resolveKeyHook(keys: KeyResolver) {
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedKey(request);
    if (presented !== undefined) request.apiKey = await keys.resolve(presented);
  };
}

/**
 * preParsing: refuses a request without a valid key (401 with `WWW-Authenticate: Bearer`) and one whose key may
 * not act for the account it names (403), before its body is read; sets request.tradingAccount.
 */
export async function requireKeyHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const key = request.apiKey;
  if (key === undefined) {
    reply.header('www-authenticate', 'Bearer realm="cift"');
    const presented = presentedKey(request) !== undefined;
    throw new CiftError(
      'UNAUTHORIZED',
      presented ? 'the API key is unknown or revoked' : 'an API key is required: send it in X-API-Key or Authorization: Bearer',
      'create one with `cift serve keys create --account NAME`',
    );
  }
  const header = request.headers[ACCOUNT_HEADER];
  const named = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
  if (key.local) request.tradingAccount = named ?? LOCAL_DEFAULT_ACCOUNT;
  else if (named !== undefined && named !== key.account) {
    throw new CiftError('FORBIDDEN', `this API key belongs to account "${key.account}" and cannot act for account "${named}"`, `leave out the X-Cift-Account header, or use a key of account "${named}"`);
  } else request.tradingAccount = key.account;
}

/** For routes only the local key may use (account administration): 403 for a normal key. */
export function requireLocalKey(request: FastifyRequest): void {
  if (!request.apiKey?.local) throw new CiftError('FORBIDDEN', `${request.method} ${request.routeOptions.url} is for the server's local key only (the \`cift\` CLI on this machine)`, 'use `cift order …` on the server machine');
}
