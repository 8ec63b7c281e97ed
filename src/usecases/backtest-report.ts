/**
 * `cift backtest --report FILE.html`: checks the path before the run, then renders the page with the chart library
 * read from node_modules and writes it atomically (a temp file renamed into place, never a half-written report).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { renderHtmlReport, type HeatmapInput } from '../backtest/html-report.js';
import type { ChartBars } from '../backtest/report-chart.js';
import type { BacktestReport } from '../backtest/report-data.js';
import { CiftError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputPath, writeFailure } from '../io/output-path.js';

/** The standalone build (it sets window.LightweightCharts); `dist/` is not in the package's exports, so by path. */
export function chartLibrarySource(): string {
  const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFileSync(join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
}

/** Before the run: a report path must name an .html file in an existing, writable folder. */
export function checkReportPath(path: string, flag = '--report'): void {
  if (!/\.html$/i.test(path)) throw new CiftError('USAGE', `${flag} "${path}" must end in .html`, 'e.g. --report report.html');
  checkOutputPath(path, flag);
}

export function writeHtmlReport(path: string, report: BacktestReport, bars: ChartBars, heatmap?: HeatmapInput): void {
  const html = renderHtmlReport({ report, bars, heatmap, chartLibrary: chartLibrarySource() });
  try {
    writeFileAtomic(path, html);
  } catch (e) {
    throw writeFailure(e, path);
  }
}
