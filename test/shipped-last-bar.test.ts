/**
 * The last bar of a shipped series is remembered in the data folder (src/market-data.ts), so an order on the
 * shipped bars reads no CSV in later processes. Expected values come from the last line of data/AAPL.csv, read
 * here by hand.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '../src/config.js';
import { MarketData, SHIPPED_LAST_BARS_FILE } from '../src/market-data.js';
import { ROOT, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

// "2017-02-16,135.669998,135.899994,134.839996,135.350006,22118000": a date is midnight UTC.
const lastLine = readFileSync(join(ROOT, 'data', 'AAPL.csv'), 'utf8').trim().split('\n').at(-1)!.split(',');
const expectedTs = BigInt(Date.parse(`${lastLine[0]}T00:00:00Z`)) * 1_000_000n;
const expectedClose = Number(lastLine[4]);

async function latestAapl(home: string) {
  const market = await MarketData.open(resolveSettings({ home }));
  return market.latest('bars', 'AAPL');
}

describe('the remembered last bar of a shipped series', () => {
  it('is the CSV last row, written to the data folder, and read back equal', async () => {
    const home = join(tmp.dir, 'a');
    mkdirSync(home);
    const first = await latestAapl(home);
    expect(first?.ts).toBe(expectedTs);
    expect(first?.values.close).toBe(expectedClose);
    expect(first?.values.volume).toBe(Number(lastLine[5]));
    const remembered = JSON.parse(readFileSync(join(home, SHIPPED_LAST_BARS_FILE), 'utf8'));
    expect(remembered.AAPL.ts).toBe(String(expectedTs));
    expect(await latestAapl(home)).toEqual(first);
  });

  it('is used only for the same file and package version: a stale key is computed again', async () => {
    const home = join(tmp.dir, 'b');
    mkdirSync(home);
    await latestAapl(home);
    const file = join(home, SHIPPED_LAST_BARS_FILE);
    const remembered = JSON.parse(readFileSync(file, 'utf8'));
    // Same key, another close: the file is what a later process reads (this proves it is read at all).
    writeFileSync(file, JSON.stringify({ AAPL: { ...remembered.AAPL, values: { ...remembered.AAPL.values, close: 1 } } }));
    expect((await latestAapl(home))?.values.close).toBe(1);
    // Another key (an older package version or a changed file): not trusted.
    writeFileSync(file, JSON.stringify({ AAPL: { ...remembered.AAPL, key: `0.0.0-old:${remembered.AAPL.key}`, values: { ...remembered.AAPL.values, close: 1 } } }));
    expect((await latestAapl(home))?.values.close).toBe(expectedClose);
    // A file that is not JSON: computed again.
    writeFileSync(file, 'not json');
    expect((await latestAapl(home))?.values.close).toBe(expectedClose);
  });

  it('keeps NaN values (JSON has none) and writes nothing when the data folder does not exist', async () => {
    const home = join(tmp.dir, 'c');
    mkdirSync(home);
    const file = join(home, SHIPPED_LAST_BARS_FILE);
    await latestAapl(home);
    const remembered = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ AAPL: { ...remembered.AAPL, values: { ...remembered.AAPL.values, vwap: 'NaN' } } }));
    expect((await latestAapl(home))?.values.vwap).toBeNaN();
    const missing = join(tmp.dir, 'never-made');
    expect((await latestAapl(missing))?.values.close).toBe(expectedClose);
    expect(existsSync(missing)).toBe(false);
  });
});
