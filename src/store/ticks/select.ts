/**
 * What `cift ingest --rm X` means: a source by its id or a unique prefix of it (ids are lowercase hex, at least 4
 * digits given), or every source of a symbol. A lowercase word that is both a symbol and an id prefix is
 * ambiguous; typing the symbol in capitals always means the symbol.
 */
import { CiftError, didYouMean } from '../../errors.js';
import type { CatalogSource } from './catalog.js';

export function resolveSelector(sources: readonly CatalogSource[], selector: string): CatalogSource[] {
  const text = selector.trim();
  if (text === '') throw new CiftError('USAGE', '--rm needs a source id or a symbol', 'see `cift ingest --list` for ids and symbols');
  const symbol = text.toUpperCase();
  const bySymbol = sources.filter((s) => s.symbol === symbol);
  const byId = /^[0-9a-f]{4,16}$/.test(text) ? sources.filter((s) => s.id.startsWith(text)) : [];
  const ids = [...new Set(byId.map((s) => s.id))];
  if (ids.length > 0 && bySymbol.length > 0) {
    throw new CiftError('USAGE', `"${text}" is both a symbol and the start of source id ${ids[0].slice(0, 12)}`, `give ${symbol} in capitals for the symbol, or more digits of the id`);
  }
  if (ids.length > 1) throw new CiftError('USAGE', `"${text}" starts ${ids.length} source ids (${ids.map((i) => i.slice(0, 12)).join(', ')})`, 'give more digits of the id');
  if (byId.length > 0) return byId;
  if (bySymbol.length > 0) return bySymbol;
  const guess = didYouMean(symbol, [...new Set(sources.map((s) => s.symbol))]);
  throw new CiftError('UNKNOWN_SOURCE', `no stored source or symbol "${text}"`, guess ? `did you mean ${guess}? (\`cift ingest --list\` shows sources)` : '`cift ingest --list` shows stored sources and their ids');
}
