/**
 * CIFT_BUS_URL: unset or memory:// → the in-process bus; redis://[user:pass@]host[:port][/db][?prefix=p] → Redis
 * Streams (stream key `<prefix>cift.orders`); kafka://broker1[:port],broker2… → Kafka. A bad value is one line
 * naming CIFT_BUS_URL.
 */
import { CiftError } from '../../errors.js';

export type BusTarget = { kind: 'memory' } | { kind: 'redis'; url: string; prefix: string; where: string } | { kind: 'kafka'; brokers: string[]; where: string };

const HINT = 'CIFT_BUS_URL=redis://127.0.0.1:6379 or kafka://broker1:9092,broker2:9092 (unset: the in-process bus)';

export function parseBusUrl(text: string | undefined): BusTarget {
  const raw = (text ?? '').trim();
  if (raw === '' || raw === 'memory://' || raw === 'memory') return { kind: 'memory' };
  const bad = (why: string) => new CiftError('USAGE', `CIFT_BUS_URL "${redact(raw)}" ${why}`, HINT);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw bad('is not a valid URL');
    }
    if (!u.hostname) throw bad('has no host');
    if (u.port && !(Number(u.port) > 0 && Number(u.port) < 65536)) throw bad(`has a bad port "${u.port}"`);
    const db = u.pathname.replace(/^\//, '');
    if (db !== '' && !/^\d+$/.test(db)) throw bad(`has a bad database "${db}" (a number, e.g. /0)`);
    const prefix = u.searchParams.get('prefix') ?? '';
    u.search = '';
    return { kind: 'redis', url: u.toString(), prefix, where: `redis://${u.host}${db ? `/${db}` : ''}${prefix ? `?prefix=${prefix}` : ''}` };
  }
  if (scheme === 'kafka') {
    const list = raw.slice('kafka://'.length).replace(/\/$/, '');
    const brokers = list.split(',').map((b) => b.trim());
    if (list === '' || brokers.some((b) => b === '')) throw bad('names no broker (kafka://host:port[,host:port…])');
    for (const b of brokers) {
      const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d+))?$/.exec(b);
      if (!m) throw bad(`has a bad broker "${b}" (host:port)`);
      if (m[2] !== undefined && !(Number(m[2]) > 0 && Number(m[2]) < 65536)) throw bad(`has a bad port in broker "${b}"`);
    }
    return { kind: 'kafka', brokers: brokers.map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`)), where: `kafka://${brokers.join(',')}` };
  }
  throw bad(scheme ? `has an unknown scheme "${scheme}://" (redis:// or kafka://)` : 'is not a URL (redis://… or kafka://…)');
}

/** The URL without its password, for messages. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
