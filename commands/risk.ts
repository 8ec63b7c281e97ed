/**
 * `cift risk`: pre-trade risk without trading (check, max-size), the account's limits, and a risk report with
 * historical VaR/ES. Parse → use-case (src/usecases/risk.ts, risk-report.ts) → render; the JSON bodies are the
 * API's (POST /api/v1/trading/risk/check, GET …/risk/max-order-size/:symbol).
 */
import { Command, Option } from './commander.js';
import { CiftError } from '../src/errors.js';
import { PRICE_KINDS } from '../src/market-data.js';
import { parseExact } from '../src/money.js';
import { normalizeSymbol } from '../src/schema.js';
import type { AccountLimits, Side } from '../src/store/ledger/types.js';
import { readQuantity } from '../src/usecases/orders.js';
import type { RiskCheckJson } from '../src/usecases/risk.js';
import { DEFAULT_VAR_WINDOW, SCORE_FORMULA, VAR_METHOD, VAR_QUANTILE, type RiskReportJson } from '../src/usecases/risk-report.js';
import { openRiskService, type RiskService } from '../src/usecases/risk-service.js';
import { checkAccountName } from '../src/trading/accounts.js';
import { uiFrom } from './context.js';
import { lazySchema, numberFlag, parseFlags, positiveInt } from './flags.js';
import { noteOrigin, sourceOption, type SourceFlag } from './source-flag.js';
import { accountOption, accountService, decimalFlag, lockTimeoutMs, lockTimeoutOption, marketOnce, type AccountFlags } from './trading-options.js';
import { examples, paint, printJson, printTable, type Ui } from './ui.js';

const positiveAmount = () => decimalFlag('must be positive', (v) => v > 0n);
const LimitFlags = lazySchema((z) => z.object({
  maxPosition: positiveAmount().optional(),
  maxOrderNotional: positiveAmount().optional(),
  maxLeverage: positiveAmount().optional(),
  // "none" lifts the limit (null); a number is the share of equity, 0.25 = 25 %.
  maxConcentration: z
    .string()
    .transform((text, ctx) => {
      if (text === 'none') return null;
      const r = parseExact(text);
      if (r.ok && r.value > 0n) return r.value;
      ctx.addIssue({ code: 'custom', message: 'must be a share of equity > 0 (0.25 = 25 %), or none' });
      return z.NEVER;
    })
    .optional(),
  feeRate: decimalFlag('must be a rate ≥ 0 (0.0005 = 5 bps)', (v) => v >= 0n).optional(),
}));

interface LimitOptionFlags extends AccountFlags {
  maxPosition?: string;
  maxOrderNotional?: string;
  maxLeverage?: string;
  maxConcentration?: string;
  feeRate?: string;
}

/**
 * `cift risk limits`, and `cift order limits` as its alias: one builder, so both take the same flags and give
 * the same answer. `parent` only changes the examples.
 */
export function limitsCommand(parent: 'risk' | 'order'): Command {
  return new Command('limits')
    .description("show or set an account's risk limits and fee rate")
    .addOption(accountOption())
    .addOption(lockTimeoutOption())
    .option('--max-position <units>', 'largest absolute position per symbol')
    .option('--max-order-notional <amount>', 'largest order value')
    .option('--max-leverage <ratio>', 'largest gross exposure ÷ equity (1 = cash account)')
    .option('--max-concentration <share>', 'largest |position| × price ÷ equity one symbol may reach by an order (0.25 = 25 %); none = no limit (the default)')
    .option('--fee-rate <rate>', 'fee per unit of traded value (0.0005 = 5 bps)')
    .addHelpText('after', examples([`cift ${parent} limits`, `cift ${parent} limits --max-position 500 --max-leverage 2 --fee-rate 0.0005`, `cift ${parent} limits --max-concentration 0.25 --json`, `cift ${parent} limits --max-concentration none`]))
    .action(async (flags: LimitOptionFlags, cmd: Command) => {
      const ui = uiFrom(cmd);
      const l = parseFlags(LimitFlags, flags as unknown as Record<string, unknown>);
      const update: Partial<AccountLimits> = { maxPositionQty: l.maxPosition, maxOrderNotional: l.maxOrderNotional, maxLeverage: l.maxLeverage, maxConcentration: l.maxConcentration, feeRate: l.feeRate };
      const service = accountService(ui, flags);
      const view = Object.values(update).every((v) => v === undefined) ? await service.getLimits(flags.account) : await service.updateLimits(flags.account, update);
      if (ui.json) printJson(view);
      else printTable(ui, ['limit', 'value'], Object.entries(view).map(([k, v]) => [k, v ?? 'none']), ['left', 'right']);
    });
}

const OrderFlags = lazySchema((z) => z.object({
  limit: decimalFlag('must be a positive price', (v) => v > 0n).optional(),
  slippage: numberFlag('must be basis points in [0, 10000)', (v) => v >= 0 && v < 10_000),
}));

interface OrderFlagsIn extends AccountFlags, SourceFlag {
  limit?: string;
  slippage: string;
  allowShort?: boolean;
}

