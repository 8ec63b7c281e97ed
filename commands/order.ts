import { Command } from './commander.js';
import { CiftError } from '../src/errors.js';
import { PRICE_KINDS } from '../src/market-data.js';
import { add, dec, fmt, ZERO } from '../src/money.js';
import { normalizeSymbol } from '../src/schema.js';
import { ORDER_STATUSES, type OrderStatus, type OrderType, type Side, type TimeInForce } from '../src/store/ledger/types.js';
import { parseTimestamp } from '../src/time.js';
import { checkAccountName } from '../src/trading/accounts.js';
import { readQuantity } from '../src/usecases/orders.js';
import { parseBusUrl } from '../src/store/bus/url.js';
import { publishPending } from '../src/usecases/events.js';
import { forwardTarget } from '../src/usecases/trading-service.js';
import { orderJson, type OrderJson } from '../src/usecases/views.js';
import { uiFrom } from './context.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { lazySchema, numberFlag, parseFlags } from './flags.js';
import { limitsCommand } from './risk.js';
import { accountOption, accountService, decimalFlag, lockTimeoutMs, lockTimeoutOption, lockTimeoutRule, marketOnce, plainService, type AccountFlags, type LedgerFlags } from './trading-options.js';
import { examples, paint, printJson, printTable, type Ui } from './ui.js';

/** The order view, shared with the API (src/usecases/views.ts); re-exported for existing importers. */
export { orderJson };

const SubmitFlags = lazySchema((z) => z.object({
  slippage: numberFlag('must be basis points in [0, 10000)', (v) => v >= 0 && v < 10_000),
  maxQuoteAge: numberFlag('must be seconds > 0', (v) => v > 0).optional(),
  clientId: z
    .string()
    .refine((v) => v.trim() !== '', { message: 'is empty: give an id, or leave --client-id out for a generated one' })
    .refine((v) => v.length <= 128, { message: 'is longer than 128 characters' })
    .optional(),
  lockTimeout: lockTimeoutRule(),
  limit: decimalFlag('must be a price > 0', (v) => v > 0n).optional(),
  stop: decimalFlag('must be a price > 0', (v) => v > 0n).optional(),
  tif: z.enum(['day', 'gtc', 'ioc', 'fok'], { message: 'must be day, gtc, ioc or fok' }).optional(),
  at: z
    .string()
    .transform((text, ctx) => {
      const ns = parseTimestamp(text);
      if (ns === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not a time (e.g. 2012-06-21T13:30:00Z; a time without an offset is UTC)' });
        return z.NEVER;
      }
      return ns;
    })
    .optional(),
}), {
  // commander's defaults (--slippage 0, --lock-timeout 10, --tif day; the rest unset): `cift order buy AAPL 10` loads no zod.
  flags: { slippage: '0', maxQuoteAge: undefined, clientId: undefined, lockTimeout: '10', limit: undefined, stop: undefined, tif: 'day', at: undefined },
  parsed: { slippage: 0, lockTimeout: 10, tif: 'day' },
});

interface SubmitFlags extends AccountFlags, SourceFlag {
  clientId?: string;
  allowShort?: boolean;
  slippage: string;
  maxQuoteAge?: string;
  limit?: string;
  stop?: string;
  tif?: string;
  at?: string;
}

/** The order type the price flags name: --limit → limit, --stop → stop, both → stop_limit, neither → market. */
const typeOf = (limit: unknown, stop: unknown): OrderType => (limit !== undefined ? (stop !== undefined ? 'stop_limit' : 'limit') : stop !== undefined ? 'stop' : 'market');

/** One line for an order after a submit, match or cancel. */
export function describeOrder(ui: Ui, o: OrderJson): string {
  const price = o.type === 'market' ? '' : `${o.stop_price ? ` stop ${o.stop_price}` : ''}${o.limit_price ? ` limit ${o.limit_price}` : ''} ${o.tif}`;
  const filled = o.filled_avg_price ? `, filled ${o.filled_quantity} @ ${o.filled_avg_price} avg` : '';
  const color = o.status === 'filled' ? 'green' : o.status === 'rejected' || o.status === 'expired' || o.status === 'canceled' ? 'red' : 'yellow';
  return `${paint(ui, color, o.status)} order ${o.id}: ${o.side} ${o.quantity} ${o.symbol}${price}${filled}`;
}

