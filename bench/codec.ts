/**
 * The codec suite: JSON against MessagePack, encode + decode, on the two things cift puts on a wire:
 * - a tick batch: 1,000 trades as the WebSocket stream sends them (src/api/stream.ts streamMessage: one object per
 *   trade with type, channel, symbol, ts, ts_ns, seq, price, size, side, emitted_ms), as an array of those objects;
 *   JSON is the stream's text frame (UTF-8 bytes of JSON.stringify), MessagePack its binary frame (the stream's
 *   Encoder with its default options);
 * - one order event (a filled market order): MessagePack is the bus's wire format (src/store/bus/codec.ts
 *   encodeEvent / decodeEvent, created_ns a 64-bit integer), JSON is the same event as `cift events tail --json`
 *   prints it (src/usecases/events.ts eventJson, which adds created_at and carries the ns as a decimal string).
 * Each codec must give back what it was given (deep equality) before it is timed. Per op: one encode to bytes and
 * one decode of those bytes; ratios are JSON over MessagePack (above 1: MessagePack is smaller / faster).
 */
import { isDeepStrictEqual } from 'node:util';
import { Encoder, decode } from '@msgpack/msgpack';
import { streamMessage } from '../src/api/stream.js';
import { seededRandom } from '../src/sources/synthetic.js';
import { dec } from '../src/money.js';
import { decodeEvent, encodeEvent } from '../src/store/bus/codec.js';
import type { BusEvent } from '../src/store/bus/types.js';
import type { Order } from '../src/store/ledger/types.js';
import { eventJson } from '../src/usecases/events.js';
import { orderJson } from '../src/usecases/views.js';
import { summarize, type BenchOptions, type CaseResult } from './harness.js';

export interface Codec {
  name: string;
  encode: (value: unknown) => Uint8Array;
  decode: (bytes: Uint8Array) => unknown;
  /** What decode must give back (deep equality). */
  expected: unknown;
}

export interface CodecCase {
  name: string;
  /** What the payload is, in words (the suite's output carries it). */
  payload: string;
  /** What both codecs are given, and how many messages it holds (the case's size). */
  value: unknown;
  size: number;
  json: Codec;
  msgpack: Codec;
}

export const TICK_BATCH = 1_000;
const START_NS = 1_704_205_800_000_000_000n;

/** 1,000 trade messages of the stream: a seeded cent random walk, 0–20 ms apart, side ±1. */
export function tickBatch(n = TICK_BATCH, seed = 7): Array<Record<string, unknown>> {
  const r = seededRandom(seed);
  let ts = START_NS;
  let cents = 10_000;
  return Array.from({ length: n }, (_, seq) => {
    ts += BigInt(Math.floor(r() * 20_000_000));
    cents = Math.max(1, cents + Math.floor(r() * 5) - 2);
    const values = { price: cents / 100, size: 1 + Math.floor(r() * 500), side: r() < 0.5 ? 1 : -1 };
    return streamMessage({ channel: 'trades', symbol: 'AAPL', ts, seq, values }, 1_704_205_800_123.456 + seq * 0.25);
  });
}

/** A filled market order's event as the ledger writes it to the outbox (payload = the order's API view). */
export function orderEvent(): BusEvent {
  const createdNs = 1_717_000_000_123_456_789n;
  const fill = { id: 'fill_01J0Z8K7M3', orderId: 'ord_01J0Z8K7M2', quantity: dec('10'), price: dec('189.84'), fee: dec('0.189840'), priceSource: 'ask', filledNs: createdNs };
  const order: Order = {
    id: 'ord_01J0Z8K7M2',
    account: 'main',
    clientOrderId: '6f1c2a9e-8b0d-4c55-9a51-3f2b7e1d0c44',
    symbol: 'AAPL',
    side: 'buy',
    type: 'market',
    quantity: dec('10'),
    status: 'filled',
    rejectCodes: [],
    rejectReason: undefined,
    createdNs,
    updatedNs: createdNs,
    fill,
    fills: [fill],
    limitPrice: undefined,
    stopPrice: undefined,
    tif: 'day',
    filledQuantity: dec('10'),
    filledAvgPrice: dec('189.84'),
    reserved: dec('0'),
    triggered: false,
    placedNs: createdNs - 250_000_000n,
    expiresNs: undefined,
    cursorNs: createdNs,
    cursorSeq: 0,
  };
  return { id: 48_213n, account: 'main', orderId: order.id, kind: 'filled', createdNs, payload: orderJson(order) };
}

