import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTabularFile } from '../../src/sources/files.js';
import { MAX_HEADER_BYTES, scanCsvLayout } from '../../src/sources/csv-layout.js';
import { tempDir, writeText, errorOf } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let fileCount = 0;

const file = (text: string | Buffer, ext = '.csv'): string => {
  const path = join(tmp.dir, `f${++fileCount}${ext}`);
  writeFileSync(path, text);
  return path;
};

const T = (s: number) => `2024-01-02T10:00:0${s}Z`;

describe('rows whose field count differs from the header', () => {
  it('a row with more fields is an error naming its line and row (polars would drop the extra value)', async () => {
    const path = file(['ts,price,size', `${T(0)},10,1`, `${T(1)},11,2,99`, `${T(2)},12,3`].join('\n'));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 3 (row 2): 4 fields but the header has 3`);
    expect(e.code).toBe('INPUT_INVALID');
  });

  it('a row with fewer fields is an error even when the missing cell is an optional column', async () => {
    // Volume is optional for bars, but a short row is what a truncated file looks like.
    const path = file(['Date,Open,High,Low,Close,Volume', '2024-01-02,1,2,1,2,100', '2024-01-03,1,2,1,2'].join('\n'));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 3 (row 2): 5 fields but the header has 6`);
    expect(e.hint).toMatch(/empty cell/);
  });

  it('an empty cell in a full row is how a value is left out, and is read as such', async () => {
    const path = file(['ts,bid,ask,bid_size,ask_size', `${T(0)},10,11,,5`].join('\n'));
    const [batch] = await readTabularFile(path, { symbol: 'X' });
    expect(Number.isNaN(batch.values.bid_size[0]), 'an unknown quote size').toBe(true);
    expect(batch.values.ask_size[0]).toBe(5);
  });

  it('a truncated last line (a killed writer) is an error, not a row with nulls', async () => {
    const path = file(['ts,price,size', `${T(0)},10,1`, '2024-01-02T10:0'].join('\n'));
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 3 (row 2): 1 field but the header has 3`);
  });
});

describe('hostile but valid CSV text', () => {
  it('reads CRLF line endings, a UTF-8 byte-order mark and trailing blank lines like plain LF text', async () => {
    const plain = await readTabularFile(file(`ts,price,size\n${T(0)},10,1\n${T(1)},11,2\n`), { symbol: 'X' });
    const hostile = await readTabularFile(file(`\ufeffts,price,size\r\n${T(0)},10,1\r\n${T(1)},11,2\r\n\r\n\r\n`), { symbol: 'X' });
    expect(hostile[0].kind, 'the BOM does not hide the ts header').toBe('trades');
    expect(Array.from(hostile[0].ts)).toEqual(Array.from(plain[0].ts));
    expect(Array.from(hostile[0].values.price), 'two rows: blank lines at the end are not rows').toEqual([10, 11]);
  });

  it('reads a quoted field holding a comma and a line break, and still names the right line after it', async () => {
    const path = file(['ts,price,size,note', `${T(0)},10,1,"a, b"`, `${T(1)},11,2,"two`, `lines"`, `${T(2)},abc,3,x`].join('\n'));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message, 'row 3 starts on line 5 because row 2 spans lines 3–4').toBe(`${path} line 5 (row 3): price "abc" is not a number`);
    const layout = scanCsvLayout(path);
    expect([layout.rows, layout.lineOf(0), layout.lineOf(1), layout.lineOf(2)]).toEqual([3, 2, 3, 5]);
  });

  it('reads a quoted number with a comma as text, which then fails as a number', async () => {
    const path = file(['ts,price,size', `${T(0)},"1,000",1`].join('\n'));
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 2 (row 1): price "1,000" is not a number`);
  });

  it('rejects a header-only file as having no data rows', async () => {
    const path = file('ts,price,size\n');
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path}: no data rows`);
  });

  it('rejects a blank line between rows, naming its line', async () => {
    const path = file(`ts,price,size\n${T(0)},10,1\n\n${T(1)},11,2\n`);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 3: blank line between rows`);
  });

  it('rejects an unclosed quote and text after a closing quote', async () => {
    const open = file(`ts,price,size\n${T(0)},"10,1\n${T(1)},11,2\n`);
    expect((await errorOf(readTabularFile(open, { symbol: 'X' }))).message).toBe(`${open} line 2: a quoted field opened on this line never closes`);
    const after = file(`ts,price,size\n${T(0)},"10"x,1\n`);
    expect((await errorOf(readTabularFile(after, { symbol: 'X' }))).message).toBe(`${after} line 2: text after a closing quote in field 2`);
  });

  it('rejects classic-Mac CR-only line endings instead of reading one long header', async () => {
    const path = file(`ts,price,size\r${T(0)},10,1\r`);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 1: carriage return (CR) without a line feed`);
  });

  it('refuses two columns that both name one field (polars would rename the second and cift read the first)', async () => {
    const path = file(['Date,Open,High,Low,Close,close', '2024-01-02,1,2,1,2,3'].join('\n'));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path}: 2 columns could be close: "Close" and "close"`);
    const repeated = file(['Date,Open,High,Low,Close,Close', '2024-01-02,1,2,1,2,3'].join('\n'));
    expect((await errorOf(readTabularFile(repeated, { symbol: 'X' }))).message).toBe(`${repeated}: 2 columns could be close: "Close" and "Close"`);
  });

  it('combines a separate Date and Time column rather than putting every row at midnight', async () => {
    const path = file(['Date,Time,Price,Size', '2024-01-02,09:30:00,10,1', '2024-01-02,09:31:00,11,1'].join('\n'));
    const [batch] = await readTabularFile(path, { symbol: 'X' });
    expect(Array.from(batch.ts), '2024-01-02 09:30 and 09:31 UTC').toEqual([BigInt(Date.parse('2024-01-02T09:30:00Z')) * 1_000_000n, BigInt(Date.parse('2024-01-02T09:31:00Z')) * 1_000_000n]);
  });
});

