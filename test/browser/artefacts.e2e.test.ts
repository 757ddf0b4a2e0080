/**
 * Run artefacts in real Chromium against the real server on a demo database: the worst-scored
 * run shows its generated code (escaped, as recorded), the reference, generated and pixel
 * difference renders side by side (real PNGs the browser decodes) and its code-quality checks; a
 * failed run (the model's reply held no code) shows the prompt and the reply that failed; a run
 * sent over OTLP without artefacts says none were recorded. And a score of the sender's own, sent
 * as gen_ai.evaluation.result events, gets a chart of its own.
 */
import type { Page } from 'playwright-core';
import type { RunArtefactsResponse, RunsResponse } from '../../schema/api';
import { startDemoDashboard, waitReady, watchedPage } from './harness';
import type { DemoDashboard } from './harness';

let demo: DemoDashboard;
let page: Page;
let consoleErrors: string[] = [];

async function api(path: string): Promise<Response> {
  return fetch(`${demo.base}/api/v1${path}`);
}
async function json<T>(path: string): Promise<T> {
  const res = await api(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function openRun(id: number): Promise<void> {
  await page.goto(`${demo.base}/?live=0&run=${id}#/runs?range=30d`);
  await waitReady(page);
  await page.waitForSelector(`[data-artefacts="${id}"]`);
}

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 4, seed: 11 });
  ({ page, consoleErrors } = await watchedPage(demo.browser, { viewport: { width: 1600, height: 1100 } }));
}, 240_000);

afterAll(async () => {
  await demo?.close();
});

