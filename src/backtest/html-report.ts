/**
 * A backtest as one self-contained HTML page that opens offline: candlesticks with the trades, equity and
 * drawdown panes (TradingView lightweight-charts, inlined), the statistics, trades, settings, params and run.
 * Pure: the caller hands in the chart library's source text and writes the result.
 *
 * Every string from the user or the data (strategy name, reasons, file names) goes in escaped; the chart's data
 * travels as JSON in a <script type="application/json"> element that no string can close.
 */
import type { BacktestReport } from './report-data.js';
import { CHART_COLOURS, chartData, MAX_CANDLES, shownTradeIndices, type ChartBars, type ChartData, type ReportTrade } from './report-chart.js';
import { heatmapHtml, type HeatmapInput } from './report-heatmap.js';
import { escapeHtml, formatNumber, scriptJson } from './html-text.js';
import { STAT_KEYS } from './stats.js';

export type { HeatmapInput } from './report-heatmap.js';

export interface HtmlReportInput {
  report: Pick<BacktestReport, 'stats' | 'trades' | 'params' | 'settings' | 'run' | 'equity'>;
  bars: ChartBars;
  /** The optimiser's grid, when the run was the best of one. */
  heatmap?: HeatmapInput;
  /** Source of lightweight-charts' standalone build (it defines window.LightweightCharts). */
  chartLibrary: string;
  /** Bars above which candles are merged (tests lower it). */
  maxCandles?: number;
}

const LIBRARY_URL = 'https://www.tradingview.com/lightweight-charts/';

/** A stat as people read it: money and percentages to 2 places, ratios to 4, durations in days. */
export function formatStat(key: string, v: number | string | null | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (/Duration$/.test(key)) return `${formatNumber(v, Number.isInteger(v) ? 0 : 4)} days`;
  if (Number.isInteger(v)) return formatNumber(v, 0);
  return formatNumber(v, /\[[$%]\]$/.test(key) ? 2 : 4);
}

/** Nested plain objects become dotted keys (input.file, input.rows …). */
function flatten(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([k, v]): Array<[string, unknown]> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );
}

function keyValueTable(id: string, title: string, value: Record<string, unknown>): string {
  const rows = flatten(value).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'number' && !Number.isFinite(v) ? 'n/a' : Array.isArray(v) ? v.join(', ') : v)}</td></tr>`);
  return `<section><h2>${title}</h2><table id="${id}" class="kv">${rows.join('') || '<tr><td>none</td></tr>'}</table></section>`;
}

function statsTable(stats: BacktestReport['stats']): string {
  const rows = STAT_KEYS.filter((k) => stats[k] !== undefined).map((k) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(formatStat(k, stats[k]))}</td></tr>`);
  return `<section><h2>Statistics</h2><table id="stats" class="kv">${rows.join('')}</table></section>`;
}

const TRADE_COLUMNS = ['#', 'side', 'size', 'entry time', 'exit time', 'entry price', 'exit price', 'SL', 'TP', 'P&L', 'return %', 'commission', 'days', 'reason', 'exit reason'];

const time = (iso: string) => iso.slice(0, 19).replace('T', ' ');
const price = (v: number | null | undefined) => (v === null || v === undefined ? '' : formatNumber(v, 4));