describe('files that are not CSV text fail at once', () => {
  it('a file of NUL bytes (a few MB) is "not a text CSV file" at its first byte', async () => {
    const path = file(Buffer.alloc(4 << 20));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path}: not a text CSV file: NUL byte at byte 1`);
  });

  it('a NUL byte after the first 64 KB is found by the streamed pass, naming its line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `2024-01-02T10:00:00.${String(i).padStart(4, '0')}Z,10,1`);
    const text = Buffer.from(['ts,price,size', ...rows, ''].join('\n'));
    const at = text.length - 10;
    text[at] = 0;
    const path = file(text);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 5001: NUL byte: not a text CSV file`);
  });

  it('a first line with no line break in the first 4 MB is no header', async () => {
    const path = file(Buffer.alloc(MAX_HEADER_BYTES + 1024, 'a'));
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path}: no line break in the first 4 MB, so no header line: not a CSV file`);
  });

  it('a Latin-1 byte is named as not UTF-8 on its line, with a hint naming --encoding', async () => {
    const path = file(Buffer.concat([Buffer.from(`ts,price,size\n${T(0)},10,1\n`), Buffer.from([0xe9]), Buffer.from(',1,1\n')]));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 3: not UTF-8 text (byte 0xE9)`);
    expect(e.hint).toMatch(/--encoding cp1252/);
  });

  it('a byte that is not UTF-8 past the first 64 KB is found by the streamed pass, naming its line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `2024-01-02T10:00:00.${String(i).padStart(4, '0')}Z,10,1`);
    const text = Buffer.from(['ts,price,size', ...rows, ''].join('\n'));
    text[text.length - 10] = 0xff;
    const path = file(text);
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path} line 5001: not UTF-8 text (byte 0xFF)`);
  });

  it('an empty file says so', async () => {
    const path = file('');
    expect((await errorOf(readTabularFile(path, { symbol: 'X' }))).message).toBe(`${path}: empty file`);
  });

  it('a gzip-compressed or UTF-16 file named .csv is opened, not refused (a header alone is still no data)', async () => {
    const gz = file(gzipSync('ts,price,size\n'));
    expect((await errorOf(readTabularFile(gz, { symbol: 'X' }))).message, 'decompressed, then found empty').toBe(`${gz}: no data rows`);
    const utf16 = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ts,price,size\n', 'utf16le')]));
    expect((await errorOf(readTabularFile(utf16, { symbol: 'X' }))).message, 'transcoded, then found empty').toBe(`${utf16}: no data rows`);
  });

  it('bzip2 and xz say what they are, with a hint', async () => {
    const bz = file(Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(20, 1)]));
    const e = await errorOf(readTabularFile(bz, { symbol: 'X' }));
    expect(e.message).toBe(`${bz}: not a file cift reads: it is bzip2-compressed`);
    expect(e.hint).toMatch(/bunzip2/);
    const xz = file(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]));
    expect((await errorOf(readTabularFile(xz, { symbol: 'X' }))).message).toBe(`${xz}: not a file cift reads: it is xz-compressed`);
  });

  it('a .parquet file that is not Parquet, or is cut short, says so', async () => {
    const text = file('ts,price,size\n', '.parquet');
    expect((await errorOf(readTabularFile(text, { symbol: 'X' }))).message).toBe(`${text}: not a Parquet file (it does not start with PAR1)`);
    const cut = file(Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7)]), '.parquet');
    expect((await errorOf(readTabularFile(cut, { symbol: 'X' }))).message).toBe(`${cut}: not a Parquet file (it starts like one but its end is missing: truncated?)`);
    const empty = file('', '.parquet');
    expect((await errorOf(readTabularFile(empty, { symbol: 'X' }))).message).toBe(`${empty}: empty file`);
  });

  it('a directory is named as a directory, whatever its name ends with', async () => {
    for (const name of ['prices.csv', 'data']) {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      const e = await errorOf(readTabularFile(dir, { symbol: 'X' }));
      expect(e.message).toBe(`${dir}: is a directory, not a data file`);
      expect(e.code, 'exit 1').toBe('INPUT_INVALID');
    }
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    const e = await errorOf(readTabularFile(join(tmp.dir, 'nope.csv'), { symbol: 'X' }));
    expect(e.code).toBe('FILE_NOT_FOUND');
  });
});

describe('values in messages', () => {
  it('are escaped and cut short, so a control character or a huge cell cannot flood the terminal', async () => {
    const path = writeText(tmp.dir, 'long.csv', ['ts,price,size', `${T(0)},${'9x'.repeat(500)}\u0007,1`].join('\n'));
    const e = await errorOf(readTabularFile(path, { symbol: 'X' }));
    expect(e.message).toBe(`${path} line 2 (row 1): price "${'9x'.repeat(20)}…" is not a number`);
  });
});
