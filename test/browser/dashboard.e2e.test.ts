/**
 * Dashboard end to end: the real server (cli/serve startGenscopeServer: REST API, alerts with
 * their evaluator, static dashboard) on a demo database (cli/demo generateDemo: the labelled
 * simulated history with a model switch, a cost spike and a quality regression), driven in
 * Debian's Chromium with playwright-core.
 *
 * Checks: every panel renders with data (charts have coloured pixels in their plot area, not
 * just axes), a filter change updates the panels and the URL, reloading the URL restores the
 * view, a panel below the fold loads only once scrolled into view, the CSV export downloads
 * rows that match the API, a run's waterfall opens, controls are
 * labelled and keyboard reachable, and the console has no errors. Saves full-page screenshots
 * (light and dark) to test-output/.
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); .ci/run installs it. Nothing is ever
 * downloaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

import { readyInfo, startDemoDashboard, waitReady } from './harness';
import type { DemoDashboard } from './harness';

const ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT = path.join(ROOT, 'test-output');

/** RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Per chart: how many strongly coloured pixels its plot area holds. Axes, grid and text are grey;
 * series, bars and heatmap cells are saturated, so an empty canvas scores (near) zero.
 */
async function chartInk(page: Page): Promise<{ panel: string; ink: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.gs-chart')).map((chart) => {
      const panel = chart.closest('[data-panel]')?.getAttribute('data-panel') ?? '?';
      const canvas = chart.querySelector('canvas');
      const over = chart.querySelector<HTMLElement>('.u-over');
      if (!canvas || !over) return { panel, ink: -1 };
      const cr = canvas.getBoundingClientRect();
      const or = over.getBoundingClientRect();
      const sx = canvas.width / cr.width;
      const sy = canvas.height / cr.height;
      const ctx = canvas.getContext('2d');
      if (!ctx) return { panel, ink: -1 };
      const x = Math.max(0, Math.floor((or.left - cr.left) * sx));
      const y = Math.max(0, Math.floor((or.top - cr.top) * sy));
      const w = Math.max(1, Math.floor(or.width * sx));
      const h = Math.max(1, Math.floor(or.height * sy));
      const px = ctx.getImageData(x, y, w, h).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) {
        const r = px[i] as number;
        const g = px[i + 1] as number;
        const b = px[i + 2] as number;
        const a = px[i + 3] as number;
        if (a > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) ink++;
      }
      return { panel, ink };
    }),
  );
}

