/** Paper orders price a symbol that has stored and shipped data from the stored data, say so, and obey --source. */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cift, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');

describe('order on a symbol with stored and shipped data', () => {
  const file = writeText(tmp.dir, 'goog-2d.csv', 'Date,Open,High,Low,Close,Volume\n2013-03-04,100,101,99,100.5,1000\n2013-03-05,100.5,102,100,101.25,1000\n');
  const shippedLastClose = readFileSync(join(ROOT, 'data', 'GOOG.csv'), 'utf8').trim().split('\n').at(-1)!.split(',')[4];

  it('fills at the stored close with a note on stderr, and at the shipped close with --source shipped', () => {
    expect(cift(['ingest', file, '--symbol', 'GOOG'], { home }).status).toBe(0);
    const stored = cift(['order', 'buy', 'GOOG', '1', '--json'], { home });
    expect(stored.status, stored.stderr).toBe(0);
    expect(JSON.parse(stored.stdout).fill.price, 'the last close of the ingested file').toBe('101.250000');
    expect(stored.stderr).toMatch(/^note: GOOG has stored data .* using the stored data \(choose with --source stored\|shipped\)\n$/);

    const shipped = cift(['order', 'buy', 'GOOG', '1', '--source', 'shipped', '--json'], { home });
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(Number(JSON.parse(shipped.stdout).fill.price), 'the last close of data/GOOG.csv').toBe(Number(shippedLastClose));
    expect(shipped.stderr, 'no notice when the user chose').toBe('');

    const marked = cift(['order', 'portfolio', '--json'], { home });
    expect(marked.status, marked.stderr).toBe(0);
    expect(marked.stderr).toContain('note: GOOG has stored data');
    expect(JSON.parse(marked.stdout).positions[0].last).toBe('101.250000');
  });
});