function submitCommand(side: Side): Command {
  return new Command(side)
    .description(`submit a market ${side} order: risk-checked, filled at the latest stored ${side === 'buy' ? 'ask' : 'bid'} (else last trade, else last close)`)
    .argument('<symbol>', 'a stored or shipped symbol')
    .argument('<quantity>', 'units, e.g. 10 or 0.5')
    .option('--client-id <id>', 'your order id: resubmitting the same order returns the original; another order under it is refused')
    .addOption(accountOption())
    .option('--allow-short', side === 'sell' ? 'let a sell larger than the position open a short' : 'allowed for symmetry; buys never short')
    .option('--slippage <bps>', 'adverse slippage on the fill price, basis points', '0')
    .option('--max-quote-age <seconds>', 'reject when the latest price is older than this (off: prices are historical)')
    .option('--limit <price>', `limit order: ${side === 'buy' ? 'buy at the ask when ask ≤ price' : 'sell at the bid when bid ≥ price'}; else it rests (with --stop: stop-limit)`)
    .option('--stop <price>', `stop order: becomes a market (with --limit: limit) order once a trade or the ${side === 'buy' ? 'ask reaches ≥' : 'bid reaches ≤'} price`)
    .option('--tif <tif>', 'time in force: day (expires at 16:00 New York), gtc, ioc (fill what can now, cancel the rest), fok (all now or nothing)', 'day')
    .option('--at <time>', 'place the order at this earlier market time (ISO-8601; a what-if on stored history) instead of the latest stored price time')
    .addOption(lockTimeoutOption())
    .addOption(sourceOption())
    .addHelpText(
      'after',
      examples([
        `cift order ${side} AAPL 10`,
        `cift order ${side} AAPL 10 --limit 575.5`,
        `cift order ${side} AAPL 10 --limit 579 --at 2012-06-21T13:30:00Z --tif gtc`,
        `cift order ${side} AAPL 10 --stop 580 --limit 581`,
        `cift order ${side} AAPL 10 --client-id my-order-1 --json`,
        `cift order ${side} GOOG 5 --account research --slippage 2`,
      ]),
    )
    .action(async (symbolText: string, qtyText: string, flags: SubmitFlags, cmd: Command) => {
      const ui = uiFrom(cmd);
      const symbol = normalizeSymbol(symbolText);
      const quantity = readQuantity(qtyText);
      const f = parseFlags(SubmitFlags, flags as unknown as Record<string, unknown>);
      const market = marketOnce(ui, flags.source);
      const service = accountService(ui, flags, market, flags.source);
      await noteOrigin(await market(), symbol, PRICE_KINDS);
      parseBusUrl(ui.settings.busUrl); // a bad CIFT_BUS_URL fails before the order, not after it
      const type = typeOf(f.limit, f.stop);
      const result = await service.submit({
        account: flags.account,
        symbol,
        side,
        quantity,
        clientOrderId: f.clientId,
        allowShort: flags.allowShort,
        slippageBps: f.slippage,
        maxQuoteAgeSeconds: f.maxQuoteAge,
        type,
        limitPrice: f.limit,
        stopPrice: f.stop,
        tif: f.tif as TimeInForce | undefined,
        atNs: f.at,
      });
      if (!result.duplicate) await publishEvents(ui, f.lockTimeout);
      const o = result.order;
      if (ui.json) printJson(o);
      else if (o.type !== 'market' && !result.rejected) process.stdout.write(`${describeOrder(ui, o)}${result.duplicate ? ' (already submitted)' : ''}\n`);
      else if (o.fill) {
        process.stdout.write(
          `${paint(ui, 'green', 'filled')} order ${o.id}${result.duplicate ? ' (already submitted)' : ''}: ${o.side} ${o.quantity} ${o.symbol} @ ${o.fill.price} (${o.fill.price_source}), fee ${o.fill.fee}\n`,
        );
      }
      if (result.rejected) {
        throw new CiftError('ORDER_REJECTED', `order ${o.id} rejected: ${o.reject_reason}`);
      }
    });
}

/**
 * After a command changed orders, publishes the outbox to the bus CIFT_BUS_URL names (briefly: the order is
 * committed already and stands whatever the bus does). A bus that does not answer leaves the events in the
 * outbox for the next command or `cift serve`, said once on stderr. Work sent to a running server is published
 * by its relay.
 */
async function publishEvents(ui: Ui, lockTimeoutSeconds: number): Promise<void> {
  if (!ui.settings.busUrl || forwardTarget(ui.settings)) return;
  const note = (why: string) => process.stderr.write(`${paint({ color: ui.color && Boolean(process.stderr.isTTY) }, 'yellow', 'note:')} order events wait in the outbox: ${why}; the next order command or cift serve publishes them\n`);
  try {
    const r = await publishPending(ui.settings, { lockTimeoutMs: lockTimeoutSeconds * 1000 });
    if (r?.pending) note(`${r.where} did not take them (${(r.error as Error)?.message ?? r.error})`);
  } catch (e) {
    note((e as Error).message ?? String(e));
  }
}

