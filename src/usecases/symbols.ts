/** What is stored and shipped, per symbol and kind, with the sources each series is made of: the view of
 * `cift ingest --list --json` and `GET /market-data/symbols`. */
import type { MarketData } from '../market-data.js';
import type { SeriesSummary, StoredSource } from '../store/ticks/types.js';
import { formatTs } from '../time.js';

export const sourceJson = (s: StoredSource) => ({
  id: s.id,
  symbol: s.symbol,
  kind: s.kind,
  label: s.label,
  origin: s.origin,
  rows: s.rows,
  first: formatTs(s.first),
  last: formatTs(s.last),
  files: s.files,
  written_at: s.writtenAt,
});

/**
 * One entry per series. `used` is false for shipped sample bars of a symbol that has stored data: stored data wins
 * whole (market-data.ts kindsOf), so those bars are read only with `--source shipped`.
 */
export function seriesListView(list: readonly SeriesSummary[], sources: readonly StoredSource[]) {
  const storedSymbols = new Set(list.filter((s) => !s.builtin).map((s) => s.symbol));
  return list.map((s) => ({
    symbol: s.symbol,
    kind: s.kind,
    rows: s.rows,
    first: formatTs(s.first),
    last: formatTs(s.last),
    builtin: s.builtin,
    used: !s.builtin || !storedSymbols.has(s.symbol),
    sources: s.builtin ? [] : sources.filter((x) => x.symbol === s.symbol && x.kind === s.kind).map(sourceJson),
  }));
}

export async function listSymbols(market: Pick<MarketData, 'list' | 'sources'>) {
  return seriesListView(await market.list(), await market.sources());
}
