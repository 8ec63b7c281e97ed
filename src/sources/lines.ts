/**
 * A text file read one line at a time from 1 MB chunks, so a reader's memory does not grow with the file and a
 * bad file fails at its first bad line. A line longer than `maxLineBytes` is an error (a file with no line breaks
 * would otherwise be held whole), as is a NUL byte (binary content). CRLF endings are accepted.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CiftError } from '../errors.js';

const CHUNK_BYTES = 1 << 20;

export class LineReader {
  /** 1-based number of the line last returned. */
  lineNumber = 0;
  private readonly fd: number;
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private start = 0;
  private end = 0;
  /** Bytes of a line that began in an earlier chunk. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private done = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly maxLineBytes: number,
  ) {
    this.fd = openSync(file, 'r');
  }

  /** The next line without its line ending, or undefined at the end of the file (a final empty line is not a line). */
  next(): string | undefined {
    for (;;) {
      if (this.start < this.end) {
        const lf = this.chunk.indexOf(0x0a, this.start);
        const stop = lf >= 0 && lf < this.end ? lf : this.end;
        const piece = this.chunk.subarray(this.start, stop);
        if (piece.indexOf(0) >= 0) this.fail(`line ${this.lineNumber + 1}: NUL byte: not a text file`);
        if (this.carryBytes + piece.length > this.maxLineBytes) this.fail(`line ${this.lineNumber + 1}: longer than ${this.maxLineBytes} bytes, so not a line of this format`);
        if (stop < this.end) {
          this.start = stop + 1;
          return this.finish(piece);
        }
        this.carry.push(Buffer.from(piece));
        this.carryBytes += piece.length;
        this.start = this.end;
      }
      if (this.done) {
        if (this.carryBytes === 0) return undefined;
        return this.finish(Buffer.alloc(0));
      }
      this.end = readSync(this.fd, this.chunk, 0, CHUNK_BYTES, null);
      this.start = 0;
      if (this.end === 0) {
        this.done = true;
        this.close();
      }
    }
  }

  /** Like next(), but blank lines at the end are not rows, and a blank line followed by more rows is an error. */
  nextRow(): string | undefined {
    const line = this.next();
    if (line === undefined || line.trim() !== '') return line;
    const blankAt = this.lineNumber;
    for (let more = this.next(); more !== undefined; more = this.next()) {
      if (more.trim() !== '') this.fail(`line ${blankAt}: blank line between rows`);
    }
    return undefined;
  }

  close(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
  }

  private finish(tail: Buffer): string {
    const bytes = this.carryBytes === 0 ? tail : Buffer.concat([...this.carry, tail]);
    this.carry = [];
    this.carryBytes = 0;
    this.lineNumber++;
    const text = bytes.toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private fail(message: string): never {
    this.close();
    throw new CiftError('INPUT_INVALID', `${this.file} ${message}`);
  }
}