function tradeRow(t: ReportTrade, k: number): string {
  const cells = [k, t.Size > 0 ? 'long' : 'short', t.Size, time(t.EntryTime), time(t.ExitTime), price(t.EntryPrice), price(t.ExitPrice), price(t.SL), price(t.TP), formatNumber(t.PnL, 2), formatNumber(t.ReturnPct * 100, 2), formatNumber(t.Commission, 2), formatNumber(t.Duration, Number.isInteger(t.Duration) ? 0 : 4), t.Reason ?? '', t.ExitNote === null ? t.ExitReason : `${t.ExitReason}: ${t.ExitNote}`];
  return `<tr class="trade ${t.PnL >= 0 ? 'gain' : 'loss'}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

function tradesTable(trades: ReportTrade[]): string {
  const shown = shownTradeIndices(trades.length);
  const wins = trades.filter((t) => t.PnL > 0).length;
  const summary = `${formatNumber(trades.length, 0)} trades (${wins} won, ${trades.length - wins} lost)`;
  if (trades.length === 0) return `<section><h2>Trades</h2><p>No trades.</p></section>`;
  const gap = shown.length < trades.length ? shown.findIndex((k, j) => j > 0 && k !== shown[j - 1] + 1) : -1;
  const rows = shown.map((k) => tradeRow(trades[k], k));
  if (gap > 0) rows.splice(gap, 0, `<tr class="gap"><td colspan="${TRADE_COLUMNS.length}">… ${formatNumber(trades.length - shown.length, 0)} more not listed here; all are in --json and --trades FILE</td></tr>`);
  const note = gap > 0 ? `; the first and last ${shown.length / 2} are listed, and marked on the chart` : '';
  return `<section><h2>Trades</h2><p id="trades-summary">${summary}${note}</p><table id="trades" data-total="${trades.length}"><thead><tr>${TRADE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function describeSeconds(s: number): string {
  const units: Array<[number, string]> = [[604_800, 'w'], [86_400, 'd'], [3_600, 'h'], [60, 'm'], [1, 's']];
  const [size, unit] = units.find(([u]) => s % u === 0) ?? [1, 's'];
  return `${s / size}${unit}`;
}

function chartNotes(chart: ChartData, bars: number, trades: number): string {
  const notes: string[] = [];
  if (chart.candleSeconds > 0 && chart.time.length < bars) {
    notes.push(`${formatNumber(bars, 0)} bars are drawn as ${formatNumber(chart.time.length, 0)} candles of ${describeSeconds(chart.candleSeconds)} (each merges the bars it spans; equity is its last bar's, drawdown its deepest); statistics and trades use every bar.`);
  }
  if (trades > shownTradeIndices(trades).length) notes.push('Markers and SL/TP levels are drawn for the listed trades only.');
  if (chart.levelsNotDrawn > 0) notes.push(`SL/TP levels of ${chart.levelsNotDrawn} overlapping trades are not drawn.`);
  return notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
}

/** The page's own script: build the chart from the JSON. Plain ES5-style so it is easy to read in the file. */
const PAGE_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('chart-data').textContent);
  var LC = window.LightweightCharts;
  var box = document.getElementById('chart');
  var chart = LC.createChart(box, {
    autoSize: true,
    layout: { background: { type: 'solid', color: '#ffffff' }, textColor: '#333333' },
    grid: { vertLines: { color: '#f0f0f0' }, horzLines: { color: '#f0f0f0' } },
    // Thin enough bars that fitContent shows the whole run, even tens of thousands of candles.
    timeScale: { timeVisible: d.intraday, secondsVisible: false, minBarSpacing: Math.min(0.5, box.clientWidth / (2 * d.time.length + 1)) }
  });
  var minMove = Math.pow(10, -d.pricePrecision);
  var candles = [], equity = [], drawdown = [];
  for (var i = 0; i < d.time.length; i++) {
    var missing = d.open[i] === null || d.high[i] === null || d.low[i] === null || d.close[i] === null;
    candles.push(missing ? { time: d.time[i] } : { time: d.time[i], open: d.open[i], high: d.high[i], low: d.low[i], close: d.close[i] });
    equity.push(d.equity[i] === null ? { time: d.time[i] } : { time: d.time[i], value: d.equity[i] });
    drawdown.push({ time: d.time[i], value: d.drawdownPct[i] === null ? 0 : d.drawdownPct[i] });
  }
  var price = chart.addSeries(LC.CandlestickSeries, {
    upColor: '${CHART_COLOURS.candleUp}', wickUpColor: '${CHART_COLOURS.candleUp}', borderUpColor: '${CHART_COLOURS.candleUp}',
    downColor: '${CHART_COLOURS.candleDown}', wickDownColor: '${CHART_COLOURS.candleDown}', borderDownColor: '${CHART_COLOURS.candleDown}',
    priceFormat: { type: 'price', precision: d.pricePrecision, minMove: minMove } });
  price.setData(candles);
  // Many labels overlap into a smear: beyond a few dozen markers the labels show on hover instead.
  var labelled = d.markers.length <= 40;
  LC.createSeriesMarkers(price, d.markers.map(function (m) {
    return { time: m.time, position: m.position, shape: m.shape, color: m.color, text: labelled ? m.text : '' };
  }));
  var labels = {};
  d.markers.forEach(function (m) { (labels[m.time] = labels[m.time] || []).push(m.text); });
  var hover = document.getElementById('hover');
  chart.subscribeCrosshairMove(function (p) {
    hover.textContent = (p.time !== undefined && labels[p.time]) ? labels[p.time].join(' · ') : '\u00a0';
  });
  d.levels.forEach(function (lane) {
    var level = chart.addSeries(LC.LineSeries, {
      color: lane.kind === 'sl' ? '${CHART_COLOURS.sl}' : '${CHART_COLOURS.tp}', lineWidth: 2, lineStyle: LC.LineStyle.Dashed,
      priceFormat: { type: 'price', precision: d.pricePrecision, minMove: minMove },
      priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false
    }, 0);
    var hidden = {};
    lane.hidden.forEach(function (k) { hidden[k] = true; });
    level.setData(lane.time.map(function (t, k) {
      return hidden[k] ? { time: t, value: lane.value[k], color: 'rgba(0, 0, 0, 0)' } : { time: t, value: lane.value[k] };
    }));
  });
  chart.addSeries(LC.LineSeries, { color: '${CHART_COLOURS.equity}', lineWidth: 2, title: 'equity', priceLineVisible: false }, 1).setData(equity);
  chart.addSeries(LC.BaselineSeries, {
    baseValue: { type: 'price', price: 0 }, title: 'drawdown %', priceLineVisible: false,
    bottomLineColor: '${CHART_COLOURS.drawdown}', bottomFillColor1: 'rgba(142, 36, 170, 0.1)', bottomFillColor2: 'rgba(142, 36, 170, 0.4)', lineWidth: 2
  }, 2).setData(drawdown);
  var panes = chart.panes();
  panes[0].setStretchFactor(3);
  panes[1].setStretchFactor(1.2);
  panes[2].setStretchFactor(1);
  chart.timeScale().fitContent();
})();
`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
#chart { height: 760px; border: 1px solid #ddd; }
.note { color: #555; font-size: .9em; margin: .3em 0; }
.legend > span { margin-right: 1.2em; font-size: .9em; }
.columns { display: flex; flex-wrap: wrap; gap: 2.5em; align-items: flex-start; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
table.kv th { text-align: left; font-weight: normal; color: #444; }
#trades td:nth-child(2), #trades td:nth-last-child(-n+2), #trades th:nth-child(2), #trades th:nth-last-child(-n+2) { text-align: left; }
#trades tr.gain td:nth-child(10) { color: ${CHART_COLOURS.gain}; } #trades tr.loss td:nth-child(10) { color: ${CHART_COLOURS.loss}; }
#trades tr.gap td { text-align: center; color: #777; }
.heatmap td.best { outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
footer { margin-top: 2em; color: #666; font-size: .85em; }
`;

