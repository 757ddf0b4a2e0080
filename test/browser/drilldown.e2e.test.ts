/**
 * Drill-down in Chromium on the demo history: a confusion-matrix cell, a latency chart point, a
 * heatmap cell and an accuracy bar each open the runs behind them (filters in the URL hash), the
 * runs explorer filters by status and searches component ids, the component-type page shows the
 * type's panels and worst runs, and the back button returns to the dashboard each time. Counts
 * are compared with the API: the runs a chart point opens are the runs the point counts.
 */
import type { Page } from 'playwright-core';
import type { ConfusionResponse, CostComponentsResponse, LatencyResponse, RunsResponse } from '../../schema/api';
import { apiJson, startDemoDashboard, waitReady, watchedPage } from './harness';
import type { DemoDashboard } from './harness';

let demo: DemoDashboard;
let page: Page;
let consoleErrors: string[] = [];

const api = <T>(path: string): Promise<T> => apiJson<T>(demo.base, path);

/** The runs page's filters, as the API's query string. */
function runsQuery(hash: string): URLSearchParams {
  expect(hash).toMatch(/^#\/runs\?/);
  return new URLSearchParams(hash.slice('#/runs'.length));
}

async function runsShown(p: Page): Promise<number> {
  await p.waitForSelector('[data-panel="runs-explorer"] [data-runs-count]');
  return Number(await p.locator('[data-panel="runs-explorer"] [data-runs-count]').getAttribute('data-runs-count'));
}

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 10, seed: 11 });
  ({ page, consoleErrors } = await watchedPage(demo.browser, { viewport: { width: 1500, height: 1000 } }));
}, 180_000);

afterAll(async () => {
  await demo?.close();
});