const utf8 = new TextDecoder();
/** JSON as UTF-8 bytes (what goes on a wire), of `toJson(value)`. */
const jsonCodec = (expected: unknown, toJson: (v: unknown) => unknown = (v) => v): Codec => ({
  name: 'JSON',
  encode: (v) => Buffer.from(JSON.stringify(toJson(v))),
  decode: (b) => JSON.parse(utf8.decode(b)),
  expected,
});

export function codecCases(): CodecCase[] {
  const batch = tickBatch();
  const encoder = new Encoder();
  const event = orderEvent();
  return [
    {
      name: `tick batch (${TICK_BATCH.toLocaleString('en-US')} trades)`,
      payload: `${TICK_BATCH} trade objects as the WebSocket stream sends them (type, channel, symbol, ts, ts_ns, seq, price, size, side, emitted_ms), in one array`,
      value: batch,
      size: TICK_BATCH,
      json: jsonCodec(batch),
      msgpack: { name: 'MessagePack', encode: (v) => encoder.encode(v), decode: (b) => decode(b), expected: batch },
    },
    {
      name: 'order event (filled market order)',
      payload: 'one order event: MessagePack as the bus writes it (encodeEvent), JSON as `cift events tail --json` prints it (eventJson)',
      value: event,
      size: 1,
      json: jsonCodec(eventJson(event), (v) => eventJson(v as BusEvent)),
      msgpack: { name: 'MessagePack', encode: (v) => encodeEvent(v as BusEvent), decode: decodeEvent, expected: event },
    },
  ];
}

/** Throws unless decoding what `codec` encoded gives back its expected value; returns the encoded size in bytes. */
export function checkRoundTrip(caseName: string, codec: Codec, value: unknown): number {
  const bytes = codec.encode(value);
  const back = codec.decode(bytes);
  if (!isDeepStrictEqual(back, codec.expected)) throw new Error(`${caseName}: ${codec.name} does not give back what it encoded`);
  return bytes.length;
}

interface OpTimes {
  roundtrip: ReturnType<typeof summarize>;
  encode: number;
  decode: number;
}

/**
 * Per-op times in ms: each sample runs `ops` operations (enough for ~5 ms, so the clock's resolution does not
 * matter) and is divided by `ops`. Round trip (encode then decode) is the quoted figure; encode and decode alone
 * are their medians.
 */
function timeCodec(codec: Codec, value: unknown, repeat: number, warmup: number): OpTimes {
  const bytes = codec.encode(value);
  const sample = (op: () => void, ops: number) => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < ops; k++) op();
    return Number(process.hrtime.bigint() - t0) / 1e6 / ops;
  };
  const roundtrip = () => void codec.decode(codec.encode(value));
  // Calibrate: how many round trips take ~5 ms.
  let ops = 1;
  while (sample(roundtrip, ops) * ops < 5 && ops < 1 << 20) ops *= 2;
  const series = (op: () => void) => {
    for (let k = 0; k < warmup; k++) sample(op, ops);
    return summarize(Array.from({ length: repeat }, () => sample(op, ops)));
  };
  return { roundtrip: series(roundtrip), encode: series(() => void codec.encode(value)).median, decode: series(() => void codec.decode(bytes)).median };
}

export async function runCodecSuite(opts: BenchOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of codecCases()) {
    opts.onProgress?.(`codec: ${c.name} (checking)`);
    const jsonBytes = checkRoundTrip(c.name, c.json, c.value);
    const packBytes = checkRoundTrip(c.name, c.msgpack, c.value);
    opts.onProgress?.(`codec: ${c.name}`);
    const json = timeCodec(c.json, c.value, opts.repeat, opts.warmup);
    const pack = timeCodec(c.msgpack, c.value, opts.repeat, opts.warmup);
    results.push({
      suite: 'codec',
      name: c.name,
      size: c.size,
      // The quoted median is MessagePack's round trip (cift's bus and binary stream format); JSON's is beside it.
      median_ms: pack.roundtrip.median,
      min_ms: pack.roundtrip.min,
      max_ms: pack.roundtrip.max,
      payload: c.payload,
      round_trip_checked: true,
      json_bytes: jsonBytes,
      msgpack_bytes: packBytes,
      bytes_ratio: jsonBytes / packBytes,
      json_ms: json.roundtrip.median,
      json_encode_ms: json.encode,
      json_decode_ms: json.decode,
      msgpack_ms: pack.roundtrip.median,
      msgpack_encode_ms: pack.encode,
      msgpack_decode_ms: pack.decode,
      speed_ratio: json.roundtrip.median / pack.roundtrip.median,
    });
  }
  return results;
}
