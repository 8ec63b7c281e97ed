/**
 * Writing a result frame the way `bars` and `features` both do: a file, text or binary bytes on stdout, or a
 * table on a TTY. Parquet and Arrow go to stdout only when it is not a terminal (a pipe or a file).
 */
import type pl from 'nodejs-polars';
import { CiftError } from '../src/errors.js';
import { formatFromPath, frameToBytes, frameToText, parseExportFormat, writeFrame, type ExportFormat, type FrameMetadata } from '../src/io/export.js';
import { checkOutputPath } from '../src/io/output-path.js';
import type { Polars } from '../src/polars.js';
import { printFramePreview } from './preview.js';
import { formatCount, printJson, type Ui } from './ui.js';

export interface OutputFlags {
  export?: string;
  out?: string;
}

const isBinary = (format: ExportFormat | undefined): format is 'parquet' | 'arrow' => format === 'parquet' || format === 'arrow';

/** Resolves --export/--out before any work, so a bad combination or an unusable --out path fails fast. */
export function outputFormat(flags: OutputFlags, stdoutIsTerminal: boolean = Boolean(process.stdout.isTTY)): ExportFormat | undefined {
  if (flags.out !== undefined) checkOutputPath(flags.out, '--out');
  const format = flags.export !== undefined ? parseExportFormat(flags.export) : flags.out !== undefined ? formatFromPath(flags.out) : undefined;
  if (flags.out !== undefined && format === undefined) {
    throw new CiftError('USAGE', `cannot tell the format of --out "${flags.out}"`, 'add --export csv|json|parquet|arrow');
  }
  if (flags.out === undefined && isBinary(format) && stdoutIsTerminal) {
    throw new CiftError('USAGE', `--export ${format} is binary and stdout is a terminal`, `give --out FILE, or pipe it: … --export ${format} > out.${format === 'arrow' ? 'arrow' : 'parquet'}`);
  }
  return format;
}

/** `metadata` goes into a Parquet or Arrow file's schema (CSV and JSON have no place for it). */
export function emitFrame(
  ui: Ui,
  polars: Polars,
  frame: pl.DataFrame,
  flags: OutputFlags,
  format: ExportFormat | undefined,
  title: string,
  meta: Record<string, unknown>,
  metadata?: FrameMetadata,
): void {
  if (flags.out !== undefined) {
    writeFrame(polars, frame, format!, flags.out, metadata);
    if (ui.json) printJson({ ...meta, rows: frame.height, columns: frame.columns, out: flags.out, format });
    else if (ui.tty) process.stdout.write(`wrote ${formatCount(frame.height)} rows to ${flags.out}\n`);
    return;
  }
  if (isBinary(format)) process.stdout.write(frameToBytes(frame, format, metadata));
  else if (format !== undefined) process.stdout.write(frameToText(polars, frame, format));
  else if (ui.json) process.stdout.write(frameToText(polars, frame, 'json'));
  else if (ui.tty) printFramePreview(ui, polars, frame, title);
  else process.stdout.write(frameToText(polars, frame, 'csv'));
}