describe('drill-down from the charts to the runs, in Chromium', () => {
  it('a confusion cell opens exactly the runs it counts, and back returns', async () => {
    await page.goto(`${demo.base}/?live=0`);
    await waitReady(page);
    const start = page.url();
    const matrix = await api<ConfusionResponse>('/quality/confusion?range=30d');
    // An off-diagonal cell (a real confusion) with a count.
    const cells = await page.locator('.gs-confusion td a[data-cell]').evaluateAll((as) => as.map((a) => ({ cell: a.getAttribute('data-cell') ?? '', n: Number(a.textContent) })));
    const off = cells.find((c) => c.cell.split('>')[0] !== c.cell.split('>')[1] && c.n > 0);
    if (!off) throw new Error(`no confusion in the demo: ${JSON.stringify(cells)}`);
    const [actual, predicted] = off.cell.split('>') as [string, string];
    expect(off.n).toBe(matrix.counts[matrix.labels.indexOf(actual)]?.[matrix.labels.indexOf(predicted)]);

    await page.locator(`.gs-confusion td a[data-cell="${off.cell}"]`).click();
    await page.waitForSelector('[data-page="runs"]');
    await waitReady(page);
    const q = runsQuery(new URL(page.url()).hash);
    expect(q.getAll('componentType')).toEqual([actual]);
    expect(q.getAll('predicted')).toEqual([predicted]);
    expect(await runsShown(page)).toBe(Math.min(off.n, 50));
    const types = await page.locator('[data-panel="runs-explorer"] tbody tr td:nth-child(3)').allInnerTexts();
    expect(types.length).toBeGreaterThan(0);
    expect(types.every((t) => t.trim() === actual)).toBe(true);
    const fromApi = await api<RunsResponse>(`/runs?${q.toString()}&limit=500`);
    expect(fromApi.runs).toHaveLength(off.n);

    await page.goBack();
    await page.waitForSelector('[data-panel="quality-confusion"]');
    expect(page.url()).toBe(start);
    expect(await page.locator('[data-page="runs"]').count()).toBe(0);
  });

  it('a latency chart point opens the runs of its time bucket, as many as the point counts', async () => {
    await page.goto(`${demo.base}/?live=0`);
    await waitReady(page);
    const lat = await api<LatencyResponse>('/performance/latency?range=30d');
    const idx = lat.count.findIndex((c) => c > 0);
    expect(idx).toBeGreaterThanOrEqual(0);
    const t = lat.t[idx] as number;
    const bucketMs = (lat.meta.bucketSeconds ?? 0) * 1000;
    const over = page.locator('[data-panel="performance-latency"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    if (!box) throw new Error('no plot');
    // The chart's x axis spans the panel window (xRange); aim at the bucket's start, where uPlot puts its point.
    const x = ((t - lat.meta.fromMs) / (lat.meta.toMs - lat.meta.fromMs)) * box.width;
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForSelector('[data-page="runs"]');
    await waitReady(page);
    const q = runsQuery(new URL(page.url()).hash);
    const from = Date.parse(q.get('from') ?? '');
    const to = Date.parse(q.get('to') ?? '');
    // uPlot snaps to the nearest point: the clicked bucket, whichever it was, is one bucket long.
    const picked = lat.t.indexOf(from);
    expect(picked).toBeGreaterThanOrEqual(0);
    expect(to - from).toBe(bucketMs);
    const count = lat.count[picked] ?? 0;
    expect(count).toBeGreaterThan(0);
    const all = await api<RunsResponse>(`/runs?${q.toString()}&limit=500`);
    expect(all.runs).toHaveLength(count);
    expect(await runsShown(page)).toBe(Math.min(count, 50));

    // The explorer's own filters: failed runs only, then a component-id search.
    await page.locator('#gs-runs-status').selectOption('error');
    await page.waitForFunction(() => location.hash.includes('status=error'));
    await waitReady(page);
    const failed = await api<RunsResponse>(`/runs?${runsQuery(new URL(page.url()).hash).toString()}&limit=500`);
    expect(await runsShown(page)).toBe(Math.min(failed.runs.length, 50));
    const statuses = await page.locator('[data-panel="runs-explorer"] .gs-status').allInnerTexts();
    expect(statuses.every((s) => s.trim() === 'error')).toBe(true);

    await page.goBack();
    await page.waitForFunction(() => !location.hash.includes('status=error') && location.hash.startsWith('#/runs'));
    await page.goBack();
    await page.waitForSelector('[data-panel="performance-latency"]');
    expect(new URL(page.url()).hash).toBe('');
  });

  it('searches component ids from the explorer', async () => {
    const some = (await api<RunsResponse>('/runs?range=30d&limit=1')).runs[0]?.componentId ?? '';
    const part = some.slice(0, Math.max(3, some.length - 2));
    await page.goto(`${demo.base}/?live=0#/runs?range=30d`);
    await waitReady(page);
    await page.locator('#gs-runs-search').fill(part);
    await page.locator('#gs-runs-search').press('Enter');
    await page.waitForFunction((p) => new URLSearchParams(location.hash.slice(6)).get('search') === p, part);
    await waitReady(page);
    const ids = await page.locator('[data-panel="runs-explorer"] tbody tr td:nth-child(2)').allInnerTexts();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.toLowerCase().includes(part.toLowerCase()))).toBe(true);
  });

  it('the cost-per-component table splits spend by stage as the API does, and a row opens that component’s runs', async () => {
    await page.goto(`${demo.base}/?live=0&range=30d#cost`);
    await waitReady(page);
    const panel = page.locator('[data-panel="cost-components"]');
    await panel.locator('tbody tr').first().waitFor();
    const api30 = await api<CostComponentsResponse>('/cost/components?range=30d&limit=25');
    const headers = await panel.locator('thead th').allInnerTexts();
    // Component, type, runs, cost, cost per run, then one column per stage and operation.
    expect(headers.length).toBe(5 + api30.split.stage.length);
    expect(headers.some((h) => /generate · generation/.test(h))).toBe(true);
    expect(headers.some((h) => /map · embedding/.test(h))).toBe(true);
    const first = await panel.locator('tbody tr').first().locator('td').allInnerTexts();
    expect(first[0]).toBe(api30.componentId[0]);
    const id = first[0] as string;
    await panel.locator('tbody tr').first().click();
    await page.waitForFunction(() => location.hash.startsWith('#/runs?'));
    expect(runsQuery(await page.evaluate(() => location.hash)).get('search')).toBe(id);
    await waitReady(page);
    const ids = await page.locator('[data-panel="runs-explorer"] tbody tr td:nth-child(2)').allInnerTexts();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((x) => x.includes(id))).toBe(true);
    await page.goBack();
    await page.waitForFunction(() => !location.hash.startsWith('#/runs'));
  });

  it('a heatmap cell opens the runs of its time and latency bucket', async () => {
    await page.goto(`${demo.base}/?live=0`);
    await waitReady(page);
    const over = page.locator('[data-panel="performance-heatmap"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    if (!box) throw new Error('no heatmap');
    // Find a drawn cell on the canvas: the first strongly coloured pixel column / row.
    const hit = await page.evaluate(() => {
      const chart = document.querySelector('[data-panel="performance-heatmap"] .gs-chart');
      const canvas = chart?.querySelector('canvas');
      const o = chart?.querySelector<HTMLElement>('.u-over');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !o || !ctx) return null;
      const cr = canvas.getBoundingClientRect();
      const or = o.getBoundingClientRect();
      const sx = canvas.width / cr.width;
      const sy = canvas.height / cr.height;
      for (let y = 2; y < or.height - 2; y += 2) {
        for (let x = 2; x < or.width - 2; x += 1) {
          const px = ctx.getImageData(Math.floor((or.left - cr.left + x) * sx), Math.floor((or.top - cr.top + y) * sy), 1, 1).data;
          if ((px[3] ?? 0) > 100 && Math.max(px[0] ?? 0, px[1] ?? 0, px[2] ?? 0) - Math.min(px[0] ?? 0, px[1] ?? 0, px[2] ?? 0) > 60) return { x, y };
        }
      }
      return null;
    });
    if (!hit) throw new Error('no heatmap cell drawn');
    await page.mouse.move(box.x + hit.x + 1, box.y + hit.y + 1);
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForSelector('[data-page="runs"]');
    await waitReady(page);
    const q = runsQuery(new URL(page.url()).hash);
    const lo = Number(q.get('minDurationMs'));
    const hi = Number(q.get('maxDurationMs'));
    expect(hi).toBeGreaterThan(lo);
    expect(await page.locator('[data-chip="duration"]').count()).toBe(1);
    const runs = await api<RunsResponse>(`/runs?${q.toString()}&limit=500`);
    expect(runs.runs.length).toBeGreaterThan(0);
    expect(runs.runs.every((r) => r.durationMs >= lo - 0.001 && r.durationMs < hi)).toBe(true);
    expect(await runsShown(page)).toBe(Math.min(runs.runs.length, 50));
    await page.goBack();
    await page.waitForSelector('[data-panel="performance-heatmap"]');
  });

  it('an accuracy bar opens the type’s runs; the type page shows its panels and worst runs', async () => {
    await page.goto(`${demo.base}/?live=0`);
    await waitReady(page);
    const bar = page.locator('[data-panel="quality-accuracy"] a.gs-bar-link').first();
    const type = (await bar.locator('.gs-bar-label').innerText()).trim();
    await bar.click();
    await page.waitForSelector('[data-page="runs"]');
    expect(runsQuery(new URL(page.url()).hash).getAll('componentType')).toEqual([type]);
    await page.getByRole('link', { name: `${type} overview →` }).click();
    await page.waitForSelector(`[data-page="type"][data-type="${type}"]`);
    await waitReady(page);
    for (const panel of ['quality-accuracy', 'quality-confusion', 'quality-similarity', 'performance-latency', 'cost-by-model', 'type-worst-runs']) {
      expect(await page.locator(`[data-page="type"] [data-panel="${panel}"]`).getAttribute('data-state')).toBe('ok');
    }
    // Worst runs: the type's lowest pixel similarities, lowest first, as the API ranks them.
    const worst = await api<RunsResponse>(`/runs?range=30d&componentType=${encodeURIComponent(type)}&sort=worst&score=visual.pixel_similarity&limit=10`);
    const shown = await page.locator('[data-panel="type-worst-runs"] tbody tr td:nth-child(2)').allInnerTexts();
    expect(shown.map((s) => s.trim())).toEqual(worst.runs.map((r) => r.componentId ?? r.name));
    await page.goBack();
    await page.goBack();
    await page.waitForSelector('[data-panel="quality-accuracy"]');
    expect(new URL(page.url()).hash).toBe('');
    expect(consoleErrors).toEqual([]);
  });
});
