import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, cift, tempDir, writeText } from '../helpers.js';
import { hasBrowser, launchChromium, openOffline, paneColours } from '../browser.js';
import { renderHtmlReport } from '../../src/backtest/html-report.js';
import { CHART_COLOURS, type ReportTrade } from '../../src/backtest/report-chart.js';
import { DEFAULT_BROKER } from '../../src/backtest/types.js';
import { chartLibrarySource } from '../../src/usecases/backtest-report.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const home = join(tmp.dir, 'home');
const GOOG_RUN = ['backtest', '--strategy', 'sma-cross', '--data', join(ROOT, 'data', 'GOOG.csv'), '--commission', '.002'];

describe('cift backtest --report: the path', () => {
  it('must end in .html, checked before the run (a missing --data file is not reached), exit 2', () => {
    const r = cift(['backtest', '--strategy', 'sma-cross', '--data', join(tmp.dir, 'missing.csv'), '--report', join(tmp.dir, 'r.pdf')], { home });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`cift: --report "${join(tmp.dir, 'r.pdf')}" must end in .html\nhint: e.g. --report report.html\n`);
  });

  it('must be in an existing folder, checked before the run', () => {
    const path = join(tmp.dir, 'nowhere', 'r.html');
    const r = cift(['backtest', '--strategy', 'sma-cross', '--data', join(tmp.dir, 'missing.csv'), '--report', path], { home });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`cift: --report ${path}: folder ${join(tmp.dir, 'nowhere')} does not exist`);
  });
});

/** The number a formatted cell shows ("39,770.03", "3,116 days") and how many decimals it shows. */
function shown(text: string): { value: number; decimals: number } {
  const plain = text.replace(/ days$/, '').replace(/,/g, '');
  return { value: Number(plain), decimals: plain.split('.')[1]?.length ?? 0 };
}

