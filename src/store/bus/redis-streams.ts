/**
 * Redis Streams: one stream per topic (`<prefix>cift.orders`), each event an entry whose id is `<eventId>-0`.
 * Redis refuses an XADD whose id is not above the stream's last, so a batch published again after a crash (the
 * relay died between XADD and marking the rows) is recognised entry by entry and skipped: exactly once without a
 * dedup store. This relies on the relay publishing in id order with no later id ahead of an earlier one, which
 * Ledger.orderEvents guarantees (it reads only once every lower id is committed or gone).
 */
import type * as IoRedis from 'ioredis';
import type { Redis as RedisClient } from 'ioredis';
import { requireClient } from '../require-client.js';
import { CiftError } from '../../errors.js';
import { decodeEvent, encodeEvent } from './codec.js';
import type { Bus, BusEvent, Topic } from './types.js';

/**
 * Adds each (id, event) pair in order in one atomic step. A refused id must already be in the stream with the same
 * bytes (a repeat: the encoding of an outbox row never changes); if it is absent or different, the stream holds
 * entries this outbox did not write (another ledger on the same stream), and the batch fails rather than drop it.
 * The first other error stops the batch, so what was added is a prefix.
 */
const PUBLISH_SCRIPT = `
for i = 1, #ARGV, 2 do
  local r = redis.pcall('XADD', KEYS[1], ARGV[i], 'event', ARGV[i + 1])
  if type(r) == 'table' and r.err then
    if string.find(r.err, 'equal or smaller', 1, true) then
      local held = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
      if #held == 0 then
        return redis.error_reply('CIFT_FOREIGN stream ' .. KEYS[1] .. ' is past entry ' .. ARGV[i] .. ' without holding it')
      end
      if held[1][2][2] ~= ARGV[i + 1] then
        return redis.error_reply('CIFT_FOREIGN stream ' .. KEYS[1] .. ' holds another event as entry ' .. ARGV[i] .. ' (another ledger publishes to it?)')
      end
    else
      return redis.error_reply(r.err)
    end
  end
end
return #ARGV / 2`;

export const entryId = (eventId: bigint): string => `${eventId}-0`;

export class RedisStreamsBus implements Bus {
  readonly kind = 'redis';
  /** A second connection for blocking reads: XREAD BLOCK holds its connection, and publishes must not wait on it. */
  private blocking: RedisClient | undefined;

  private constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    readonly where: string,
  ) {}

  /** Connects lazily (ioredis is loaded only here). Commands fail at once while the server is away, never queue. */
  static async open(url: string, prefix: string, where: string): Promise<RedisStreamsBus> {
    const { Redis } = requireClient('ioredis') as typeof IoRedis;
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      // Keep trying in the background; the relay's own backoff decides when to publish again.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    });
    client.on('error', () => undefined); // failures reach the caller through the command that hit them
    return new RedisStreamsBus(client, prefix, where);
  }

  private key(topic: Topic): string {
    return `${this.prefix}${topic}`;
  }

  private async ready(): Promise<RedisClient> {
    if (this.client.status === 'wait') {
      try {
        await this.client.connect();
      } catch (e) {
        throw this.unavailable(e);
      }
    }
    if (this.client.status !== 'ready') throw new CiftError('STORE_UNAVAILABLE', `bus ${this.where} is unreachable (${this.client.status})`);
    return this.client;
  }

  private unavailable(e: unknown): CiftError {
    if (e instanceof CiftError) return e;
    const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
    if (message.includes('CIFT_FOREIGN')) {
      return new CiftError('STORE_CORRUPT', `bus ${this.where}: ${message.replace(/^.*CIFT_FOREIGN /, '')}`, 'give each ledger its own stream: CIFT_BUS_URL=redis://…?prefix=NAME:');
    }
    return new CiftError('STORE_UNAVAILABLE', `bus ${this.where}: ${message}`);
  }

  async publish(topic: Topic, events: readonly BusEvent[]): Promise<void> {
    if (events.length === 0) return;
    const client = await this.ready();
    const args: Array<string | Buffer> = [];
    for (const e of events) args.push(entryId(e.id), Buffer.from(encodeEvent(e)));
    try {
      await client.eval(PUBLISH_SCRIPT, 1, this.key(topic), ...args);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  async read(topic: Topic, afterId: bigint, limit: number, waitMs = 0): Promise<BusEvent[]> {
    const client = await this.ready();
    const key = this.key(topic);
    try {
      let entries = await client.xrangeBuffer(key, `(${entryId(afterId)}`, '+', 'COUNT', limit);
      if (entries.length === 0 && waitMs > 0) {
        if (!this.blocking) {
          const b = client.duplicate();
          b.on('error', () => undefined);
          await b.connect();
          this.blocking = b;
        }
        const got = await this.blocking.xreadBuffer('COUNT', limit, 'BLOCK', waitMs, 'STREAMS', key, entryId(afterId));
        entries = got?.[0]?.[1] ?? [];
      }
      return entries.map(([, fields]) => {
        const at = fields.findIndex((f, k) => k % 2 === 0 && f.toString() === 'event');
        if (at < 0) throw new CiftError('STORE_CORRUPT', `bus ${this.where}: an entry of ${key} has no "event" field`);
        return decodeEvent(fields[at + 1]);
      });
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  async close(): Promise<void> {
    this.blocking?.disconnect();
    this.client.disconnect();
  }
}