describe('run artefacts in Chromium', () => {
  it('shows the worst run’s code, its three renders side by side and its code-quality checks', async () => {
    const worst = await json<RunsResponse>('/runs?range=30d&sort=worst&score=visual.pixel_similarity&limit=1');
    const run = worst.runs[0];
    if (!run) throw new Error('the demo has no scored run');
    const list = await json<RunArtefactsResponse>(`/runs/${run.id}/artefacts`);
    expect(list.artefacts.map((a) => a.name).sort()).toEqual(
      ['code', 'code_quality', 'prompt', 'render.diff', 'render.generated', 'render.reference', 'response'].sort(),
    );
    const code = await (await api(`/runs/${run.id}/artefacts/code`)).text();
    await openRun(run.id);

    // The code as recorded, as text (markup in it is not interpreted), open by default.
    const shown = await page.locator('[data-artefact="code"] pre code').textContent();
    expect(shown).toBe(code);
    expect(await page.locator('[data-artefact="code"]').getAttribute('open')).not.toBeNull();

    // Three decoded images of the render's size, in order reference, generated, difference.
    await page.waitForFunction(() => [...document.querySelectorAll('.gs-artefact-image img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0) && document.querySelectorAll('.gs-artefact-image img').length === 3);
    const images = await page.$$eval('.gs-artefact-image', (els) =>
      els.map((e) => {
        const img = e.querySelector('img') as HTMLImageElement;
        const box = img.getBoundingClientRect();
        return { name: e.getAttribute('data-artefact'), w: img.naturalWidth, h: img.naturalHeight, top: Math.round(box.top), alt: img.alt };
      }),
    );
    expect(images.map((i) => i.name)).toEqual(['render.reference', 'render.generated', 'render.diff']);
    expect(new Set(images.map((i) => `${i.w}x${i.h}`)).size).toBe(1);
    expect(new Set(images.map((i) => i.top)).size).toBe(1); // side by side
    expect(images.map((i) => i.alt)).toEqual(['Reference render', 'Generated render', 'Pixel difference']);

    // The checks as recorded: one row each, failed ones marked.
    const checks = JSON.parse(await (await api(`/runs/${run.id}/artefacts/code_quality`)).text()) as { checks: { id: string; passed: boolean }[] };
    const rows = await page.$$eval('[data-artefact="code_quality"] tbody tr', (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-check'), passed: tr.getAttribute('data-passed') === 'true' })));
    expect(rows).toEqual(checks.checks.map((c) => ({ id: c.id, passed: c.passed })));

    // Prompt and response are collapsed until asked for.
    const prompt = page.locator('[data-artefact="prompt"]');
    expect(await prompt.getAttribute('open')).toBeNull();
    await prompt.locator('summary').click();
    expect(await prompt.locator('pre code').textContent()).toBe(await (await api(`/runs/${run.id}/artefacts/prompt`)).text());
    expect(consoleErrors).toEqual([]);
  });

  it('shows a failed run’s prompt and the reply that held no code', async () => {
    const failed = await json<RunsResponse>('/runs?range=30d&status=error&limit=1');
    const run = failed.runs[0];
    if (!run) throw new Error('the demo of this seed has no failed run');
    const list = await json<RunArtefactsResponse>(`/runs/${run.id}/artefacts`);
    expect(list.artefacts.map((a) => a.name)).toEqual(['prompt', 'response']);
    await openRun(run.id);
    const response = page.locator('[data-artefact="response"]');
    await response.locator('summary').click();
    expect(await response.locator('pre code').textContent()).toBe(await (await api(`/runs/${run.id}/artefacts/response`)).text());
    expect(await page.locator('[data-artefact="code"]').count()).toBe(0);
    const missing = await api(`/runs/${run.id}/artefacts/code`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('no artefact named "code" (recorded: prompt, response)');
  });

  it('says so when a run has no artefacts', async () => {
    const traceId = '7'.repeat(32);
    const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'plain-sender' } }] },
          scopeSpans: [{ spans: [{ traceId, spanId: '7'.repeat(16), name: 'plain job', kind: 1, startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 5_000_000n) }] }],
        },
      ],
    };
    const posted = await fetch(`${demo.base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(posted.status).toBe(200);
    const runs = await json<RunsResponse>('/runs?range=24h&service=plain-sender');
    const run = runs.runs[0];
    if (!run) throw new Error('the posted run is not listed');
    await openRun(run.id);
    expect(await page.locator(`[data-artefacts="${run.id}"] [data-artefacts-empty]`).textContent()).toBe('No artefacts recorded for this run.');
  });

  it('charts a custom score sent over OTLP, picked from the custom scores present', async () => {
    const now = Date.now();
    const spans = [0, 1, 2, 3, 4, 5].map((i) => {
      const t = BigInt(now - (6 - i) * 3_600_000) * 1_000_000n;
      return {
        traceId: `${i + 1}`.repeat(32),
        spanId: `${i + 1}`.repeat(16),
        name: 'judge',
        kind: 1,
        startTimeUnixNano: String(t),
        endTimeUnixNano: String(t + 1_000_000n),
        events: [
          {
            name: 'gen_ai.evaluation.result',
            timeUnixNano: String(t + 500_000n),
            attributes: [
              { key: 'gen_ai.evaluation.name', value: { stringValue: 'design.token_coverage' } },
              { key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.5 + i * 0.25 } },
            ],
          },
        ],
      };
    });
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'judge-service' } }] }, scopeSpans: [{ spans }] }] };
    const posted = await fetch(`${demo.base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(posted.status).toBe(200);
    const series = await json<{ t: number[]; series: Record<string, (number | null)[]> }>('/quality/scores?range=24h&score=design.token_coverage');
    const values = (series.series['design.token_coverage'] ?? []).filter((v): v is number => v !== null);
    expect(values.length).toBeGreaterThan(1);
    expect(Math.max(...values)).toBeGreaterThan(1); // outside 0..1: the panel's axis is auto, not the unit range

    await page.goto(`${demo.base}/?live=0&range=24h`);
    await waitReady(page);
    await page.waitForFunction(() => (window as unknown as { __genscope: { info(): { statuses: Record<string, string> } } }).__genscope.info().statuses['quality-custom'] === 'drawn', undefined, { timeout: 60_000 });
    const options = await page.$$eval('[data-custom-score] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(['design.token_coverage']);
    expect(await page.locator('[data-panel="quality-custom"] canvas').count()).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });
});
