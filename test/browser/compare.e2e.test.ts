/**
 * The compare page in real Chromium against the real server on a demo database: choosing two
 * models in the pickers shows the side-by-side table with the same verdicts as
 * /api/v1/compare for those sides, per component type too, and the nav links to the page.
 */
import type { Page } from 'playwright-core';
import type { CompareResponse, FilterOptionsResponse } from '../../schema/api';
import { apiJson, startDemoDashboard, waitReady, watchedPage } from './harness';
import type { DemoDashboard } from './harness';

let demo: DemoDashboard;
let page: Page;
let consoleErrors: string[] = [];

const api = <T>(path: string): Promise<T> => apiJson<T>(demo.base, path);

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 3, seed: 11 });
  ({ page, consoleErrors } = await watchedPage(demo.browser, { viewport: { width: 1600, height: 1000 } }));
}, 180_000);

afterAll(async () => {
  await demo?.close();
});

describe('compare page in Chromium', () => {
  it('compares two models chosen in the pickers with the API’s verdicts', async () => {
    const options = await api<FilterOptionsResponse>('/filters?range=30d');
    expect(options.models.length).toBeGreaterThan(1);
    const [ma, mb] = options.models as [string, string];

    await page.goto(`${demo.base}/?live=0`);
    await waitReady(page);
    await page.click('.gs-topbar [data-nav="compare"]');
    await page.waitForSelector('[data-page="compare"] [data-compare-hint]');

    await page.selectOption('[data-side="a"] [data-pick="kind"]', 'model');
    await page.selectOption('[data-side="a"] [data-pick="model"]', ma);
    await page.selectOption('[data-side="b"] [data-pick="kind"]', 'model');
    await page.selectOption('[data-side="b"] [data-pick="model"]', mb);
    await page.waitForSelector('[data-panel="compare"][data-state="ok"] [data-compare-metrics]');
    await waitReady(page);
    expect(page.url()).toContain(`b.model=${encodeURIComponent(mb)}`);

    const answer = await api<CompareResponse>(`/compare?a.model=${encodeURIComponent(ma)}&a.range=30d&b.model=${encodeURIComponent(mb)}&b.range=30d`);
    expect(answer.metrics.length).toBeGreaterThan(0);
    const shown = await page.$$eval('[data-compare-metrics] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-metric'), tr.querySelector('[data-verdict]')?.getAttribute('data-verdict')]),
    );
    expect(shown).toEqual(answer.metrics.map((m) => [m.metric, m.verdict]));
    const types = await page.$$eval('[data-compare-types] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-type'), Number(tr.getAttribute('data-worse')), Number(tr.getAttribute('data-better'))]),
    );
    expect(types).toEqual(answer.componentTypes.map((g) => [g.key, g.worse, g.better]));
    const kpiRuns = await page.$$eval('[data-compare-kpis] tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    expect(kpiRuns).toEqual([answer.a.kpis.runs, answer.b.kpis.runs]);
    // A changed component links to its runs on each side.
    if (answer.components.length > 0) {
      const href = await page.getAttribute('[data-compare-components] tbody tr [data-runs-of="b"]', 'href');
      expect(href).toContain(`search=${encodeURIComponent(answer.components[0]?.key ?? '')}`);
    }
    expect(consoleErrors).toEqual([]);
  });
});
