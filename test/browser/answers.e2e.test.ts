/**
 * The dashboard's numbers agree with the API and read well, in Chromium on the demo history:
 * the KPI strip says when the stage filter does not apply, empty panels blame the filter, one
 * time zone (UTC or local, kept in the URL) for every time shown, the heatmap's colour scale,
 * units that match their axes, labels and amounts shown in full, and a 390 px phone layout with
 * no sideways scroll and a compact sticky bar.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { startDemoDashboard, waitReady } from './harness';
import type { DemoDashboard } from './harness';

let demo: DemoDashboard;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${demo.base}/api/v1${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 10, seed: 5 });
  // A zone far from UTC, so a time printed in the wrong zone shows.
  context = await demo.browser.newContext({ viewport: { width: 1600, height: 1000 }, timezoneId: 'America/New_York', acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
}, 180_000);

afterAll(async () => {
  await demo?.close();
});

describe('numbers that agree, in Chromium', () => {
  it('says the key figures ignore the stage filter, and no empty panel suggests running the demo', async () => {
    await page.goto(`${demo.base}/?stage=generate`);
    await waitReady(page);
    expect(await page.locator('[data-kpi-note="stage"]').innerText()).toMatch(/stage filter \(generate\)/);
    const empties = await page.locator('[data-state="empty"] .gs-empty').allInnerTexts();
    for (const t of empties) expect(t).not.toMatch(/genscope demo/);
    await page.goto(`${demo.base}/`);
    await waitReady(page);
    expect(await page.locator('[data-kpi-note="stage"]').count()).toBe(0);
  });

  it('exports runs without the stage filter the API refuses for them', async () => {
    await page.goto(`${demo.base}/?stage=generate`);
    await waitReady(page);
    const href = (await page.locator('a[data-export="csv"]').getAttribute('href')) ?? '';
    expect(href).toMatch(/\/export\/runs\.csv/);
    expect(href).not.toMatch(/stage=/);
    expect((await fetch(`${demo.base}${href}`)).status).toBe(200);
    await page.locator('#gs-export-dataset').selectOption('spans');
    expect(await page.locator('a[data-export="csv"]').getAttribute('href')).toMatch(/stage=generate/);
  });

  it('shows every time in one zone, UTC by default, local on the toggle, kept in the URL', async () => {
    await page.goto(`${demo.base}/`);
    await waitReady(page);
    const runs = await api<{ runs: { startMs: number }[] }>('/runs?range=24h&limit=1');
    const first = runs.runs[0]?.startMs ?? 0;
    const cell = page.locator('[data-panel="runs-table"] tbody tr').first().locator('time');
    await cell.waitFor();
    const utc = new Date(first).toISOString().slice(0, 19).replace('T', ' ');
    expect(await cell.innerText()).toBe(utc);
    expect(await page.locator('.gs-footer').innerText()).toMatch(/Times in UTC/);
    await page.locator('.gs-tz').click();
    await page.waitForURL(/[?&]tz=local(&|$)/);
    await waitReady(page);
    const local = new Date(first - 5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    const edt = new Date(first - 4 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect([local, edt]).toContain(await page.locator('[data-panel="runs-table"] tbody tr').first().locator('time').innerText());
    expect(await page.locator('.gs-footer').innerText()).toMatch(/local \(America\/New_York\)/);
    await page.reload();
    await waitReady(page);
    expect(await page.locator('.gs-tz').innerText()).toBe('Local');
    await page.locator('.gs-tz').click();
    await page.waitForURL((u) => !u.search.includes('tz='));
  });

  it('gives the heatmap a colour scale up to the busiest cell, with readable columns', async () => {
    await page.goto(`${demo.base}/?range=24h`);
    await waitReady(page);
    const legend = page.locator('[data-panel="performance-heatmap"] [data-heat-legend]');
    const max = Number(await legend.getAttribute('data-heat-legend'));
    const h = await api<{ maxCount: number; t: number[] }>('/performance/heatmap?range=24h&bucket=1800');
    expect(max).toBe(h.maxCount);
    expect(h.t.length).toBeLessThanOrEqual(60);
    expect(await legend.innerText()).toMatch(/spans per cell \(30 min\)/);
  });

  it('names the unit of the axis in the subtitles of duration charts', async () => {
    await page.goto(`${demo.base}/?range=30d`);
    await waitReady(page);
    for (const id of ['performance-benchmarks', 'performance-latency']) {
      const panel = page.locator(`[data-panel="${id}"]`);
      const axis = (await panel.locator('.uplot').first().getAttribute('data-y-label')) ?? '';
      const unit = /\((ms|s|min|h)\)/.exec(axis)?.[1];
      expect(unit).toBeDefined();
      expect(await panel.locator('.gs-panel-sub').innerText()).toContain(`(${unit})`);
    }
  });

  it('shows model names and per-call costs in full', async () => {
    const b = await api<{ groups: string[]; costPerCallUsd: (number | null)[] }>('/cost/breakdown?range=30d&groupBy=model');
    const panel = page.locator('[data-panel="cost-by-model"]');
    const cut = await panel.locator('.gs-bar-label, .gs-bar-value').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    expect(cut).toEqual([]);
    const text = await panel.innerText();
    for (const g of b.groups) expect(text).toContain(g);
    // Between one and ten cents: three significant digits, not "$0.01".
    for (const c of b.costPerCallUsd) if (c != null && c >= 0.01 && c < 0.1) expect(text).toContain(`$${Number(c.toPrecision(3))}/call`);
  });

  it('prints span attributes without floating-point noise', async () => {
    const runs = await api<{ runs: { id: number }[] }>('/runs?range=30d&limit=1');
    await page.goto(`${demo.base}/?range=30d&run=${runs.runs[0]?.id ?? 0}`);
    await page.locator('[data-run-detail] [data-state="ok"]').waitFor({ timeout: 20_000 });
    const rows = page.locator('[data-run-detail] .gs-wf-row');
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      await rows.nth(i).click();
      expect(await page.locator('.gs-wf-detail').innerText()).not.toMatch(/\d\.\d{13,}/);
    }
  });
});

describe('a 390 px phone', () => {
  it('scrolls only vertically and keeps one compact bar on top', async () => {
    const phone = await demo.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(`${demo.base}/`);
    await waitReady(p);
    const wide = await p.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const over = Array.from(document.querySelectorAll<HTMLElement>('body *'))
        .filter((e) => e.getBoundingClientRect().right > vw + 1 && getComputedStyle(e).position !== 'fixed')
        .filter((e) => {
          // Inside a scrolling or clipping box (a wide table, the section nav) is fine: the page does not move.
          for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return false;
          return !e.parentElement || e.parentElement.getBoundingClientRect().right <= vw + 1;
        })
        .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
        .slice(0, 10);
      return { doc: document.documentElement.scrollWidth, vw, over };
    });
    expect(wide.over).toEqual([]);
    expect(wide.doc).toBeLessThanOrEqual(wide.vw);
    await p.evaluate(() => window.scrollTo(0, 2000));
    await p.waitForTimeout(200);
    const bar = await p.evaluate(() => {
      const r = document.querySelector('.gs-minibar')?.getBoundingClientRect();
      const top = document.querySelector('.gs-topbar')?.getBoundingClientRect();
      return { top: r?.top ?? -1, height: r?.height ?? 0, headerBottom: top?.bottom ?? 0 };
    });
    expect(bar.top).toBe(0);
    expect(bar.height).toBeLessThanOrEqual(844 / 15);
    expect(bar.headerBottom).toBeLessThanOrEqual(0);
    await phone.close();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
