/** A tick store of hand-written quotes and trades (one symbol), answering latest() and read() as the real one does. */
import { loadPolars } from '../../src/polars.js';
import type { LatestRow, TickStore, TimeRange } from '../../src/store/ticks/types.js';
import { parseTimestamp } from '../../src/time.js';

export const ns = (text: string): bigint => parseTimestamp(text)!;

export type QuoteRow = { ts: bigint; seq: number; bid: number; ask: number; bid_size: number; ask_size: number };
type TradeRow = { ts: bigint; seq: number; price: number };

/** A tick store of hand-written quotes and trades for one symbol (ZZ), read as the real one answers. */
export class HandStore implements Pick<TickStore, 'latest' | 'read'> {
  quotes: QuoteRow[] = [];
  trades: TradeRow[] = [];
  private seq = 0;
  quote(at: string, bid: number, ask: number, bidSize = 100, askSize = 100): void {
    this.quotes.push({ ts: ns(at), seq: this.seq++, bid, ask, bid_size: bidSize, ask_size: askSize });
  }
  trade(at: string, price: number): void {
    this.trades.push({ ts: ns(at), seq: this.seq++, price });
  }
  async latest(kind: string): Promise<LatestRow | undefined> {
    const rows = (kind === 'quotes' ? this.quotes : kind === 'trades' ? this.trades : []) as Array<{ ts: bigint } & Record<string, number | bigint>>;
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(last)) if (k !== 'ts' && k !== 'seq') values[k] = Number(v);
    return { ts: last.ts, values };
  }
  async read(kind: string, _symbol: string, range: TimeRange = {}) {
    const pl = await loadPolars();
    const rows = ((kind === 'quotes' ? this.quotes : kind === 'trades' ? this.trades : []) as Array<{ ts: bigint; seq: number } & Record<string, number | bigint>>).filter(
      (r) => (range.from === undefined || r.ts >= range.from) && (range.to === undefined || r.ts <= range.to),
    );
    if (rows.length === 0) return undefined;
    const cols: Record<string, unknown> = { ts: pl.Series('ts', BigInt64Array.from(rows, (r) => r.ts)) };
    for (const k of Object.keys(rows[0])) if (k !== 'ts') cols[k] = pl.Series(k, Float64Array.from(rows, (r) => Number(r[k])));
    return pl.DataFrame(cols);
  }
}

