/**
 * `--source stored|shipped` for every command that reads a symbol, and the one stderr line saying which origin
 * was used when a symbol has both (never on stdout, so --json and exports stay clean).
 */
import { Option } from './commander.js';
import { BAR_KINDS, DATA_ORIGINS, type DataOrigin, type MarketData } from '../src/market-data.js';
import type { TickKind } from '../src/schema.js';

export const sourceOption = (): Option =>
  new Option('--source <origin>', 'when a symbol has both stored and shipped sample data, read this one (default: stored)').choices([...DATA_ORIGINS]);

export interface SourceFlag {
  source?: DataOrigin;
}

/** Prints the origin notice for `symbol` on stderr when it has both and --source was not given. */
export async function noteOrigin(market: MarketData, symbol: string, reads: readonly TickKind[] = BAR_KINDS): Promise<void> {
  const { notice } = await market.originOf(symbol, reads);
  if (notice !== undefined) process.stderr.write(`note: ${notice}\n`);
}