function printOrders(ui: Ui, orders: OrderJson[]): void {
  if (ui.json) return printJson(orders);
  printTable(
    ui,
    ['id', 'client id', 'symbol', 'side', 'type', 'qty', 'status', 'limit', 'stop', 'tif', 'filled', 'avg price', 'fee', 'created', 'reject'],
    orders.map((o) => [
      o.id,
      o.client_order_id.slice(0, 18),
      o.symbol,
      o.side,
      o.type,
      o.quantity,
      o.status,
      o.limit_price ?? '',
      o.stop_price ?? '',
      o.tif ?? '',
      o.filled_quantity,
      o.filled_avg_price ?? '',
      (o.fills ?? []).length ? fmt((o.fills ?? []).reduce((t, f) => add(t, dec(f.fee)), ZERO)) : '',
      o.created_at.slice(0, 19),
      o.reject_codes.join(','),
    ]),
  );
}

const match = new Command('match')
  .description("fill resting orders against the stored quotes (and trades, for stops) after each order's placement, in (ts, seq) order; expire day orders past 16:00 New York")
  .argument('[symbol]', 'only this symbol (default: every symbol with resting orders)')
  .addOption(lockTimeoutOption())
  .addOption(sourceOption())
  .addHelpText('after', examples(['cift order match', 'cift order match AAPL --json', '# with `cift serve` running on this $CIFT_HOME the match is sent to it (its replayed symbols are matched by the replay)']))
  .action(async (symbolText: string | undefined, flags: LedgerFlags & SourceFlag, cmd: Command) => {
    const ui = uiFrom(cmd);
    const symbol = symbolText === undefined ? undefined : normalizeSymbol(symbolText);
    const lockTimeout = lockTimeoutMs(flags) / 1000;
    // Sent to the `cift serve` holding this home's ledger when one runs (POST /api/v1/trading/orders/match), as the
    // other order commands are; else matched here.
    const result = await plainService(ui, flags, marketOnce(ui, flags.source), flags.source).match(symbol);
    if (result.changes.length) await publishEvents(ui, lockTimeout);
    if (ui.json) return printJson(result);
    if (result.changes.length === 0) process.stdout.write(`no fills or expiries (${result.updates} quotes and trades after the resting orders of ${result.symbols.join(', ') || 'no symbol'})\n`);
    for (const c of result.changes) process.stdout.write(`${describeOrder(ui, c.order)}\n`);
  });

const cancel = new Command('cancel')
  .description('cancel an open or partially filled order, releasing its reserved buying power')
  .argument('<id>', 'order id')
  .addOption(accountOption())
  .addOption(lockTimeoutOption())
  .addHelpText('after', examples(['cift order cancel 42']))
  .action(async (id: string, flags: AccountFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    parseBusUrl(ui.settings.busUrl);
    const order = await accountService(ui, flags).cancel(flags.account, id);
    await publishEvents(ui, lockTimeoutMs(flags) / 1000);
    if (ui.json) printJson(order);
    else process.stdout.write(`canceled order ${order.id}${order.filled_quantity !== '0.000000' ? ` (${order.filled_quantity} filled before)` : ''}\n`);
  });

