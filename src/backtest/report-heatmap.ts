/**
 * The optimiser's results as HTML: with two or more parameters a grid over the first two, each cell coloured by
 * the objective and the best cell marked (further parameters are folded into each cell by taking their best value,
 * as backtesting.py's plot_heatmaps does with agg='max'); with one parameter a table sorted best first.
 */
import { escapeHtml, formatNumber } from './html-text.js';
import { maxOf, minOf } from './stats.js';

type ParamValue = number | string | boolean;

export interface HeatmapInput {
  /** The objective: a stat key, or `-KEY` when it was minimised. */
  maximize: string;
  paramNames: string[];
  /** One per combination, in product order; value null when the run had no trades or the stat was undefined. */
  cells: Array<{ params: Record<string, ParamValue>; value: number | null }>;
}

/** Rows of the sorted table at most (the optimiser may try thousands of combinations). */
const MAX_SORTED_ROWS = 1_000;

const formatValue = (v: number | null): string => (v === null ? 'n/a' : formatNumber(v, Math.abs(v) >= 1000 ? 2 : 4));

/** Red (worst) through yellow to green (best); grey for no value. */
function colour(v: number | null, worst: number, best: number): string {
  if (v === null || !Number.isFinite(v)) return '#e0e0e0';
  const t = best === worst ? 1 : (v - worst) / (best - worst);
  return `hsl(${Math.round(120 * t)}, 65%, 72%)`;
}

function distinct(values: ParamValue[]): ParamValue[] {
  return [...new Set(values)];
}

export function heatmapHtml(h: HeatmapInput): string {
  const minimise = h.maximize.startsWith('-');
  const better = (a: number, b: number) => (minimise ? a < b : a > b);
  const valued = h.cells.filter((c): c is { params: Record<string, ParamValue>; value: number } => c.value !== null && Number.isFinite(c.value));
  // Ties go to the first in product order, as the optimiser picks.
  const best = valued.reduce<(typeof valued)[number] | undefined>((b, c) => (b === undefined || better(c.value, b.value) ? c : b), undefined);
  const objective = escapeHtml(minimise ? h.maximize.slice(1) : h.maximize);
  const title = `<h2>Optimisation: ${objective} (${minimise ? 'minimised' : 'maximised'}), ${h.cells.length} combination${h.cells.length === 1 ? '' : 's'}</h2>`;
  if (h.cells.length === 0) return `${title}<p>No combinations were run.</p>`;
  const bestLine = best
    ? `<p>Best: ${h.paramNames.map((p) => `${escapeHtml(p)} = ${escapeHtml(best.params[p])}`).join(', ')} → ${objective} ${formatValue(best.value)}</p>`
    : '<p>No combination gave a value.</p>';
  return `${title}${bestLine}${h.paramNames.length >= 2 ? grid(h, best, better) : sortedTable(h, minimise)}`;
}

function grid(h: HeatmapInput, best: HeatmapInput['cells'][number] | undefined, better: (a: number, b: number) => boolean): string {
  const [rowName, colName] = h.paramNames;
  const rows = distinct(h.cells.map((c) => c.params[rowName]));
  const cols = distinct(h.cells.map((c) => c.params[colName]));
  const value = new Map<string, number | null>();
  const key = (r: ParamValue, c: ParamValue) => `${typeof r}:${String(r)}\u0000${typeof c}:${String(c)}`;
  for (const cell of h.cells) {
    const k = key(cell.params[rowName], cell.params[colName]);
    const previous = value.get(k) ?? null;
    const v = cell.value !== null && Number.isFinite(cell.value) ? cell.value : null;
    value.set(k, previous === null || (v !== null && better(v, previous)) ? (v ?? previous) : previous);
  }
  const finite = [...value.values()].filter((v): v is number => v !== null);
  const [lo, hi] = [minOf(finite), maxOf(finite)];
  const [worst, top] = better(1, 0) ? [lo, hi] : [hi, lo];
  const bestKey = best ? key(best.params[rowName], best.params[colName]) : undefined;
  const head = `<tr><th>${escapeHtml(rowName)} ↓ / ${escapeHtml(colName)} →</th>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      const cells = cols.map((c) => {
        const k = key(r, c);
        const v = value.has(k) ? (value.get(k) ?? null) : null;
        const isBest = k === bestKey;
        return `<td class="cell${isBest ? ' best' : ''}" style="background:${colour(v, worst, top)}"${isBest ? ' title="best"' : ''}>${isBest ? '★ ' : ''}${value.has(k) ? formatValue(v) : ''}</td>`;
      });
      return `<tr><th>${escapeHtml(r)}</th>${cells.join('')}</tr>`;
    })
    .join('');
  const folded = h.paramNames.length > 2 ? `<p>Each cell is the best over ${h.paramNames.slice(2).map(escapeHtml).join(', ')}.</p>` : '';
  return `${folded}<table id="heatmap" class="heatmap">${head}${body}</table>`;
}

function sortedTable(h: HeatmapInput, minimise: boolean): string {
  const order = h.cells.map((c, k) => ({ c, k }));
  const v = (x: { c: HeatmapInput['cells'][number] }) => (x.c.value !== null && Number.isFinite(x.c.value) ? x.c.value : NaN);
  order.sort((a, b) => {
    const [va, vb] = [v(a), v(b)];
    if (Number.isNaN(va) || Number.isNaN(vb)) return Number.isNaN(va) === Number.isNaN(vb) ? a.k - b.k : Number.isNaN(va) ? 1 : -1;
    return (minimise ? va - vb : vb - va) || a.k - b.k;
  });
  const shown = order.slice(0, MAX_SORTED_ROWS);
  const head = `<tr><th>#</th>${h.paramNames.map((p) => `<th>${escapeHtml(p)}</th>`).join('')}<th>value</th></tr>`;
  const body = shown.map(({ c }, rank) => `<tr${rank === 0 && c.value !== null ? ' class="best"' : ''}><td>${rank + 1}</td>${h.paramNames.map((p) => `<td>${escapeHtml(c.params[p])}</td>`).join('')}<td>${formatValue(c.value)}</td></tr>`).join('');
  const note = order.length > shown.length ? `<p>The best ${shown.length} of ${order.length} combinations are listed.</p>` : '';
  return `<table id="heatmap" class="sorted">${head}${body}</table>${note}`;
}
