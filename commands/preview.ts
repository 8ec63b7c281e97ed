import type pl from 'nodejs-polars';
import { frameColumns } from '../src/io/export.js';
import type { Polars } from '../src/polars.js';
import { formatCount, printTable, type Ui } from './ui.js';

const PREVIEW_ROWS = 5;

/** A table of the first and last rows and the row count, for people. */
export function printFramePreview(ui: Ui, polars: Polars, frame: pl.DataFrame, title: string): void {
  const cols = frameColumns(polars, frame);
  const n = frame.height;
  const idx = n <= 2 * PREVIEW_ROWS ? [...Array(n).keys()] : [...Array(PREVIEW_ROWS).keys(), -1, ...Array.from({ length: PREVIEW_ROWS }, (_, k) => n - PREVIEW_ROWS + k)];
  const fmt = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(8))) : v);
  const rows = idx.map((i) => (i < 0 ? cols.map(() => '…') : cols.map((c) => fmt(c.values[i]))));
  printTable(ui, cols.map((c) => c.name), rows, cols.map((c) => (c.name === 'ts' ? 'left' : 'right')));
  process.stdout.write(`${title}: ${formatCount(n)} rows\n`);
}