const list = new Command('list')
  .description('list orders, oldest first')
  .option('--status <status>', `only ${ORDER_STATUSES.join(', ')}`)
  .addOption(accountOption())
  .addOption(lockTimeoutOption())
  .addHelpText('after', examples(['cift order list', 'cift order list --status rejected --json']))
  .action(async (flags: AccountFlags & { status?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (flags.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(flags.status)) {
      throw new CiftError('USAGE', `--status "${flags.status}" is not one of ${ORDER_STATUSES.join(', ')}`);
    }
    printOrders(ui, await accountService(ui, flags).list(flags.account, { status: flags.status as OrderStatus | undefined }));
  });

const positions = new Command('positions')
  .description('open and closed positions: quantity, average cost, realized P&L')
  .addOption(accountOption())
  .addOption(lockTimeoutOption())
  .addHelpText('after', examples(['cift order positions', 'cift order positions --json']))
  .action(async (flags: AccountFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const rows = await accountService(ui, flags).positions(flags.account);
    if (ui.json) return printJson(rows);
    printTable(ui, ['symbol', 'quantity', 'avg cost', 'realized P&L'], rows.map((p) => [p.symbol, p.quantity, p.avg_cost, p.realized_pnl]), ['left', 'right', 'right', 'right']);
  });

const portfolioCommand = new Command('portfolio')
  .description('positions at the latest prices, P&L, cash, equity, buying power and gross leverage')
  .addOption(accountOption())
  .addOption(lockTimeoutOption())
  .addOption(sourceOption())
  .addHelpText('after', examples(['cift order portfolio', 'cift order portfolio --account research --json', 'cift order portfolio --source shipped']))
  .action(async (flags: AccountFlags & SourceFlag, cmd: Command) => {
    const ui = uiFrom(cmd);
    const market = marketOnce(ui, flags.source);
    const view = await accountService(ui, flags, market, flags.source).portfolio(flags.account);
    for (const position of view.positions) if (position.quantity !== '0.000000') await noteOrigin(await market(), position.symbol, PRICE_KINDS);
    const { positions: rows, ...summary } = view;
    if (ui.json) return printJson(view);
    printTable(ui, ['symbol', 'quantity', 'avg cost', 'last', 'market value', 'unrealized', 'realized'], rows.map((r) => [r.symbol, r.quantity, r.avg_cost, r.last ?? '', r.market_value, r.unrealized_pnl, r.realized_pnl]));
    printTable(ui, ['account', 'value'], Object.entries(summary).map(([k, v]) => [k, v ?? '']), ['left', 'right']);
  });

const CreateAccountFlags = lazySchema((z) => z.object({ cash: decimalFlag('must be an amount ≥ 0', (v) => v >= 0n).optional() }));

const createAccountCommand = new Command('create')
  .description('open a paper account with its own cash (default 100000) and the default limits')
  .argument('<name>', 'letters, digits, . _ - (at most 64)')
  .option('--cash <amount>', 'opening cash deposit', '100000')
  .addOption(lockTimeoutOption())
  .addHelpText('after', examples(['cift order accounts create research', 'cift order accounts create fx --cash 250000 --json']))
  .action(async (name: string, flags: LedgerFlags & { cash?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    checkAccountName(name);
    const { cash } = parseFlags(CreateAccountFlags, flags as unknown as Record<string, unknown>);
    const a = await plainService(ui, flags).createAccount(name, cash);
    if (ui.json) printJson(a);
    else process.stdout.write(`created account ${a.name} with ${a.cash} ${a.currency}\n`);
  });

const listAccountsCommand = new Command('list')
  .description('every paper account: cash, fee rate and limits')
  .addOption(lockTimeoutOption())
  .addHelpText('after', examples(['cift order accounts list', 'cift order accounts list --json']))
  .action(async (flags: LedgerFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const rows = await plainService(ui, flags).listAccounts();
    if (ui.json) return printJson(rows);
    printTable(
      ui,
      ['account', 'currency', 'cash', 'fee rate', 'max position', 'max order notional', 'max leverage', 'created'],
      rows.map((r) => [r.name, r.currency, r.cash, r.fee_rate, r.max_position, r.max_order_notional, r.max_leverage, r.created_at.slice(0, 19)]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
    );
  });

const accountsCommand = new Command('accounts')
  .description('create and list paper accounts (the default "paper" account is created on first use)')
  .addCommand(createAccountCommand)
  .addCommand(listAccountsCommand)
  .addHelpText('after', examples(['cift order accounts create research --cash 50000', 'cift order accounts list', 'cift order buy AAPL 10 --account research']));

export const orderCommand = new Command('order')
  .description('paper trading on an ACID ledger (embedded DuckDB, or PostgreSQL with CIFT_DATABASE_URL)')
  .addCommand(submitCommand('buy'))
  .addCommand(submitCommand('sell'))
  .addCommand(cancel)
  .addCommand(match)
  .addCommand(list)
  .addCommand(positions)
  .addCommand(portfolioCommand)
  // `cift order limits` stays as an alias of `cift risk limits`: the same command, built by the same function.
  .addCommand(limitsCommand('order'))
  .addCommand(accountsCommand)
  .addHelpText('after', examples(['cift order buy AAPL 10', 'cift order buy AAPL 10 --limit 579 --at 2012-06-21T13:30:00Z', 'cift order match AAPL', 'cift order sell AAPL 4 --json', 'cift order positions', 'cift order portfolio', 'cift order accounts create research --cash 50000', 'CIFT_DATABASE_URL=postgres://… cift order list']));