const readSide = (text: string, what: string): Side => {
  if (text !== 'buy' && text !== 'sell') throw new CiftError('USAGE', `${what} "${text}" must be buy or sell`);
  return text;
};

/**
 * The risk service for one command: the `cift serve` holding this home's embedded ledger when one runs (the
 * question is sent to it), else the use-cases here, holding the ledger only while they run. Notes the data's
 * origin for `symbol` on stderr, as `cift order` does.
 */
async function riskService(ui: Ui, flags: AccountFlags & SourceFlag, symbol?: string): Promise<RiskService> {
  checkAccountName(flags.account);
  const market = marketOnce(ui, flags.source);
  const service = openRiskService(ui.settings, { lockTimeoutMs: lockTimeoutMs(flags), market, source: flags.source });
  if (symbol !== undefined) await noteOrigin(await market(), symbol, PRICE_KINDS);
  return service;
}

const addOrderOptions = (c: Command): Command =>
  c
    .option('--limit <price>', 'check it as a limit order at this price (a buy limit fills at the limit or lower, a sell limit at the limit or higher: the limit is the worst fill)')
    .addOption(accountOption())
    .option('--allow-short', 'let a sell larger than the position open a short')
    .option('--slippage <bps>', 'adverse slippage on a market fill price, basis points (none on a limit)', '0')
    .addOption(lockTimeoutOption())
    .addOption(sourceOption());

function printCheck(ui: Ui, head: string, r: RiskCheckJson): void {
  printTable(
    ui,
    ['check', 'result', 'figures'],
    r.checks.map((c) => [c.code, c.passed ? paint(ui, 'green', 'pass') : paint(ui, 'red', 'FAIL'), Object.entries(c.figures).map(([k, v]) => `${k}=${v}`).join(' ')]),
  );
  process.stdout.write(`${head}: ${r.allowed ? paint(ui, 'green', 'allowed') : paint(ui, 'red', `refused (${r.reasons.map((x) => x.code).join(', ')})`)}\n`);
}

const checkCommand = addOrderOptions(
  new Command('check')
    .description('run every pre-trade check on an order without placing it: each check with its code, figures and pass/fail; exit 0 when all pass, 1 when any fails')
    .argument('<side>', 'buy or sell')
    .argument('<symbol>', 'a stored or shipped symbol')
    .argument('<quantity>', 'units, e.g. 10 or 0.5'),
)
  .addHelpText(
    'after',
    examples(['cift risk check buy AAPL 10', 'cift risk check buy AAPL 10 --limit 150 --json', 'cift risk check sell GOOG 5 --allow-short --account research']) +
      '\nNothing is recorded. A market order is checked at the latest stored ask (buy) or bid (sell), else the last trade or close;\nwith --limit it is checked at the limit price. --json prints the body of POST /api/v1/trading/risk/check.\n',
  )
  .action(async (sideText: string, symbolText: string, qtyText: string, flags: OrderFlagsIn, cmd: Command) => {
    const ui = uiFrom(cmd);
    const side = readSide(sideText, 'side');
    const symbol = normalizeSymbol(symbolText);
    const quantity = readQuantity(qtyText);
    const f = parseFlags(OrderFlags, flags as unknown as Record<string, unknown>);
    const service = await riskService(ui, flags, symbol);
    const r = await service.check({ account: flags.account, symbol, side, quantity, allowShort: flags.allowShort, slippageBps: f.slippage }, { limitPrice: f.limit });
    if (ui.json) printJson(r);
    else printCheck(ui, `${side} ${qtyText} ${symbol}${f.limit === undefined ? '' : ` limit ${flags.limit}`}`, r);
    // The answer is printed either way; the exit code (1) lets a script gate an order on it.
    if (!r.allowed) throw new CiftError('ORDER_REJECTED', `a ${side} of ${qtyText} ${symbol} would be rejected: ${r.reasons.map((x) => x.message).join('; ')}`, 'nothing was recorded');
  });

