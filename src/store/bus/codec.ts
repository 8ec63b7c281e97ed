/**
 * The wire format of an event on every bus: one MessagePack map
 *   {v: 1, id: "<decimal>", account, order_id, kind, created_ns: uint 64, payload: {…the order JSON…}}
 * The id travels as a decimal string (any language reads it exactly; ids can pass 2^53); created_ns as a
 * MessagePack 64-bit integer (0xcf; epoch ns is beyond a double's exact range). The payload is the order view as a map.
 */
import { decode, encode } from '@msgpack/msgpack';
import { CiftError } from '../../errors.js';
import type { OrderEventKind } from '../ledger/outbox.js';
import type { BusEvent } from './types.js';

export const WIRE_VERSION = 1;
const KINDS: readonly OrderEventKind[] = ['accepted', 'rejected', 'filled', 'partially_filled', 'canceled', 'expired'];

export function encodeEvent(e: BusEvent): Uint8Array {
  return encode({ v: WIRE_VERSION, id: e.id.toString(), account: e.account, order_id: e.orderId, kind: e.kind, created_ns: BigInt(e.createdNs), payload: e.payload }, { useBigInt64: true });
}

export function decodeEvent(bytes: Uint8Array): BusEvent {
  const m = decode(bytes, { useBigInt64: true }) as Record<string, unknown>;
  const bad = (field: string) => new CiftError('STORE_CORRUPT', `bus event: field "${field}" is missing or malformed`);
  if (m === null || typeof m !== 'object') throw bad('(map)');
  if (m.v !== WIRE_VERSION) throw bad('v');
  if (typeof m.id !== 'string' || !/^\d+$/.test(m.id)) throw bad('id');
  if (typeof m.account !== 'string') throw bad('account');
  if (typeof m.order_id !== 'string') throw bad('order_id');
  if (!KINDS.includes(m.kind as OrderEventKind)) throw bad('kind');
  if (typeof m.created_ns !== 'bigint') throw bad('created_ns');
  return { id: BigInt(m.id), account: m.account, orderId: m.order_id, kind: m.kind as OrderEventKind, createdNs: m.created_ns, payload: m.payload };
}
