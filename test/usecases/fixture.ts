/** A temp CIFT_HOME with daily bars written by the test, so every fill price is a close written out here. */
import { join } from 'node:path';
import { resolveSettings } from '../../src/config.js';
import { readTabularFile } from '../../src/sources/files.js';
import { openStores, type Stores } from '../../src/usecases/stores.js';
import { writeText } from '../helpers.js';

/** Daily bars whose last close is `close` (earlier bars close 1 lower, so the last row is what prices fills). */
export function barsCsv(dates: string[], close: number): string {
  const rows = dates.map((d, k) => {
    const c = k === dates.length - 1 ? close : close - 1;
    return `${d},${c},${c},${c},${c},1000`;
  });
  return `Date,Open,High,Low,Close,Volume\n${rows.join('\n')}\n`;
}

/** Opens the stores of `home` (embedded ledger: no CIFT_DATABASE_URL) and stores each file's bars. */
export async function storesWith(home: string, files: Record<string, string>): Promise<Stores> {
  const stores = await openStores(resolveSettings({ home }, {}));
  for (const [name, csv] of Object.entries(files)) await addBars(stores, home, name, csv);
  return stores;
}

export async function addBars(stores: Stores, home: string, name: string, csv: string): Promise<void> {
  const symbol = name.split('-')[0];
  const path = writeText(home, `${name}.csv`, csv);
  const [batch] = await readTabularFile(path, { symbol });
  await stores.market.write(batch, { id: join(home, `${name}.csv`), label: `${name}.csv` });
}
