/**
 * Row checks every source shares, run once before anything is stored. The first bad row fails the whole input,
 * with the file, its line and the field in the message.
 */
import { CiftError } from '../errors.js';
import type { TickBatch } from '../schema.js';
import { formatTs } from '../time.js';

/** Row index → "bad.csv line 5 (row 4)". */
export type RowLabeler = (row: number) => string;

const PRICE_FIELDS = new Set(['price', 'bid', 'ask', 'open', 'high', 'low', 'close']);
const SIZE_FIELDS = new Set(['size', 'volume', 'bid_size', 'ask_size']);

/**
 * Checks: time never goes backwards; equal times are kept in order for trades and quotes (several prints share a
 * timestamp) but two bars of one symbol at one time are an error (aggregating them would double-count the
 * period); prices are finite and positive, sizes are finite and not negative (NaN = unknown is allowed for quote
 * sizes), high ≥ low. `columnNames` maps canonical fields to the names the file used, so the message speaks the
 * file's language.
 */
export function validateBatch(batch: TickBatch, columnNames: Record<string, string>, where: RowLabeler): void {
  const { ts, values } = batch;
  const fail = (row: number, message: string): never => {
    throw new CiftError('INPUT_INVALID', `${where(row)}: ${message}`);
  };
  const tsName = columnNames.ts ?? 'ts';
  const barsMustDiffer = batch.kind === 'bars';
  for (let i = 1; i < ts.length; i++) {
    if (ts[i] < ts[i - 1]) fail(i, `time goes backwards (${tsName} earlier than the row before)`);
    if (barsMustDiffer && ts[i] === ts[i - 1]) {
      fail(i, `${tsName} ${formatTs(ts[i])} is the same time as the bar on the row before; two bars cannot share a time`);
    }
  }
  for (const [field, col] of Object.entries(values)) {
    const name = columnNames[field] ?? field;
    if (PRICE_FIELDS.has(field)) {
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (!(v > 0) || v === Infinity) fail(i, `${name} ${JSON.stringify(String(v))} is not a positive price`);
      }
    } else if (SIZE_FIELDS.has(field)) {
      const nanAllowed = batch.kind === 'quotes';
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v < 0 || v === Infinity || (!nanAllowed && Number.isNaN(v))) fail(i, `${name} ${JSON.stringify(String(v))} is not a valid size`);
      }
    }
  }
  if (batch.kind === 'bars') {
    const { high, low } = values;
    for (let i = 0; i < high.length; i++) {
      if (high[i] < low[i]) fail(i, `${columnNames.high ?? 'high'} ${high[i]} is below ${columnNames.low ?? 'low'} ${low[i]}`);
    }
  }
  if (batch.kind === 'quotes') {
    const { bid, ask } = values;
    for (let i = 0; i < bid.length; i++) {
      if (ask[i] < bid[i]) fail(i, `${columnNames.ask ?? 'ask'} ${ask[i]} is below ${columnNames.bid ?? 'bid'} ${bid[i]} (crossed quote)`);
    }
  }
}
