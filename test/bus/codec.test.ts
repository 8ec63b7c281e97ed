/**
 * The wire format and the Kafka keying without a server: MessagePack round trip, the bytes checked by hand against
 * the MessagePack spec, Kafka's partition choice against the murmur2 reference values of Kafka's own Java tests,
 * and CIFT_BUS_URL parsing.
 */
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/store/bus/codec.js';
import { EVENT_ID_HEADER, partitionFor, toKafkaMessages } from '../../src/store/bus/kafka.js';
import { MemoryBus } from '../../src/store/bus/memory.js';
import { TOPICS, type BusEvent } from '../../src/store/bus/types.js';
import { parseBusUrl } from '../../src/store/bus/url.js';

const event: BusEvent = {
  id: 9_007_199_254_740_993n, // 2^53 + 1: not a double
  account: 'paper',
  orderId: '42',
  kind: 'filled',
  createdNs: 1_795_960_644_923_000_123n,
  payload: { id: '42', symbol: 'GOOG', side: 'buy', quantity: '1.000000', status: 'filled', fill: { price: '806.190000' }, reject_codes: [] },
};

describe('MessagePack wire format', () => {
  it('round-trips every field exactly, ids and nanoseconds beyond 2^53 included', () => {
    expect(decodeEvent(encodeEvent(event))).toEqual(event);
  });

  it('is the documented map: v=1 first, the id as a decimal string, created_ns as a 64-bit integer', () => {
    const bytes = Buffer.from(encodeEvent(event));
    // fixmap of 7 entries (0x80 | 7), then fixstr "v" (0xa1 0x76) and positive fixint 1.
    expect([...bytes.subarray(0, 4)]).toEqual([0x87, 0xa1, 0x76, 0x01]);
    // fixstr "id" then fixstr of the 16 decimal digits.
    const id = '9007199254740993';
    expect(bytes.subarray(4, 7 + 1 + id.length)).toEqual(Buffer.concat([Buffer.from([0xa2]), Buffer.from('id'), Buffer.from([0xa0 | id.length]), Buffer.from(id)]));
    // "created_ns" (fixstr of 10) followed by uint 64 (0xcf: a non-negative bigint) in big-endian.
    const key = Buffer.concat([Buffer.from([0xaa]), Buffer.from('created_ns')]);
    const at = bytes.indexOf(key) + key.length;
    expect(bytes[at]).toBe(0xcf);
    expect(bytes.readBigUInt64BE(at + 1)).toBe(1_795_960_644_923_000_123n);
  });

  it('refuses a malformed event naming the field', () => {
    const bad = Buffer.from(encodeEvent(event)).toString('latin1').replace('filled', 'fooled');
    expect(() => decodeEvent(Buffer.from(bad, 'latin1'))).toThrow(/field "kind"/);
  });
});

describe('Kafka messages', () => {
  it('key = account, the MessagePack event as value, the event id in a header', () => {
    const [m] = toKafkaMessages([event]);
    expect(m.key).toBe('paper');
    expect(m.headers[EVENT_ID_HEADER]).toBe('9007199254740993');
    expect(decodeEvent(m.value)).toEqual(event);
  });

  it("partitions by Kafka's murmur2 of the key, as the Java client does (Kafka UtilsTest reference hashes)", async () => {
    const reference: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const partitions of [1, 3, 7, 100]) {
      for (const [key, hash] of reference) expect(await partitionFor(key, partitions), `${key} over ${partitions}`).toBe((hash & 0x7fffffff) % partitions);
    }
  });

  it("keeps one account's events on one partition", async () => {
    const first = await partitionFor('acct-a', 12);
    for (let k = 0; k < 5; k++) expect(await partitionFor('acct-a', 12)).toBe(first);
  });
});

describe('the in-process bus', () => {
  it('skips an id it already holds, so a repeated publish is not doubled', async () => {
    const bus = new MemoryBus();
    const e = (id: bigint): BusEvent => ({ ...event, id });
    await bus.publish(TOPICS.orders, [e(1n), e(2n)]);
    await bus.publish(TOPICS.orders, [e(2n), e(3n)]);
    expect((await bus.read(TOPICS.orders, 0n, 10)).map((x) => x.id)).toEqual([1n, 2n, 3n]);
    expect((await bus.read(TOPICS.orders, 2n, 10)).map((x) => x.id)).toEqual([3n]);
  });
});

describe('CIFT_BUS_URL', () => {
  it('reads memory, redis and kafka addresses', () => {
    expect(parseBusUrl(undefined)).toEqual({ kind: 'memory' });
    expect(parseBusUrl('memory://')).toEqual({ kind: 'memory' });
    expect(parseBusUrl('redis://127.0.0.1:6390/2?prefix=t1:')).toMatchObject({ kind: 'redis', url: 'redis://127.0.0.1:6390/2', prefix: 't1:' });
    expect(parseBusUrl('kafka://b1,b2:9093')).toEqual({ kind: 'kafka', brokers: ['b1:9092', 'b2:9093'], where: 'kafka://b1,b2:9093' });
  });

  it.each([
    ['nats://x', /unknown scheme "nats:\/\/"/],
    ['localhost:6379', /is not a URL/],
    ['redis://h:99999', /not a valid URL|bad port/],
    ['redis://h:6379/x', /bad database "x"/],
    ['kafka://', /names no broker/],
    ['kafka://b1,,b2', /names no broker/],
    ['kafka://b1:0', /bad port in broker "b1:0"/],
  ])('refuses %s in one line naming CIFT_BUS_URL', (url, why) => {
    let message = '';
    try {
      parseBusUrl(url);
    } catch (e) {
      message = (e as Error).message;
      expect((e as { code?: string }).code).toBe('USAGE');
    }
    expect(message).toMatch(/^CIFT_BUS_URL "/);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });

  it('never repeats a password', () => {
    expect(() => parseBusUrl('redis://u:s3cret@h:6379/x')).toThrow(/^(?!.*s3cret)/);
  });
});
