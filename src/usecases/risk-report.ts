/**
 * `cift risk report`: the account marked to market (read and released first, as getPortfolio does), then the
 * held symbols' daily bars (the bars use-case, resampled to 1d) for historical VaR/ES, then the pure report.
 */
import { isCiftError } from '../errors.js';
import type { MarketData } from '../market-data.js';
import { fmt, cmp, div, ZERO, abs, type Dec } from '../money.js';
import { concentrationOf, exposureOf, riskScore, SCORE_WEIGHTS, VAR_SCORE_CAP, varJson, type Concentration, type ScoreParts, type VarJson } from '../risk/report.js';
import { alignReturns, dailyReturns, historicalVarEs, scenarioPnl, type DailyClose } from '../risk/var.js';
import { openAccount, reservedBuyingPower } from '../trading/accounts.js';
import { portfolio } from '../trading/portfolio.js';
import { getBars } from './bars.js';
import type { LedgerStores } from './stores.js';

export const DEFAULT_VAR_WINDOW = 250;
export const VAR_CONFIDENCES = [0.95, 0.99] as const;

export const VAR_METHOD =
  'historical simulation: current positions × each past daily close-to-close return of the held symbols (days on which all have one, the most recent `window`)';
export const VAR_QUANTILE = 'VaR = the k-th worst loss, k = ceil(n × (1 − c)), no interpolation; ES = mean of the k worst losses';
export const SCORE_FORMULA = `100 × (${SCORE_WEIGHTS.leverage} × min(1, leverage ÷ max leverage) + ${SCORE_WEIGHTS.concentration} × min(1, largest |value| ÷ equity) + ${SCORE_WEIGHTS.var} × min(1, VaR99 ÷ equity ÷ ${VAR_SCORE_CAP}))`;

export interface RiskReportJson {
  account: string;
  currency: string;
  cash: string;
  equity: string;
  buying_power: string;
  exposure: { gross: string; net: string; long: string; short: string };
  leverage: { gross: string | null; net: string | null; max: string };
  max_concentration: string | null;
  concentration: Concentration[];
  var: {
    method: string;
    quantile: string;
    horizon: '1d';
    window: number;
    /** Scenarios used (≤ window), and the first and last day of them. */
    scenarios: number;
    from: string | null;
    to: string | null;
    levels: VarJson[];
    /** Each held symbol's daily history: its origin and number of daily closes. */
    history: HistoryJson[];
    /** Why VaR is missing or thin, when it is (e.g. the held symbols' histories do not overlap). */
    note: string | null;
  };
  risk_score: { score: number; parts: ScoreParts; formula: string };
}

export interface RiskReportStores extends Pick<LedgerStores, 'withLedger'> {
  /** Latest prices the positions are marked at (a server's live market while it replays). */
  market: Pick<MarketData, 'latest'>;
  /** Market data the daily bars are read from (stored data wins, as everywhere). */
  history: MarketData;
  /**
   * The shipped sample data, for a symbol whose history above has fewer than two daily bars (one ingested day
   * of ticks): returns are scale-free, so the shipped daily history still measures the symbol's daily moves.
   * Absent when the user chose an origin (--source): then only that one is read.
   */
  shipped?: () => Promise<MarketData>;
}

export interface HistoryJson {
  symbol: string;
  /** Where the daily closes came from; null when there are none. */
  origin: 'stored' | 'shipped' | null;
  daily_closes: number;
}

/** A symbol's daily closes (its data resampled to 1d by the bars use-case); none when it has no data here. */
async function dailyCloses(market: MarketData, symbol: string): Promise<DailyClose[]> {
  try {
    const { bars } = await getBars(market, { symbol, interval: '1d' });
    return bars.map((b) => ({ date: String(b.ts).slice(0, 10), close: Number(b.close) }));
  } catch (e) {
    // A position in a symbol whose data was removed still has a value: it just has no history.
    if (isCiftError(e) && (e.code === 'UNKNOWN_SYMBOL' || e.code === 'NO_DATA')) return [];
    throw e;
  }
}