const maxSizeCommand = addOrderOptions(
  new Command('max-size')
    .description('the largest quantity every pre-trade check allows now, and the limit that binds it')
    .argument('<symbol>', 'a stored or shipped symbol')
    .addOption(new Option('--side <side>', 'buy or sell').default('buy')),
)
  .addHelpText(
    'after',
    examples(['cift risk max-size AAPL', 'cift risk max-size AAPL --side sell --json', 'cift risk max-size GOOG --side buy --limit 500']) +
      '\n"binding" is the check that refuses max_quantity + 0.000001 (the ledger\'s smallest unit).\n',
  )
  .action(async (symbolText: string, flags: OrderFlagsIn & { side: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const side = readSide(flags.side, '--side');
    const symbol = normalizeSymbol(symbolText);
    const f = parseFlags(OrderFlags, flags as unknown as Record<string, unknown>);
    const service = await riskService(ui, flags, symbol);
    const m = await service.maxSize({ account: flags.account, symbol, side, allowShort: flags.allowShort, slippageBps: f.slippage, limitPrice: f.limit });
    if (ui.json) return printJson(m);
    printTable(
      ui,
      ['account', 'symbol', 'side', 'max quantity', 'binding', 'price', 'notional', 'fee'],
      [[m.account, m.symbol, m.side, m.max_quantity, m.binding_codes.join(', '), m.price === null ? '' : `${m.price} (${m.price_source})`, m.notional, m.fee]],
      ['left', 'left', 'left', 'right', 'left', 'right', 'right', 'right'],
    );
  });

const pct = (share: string | null): string => (share === null ? '' : `${(Number(share) * 100).toFixed(2)} %`);

function printReport(ui: Ui, r: RiskReportJson): void {
  printTable(
    ui,
    ['account', 'value'],
    [
      ['account', r.account],
      ['equity', r.equity],
      ['cash', r.cash],
      ['buying power', r.buying_power],
      ['gross exposure', r.exposure.gross],
      ['net exposure', r.exposure.net],
      ['long', r.exposure.long],
      ['short', r.exposure.short],
      ['gross leverage', r.leverage.gross ?? 'n/a (equity ≤ 0)'],
      ['net leverage', r.leverage.net ?? 'n/a (equity ≤ 0)'],
      ['max leverage', r.leverage.max],
      ['max concentration', r.max_concentration === null ? 'none' : pct(r.max_concentration)],
      ['risk score', `${r.risk_score.score.toFixed(2)} / 100`],
    ],
    ['left', 'right'],
  );
  if (r.concentration.length) {
    printTable(ui, ['symbol', 'market value', 'of equity', 'of gross'], r.concentration.map((c) => [c.symbol, c.market_value, pct(c.share_of_equity), pct(c.share_of_gross)]), ['left', 'right', 'right', 'right']);
  }
  printTable(
    ui,
    ['1-day', 'VaR', 'ES', 'VaR of equity', 'k / n'],
    r.var.levels.map((v) => [`${v.confidence * 100} %`, v.var ?? 'n/a', v.es ?? 'n/a', pct(v.var_share_of_equity), v.k === null ? '' : `${v.k} / ${r.var.scenarios}`]),
    ['left', 'right', 'right', 'right', 'right'],
  );
  const { parts } = r.risk_score;
  process.stdout.write(
    `${paint(ui, 'dim', `VaR: ${r.var.method}; window ${r.var.window}, ${r.var.scenarios} days used${r.var.from ? ` (${r.var.from} to ${r.var.to})` : ''}; ${r.var.quantile}.`)}\n` +
      (r.var.history.length ? `${paint(ui, 'dim', `daily history: ${r.var.history.map((h) => `${h.symbol} ${h.origin ?? 'none'} (${h.daily_closes} closes)`).join(', ')}.`)}\n` : '') +
      (r.var.note ? `${paint(ui, 'yellow', `VaR: ${r.var.note}`)}\n` : '') +
      `${paint(ui, 'dim', `risk score = ${r.risk_score.formula}; parts: leverage ${parts.leverage_use.toFixed(3)}, concentration ${parts.concentration.toFixed(3)}, VaR ${parts.var.toFixed(3)}.`)}\n`,
  );
}

const ReportFlags = lazySchema((z) => z.object({ window: positiveInt().refine((v) => v >= 2, { message: 'must be at least 2 days' }) }));

const reportCommand = new Command('report')
  .description('exposure, leverage, concentration, buying power, 1-day historical VaR/ES at 95 and 99 %, and a risk score')
  .addOption(accountOption())
  .option('--window <days>', 'daily returns used for VaR: the most recent ones on which every held symbol has one', String(DEFAULT_VAR_WINDOW))
  .addOption(lockTimeoutOption())
  .addOption(sourceOption())
  .addHelpText(
    'after',
    examples(['cift risk report', 'cift risk report --account research --json', 'cift risk report --window 500']) +
      `
VaR/ES: ${VAR_METHOD}.
  Returns are close-to-close from the stored data resampled to daily bars (as \`cift bars SYMBOL --interval 1d\`).
  ${VAR_QUANTILE}. Amounts are losses in the account's currency.
Risk score in [0, 100] = ${SCORE_FORMULA}:
  40 % leverage used, 30 % the largest single-symbol share of equity, 30 % the 99 % VaR (10 % of equity = full).
  Equity ≤ 0 scores 100; open positions without enough history for VaR count the VaR part as full; no positions score 0.
`,
  )
  .action(async (flags: AccountFlags & SourceFlag & { window: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    const { window } = parseFlags(ReportFlags, flags as unknown as Record<string, unknown>);
    const r = await (await riskService(ui, flags)).report(flags.account, window);
    if (ui.json) printJson(r);
    else printReport(ui, r);
  });

export const riskCommand = new Command('risk')
  .description('pre-trade risk without trading, account limits, and a risk report (VaR/ES, exposure, a risk score)')
  .addCommand(checkCommand)
  .addCommand(maxSizeCommand)
  .addCommand(limitsCommand('risk'))
  .addCommand(reportCommand)
  .addHelpText('after', examples(['cift risk check buy AAPL 10', 'cift risk max-size AAPL --side buy', 'cift risk limits --max-concentration 0.25', 'cift risk report --json']));
