import { describe, expect, it } from 'vitest';
import { formatStat, renderHtmlReport, type HtmlReportInput } from '../../src/backtest/html-report.js';
import { formatNumber, scriptJson } from '../../src/backtest/html-text.js';
import { candleSeconds, chartData, mergeCandles, shownTradeIndices, type ChartBars, type ReportTrade } from '../../src/backtest/report-chart.js';
import { heatmapHtml, type HeatmapInput } from '../../src/backtest/report-heatmap.js';
import { DEFAULT_BROKER } from '../../src/backtest/types.js';

const S = 1_000_000_000n;
const DAY_S = 86_400;

/** Bars at the given UTC seconds with hand-chosen prices (open = 10 + i, high = open + 2, low = open − 1, close = open + 1). */
function bars(seconds: number[], overrides: (b: ChartBars) => void = () => {}): ChartBars {
  const n = seconds.length;
  const b: ChartBars = {
    ts: BigInt64Array.from(seconds, (s) => BigInt(Math.round(s * 1e9))),
    open: Float64Array.from({ length: n }, (_, i) => 10 + i),
    high: Float64Array.from({ length: n }, (_, i) => 12 + i),
    low: Float64Array.from({ length: n }, (_, i) => 9 + i),
    close: Float64Array.from({ length: n }, (_, i) => 11 + i),
  };
  overrides(b);
  return b;
}

function trade(t: Partial<ReportTrade> & Pick<ReportTrade, 'Size' | 'EntryBar' | 'ExitBar' | 'PnL'>): ReportTrade {
  return { EntryPrice: 10, ExitPrice: 11, Commission: 0, ReturnPct: 0.01, EntryTime: '2024-01-01T00:00:00.000Z', ExitTime: '2024-01-02T00:00:00.000Z', Duration: 1, Reason: null, ExitReason: null, ...t };
}

function equityOf(values: number[], drawdown: number[], ts: BigInt64Array) {
  return { ts, equity: Float64Array.from(values), drawdownPct: Float64Array.from(drawdown) };
}

const minutes = Array.from({ length: 10 }, (_, i) => 60 * i);

