import { Command } from 'commander';
import { CiftError } from '../src/errors.js';
import { MarketData } from '../src/market-data.js';
import { dec, fmt, type Dec } from '../src/money.js';
import { normalizeSymbol } from '../src/sources/tabular.js';
import { openLedger } from '../src/store/ledger/open.js';
import { ORDER_STATUSES, type Ledger, type Order, type OrderStatus, type Side } from '../src/store/ledger/types.js';
import { DEFAULT_ACCOUNT, DEFAULT_ACCOUNT_SETTINGS, submitOrder } from '../src/trading/orders.js';
import { portfolio } from '../src/trading/portfolio.js';
import { formatTs } from '../src/time.js';
import { uiFrom } from './context.js';
import { examples, paint, printJson, printTable, type Ui } from './ui.js';

interface AccountFlags {
  account: string;
}

/** Opens the ledger and the account (created with the defaults on first use), runs `work`, always closes. */
async function withAccount<T>(ui: Ui, name: string, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new CiftError('USAGE', `account "${name}" is not a valid name`, 'letters, digits, . _ - (at most 64)');
  const ledger = await openLedger(ui.settings);
  try {
    await ledger.ensureAccount(name, DEFAULT_ACCOUNT_SETTINGS);
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

export function orderJson(o: Order, duplicate?: boolean): Record<string, unknown> {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    account: o.account,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: fmt(o.quantity),
    status: o.status,
    reject_codes: o.rejectCodes,
    reject_reason: o.rejectReason ?? null,
    created_at: formatTs(o.createdNs),
    fill: o.fill ? { price: fmt(o.fill.price), quantity: fmt(o.fill.quantity), fee: fmt(o.fill.fee), price_source: o.fill.priceSource, filled_at: formatTs(o.fill.filledNs) } : null,
    ...(duplicate === undefined ? {} : { duplicate }),
  };
}

function parseQuantity(text: string): Dec {
  let q: Dec;
  try {
    q = dec(text);
  } catch {
    throw new CiftError('USAGE', `quantity "${text}" is not a number`);
  }
  if (!(q > 0n)) throw new CiftError('USAGE', `quantity "${text}" must be positive`);
  return q;
}

interface SubmitFlags extends AccountFlags {
  clientId?: string;
  allowShort?: boolean;
  slippage: string;
  maxQuoteAge?: string;
}

function submitCommand(side: Side): Command {
  return new Command(side)
    .description(`submit a market ${side} order: risk-checked, filled at the latest stored ${side === 'buy' ? 'ask' : 'bid'} (else last trade, else last close)`)
    .argument('<symbol>', 'a stored or shipped symbol')
    .argument('<quantity>', 'units, e.g. 10 or 0.5')
    .option('--client-id <id>', 'your order id; resubmitting it returns the original order')
    .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
    .option('--allow-short', side === 'sell' ? 'let a sell larger than the position open a short' : 'allowed for symmetry; buys never short')
    .option('--slippage <bps>', 'adverse slippage on the fill price, basis points', '0')
    .option('--max-quote-age <seconds>', 'reject when the latest price is older than this (off: prices are historical)')
    .addHelpText('after', examples([`cift order ${side} AAPL 10`, `cift order ${side} AAPL 10 --client-id my-order-1 --json`, `cift order ${side} GOOG 5 --account research --slippage 2`]))
    .action(async (symbolText: string, qtyText: string, flags: SubmitFlags, cmd: Command) => {
      const ui = uiFrom(cmd);
      const symbol = normalizeSymbol(symbolText);
      const quantity = parseQuantity(qtyText);
      const slippageBps = Number(flags.slippage);
      if (!(slippageBps >= 0)) throw new CiftError('USAGE', `--slippage "${flags.slippage}" must be basis points ≥ 0`);
      const maxQuoteAgeSeconds = flags.maxQuoteAge === undefined ? undefined : Number(flags.maxQuoteAge);
      if (maxQuoteAgeSeconds !== undefined && !(maxQuoteAgeSeconds > 0)) throw new CiftError('USAGE', `--max-quote-age "${flags.maxQuoteAge}" must be seconds > 0`);
      const market = await MarketData.open(ui.settings);
      const result = await withAccount(ui, flags.account, (ledger) =>
        submitOrder(ledger, market, { account: flags.account, symbol, side, quantity, clientOrderId: flags.clientId, allowShort: flags.allowShort, slippageBps, maxQuoteAgeSeconds }),
      );
      const o = result.order;
      if (ui.json) printJson(orderJson(o, result.duplicate));
      else if (o.status === 'filled') {
        process.stdout.write(
          `${paint(ui, 'green', 'filled')} order ${o.id}${result.duplicate ? ' (already submitted)' : ''}: ${o.side} ${fmt(o.quantity)} ${o.symbol} @ ${fmt(o.fill!.price)} (${o.fill!.priceSource}), fee ${fmt(o.fill!.fee)}\n`,
        );
      }
      if (o.status === 'rejected') {
        throw new CiftError('ORDER_REJECTED', `order ${o.id} rejected: ${o.rejectReason}`);
      }
    });
}

function printOrders(ui: Ui, orders: Order[]): void {
  if (ui.json) return printJson(orders.map((o) => orderJson(o)));
  printTable(
    ui,
    ['id', 'client id', 'symbol', 'side', 'qty', 'status', 'price', 'fee', 'created', 'reject'],
    orders.map((o) => [o.id, o.clientOrderId.slice(0, 18), o.symbol, o.side, fmt(o.quantity), o.status, o.fill ? fmt(o.fill.price) : '', o.fill ? fmt(o.fill.fee) : '', formatTs(o.createdNs).slice(0, 19), o.rejectCodes.join(',')]),
  );
}

const cancel = new Command('cancel')
  .description('cancel an order that has not filled (market orders fill or are rejected at once)')
  .argument('<id>', 'order id')
  .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
  .addHelpText('after', examples(['cift order cancel 42']))
  .action(async (id: string, flags: AccountFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const order = await withAccount(ui, flags.account, (ledger) => ledger.cancel(flags.account, id));
    if (ui.json) printJson(orderJson(order));
    else process.stdout.write(`canceled order ${order.id}\n`);
  });

const list = new Command('list')
  .description('list orders, oldest first')
  .option('--status <status>', `only ${ORDER_STATUSES.join(', ')}`)
  .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
  .addHelpText('after', examples(['cift order list', 'cift order list --status rejected --json']))
  .action(async (flags: AccountFlags & { status?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (flags.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(flags.status)) {
      throw new CiftError('USAGE', `--status "${flags.status}" is not one of ${ORDER_STATUSES.join(', ')}`);
    }
    printOrders(ui, await withAccount(ui, flags.account, (ledger) => ledger.orders(flags.account, flags.status as OrderStatus | undefined)));
  });

const positions = new Command('positions')
  .description('open and closed positions: quantity, average cost, realized P&L')
  .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
  .addHelpText('after', examples(['cift order positions', 'cift order positions --json']))
  .action(async (flags: AccountFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const rows = await withAccount(ui, flags.account, (ledger) => ledger.positions(flags.account));
    if (ui.json) return printJson(rows.map((p) => ({ symbol: p.symbol, quantity: fmt(p.quantity), avg_cost: fmt(p.avgCost), realized_pnl: fmt(p.realizedPnl) })));
    printTable(ui, ['symbol', 'quantity', 'avg cost', 'realized P&L'], rows.map((p) => [p.symbol, fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl)]), ['left', 'right', 'right', 'right']);
  });

const portfolioCommand = new Command('portfolio')
  .description('positions at the latest prices, P&L, cash, equity, buying power and gross leverage')
  .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
  .addHelpText('after', examples(['cift order portfolio', 'cift order portfolio --account research --json']))
  .action(async (flags: AccountFlags, cmd: Command) => {
    const ui = uiFrom(cmd);
    const market = await MarketData.open(ui.settings);
    const p = await withAccount(ui, flags.account, async (ledger) => portfolio(ledger, market, (await ledger.getAccount(flags.account))!));
    const money = (d: Dec | undefined) => (d === undefined ? null : fmt(d));
    const summary = {
      account: p.account.name,
      currency: p.account.currency,
      cash: fmt(p.cash),
      equity: fmt(p.equity),
      gross_exposure: fmt(p.grossExposure),
      buying_power: fmt(p.buyingPower),
      gross_leverage: money(p.grossLeverage),
      unrealized_pnl: fmt(p.unrealizedPnl),
      realized_pnl: fmt(p.realizedPnl),
    };
    const rows = p.positions.map((x) => ({ symbol: x.symbol, quantity: fmt(x.quantity), avg_cost: fmt(x.avgCost), last: money(x.last), market_value: fmt(x.marketValue), unrealized_pnl: fmt(x.unrealizedPnl), realized_pnl: fmt(x.realizedPnl) }));
    if (ui.json) return printJson({ ...summary, positions: rows });
    printTable(ui, ['symbol', 'quantity', 'avg cost', 'last', 'market value', 'unrealized', 'realized'], rows.map((r) => [r.symbol, r.quantity, r.avg_cost, r.last ?? '', r.market_value, r.unrealized_pnl, r.realized_pnl]));
    printTable(ui, ['account', 'value'], Object.entries(summary).map(([k, v]) => [k, v ?? '']), ['left', 'right']);
  });

const limits = new Command('limits')
  .description("show or set an account's risk limits and fee rate")
  .option('--account <name>', 'paper account', DEFAULT_ACCOUNT)
  .option('--max-position <units>', 'largest absolute position per symbol')
  .option('--max-order-notional <amount>', 'largest order value')
  .option('--max-leverage <ratio>', 'largest gross exposure ÷ equity (1 = cash account)')
  .option('--fee-rate <rate>', 'fee per unit of traded value (0.0005 = 5 bps)')
  .addHelpText('after', examples(['cift order limits', 'cift order limits --max-position 500 --max-leverage 2 --fee-rate 0.0005']))
  .action(async (flags: AccountFlags & { maxPosition?: string; maxOrderNotional?: string; maxLeverage?: string; feeRate?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const positive = (text: string | undefined, flag: string, allowZero = false): Dec | undefined => {
      if (text === undefined) return undefined;
      const v = dec(text);
      if (allowZero ? v < 0n : v <= 0n) throw new CiftError('USAGE', `${flag} "${text}" must be ${allowZero ? '≥ 0' : 'positive'}`);
      return v;
    };
    const update = {
      maxPositionQty: positive(flags.maxPosition, '--max-position'),
      maxOrderNotional: positive(flags.maxOrderNotional, '--max-order-notional'),
      maxLeverage: positive(flags.maxLeverage, '--max-leverage'),
      feeRate: positive(flags.feeRate, '--fee-rate', true),
    };
    const a = await withAccount(ui, flags.account, (ledger) => ledger.setLimits(flags.account, update));
    const view = { account: a.name, max_position: fmt(a.maxPositionQty), max_order_notional: fmt(a.maxOrderNotional), max_leverage: fmt(a.maxLeverage), fee_rate: fmt(a.feeRate) };
    if (ui.json) printJson(view);
    else printTable(ui, ['limit', 'value'], Object.entries(view), ['left', 'right']);
  });

export const orderCommand = new Command('order')
  .description('paper trading on an ACID ledger (embedded DuckDB, or PostgreSQL with CIFT_DATABASE_URL)')
  .addCommand(submitCommand('buy'))
  .addCommand(submitCommand('sell'))
  .addCommand(cancel)
  .addCommand(list)
  .addCommand(positions)
  .addCommand(portfolioCommand)
  .addCommand(limits)
  .addHelpText('after', examples(['cift order buy AAPL 10', 'cift order sell AAPL 4 --json', 'cift order positions', 'cift order portfolio', 'CIFT_DATABASE_URL=postgres://… cift order list']));
