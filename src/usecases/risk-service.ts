/**
 * The risk questions behind one port, as trading-service.ts does for orders: the local use-cases on this
 * process's ledger, or the `cift serve` that holds this home's embedded ledger (its /api/v1/trading/risk/*
 * routes give the same JSON), falling back to local when that server refused the connection.
 */
import type { Settings } from '../config.js';
import { CiftError } from '../errors.js';
import { MarketData, type DataOrigin } from '../market-data.js';
import { fmt } from '../money.js';
import type { SubmitRequest } from '../trading/orders.js';
import { serverClient, type RemoteServer } from './remote-trading.js';
import { maxOrderSize, riskCheck, type MaxSizeJson, type MaxSizeRequest, type RiskCheckJson, type RiskCheckOptions } from './risk.js';
import { riskReport, type RiskReportJson } from './risk-report.js';
import { openLedgerStores } from './stores.js';
import { failingOver, forwardTarget, serverName } from './trading-service.js';

export interface RiskService {
  check(req: SubmitRequest, opts?: RiskCheckOptions): Promise<RiskCheckJson>;
  maxSize(req: MaxSizeRequest): Promise<MaxSizeJson>;
  report(account: string, window: number): Promise<RiskReportJson>;
}

export function localRiskService(settings: Settings, lockTimeoutMs: number, market: () => Promise<MarketData>, source?: DataOrigin): RiskService {
  const { withLedger } = openLedgerStores(settings, { lockTimeoutMs });
  return {
    check: async (req, opts) => {
      const m = await market();
      return withLedger((ledger) => riskCheck(ledger, m, req, opts));
    },
    maxSize: async (req) => {
      const m = await market();
      return withLedger((ledger) => maxOrderSize(ledger, m, req));
    },
    report: async (account, window) => {
      const m = await market();
      // Shipped daily history fills in for a symbol with a single stored day, unless the user chose an origin.
      const shipped = source === undefined ? () => MarketData.open(settings, { source: 'shipped' }) : undefined;
      return riskReport({ withLedger, market: m, history: m, shipped }, account, window);
    },
  };
}

export function remoteRiskService(server: RemoteServer): RiskService {
  const { ok } = serverClient(server);
  return {
    async check(req, opts = {}) {
      const body: Record<string, unknown> = { symbol: req.symbol, side: req.side, quantity: fmt(req.quantity) };
      if (req.allowShort !== undefined) body.allow_short = req.allowShort;
      if (req.slippageBps !== undefined) body.slippage_bps = req.slippageBps;
      if (opts.limitPrice !== undefined) body.limit_price = fmt(opts.limitPrice);
      return (await ok('POST', '/risk/check', req.account, body)) as RiskCheckJson;
    },
    async maxSize(req) {
      const q = new URLSearchParams({ side: req.side });
      if (req.allowShort !== undefined) q.set('allow_short', String(req.allowShort));
      if (req.slippageBps !== undefined) q.set('slippage_bps', String(req.slippageBps));
      if (req.limitPrice !== undefined) q.set('limit_price', fmt(req.limitPrice));
      return (await ok('GET', `/risk/max-order-size/${encodeURIComponent(req.symbol)}?${q}`, req.account)) as MaxSizeJson;
    },
    report: async (account, window) => (await ok('GET', `/risk/report?window=${window}`, account)) as RiskReportJson,
  };
}

export interface RiskServiceOptions {
  lockTimeoutMs: number;
  market: () => Promise<MarketData>;
  /** `--source` as given: the server reads its own market data, so it cannot be forwarded. */
  source?: DataOrigin;
}

/** The server announced for this home when one is alive and the ledger is embedded, else the local use-cases. */
export function openRiskService(settings: Settings, opts: RiskServiceOptions): RiskService {
  const local = () => localRiskService(settings, opts.lockTimeoutMs, opts.market, opts.source);
  const server = forwardTarget(settings);
  if (server === undefined) return local();
  if (opts.source !== undefined) {
    throw new CiftError('USAGE', `--source cannot be used while ${serverName(server)} holds the ledger of ${settings.home}: the server prices from its own market data`, 'leave --source out, or stop the server');
  }
  return failingOver(remoteRiskService(server), local, serverName(server), ['check', 'maxSize', 'report']);
}
