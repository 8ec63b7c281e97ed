/** `cift events tail`: order events as the bus carries them (or the outbox, when the bus is in-process). */
import { Command, Option } from './commander.js';
import { eventJson, openEventReader, type EventJson } from '../src/usecases/events.js';
import { uiFrom } from './context.js';
import { lazySchema, numberFlag, parseFlags, positiveInt } from './flags.js';
import { examples, paint, type Ui } from './ui.js';

const TailFlags = lazySchema((z) => z.object({
  from: z
    .string()
    .refine((v) => /^\d{1,19}$/.test(v), { message: 'must be an event id (a whole number ≥ 0)' })
    .transform((v) => BigInt(v))
    .optional(),
  limit: positiveInt().optional(),
  lockTimeout: numberFlag('must be seconds ≥ 0', (v) => v >= 0),
}));

interface Order {
  symbol?: string;
  side?: string;
  quantity?: string;
  status?: string;
}

const KIND_STYLE = { filled: 'green', partially_filled: 'green', rejected: 'red', canceled: 'yellow', expired: 'yellow', accepted: 'cyan' } as const;

/** One aligned line: id, time, account, kind, order id, symbol, side, quantity, order status. */
function line(ui: Ui, e: EventJson): string {
  const o = (e.order ?? {}) as Order;
  const kind = e.kind.padEnd(16);
  return [e.id.padStart(6), e.created_at, e.account.padEnd(10), paint(ui, KIND_STYLE[e.kind as keyof typeof KIND_STYLE] ?? 'dim', kind), `order ${e.order_id}`.padEnd(12), (o.symbol ?? '').padEnd(6), (o.side ?? '').padEnd(4), (o.quantity ?? '').padStart(14), o.status ?? ''].join('  ');
}

const tail = new Command('tail')
  .description('print order events in id order: from the bus CIFT_BUS_URL names, or from the ledger outbox when the bus is in-process')
  .option('--from <id>', 'start after this event id (default: the first event)')
  .option('--follow', 'keep waiting for new events (Ctrl-C to stop)')
  .option('--limit <n>', 'stop after this many events')
  .addOption(new Option('--lock-timeout <seconds>', 'how long to wait for a process that keeps the ledger busy').default('10').env('CIFT_LOCK_TIMEOUT'))
  .addHelpText(
    'after',
    examples(['cift events tail', 'cift events tail --from 120 --json', 'cift events tail --follow', 'CIFT_BUS_URL=redis://127.0.0.1:6379 cift events tail --json --limit 10']),
  )
  .action(async (flags: { from?: string; follow?: boolean; limit?: string; lockTimeout: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const f = parseFlags(TailFlags, flags as unknown as Record<string, unknown>);
    const reader = await openEventReader(ui.settings, { lockTimeoutMs: f.lockTimeout * 1000 });
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGINT', onSignal);
    try {
      let after = f.from ?? 0n;
      let left = f.limit ?? Number.POSITIVE_INFINITY;
      while (!stop && left > 0) {
        const events = await reader.read(after, Math.min(500, left), flags.follow ? 1000 : 0);
        for (const e of events) {
          const view = eventJson(e);
          process.stdout.write(ui.json ? `${JSON.stringify(view)}\n` : `${line(ui, view)}\n`);
          after = e.id;
          left--;
        }
        if (events.length === 0 && !flags.follow) break;
      }
    } finally {
      process.off('SIGINT', onSignal);
      await reader.close();
    }
  });

export const eventsCommand = new Command('events')
  .description('order events (accepted, rejected, filled, partially filled, canceled, expired) as other programs receive them')
  .addCommand(tail)
  .addHelpText('after', examples(['cift events tail', 'CIFT_BUS_URL=redis://127.0.0.1:6379 cift events tail --follow --json']));
