/**
 * Property: the same rows, written as plain CSV, with a byte-order mark, as gzip, zstd and zip, as UTF-16 and
 * through standard input, open to the same text columns, the rows the test wrote, and the same batches; and the
 * sniffed dialect reads what explicit flags read. Rows are random (seeded) and include quoted cells holding the
 * delimiter, doubled quotes, line breaks and non-ASCII text, so the line scan and polars must agree on all of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openRawTables, readTabularFile, type OpenOptions } from '../../src/sources/files.js';
import { tempDir, rng } from '../helpers.js';
import { zipArchive, zstdRawFrame } from './byte-layouts.js';

const tmp = tempDir('cift-forms-');
afterAll(tmp.cleanup);
let count = 0;

type Row = { ts: string; symbol: string; price: string; size: string; note: string | null };

function randomRows(seed: number, delimiter: string): { text: string; rows: Row[] } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const n = 1 + Math.floor(r() * 40);
  const rows: Row[] = [];
  let t = Date.UTC(2024, 0, 2, 14, 30);
  for (let i = 0; i < n; i++) {
    t += 1000 * (1 + Math.floor(r() * 90));
    const pieces = ['a', 'Société', '€', 'x y', delimiter, '"', '\n', 'ünï', '1,5', ';', '|', '\t', '日本'];
    // A note starts with a letter: a column of notes that were all numbers would be a number column.
    const note = r() < 0.15 ? null : pick(['a', 'Société', 'x y', 'ünï', '日本']) + Array.from({ length: Math.floor(r() * 4) }, () => pick(pieces)).join('');
    rows.push({
      ts: new Date(t).toISOString(),
      symbol: pick(['AAPL', 'SAP.DE', 'BRK-B']),
      price: (1 + r() * 500).toFixed(Math.floor(r() * 5)),
      size: String(1 + Math.floor(r() * 1000)),
      note,
    });
  }
  const cell = (v: string | null) => (v === null ? '' : /["\n\r]/.test(v) || v.includes(delimiter) || v.trim() !== v || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['ts', 'symbol', 'price', 'size', 'note'].join(delimiter), ...rows.map((row) => [row.ts, row.symbol, row.price, row.size, cell(row.note)].join(delimiter))];
  return { text: `${lines.join(r() < 0.5 ? '\n' : '\r\n')}\n`, rows };
}

const utf16 = (text: string, bigEndian: boolean): Buffer => {
  const body = Buffer.from(text, 'utf16le');
  if (bigEndian) body.swap16();
  return Buffer.concat([Buffer.from(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]), body]);
};

/** Every form of the same text, as a path (or `-` with the bytes to pipe). */
function forms(text: string): Array<{ form: string; path: string; stdin?: Buffer }> {
  const dir = join(tmp.dir, `set${++count}`);
  mkdirSync(dir);
  const put = (name: string, bytes: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const utf8 = Buffer.from(text);
  return [
    { form: 'plain', path: put('plain.csv', utf8) },
    { form: '.txt', path: put('plain.txt', utf8) },
    { form: 'BOM', path: put('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])) },
    { form: 'gzip', path: put('rows.csv.gz', gzipSync(utf8)) },
    { form: 'zstd', path: put('rows.csv.zst', zstdRawFrame(utf8)) },
    { form: 'zip deflated', path: put('rows.zip', zipArchive([{ name: 'rows.csv', data: utf8 }])) },
    { form: 'zip stored', path: put('stored.zip', zipArchive([{ name: 'rows.csv', data: utf8, method: 0 }])) },
    { form: 'UTF-16LE', path: put('le.csv', utf16(text, false)) },
    { form: 'UTF-16BE', path: put('be.csv', utf16(text, true)) },
    { form: 'UTF-16LE in gzip', path: put('le.csv.gz', gzipSync(utf16(text, false))) },
    { form: 'stdin', path: '-', stdin: gzipSync(utf8) },
  ];
}

async function open(path: string, opts: OpenOptions) {
  const out = [];
  for await (const { table } of openRawTables(path, opts)) out.push({ columns: table.frame.columns, rows: table.frame.toRecords(), decisions: table.decisions, lines: Array.from({ length: table.frame.height }, (_, i) => table.rowLabel(i)) });
  expect(out.length).toBe(1);
  return out[0];
}

describe('one set of rows in every form', () => {
  for (const delimiter of [',', ';', '\t']) {
    it(`opens to the rows written, whatever the container or encoding (delimiter ${JSON.stringify(delimiter)}, 12 seeds)`, async () => {
      for (let seed = 1; seed <= 12; seed++) {
        const { text, rows } = randomRows(seed * 7919 + delimiter.charCodeAt(0), delimiter);
        let reference: Awaited<ReturnType<typeof open>> | undefined;
        for (const { form, path, stdin } of forms(text)) {
          const opened = await open(path, { stdin: stdin ? Readable.from([stdin]) : undefined });
          const why = `seed ${seed}, ${form}`;
          expect(opened.columns, why).toEqual(['ts', 'symbol', 'price', 'size', 'note']);
          expect(opened.rows, why).toEqual(rows);
          expect(opened.decisions.delimiter, why).toBe(delimiter);
          reference ??= opened;
          expect(opened.lines, `${why}: the same line numbers`).toEqual(reference.lines);
          // The symbol column splits the rows into one batch per symbol, each in file order.
          const batches = await readTabularFile(path, { stdin: stdin ? Readable.from([stdin]) : undefined });
          expect(batches.reduce((n, b) => n + b.ts.length, 0), why).toBe(rows.length);
          for (const batch of batches) {
            const mine = rows.filter((row) => row.symbol === batch.symbol);
            expect(Array.from(batch.values.price), `${why} ${batch.symbol}`).toEqual(mine.map((row) => Number(row.price)));
            expect(Array.from(batch.ts), `${why} ${batch.symbol}`).toEqual(mine.map((row) => BigInt(Date.parse(row.ts)) * 1_000_000n));
          }
        }
      }
    });
  }

  it('the sniffed dialect and the same dialect given as flags open identical tables and decisions', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      for (const delimiter of [',', ';', '\t']) {
        const { text } = randomRows(seed * 104729 + delimiter.charCodeAt(0), delimiter);
        const path = join(tmp.dir, `flags-${seed}-${delimiter.charCodeAt(0)}.csv`);
        writeFileSync(path, utf16(text, false));
        const sniffed = await open(path, {});
        const flagged = await open(path, { delimiter, decimal: '.', encoding: 'utf-16le', format: 'csv' });
        expect(flagged, `seed ${seed}`).toEqual(sniffed);
      }
    }
  });
});