describe.runIf(hasBrowser)('cift backtest --report in Chromium, offline', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws candles with markers, equity and drawdown, and shows the same stats and trades as --json', async () => {
    const json = cift([...GOOG_RUN, '--json'], { home });
    expect(json.status, json.stderr).toBe(0);
    const expected = JSON.parse(json.stdout) as { stats: Record<string, number | string | null>; trades: Array<{ EntryPrice: number; PnL: number }> };
    const path = join(tmp.dir, 'goog.html');
    const run = cift([...GOOG_RUN, '--report', path], { home });
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')), 'no temp file left behind').toEqual([]);

    const { page, problems, blocked } = await openOffline(browser, path);
    expect(problems, 'no console errors or warnings, no page errors').toEqual([]);
    expect(blocked, 'the page asks the network for nothing').toEqual([]);

    const c = CHART_COLOURS;
    const panes = (await paneColours(page, [c.candleUp, c.candleDown, c.gain, c.loss, c.equity, c.drawdown])).map((p) => p.map((colour) => colour.pixels));
    expect(panes.length, 'price, equity and drawdown panes').toBe(3);
    const [price, equity, drawdown] = panes;
    expect(price[0], 'rising candles drawn').toBeGreaterThan(200);
    expect(price[1], 'falling candles drawn').toBeGreaterThan(200);
    expect(price[2], 'markers of winning trades').toBeGreaterThan(50);
    expect(price[3], 'markers of losing trades').toBeGreaterThan(50);
    expect(equity[4], 'equity line').toBeGreaterThan(300);
    expect(drawdown[5], 'drawdown line').toBeGreaterThan(300);
    expect(price[4] + price[5] + equity[5] + drawdown[4], 'each series only in its own pane').toBe(0);

    const statRows = await page.$$eval('#stats tr', (rows) => rows.map((r) => [r.querySelector('th')!.textContent!, r.querySelector('td')!.textContent!]));
    expect(statRows.map(([k]) => k), 'the --json keys in the --json order').toEqual(Object.keys(expected.stats));
    for (const [key, text] of statRows) {
      const v = expected.stats[key];
      if (typeof v === 'string') expect(text, key).toBe(v);
      else if (v === null) expect(text, `${key} is NaN in --json`).toBe('n/a');
      else {
        const cell = shown(text);
        expect(cell.decimals, `${key}: a fraction shows at least 2 decimals`).toBeGreaterThanOrEqual(Number.isInteger(v) ? 0 : 2);
        expect(Math.abs(cell.value - v), `${key}: "${text}" is ${v} rounded`).toBeLessThanOrEqual(0.5 * 10 ** -cell.decimals * (1 + 1e-9));
      }
    }

    const trades = await page.$$eval('#trades tbody tr.trade', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!)));
    expect(trades.length, 'every trade listed').toBe(expected.trades.length);
    expect(await page.getAttribute('#trades', 'data-total')).toBe(String(expected.trades.length));
    expect(shown(trades[0][5]).value, 'first entry price').toBeCloseTo(expected.trades[0].EntryPrice, 4);
    expect(shown(trades.at(-1)![9]).value, 'last P&L').toBeCloseTo(expected.trades.at(-1)!.PnL, 2);
    await page.close();
  });

  it('shows a hostile reason and file name as text: no element injected, no script run', async () => {
    const hostile = '</script><img src=x onerror=alert(1)>';
    const strategy = writeText(
      tmp.dir,
      'hostile.ts',
      `import type { Strategy } from 'cift';
export default {
  params: { n: 10 },
  init: ({ close }, p, ta) => ({ ma: ta.sma(close, p.n) }),
  next(t, { ma }) {
    if (t.position === 0 && t.bar.close > ma[t.i]) t.buy({ reason: ${JSON.stringify(hostile)} });
    else if (t.position > 0 && t.bar.close < ma[t.i]) t.close('<b onmouseover=alert(2)>out</b>');
  },
} satisfies Strategy<{ n: number }>;
`,
    );
    const data = join(tmp.dir, 'a<i>b&c.csv');
    copyFileSync(join(ROOT, 'data', 'GOOG.csv'), data);
    const path = join(tmp.dir, 'hostile.html');
    const r = cift(['backtest', '--strategy', strategy, '--data', data, '--report', path], { home });
    expect(r.status, r.stderr).toBe(0);

    const { page, problems, blocked } = await openOffline(browser, path);
    expect(problems, 'no alert, no errors').toEqual([]);
    expect(blocked, 'no image fetched').toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('img, b, i').length)).toBe(0);
    const first = await page.$$eval('#trades tbody tr.trade:first-child td', (tds) => tds.map((td) => td.textContent));
    expect(first.at(-2)).toBe(hostile);
    expect(first.at(-1)).toBe('signal: <b onmouseover=alert(2)>out</b>');
    expect(await page.textContent('h1')).toContain('a<i>b&c.csv');
    await page.close();
  });

  it('draws SL/TP levels, merged candles and an optimisation heatmap', async () => {
    // 120 daily bars of a zig-zag, merged into weekly candles (maxCandles 30); two trades with SL and TP.
    const n = 120;
    const days = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1 + i) / 1000);
    const mid = days.map((_, i) => 100 + 10 * Math.sin(i / 6));
    const bars = {
      ts: BigInt64Array.from(days, (s) => BigInt(s) * 1_000_000_000n),
      open: Float64Array.from(mid, (m, i) => m + (i % 2 ? 1 : -1)),
      high: Float64Array.from(mid, (m) => m + 2),
      low: Float64Array.from(mid, (m) => m - 2),
      close: Float64Array.from(mid, (m, i) => m - (i % 2 ? 1 : -1)),
    };
    const trade = (t: Partial<ReportTrade>): ReportTrade => ({ Size: 10, EntryBar: 0, ExitBar: 0, EntryPrice: 100, ExitPrice: 100, PnL: 0, Commission: 0, ReturnPct: 0, EntryTime: '', ExitTime: '', Duration: 0, Reason: null, ExitReason: null, ...t });
    const html = renderHtmlReport({
      report: {
        stats: { 'Return [%]': 3 },
        trades: [trade({ EntryBar: 10, ExitBar: 50, PnL: 50, SL: 85, TP: 115, ExitReason: 'tp' }), trade({ Size: -10, EntryBar: 70, ExitBar: 110, PnL: -20, SL: 114, TP: 86, ExitReason: 'sl' })],
        params: { fast: 10, slow: 30 },
        settings: { ...DEFAULT_BROKER },
        run: { strategy: 'test', input: { file: 'zigzag.csv' } },
        equity: { ts: bars.ts, equity: Float64Array.from(mid, (m) => 100 * m), drawdownPct: Float64Array.from(mid, (m) => (110 - m) / 110) },
      },
      bars,
      heatmap: { maximize: 'Sharpe Ratio', paramNames: ['fast', 'slow'], cells: [{ params: { fast: 5, slow: 20 }, value: 0.4 }, { params: { fast: 5, slow: 30 }, value: 1.2 }, { params: { fast: 10, slow: 20 }, value: null }, { params: { fast: 10, slow: 30 }, value: 0.9 }] },
      chartLibrary: chartLibrarySource(),
      maxCandles: 30,
    });
    const path = join(tmp.dir, 'levels.html');
    writeFileSync(path, html);
    expect(existsSync(path)).toBe(true);

    const { page, problems, blocked } = await openOffline(browser, path);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    const [[sl, tp]] = await paneColours(page, [CHART_COLOURS.sl, CHART_COLOURS.tp]);
    expect(sl.pixels, 'stop-loss segments').toBeGreaterThan(50);
    expect(tp.pixels, 'take-profit segments').toBeGreaterThan(50);
    // Both trades share one lane per level; a drawn join from 85 to 114 (or 115 to 86) would cover a hundred rows.
    expect(sl.rows, 'two flat 2-px lines, no sloped join').toBeLessThanOrEqual(8);
    expect(tp.rows, 'two flat 2-px lines, no sloped join').toBeLessThanOrEqual(8);
    expect(await page.textContent('body')).toContain('120 bars are drawn as 18 candles of 1w');
    expect(await page.$$eval('#heatmap td.best', (tds) => tds.map((td) => td.textContent))).toEqual(['★ 1.2000']);
    await page.close();
  });
});
