/**
 * Headless Chromium for the HTML report's tests: playwright-core drives the system's chromium (Debian's package).
 * Without it the tests skip and say why; CI sets CIFT_TEST_REQUIRE_BROWSER=1, which turns the skip into a failure,
 * as CIFT_TEST_REQUIRE_SERVICES does for the servers.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CIFT_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const REQUIRE_BROWSER = process.env.CIFT_TEST_REQUIRE_BROWSER === '1';

/** True when Chromium is there; otherwise warns once and returns false, or throws under CIFT_TEST_REQUIRE_BROWSER=1. */
export function requireBrowser(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (REQUIRE_BROWSER) throw new Error(`CIFT_TEST_REQUIRE_BROWSER=1 but Chromium is not at ${CHROMIUM} (apt-get install chromium, or set CIFT_TEST_CHROMIUM)`);
  console.warn(`skipping the browser tests of the HTML report: Chromium is not at ${CHROMIUM} (set CIFT_TEST_CHROMIUM to use another)`);
  return false;
}

export const hasBrowser = requireBrowser();

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export interface OfflinePage {
  page: Page;
  /** Console errors and warnings, uncaught page errors and dialogs (an injected alert() would show here). */
  problems: string[];
  /** Every request for something other than a file:// URL; each was aborted. */
  blocked: string[];
}

/** Opens a local file with the network cut off (any non-file:// request aborted and recorded) and waits for two frames. */
export async function openOffline(browser: Browser, path: string): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  // lightweight-charts draws on animation frames after setData.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return { page, problems, blocked };
}

/** Pixels of one colour in one pane: how many, and on how many rows (a flat line covers a few rows, a slope many). */
export interface ColourPixels {
  pixels: number;
  rows: number;
}

/**
 * For each pane of the chart in `#chart` (top to bottom), the pixels of its plot canvases within 12 per channel of
 * each colour (#rrggbb). lightweight-charts lays the chart out as a table: one row per pane (axis, plot, axis),
 * separator rows of one cell, and the time axis as the last row.
 */
export async function paneColours(page: Page, colours: string[]): Promise<ColourPixels[][]> {
  return page.evaluate((hexes) => {
    const targets = hexes.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const rows = [...document.querySelectorAll('#chart tr')].filter((tr) => tr.children.length >= 3).slice(0, -1);
    return rows.map((row) => {
      const found = targets.map(() => ({ pixels: 0, ys: new Set<number>() }));
      for (const canvas of row.children[1].querySelectorAll('canvas')) {
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let p = 0; p < px.length; p += 4) {
          if (px[p + 3] < 200) continue;
          targets.forEach((t, k) => {
            if (Math.abs(px[p] - t[0]) > 12 || Math.abs(px[p + 1] - t[1]) > 12 || Math.abs(px[p + 2] - t[2]) > 12) return;
            found[k].pixels++;
            found[k].ys.add(Math.floor(p / 4 / canvas.width));
          });
        }
      }
      return found.map((f) => ({ pixels: f.pixels, rows: f.ys.size }));
    });
  }, colours);
}
