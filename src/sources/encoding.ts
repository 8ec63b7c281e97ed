/**
 * Text encodings. cift's readers read UTF-8, so anything else is transcoded by streaming into a scratch file
 * first, one 1 MB chunk at a time. What is decided without asking: a UTF-8 byte-order mark (stripped), and
 * UTF-16 with a byte-order mark (what MetaTrader exports). What is not guessed: a file whose bytes are not UTF-8
 * could be Windows-1252, Latin-9, Windows-1251 or Shift-JIS, and every byte decodes in the first three, so a
 * guess would turn a "é" in a symbol or a note into another letter without a word; such a file fails at its first
 * bad byte (csv-layout.ts) with a hint to give `--encoding`.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { CiftError } from '../errors.js';
import { readBytes, startsWith } from './sniff.js';

/** How a text file's bytes become UTF-8. */
export interface TextEncoding {
  /** What `decisions.encoding` records: "utf-8", "utf-8 with BOM", "utf-16le", "windows-1252", … */
  name: string;
  /** WHATWG encoding to transcode from; undefined when the bytes are UTF-8 already (read as they are). */
  transcodeFrom?: string;
}

const BOMS: Array<{ bytes: number[]; encoding: string }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

const EXAMPLES = 'e.g. cp1252 (Windows, Excel), latin1, utf-16le, utf-16be, utf-8';

/** `--encoding` → the WHATWG name TextDecoder knows it by ("cp1252" → "windows-1252"); a usage error otherwise. */
export function parseEncodingFlag(text: string): string {
  // Python spells them utf_16_le and utf-8-sig; the BOM of the latter is stripped anyway.
  const label = text.trim().toLowerCase().replace(/_/g, '-').replace(/^utf-8-sig$/, 'utf-8').replace(/^utf-16-(le|be)$/, 'utf-16$1');
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new CiftError('USAGE', `--encoding "${text}" is not a text encoding cift knows`, EXAMPLES);
  }
}

/** Decides how to read `file`: its byte-order mark, or `forced` (a name from parseEncodingFlag). */
export function decideEncoding(file: string, label: string, forced?: string): TextEncoding {
  const head = readBytes(file, 4);
  const bom = BOMS.find((b) => startsWith(head, b.bytes))?.encoding;
  const encoding = forced ?? bom ?? 'utf-8';
  if (forced !== undefined && bom !== undefined && bom !== forced) {
    throw new CiftError('USAGE', `${label}: starts with a ${bom} byte-order mark, but --encoding ${forced} was given`, `leave out --encoding, or give --encoding ${bom}`);
  }
  if (encoding === 'utf-8') return { name: bom ? 'utf-8 with BOM' : 'utf-8' };
  return { name: encoding, transcodeFrom: encoding };
}

const CHUNK_BYTES = 1 << 20;

/**
 * Streams `src` in `encoding` into `dest` as UTF-8 (a byte-order mark is dropped). Line breaks are kept, so line
 * numbers in later messages are the file's own. Bytes that are not valid in the encoding (half a UTF-16 pair,
 * an odd byte count) fail naming the line.
 */
export function transcodeToUtf8(src: string, dest: string, encoding: string, label: string): void {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const input = openSync(src, 'r');
  const output = openSync(dest, 'w');
  let line = 1;
  const write = (text: string) => {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    const bytes = Buffer.from(text, 'utf8');
    for (let done = 0; done < bytes.length; ) done += writeSync(output, bytes, done, bytes.length - done);
  };
  try {
    for (;;) {
      const n = readSync(input, buf, 0, CHUNK_BYTES, null);
      write(decode(decoder, buf.subarray(0, n), n > 0, label, encoding, () => line));
      if (n === 0) break;
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

function decode(decoder: { decode(bytes: Uint8Array, opts: { stream: boolean }): string }, bytes: Uint8Array, more: boolean, label: string, encoding: string, line: () => number): string {
  try {
    return decoder.decode(bytes, { stream: more });
  } catch {
    throw new CiftError(
      'INPUT_INVALID',
      `${label} line ${line()}: not valid ${encoding} text${more ? '' : ' (it ends in the middle of a character)'}`,
      `give the file's encoding with --encoding (${EXAMPLES})`,
    );
  }
}