describe('report candles', () => {
  it('keeps one candle per bar when they fit and each has its own second', () => {
    expect(candleSeconds(bars([0, 60, 120]).ts)).toBe(0);
  });

  it('merges bars that share a second (lightweight-charts times are whole seconds)', () => {
    expect(candleSeconds(bars([0, 0.5, 1]).ts), 'two bars in second 0').toBe(1);
  });

  it('above the limit picks the smallest readable length that fits: 541 s over 3 gaps needs ≥ 180.3 s, so 5 minutes', () => {
    expect(candleSeconds(bars(minutes).ts, 4)).toBe(300);
  });

  it('merges OHLC by candle: first open, highest high, lowest low, last close', () => {
    const b = bars(minutes, (x) => {
      x.high[2] = 30;
      x.low[7] = 1;
    });
    const m = mergeCandles(b, 300);
    expect(m.time).toEqual([0, 300]);
    expect(m.open).toEqual([10, 15]);
    expect(m.high, 'bar 2 high 30; bars 5–9 highs 17…21').toEqual([30, 21]);
    expect(m.low, 'bars 0–4 lows 9…13; bar 7 low 1').toEqual([9, 1]);
    expect(m.close).toEqual([15, 20]);
    expect([...m.candleOfBar]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('starts weekly candles on Monday 00:00 UTC', () => {
    const sunday = Date.UTC(2024, 0, 7) / 1000;
    const monday = Date.UTC(2024, 0, 8) / 1000;
    expect(mergeCandles(bars([sunday, monday]), 7 * DAY_S).time).toEqual([Date.UTC(2024, 0, 1) / 1000, monday]);
  });

  it('gives each merged candle the equity of its last bar and the deepest drawdown in it, in percent', () => {
    const b = bars(minutes);
    // Running peaks 100,101,101,102,103,103,103,104,104,106 → drawdowns worked out by hand.
    const equity = equityOf([100, 101, 99, 102, 103, 90, 95, 104, 100, 106], [0, 0, 2 / 101, 0, 0, 13 / 103, 8 / 103, 0, 4 / 104, 0], b.ts);
    const c = chartData({ trades: [], equity }, b, 4);
    expect(c.candleSeconds).toBe(300);
    expect(c.equity).toEqual([103, 106]);
    expect(c.drawdownPct[0]).toBeCloseTo((-2 / 101) * 100, 12);
    expect(c.drawdownPct[1]).toBeCloseTo((-13 / 103) * 100, 12);
    expect(c.intraday).toBe(true);
  });
});

describe('report trades on the chart', () => {
  const days = Array.from({ length: 10 }, (_, i) => Date.UTC(2024, 0, 1 + i) / 1000);
  const b = bars(days);
  const equity = equityOf(new Array(10).fill(100), new Array(10).fill(0), b.ts);
  const trades: ReportTrade[] = [
    trade({ Size: 5, EntryBar: 1, ExitBar: 3, PnL: 5, SL: 9, TP: 15, Reason: 'golden', ExitReason: 'tp' }),
    trade({ Size: -5, EntryBar: 3, ExitBar: 5, PnL: -2, SL: 16, TP: null, ExitReason: 'sl' }),
    trade({ Size: 2, EntryBar: 7, ExitBar: 8, PnL: 1, SL: 11 }),
  ];
  const c = chartData({ trades, equity }, b);

  it('marks entries with arrows by side and exits with circles, coloured by P&L and labelled with the reasons, in time order', () => {
    expect(c.candleSeconds).toBe(0);
    expect(c.intraday).toBe(false);
    expect(c.markers.map((m) => [m.time, m.position, m.shape, m.color, m.text])).toEqual([
      [days[1], 'belowBar', 'arrowUp', '#2e7d32', 'long golden'],
      [days[3], 'aboveBar', 'circle', '#2e7d32', 'tp +5.00'],
      [days[3], 'aboveBar', 'arrowDown', '#c62828', 'short'],
      [days[5], 'belowBar', 'circle', '#c62828', 'sl -2.00'],
      [days[7], 'belowBar', 'arrowUp', '#2e7d32', 'long'],
      [days[8], 'aboveBar', 'circle', '#2e7d32', 'exit +1.00'],
    ]);
  });

  it('draws each SL/TP as a flat segment entry→exit; a trade entering on the bar another exits takes a second lane, a later one reuses the first with the join hidden', () => {
    expect(c.levels).toEqual([
      { kind: 'sl', time: [days[1], days[3], days[7], days[8]], value: [9, 9, 11, 11], hidden: [1] },
      { kind: 'sl', time: [days[3], days[5]], value: [16, 16], hidden: [] },
      { kind: 'tp', time: [days[1], days[3]], value: [15, 15], hidden: [] },
    ]);
    expect(c.levelsNotDrawn).toBe(0);
  });

  it('lists every trade up to 1,000, beyond that the first and last 500', () => {
    expect(shownTradeIndices(3)).toEqual([0, 1, 2]);
    const shown = shownTradeIndices(1001);
    expect(shown.length).toBe(1000);
    expect(shown.slice(498, 502)).toEqual([498, 499, 501, 502]);
    expect(shown.at(-1)).toBe(1000);
  });
});

describe('report text', () => {
  it('writes JSON for a script element with <, >, &, U+2028/2029 escaped and NaN/Infinity as null', () => {
    expect(scriptJson({ a: '</script>\u2028&\u2029', n: NaN, i: -Infinity })).toBe('{"a":"\\u003c/script\\u003e\\u2028\\u0026\\u2029","n":null,"i":null}');
    expect(JSON.parse(scriptJson({ a: '</script>\u2028&' })).a).toBe('</script>\u2028&');
  });

  it('formats numbers with thousands separators and stats by kind', () => {
    expect(formatNumber(1234.5, 2)).toBe('1,234.50');
    expect(formatNumber(-1234567.891, 2)).toBe('-1,234,567.89');
    expect(formatNumber(-0.001, 2), 'no negative zero').toBe('0.00');
    expect(formatNumber(999.999, 2)).toBe('1,000.00');
    expect(formatNumber(NaN, 2)).toBe('n/a');
    expect(formatStat('Duration', 3116)).toBe('3,116 days');
    expect(formatStat('Avg. Trade Duration', 0.0416667)).toBe('0.0417 days');
    expect(formatStat('Sharpe Ratio', 0.497512)).toBe('0.4975');
    expect(formatStat('Return [%]', 297.7049)).toBe('297.70');
    expect(formatStat('Equity Final [$]', 39770.0312)).toBe('39,770.03');
    expect(formatStat('# Trades', 65)).toBe('65');
    expect(formatStat('Start', '2004-08-19T00:00:00.000Z')).toBe('2004-08-19T00:00:00.000Z');
    expect(formatStat('SQN', NaN)).toBe('n/a');
  });
});

function input(overrides: { trades?: ReportTrade[]; run?: Record<string, unknown>; params?: Record<string, number | string | boolean>; heatmap?: HeatmapInput } = {}): HtmlReportInput {
  const days = Array.from({ length: 5 }, (_, i) => Date.UTC(2024, 0, 1 + i) / 1000);
  const b = bars(days);
  return {
    report: {
      stats: { Start: '2024-01-01T00:00:00.000Z', 'Return [%]': 1.5, 'Sharpe Ratio': NaN },
      trades: overrides.trades ?? [],
      params: overrides.params ?? { fast: 10 },
      settings: { ...DEFAULT_BROKER },
      run: overrides.run ?? { strategy: 'sma-cross', cift_version: '0.0.0', input: { file: 'x.csv', rows: 5 } },
      equity: equityOf([100, 101, 102, 101, 103], [0, 0, 0, 1 / 102, 0], b.ts),
    },
    bars: b,
    heatmap: overrides.heatmap,
    chartLibrary: '/* the chart library */',
  };
}

describe('renderHtmlReport', () => {
  it('escapes every user string: none can open an element or close the data script', () => {
    const hostile = '</script><img src=x onerror=alert(1)>';
    const html = renderHtmlReport(
      input({
        trades: [trade({ Size: 1, EntryBar: 1, ExitBar: 2, PnL: 1, Reason: hostile, ExitReason: '<b>out</b>' })],
        run: { strategy: '<script>alert(2)</script>', cift_version: '0.0.0', input: { file: 'a<i>b&c.csv' } },
        params: { mode: '"><svg onload=alert(3)>' },
      }),
    );
    expect(html.match(/<script/g)?.length, 'the data, the library and the page script only').toBe(3);
    expect(html.match(/<\/script>/g)?.length).toBe(3);
    for (const tag of ['<img', '<svg', '<i>', '<b>']) expect(html.includes(tag), tag).toBe(false);
    expect(html).toContain('<td>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(html).toContain('<title>cift backtest: &lt;script&gt;alert(2)&lt;/script&gt; on a&lt;i&gt;b&amp;c.csv</title>');
    expect(html).toContain('<td>&quot;&gt;&lt;svg onload=alert(3)&gt;</td>');
    const json = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html);
    expect(json, 'the data block holds no raw <').not.toBeNull();
    expect(JSON.parse(json![1]).markers[0].text, 'the text survives the escaping').toBe(`long ${hostile}`);
  });

  it('lists the first and last 500 of 1,001 trades and says how many are left out', () => {
    const trades = Array.from({ length: 1001 }, (_, k) => trade({ Size: 1, EntryBar: 1, ExitBar: 2, PnL: k % 2 ? 1 : -1 }));
    const html = renderHtmlReport(input({ trades }));
    expect(html.match(/<tr class="trade /g)?.length).toBe(1000);
    expect(html).toContain('… 1 more not listed here');
    expect(html).toContain('1,001 trades (500 won, 501 lost); the first and last 500 are listed');
  });

  it('shows the stats in --json order, the broker settings and the params', () => {
    const html = renderHtmlReport(input());
    expect(html).toContain('<table id="stats" class="kv"><tr><th>Start</th><td>2024-01-01T00:00:00.000Z</td></tr><tr><th>Return [%]</th><td>1.50</td></tr><tr><th>Sharpe Ratio</th><td>n/a</td></tr></table>');
    expect(html).toContain('<tr><th>commission</th><td>0</td></tr>');
    expect(html).toContain('<table id="params" class="kv"><tr><th>fast</th><td>10</td></tr></table>');
    expect(html).toContain('<tr><th>input.file</th><td>x.csv</td></tr>');
  });
});

/** The cells of the heatmap grid as [row header, ...cell texts] and the cells marked best. */
function gridOf(html: string): { rows: string[][]; best: string[]; styles: string[][] } {
  const table = /<table id="heatmap" class="heatmap">(.*?)<\/table>/.exec(html)![1];
  const rows = [...table.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((r) => [...r[1].matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]));
  const styles = [...table.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((r) => [...r[1].matchAll(/style="background:([^"]*)"/g)].map((c) => c[1]));
  const best = [...table.matchAll(/<td class="cell best"[^>]*>(.*?)<\/td>/g)].map((c) => c[1]);
  return { rows, best, styles };
}

describe('heatmap', () => {
  // Product order: fast outermost.
  const values: Array<[number, number, number | null]> = [
    [5, 20, 1],
    [5, 30, 3],
    [5, 40, null],
    [10, 20, 3],
    [10, 30, 2],
    [10, 40, 0.5],
  ];
  const h = (maximize: string): HeatmapInput => ({ maximize, paramNames: ['fast', 'slow'], cells: values.map(([fast, slow, value]) => ({ params: { fast, slow }, value })) });

  it('grids two params, colours worst red to best green, marks the first best in product order', () => {
    const html = heatmapHtml(h('SQN'));
    const g = gridOf(html);
    expect(g.rows).toEqual([
      ['5', '1.0000', '★ 3.0000', 'n/a'],
      ['10', '3.0000', '2.0000', '0.5000'],
    ]);
    expect(g.best).toEqual(['★ 3.0000']);
    expect(g.styles[1][2], 'worst (0.5) is red').toBe('hsl(0, 65%, 72%)');
    expect(g.styles[0][1], 'best (3) is green').toBe('hsl(120, 65%, 72%)');
    expect(g.styles[0][2], 'no value is grey').toBe('#e0e0e0');
    expect(html).toContain('Best: fast = 5, slow = 30 → SQN 3.0000');
  });

  it('with -KEY the smallest value is best', () => {
    const html = heatmapHtml(h('-Max. Drawdown [%]'));
    expect(gridOf(html).best).toEqual(['★ 0.5000']);
    expect(gridOf(html).styles[1][2]).toBe('hsl(120, 65%, 72%)');
    expect(html).toContain('Optimisation: Max. Drawdown [%] (minimised), 6 combinations');
  });

  it('folds a third param into each cell by its best value', () => {
    const html = heatmapHtml({ maximize: 'SQN', paramNames: ['a', 'b', 'c'], cells: [{ params: { a: 1, b: 2, c: 'x' }, value: 1 }, { params: { a: 1, b: 2, c: 'y' }, value: 4 }] });
    expect(gridOf(html).rows).toEqual([['1', '★ 4.0000']]);
    expect(html).toContain('Each cell is the best over c.');
  });

  it('lists one param as a table sorted best first, no values last', () => {
    const html = heatmapHtml({ maximize: 'SQN', paramNames: ['n'], cells: [2, null, 5, 5].map((value, k) => ({ params: { n: k + 1 }, value })) });
    const rows = [...html.matchAll(/<tr[^>]*><td>(\d+)<\/td><td>(\d+)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['1', '3', '5.0000'],
      ['2', '4', '5.0000'],
      ['3', '1', '2.0000'],
      ['4', '2', 'n/a'],
    ]);
  });
});