async function kpiText(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-kpi="${id}"] .gs-kpi-value`).innerText()).trim();
}

describe('dashboard in Chromium', () => {
  let demo: DemoDashboard;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const apiRequests: string[] = [];

  beforeAll(async () => {
    // Two weeks are enough for the whole demo story: switch, cost spike, regression.
    // 20 days with two runs a day: the spike has a baseline before it and each day a dominant
    // model, so the cost spike, the model switch and the regression are all detectable.
    demo = await startDemoDashboard({ days: 20, seed: 7, runsPerDay: 2 });
    base = demo.base;
    context = await demo.browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light', acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/')) apiRequests.push(r.url());
    });
  }, 180_000);

  afterAll(async () => {
    await demo?.close();
  });

  it('renders every panel with data, charts with real points on their canvas', async () => {
    await page.goto(`${base}/`);
    const info = await waitReady(page);
    const statuses = Object.entries(info.statuses);
    expect(statuses.length).toBeGreaterThanOrEqual(20);
    // Drawn with data everywhere; the opportunities table may legitimately find none.
    for (const [id, status] of statuses) expect(`${id}: ${status}`).toBe(`${id}: drawn`);
    const states = await page.locator('[data-panel][data-state]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-panel')}: ${e.getAttribute('data-state')}`));
    for (const s of states) expect(s).toMatch(/: ok$/);
    const ink = await chartInk(page);
    const chartPanels = Object.values(info.kinds).filter((k) => k === 'chart').length;
    expect(chartPanels).toBeGreaterThanOrEqual(12);
    expect(ink.length).toBe(chartPanels);
    for (const c of ink) expect({ panel: c.panel, inked: c.ink > 30 }).toEqual({ panel: c.panel, inked: true });
    expect(await kpiText(page, 'runs')).toMatch(/^\d[\d,.k]*$/);
    expect(await page.locator('.gs-banner').innerText()).toMatch(/demo data/i);
  });

  it('loads a panel below the fold only when it is scrolled into view', async () => {
    const fresh = await demo.browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light' });
    try {
      const p = await fresh.newPage();
      const asked: string[] = [];
      p.on('request', (r) => {
        if (r.url().includes('/api/v1/')) asked.push(new URL(r.url()).pathname);
      });
      await p.goto(`${base}/`);
      const first = await waitReady(p, undefined, { inView: true });
      const state = (id: string) => p.locator(`[data-panel="${id}"]`).getAttribute('data-state');
      // The panels at the top have drawn; the cost chart, far below the fold, has not asked for anything.
      expect(first.statuses['quality-similarity']).toBe('drawn');
      expect(first.statuses['cost-over-time']).toBe('deferred');
      expect(await state('cost-over-time')).toBe('deferred');
      expect(asked).toContain('/api/v1/quality/scores');
      expect(asked).not.toContain('/api/v1/cost/over-time');
      expect(asked).not.toContain('/api/v1/runs');
      await p.locator('[data-panel="cost-over-time"]').scrollIntoViewIfNeeded();
      await p.waitForFunction(() => document.querySelector('[data-panel="cost-over-time"]')?.getAttribute('data-state') === 'ok', null, { timeout: 30_000 });
      const after = await waitReady(p, undefined, { inView: true });
      expect(after.statuses['cost-over-time']).toBe('drawn');
      expect(asked).toContain('/api/v1/cost/over-time');
      const ink = (await chartInk(p)).find((c) => c.panel === 'cost-over-time');
      expect(ink?.ink ?? 0).toBeGreaterThan(30);
      // The runs table, further down still, waits for its turn.
      expect(await state('runs-table')).toBe('deferred');
      expect(asked).not.toContain('/api/v1/runs');
    } finally {
      await fresh.close();
    }
  });

  it('marks the detected regression, cost spike and model switch', async () => {
    // The whole 20-day story, over a 30-day range (the default 7 days hold only the regression).
    await page.goto(`${base}/?range=30d`);
    await waitReady(page);
    // Change detection scans the history after the rest of the page has loaded.
    await page.locator('[data-changes-loading]').waitFor({ state: 'detached', timeout: 60_000 });
    fs.mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard.png'), fullPage: true });
    const changes = await page.locator('.gs-change').count();
    expect(changes).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-panel="quality-similarity"] .gs-marker-flag').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-panel="cost-over-time"] .gs-marker-flag').count()).toBeGreaterThanOrEqual(1);
  });

  it('applies a filter to every panel and to the URL', async () => {
    const before = await readyInfo(page);
    const runsBefore = await kpiText(page, 'runs');
    apiRequests.length = 0;
    await page.locator('#gs-filter-model').click();
    const option = page.locator('.gs-ms-pop label', { hasText: 'gpt-4o-mini' }).first();
    await option.locator('input').check();
    await page.keyboard.press('Escape');
    await page.waitForURL(/[?&]model=gpt-4o-mini(&|$)/, { timeout: 10_000 });
    const after = await waitReady(page, before.generation + 1);
    for (const [id, status] of Object.entries(after.statuses)) expect(`${id}: ${status}`).toMatch(/: (drawn|empty)$/);
    // Every panel endpoint was asked again with the model filter.
    for (const endpoint of ['/summary', '/quality/accuracy', '/performance/latency', '/performance/heatmap', '/cost/over-time', '/trends', '/runs']) {
      expect({ endpoint, filtered: apiRequests.some((u) => u.includes(`/api/v1${endpoint}?`) && /[?&]model=gpt-4o-mini(&|$)/.test(u)) }).toEqual({ endpoint, filtered: true });
    }
    expect(await kpiText(page, 'runs')).not.toBe(runsBefore);
    expect(await page.locator('#gs-filter-model').innerText()).toContain('gpt-4o-mini');
  });

  it('restores the view from the URL on reload', async () => {
    const url = page.url();
    const runs = await kpiText(page, 'runs');
    await page.reload();
    await waitReady(page);
    expect(page.url()).toBe(url);
    expect(await page.locator('#gs-filter-model').innerText()).toContain('gpt-4o-mini');
    expect(await kpiText(page, 'runs')).toBe(runs);
  });

  it('downloads a CSV export whose rows match the API', async () => {
    const link = page.locator('a[data-export="csv"]');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/export\/runs\.csv\?.*model=gpt-4o-mini/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    const rows = parseCsv(fs.readFileSync(file, 'utf8')).filter((r) => r.length > 1);
    const header = rows[0] ?? [];
    const body = rows.slice(1);
    expect(header).toContain('trace_id');
    const json = (await (await fetch(`${base}${(href ?? '').replace('/runs.csv', '/runs.json')}`)).json()) as Record<string, unknown>[];
    expect(body.length).toBe(json.length);
    expect(body.length).toBeGreaterThan(0);
    const idx = header.indexOf('trace_id');
    const modelIdx = header.indexOf('model');
    expect(body.map((r) => r[idx])).toEqual(json.map((r) => r.trace_id));
    for (const r of body) expect(r[modelIdx]).toBe('gpt-4o-mini');
    // And as many rows as the Runs KPI counts for the same filters.
    expect(String(body.length)).toBe((await kpiText(page, 'runs')).replace(/,/g, ''));
  });

  it("opens a run's span waterfall with attributes, scores and cost", async () => {
    const firstRow = page.locator('[data-panel="runs-table"] tbody tr').first();
    await firstRow.click();
    await page.waitForURL(/[?&]run=\d+/);
    const detail = page.locator('[data-run-detail] [data-state="ok"]');
    await detail.waitFor({ timeout: 20_000 });
    const spans = page.locator('[data-run-detail] .gs-wf-row');
    expect(await spans.count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-run-detail] .gs-wf-summary').innerText()).toMatch(/cost \$/);
    const second = spans.nth(1);
    const name = await second.getAttribute('data-span-name');
    await second.focus();
    await page.keyboard.press('Enter');
    expect((await page.locator('.gs-wf-detail h4').innerText()).trim()).toBe(name);
    expect(await page.locator('.gs-wf-detail .gs-attrs tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-run.png'), fullPage: false });
  });

  it('has labelled controls that work from the keyboard', async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('button, select, input, a[href]'))
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const labelledBy = el.getAttribute('aria-labelledby');
          const name = el.getAttribute('aria-label') || (labels && labels.length ? labels[0]?.textContent : '') || (labelledBy ? labelledBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '') || el.textContent || el.getAttribute('title');
          return !name || !name.trim();
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unlabelled).toEqual([]);
    // The stage filter opens with Enter, its first option takes focus, Escape closes it.
    await page.locator('#gs-filter-stage').focus();
    await page.keyboard.press('Enter');
    await page.locator('#gs-filter-stage-list').waitFor();
    // Focus moves to the first option once the list has rendered (a frame later under load).
    await page.waitForFunction(() => document.activeElement?.tagName === 'INPUT', null, { timeout: 5_000 });
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT');
    await page.keyboard.press('Escape');
    expect(await page.locator('#gs-filter-stage-list').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('gs-filter-stage');
  });

  it('renders the dark theme', async () => {
    await page.goto(`${base}/`);
    const theme = page.locator('.gs-theme');
    for (let i = 0; i < 3 && (await page.evaluate(() => document.documentElement.dataset.theme)) !== 'dark'; i++) await theme.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await waitReady(page);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).not.toBe('rgb(243, 244, 246)');
    for (const c of await chartInk(page)) expect({ panel: c.panel, inked: c.ink > 30 }).toEqual({ panel: c.panel, inked: true });
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-dark.png'), fullPage: true });
    await theme.click(); // back to auto for later runs in this profile
  });

  it('shows new data without a reload while live, and stops polling when paused', async () => {
    await page.goto(`${base}/`);
    await waitReady(page);
    const before = Number((await kpiText(page, 'runs')).replace(/,/g, ''));
    // One new pipeline run arrives over OTLP/HTTP JSON, as any instrumented pipeline would send it.
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'e2e-live')] },
            scopeSpans: [
              {
                scope: { name: 'e2e' },
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'pipeline.run',
                    kind: 1,
                    startTimeUnixNano: String(nowNs - 2_000_000_000n),
                    endTimeUnixNano: String(nowNs - 1_000_000_000n),
                    attributes: [attr('pipeline.component.id', 'live-button'), attr('pipeline.component.type', 'button'), attr('pipeline.model', 'gpt-4o-mini')],
                    status: { code: 1 },
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    await page.waitForFunction((n) => document.querySelector('[data-kpi="runs"] .gs-kpi-value')?.textContent?.replace(/,/g, '') === String(n), before + 1, { timeout: 30_000 });
    // Paused: the URL says so and no panel asks the API again.
    await page.locator('.gs-switch').click();
    await page.waitForURL(/[?&]live=0(&|$)/);
    await page.waitForTimeout(500);
    const count = apiRequests.length;
    await page.waitForTimeout(7_000);
    expect(apiRequests.length).toBe(count);
    await page.locator('.gs-switch').click();
    await page.waitForFunction(() => !location.search.includes('live=0'));
  }, 60_000);

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
