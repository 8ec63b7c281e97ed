/**
 * Flags and service wiring shared by the paper-trading commands (`cift order`, `cift risk`): the account and
 * lock-timeout options, exact decimal flags, and the trading service a command talks to.
 */
import { Option } from './commander.js';
import { MarketData, type DataOrigin } from '../src/market-data.js';
import { parseExact, type Dec } from '../src/money.js';
import { checkAccountName } from '../src/trading/accounts.js';
import { DEFAULT_ACCOUNT } from '../src/trading/orders.js';
import { openTradingService, type TradingService } from '../src/usecases/trading-service.js';
import { lazySchema, loadZod, numberFlag, parseFlags } from './flags.js';
import type { Ui } from './ui.js';

export interface LedgerFlags {
  lockTimeout: string;
}

export interface AccountFlags extends LedgerFlags {
  account: string;
}

export const lockTimeoutRule = () => numberFlag('must be seconds ≥ 0', (v) => v >= 0);

const LockTimeoutFlags = lazySchema((z) => z.object({ lockTimeout: lockTimeoutRule() }), { flags: { lockTimeout: '10' }, parsed: { lockTimeout: 10 } });

/** Every order subcommand waits this long for another process using the ledger (CIFT_LOCK_TIMEOUT overrides the default). */
export const lockTimeoutOption = () => new Option('--lock-timeout <seconds>', 'how long to wait for a process that keeps the ledger busy (LEDGER_LOCKED after)').default('10').env('CIFT_LOCK_TIMEOUT');
export const accountOption = () => new Option('--account <name>', 'paper account (create others with `cift order accounts create`)').default(DEFAULT_ACCOUNT);

/** The --lock-timeout flag in milliseconds (USAGE naming the flag when it is not seconds ≥ 0). */
export const lockTimeoutMs = (flags: LedgerFlags): number => parseFlags(LockTimeoutFlags, flags as unknown as Record<string, unknown>).lockTimeout * 1000;

/** A decimal flag read exactly (no rounding, no overflow), with a rule sentence for the value's range. */
export const decimalFlag = (rule: string, check: (v: Dec) => boolean) => {
  const z = loadZod();
  return z.string().transform((text, ctx) => {
    const r = parseExact(text);
    if (!r.ok || !check(r.value)) {
      ctx.addIssue({ code: 'custom', message: r.ok ? rule : r.problem });
      return z.NEVER;
    }
    return r.value;
  });
};


/** Market data of the origin asked for, opened on first use and then kept (the local service and noteOrigin share it). */
export function marketOnce(ui: Ui, source: DataOrigin | undefined): () => Promise<MarketData> {
  let market: Promise<MarketData> | undefined;
  return () => (market ??= MarketData.open(ui.settings, { source }));
}

/**
 * The trading service with the --lock-timeout the flags give: the `cift serve` holding this home's embedded
 * ledger when one runs (the command is sent to it), else the use-cases here (the embedded ledger is held only
 * while one runs).
 */
export function plainService(ui: Ui, flags: LedgerFlags, market?: () => Promise<MarketData>, source?: DataOrigin): TradingService {
  return openTradingService(ui.settings, { lockTimeoutMs: lockTimeoutMs(flags), market, source });
}

/** plainService for one account's command (the account policy itself is the use-cases'). */
export function accountService(ui: Ui, flags: AccountFlags, market?: () => Promise<MarketData>, source?: DataOrigin): TradingService {
  checkAccountName(flags.account);
  return plainService(ui, flags, market, source);
}
