/** The in-process bus (the default): a list per topic, in this process only. */
import type { Bus, BusEvent, Topic } from './types.js';

export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly where = 'in-process';
  private readonly topics = new Map<Topic, BusEvent[]>();
  private readonly waiters = new Set<() => void>();

  async publish(topic: Topic, events: readonly BusEvent[]): Promise<void> {
    const list = this.topics.get(topic) ?? [];
    this.topics.set(topic, list);
    for (const e of events) {
      // An id already here (a repeated publish) is skipped: the id is the identity, as on Redis.
      if (list.length && e.id <= list[list.length - 1].id) continue;
      list.push(e);
    }
    for (const wake of this.waiters) wake();
  }

  async read(topic: Topic, afterId: bigint, limit: number, waitMs = 0): Promise<BusEvent[]> {
    const take = () => (this.topics.get(topic) ?? []).filter((e) => e.id > afterId).slice(0, limit);
    const now = take();
    if (now.length || waitMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const done = () => (clearTimeout(timer), this.waiters.delete(done), resolve());
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
    });
    return take();
  }

  async close(): Promise<void> {}
}