export function renderHtmlReport(input: HtmlReportInput): string {
  const { report, bars, heatmap } = input;
  const trades = report.trades;
  const chart = chartData(report, bars, input.maxCandles ?? MAX_CANDLES);
  const run = report.run as { strategy?: unknown; cift_version?: unknown; input?: { symbol?: unknown; file?: unknown } };
  const subject = run.input?.symbol ?? run.input?.file ?? 'data';
  const title = `${String(run.strategy ?? 'strategy')} on ${String(subject)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cift ${escapeHtml(run.cift_version ?? '')}">
<title>cift backtest: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>cift backtest: ${escapeHtml(title)}</h1>
<p>${escapeHtml(`${formatNumber(bars.ts.length, 0)} bars, ${String(report.stats.Start ?? '')} to ${String(report.stats.End ?? '')}; return ${formatStat('Return [%]', report.stats['Return [%]'])} %, ${formatNumber(trades.length, 0)} trades`)}</p>
${chartNotes(chart, bars.ts.length, trades.length)}
<p class="legend"><span>▲▼ entry (long below, short above)</span><span>● exit, with its reason and P&amp;L (hover a marker)</span><span style="color:${CHART_COLOURS.gain}">green: winning trade</span><span style="color:${CHART_COLOURS.loss}">red: losing trade</span><span>dashed: <span style="color:${CHART_COLOURS.sl}">stop-loss</span> and <span style="color:${CHART_COLOURS.tp}">take-profit</span> levels</span></p>
<p id="hover" class="note">&nbsp;</p>
<div id="chart"></div>
<div class="columns">
${statsTable(report.stats)}
<div>
${keyValueTable('params', 'Parameters', report.params)}
${keyValueTable('settings', 'Broker settings', report.settings as unknown as Record<string, unknown>)}
${keyValueTable('run', 'Run', report.run)}
</div>
</div>
${heatmap ? `<section>${heatmapHtml(heatmap)}</section>` : ''}
${tradesTable(trades)}
<footer>Made by cift ${escapeHtml(run.cift_version ?? '')}. Charts drawn with <a href="${LIBRARY_URL}">TradingView Lightweight Charts™</a> (Apache-2.0), inlined in this file.</footer>
<script type="application/json" id="chart-data">${scriptJson(chart)}</script>
<script>${safeInlineScript(input.chartLibrary)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** A script's text that cannot end its <script> element early: `</script` becomes `<\/script`, the same in JS. */
function safeInlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