async function historyOf(stores: RiskReportStores, symbol: string): Promise<{ closes: DailyClose[]; json: HistoryJson }> {
  const closes = await dailyCloses(stores.history, symbol);
  if (closes.length < 2 && stores.shipped) {
    const shipped = await dailyCloses(await stores.shipped(), symbol);
    if (shipped.length >= 2) return { closes: shipped, json: { symbol, origin: 'shipped', daily_closes: shipped.length } };
  }
  const origin = closes.length ? (await stores.history.originOf(symbol)).origin : null;
  return { closes, json: { symbol, origin, daily_closes: closes.length } };
}

function varNote(held: number, returns: ReadonlyMap<string, ReadonlyMap<string, number>>, scenarios: number): string | null {
  if (held === 0) return 'no open positions: nothing is at risk';
  const short = [...returns].filter(([, r]) => r.size === 0).map(([s]) => s);
  if (short.length) return `no daily returns for ${short.join(', ')} (fewer than two daily bars stored): VaR unknown, scored as full`;
  if (scenarios === 0) return 'the held symbols have no day of returns in common (their histories do not overlap): VaR unknown, scored as full';
  if (scenarios < 100) return `only ${scenarios} aligned daily returns: the 99 % figures rest on ${Math.ceil(Number((scenarios * 0.01).toFixed(9)))} day(s)`;
  return null;
}

export async function riskReport(stores: RiskReportStores, account: string, window = DEFAULT_VAR_WINDOW): Promise<RiskReportJson> {
  const { a, held, reserved } = await stores.withLedger(async (ledger) => {
    const a = await openAccount(ledger, account);
    return { a, held: await ledger.positions(a.name), reserved: await reservedBuyingPower(ledger, a.name) };
  });
  const p = await portfolio(stores.market, a, held, reserved);
  const open = p.positions.filter((x) => x.quantity !== ZERO);
  const exposure = exposureOf(open);
  const returns = new Map<string, Map<string, number>>();
  const history: HistoryJson[] = [];
  for (const x of open) {
    const h = await historyOf(stores, x.symbol);
    returns.set(x.symbol, dailyReturns(h.closes));
    history.push(h.json);
  }
  const aligned = alignReturns(returns, window);
  const pnl = scenarioPnl(new Map(open.map((x) => [x.symbol, Number(x.marketValue) / 1e6])), aligned);
  const levels = VAR_CONFIDENCES.map((c) => ({ c, v: historicalVarEs(pnl, c) }));
  const equityPositive = cmp(p.equity, ZERO) > 0;
  const largest = open.reduce<Dec>((m, x) => (cmp(abs(x.marketValue), m) > 0 ? abs(x.marketValue) : m), ZERO);
  const score = riskScore({ equity: p.equity, gross: exposure.gross, maxLeverage: a.maxLeverage, largestValue: largest, var99: levels[1].v?.var, hasPositions: open.length > 0 });
  return {
    account: a.name,
    currency: a.currency,
    cash: fmt(p.cash),
    equity: fmt(p.equity),
    buying_power: fmt(p.buyingPower),
    exposure: { gross: fmt(exposure.gross), net: fmt(exposure.net), long: fmt(exposure.long), short: fmt(exposure.short) },
    leverage: { gross: equityPositive ? fmt(div(exposure.gross, p.equity)) : null, net: equityPositive ? fmt(div(exposure.net, p.equity)) : null, max: fmt(a.maxLeverage) },
    max_concentration: a.maxConcentration ? fmt(a.maxConcentration) : null,
    concentration: concentrationOf(open, p.equity, exposure.gross),
    var: {
      method: VAR_METHOD,
      quantile: VAR_QUANTILE,
      horizon: '1d',
      window,
      scenarios: pnl.length,
      from: aligned.dates[0] ?? null,
      to: aligned.dates.at(-1) ?? null,
      levels: levels.map(({ c, v }) => varJson(v, c, p.equity)),
      history,
      note: varNote(open.length, returns, pnl.length),
    },
    risk_score: { ...score, formula: SCORE_FORMULA },
  };
}
