/** Opens the bus CIFT_BUS_URL names (Settings.busUrl); the Redis and Kafka clients are loaded only here, lazily. */
import type { Settings } from '../../config.js';
import { MemoryBus } from './memory.js';
import type { Bus } from './types.js';
import { parseBusUrl } from './url.js';

export async function openBus(settings: Pick<Settings, 'busUrl'>): Promise<Bus> {
  const target = parseBusUrl(settings.busUrl);
  if (target.kind === 'redis') return (await import('./redis-streams.js')).RedisStreamsBus.open(target.url, target.prefix, target.where);
  if (target.kind === 'kafka') return (await import('./kafka.js')).KafkaBus.open(target.brokers, target.where);
  return new MemoryBus();
}

/** Whether a bus outside this process is configured (events then leave the outbox). */
export const externalBus = (settings: Pick<Settings, 'busUrl'>): boolean => parseBusUrl(settings.busUrl).kind !== 'memory';
