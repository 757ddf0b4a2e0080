/**
 * The model-calls panel in real Chromium against the real server (cli/serve on a demo database,
 * plus GenAI spans posted over OTLP/JSON as another instrumentation would): one row per model,
 * provider and operation with the same calls and errors as /api/v1/performance/models, an unknown
 * model marked unpriced (with the price-override hint) instead of $0, and agent and tool spans
 * tagged with their role in the run's waterfall.
 */
import type { Page } from 'playwright-core';
import type { FilterOptionsResponse, ModelCallsResponse, RunsResponse, SummaryResponse } from '../../schema/api';
import { startDemoDashboard, waitReady, watchedPage } from './harness';
import type { DemoDashboard } from './harness';

let demo: DemoDashboard;
let page: Page;
let consoleErrors: string[] = [];
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${demo.base}/api/v1${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });

/** An agent run with a tool call and a chat call to a model no price book knows. */
async function postForeignTrace(): Promise<void> {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const span = (spanId: string, name: string, attributes: unknown[], parent?: string, offsetMs = 0) => ({
    traceId: TRACE,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: 1,
    startTimeUnixNano: String(t0 + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(t0 + BigInt(offsetMs + 40) * 1_000_000n),
    attributes,
  });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'agent-service')] },
        scopeSpans: [
          {
            spans: [
              span('a000000000000001', 'invoke_agent planner', [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'planner')]),
              span('a000000000000002', 'execute_tool search', [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'search')], 'a000000000000001', 5),
              span(
                'a000000000000003',
                'chat mystery-model-e2e',
                [
                  str('gen_ai.operation.name', 'chat'),
                  str('gen_ai.provider.name', 'openai'),
                  str('gen_ai.request.model', 'mystery-model-e2e'),
                  int('gen_ai.usage.input_tokens', 1200),
                  int('gen_ai.usage.output_tokens', 80),
                ],
                'a000000000000001',
                10,
              ),
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(`${demo.base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 2, seed: 7 });
  await postForeignTrace();
  ({ page, consoleErrors } = await watchedPage(demo.browser, { viewport: { width: 1600, height: 1000 } }));
}, 180_000);

afterAll(async () => {
  await demo?.close();
});

describe('model calls in Chromium', () => {
  it('shows one row per model, provider and operation, as the API counts them, and marks the unknown model unpriced', async () => {
    const answer = await api<ModelCallsResponse>('/performance/models?range=24h');
    expect(answer.groups.length).toBeGreaterThan(1);
    await page.goto(`${demo.base}/?live=0&range=24h`);
    await waitReady(page);
    const rows = await page.$$eval('[data-panel="performance-models"] tbody tr', (trs) =>
      trs.map((tr) => ({
        model: tr.getAttribute('data-model'),
        calls: tr.querySelector('[data-col="calls"]')?.textContent ?? '',
        unpriced: tr.querySelector('[data-unpriced]')?.getAttribute('data-unpriced') ?? null,
      })),
    );
    expect(rows.map((r) => r.model)).toEqual(answer.groups.map((g) => g.model ?? ''));
    const mystery = rows.find((r) => r.model === 'mystery-model-e2e');
    expect(mystery?.unpriced).toBe('1');
    expect(answer.unpricedCalls).toBeGreaterThanOrEqual(1);
    const banner = await page.textContent('[data-unpriced-total]');
    expect(banner).toContain('price override');
    expect(consoleErrors).toEqual([]);
  });

  it('tags agent and tool spans with their role in the run waterfall', async () => {
    const runs = await api<RunsResponse>('/runs?range=24h&service=agent-service');
    expect(runs.runs.map((r) => r.name)).toEqual(['invoke_agent planner']);
    await page.goto(`${demo.base}/?live=0#/runs?range=24h&service=agent-service`);
    await waitReady(page);
    await page.locator('[data-panel="runs-explorer"] tbody tr').first().click();
    await page.waitForSelector('.gs-waterfall [data-role]');
    const tags = await page.$$eval('[data-role]', (els) => els.map((e) => e.getAttribute('data-role')));
    expect(tags).toContain('tool');
    const runDetail = await api<{ spans: { name: string; role: string }[]; modelCalls: unknown[] }>(`/runs/${runs.runs[0]?.id}`);
    expect(Object.fromEntries(runDetail.spans.map((s) => [s.name, s.role]))).toEqual({
      'invoke_agent planner': 'run',
      'execute_tool search': 'tool',
      'chat mystery-model-e2e': 'model',
    });
    expect(runDetail.modelCalls).toHaveLength(1);
  });

  it('filters every panel by one service from the Services filter, through the URL', async () => {
    expect((await api<FilterOptionsResponse>('/filters')).services.length).toBeGreaterThan(1);
    await page.goto(`${demo.base}/?live=0&range=24h`);
    const before = await waitReady(page);
    await page.locator('#gs-filter-service').click();
    await page.locator('.gs-ms-pop label', { hasText: 'agent-service' }).first().locator('input').check();
    await page.keyboard.press('Escape');
    await page.waitForURL(/[?&]service=agent-service(&|$)/, { timeout: 10_000 });
    const after = await waitReady(page, before.generation + 1);
    for (const [id, status] of Object.entries(after.statuses)) expect(`${id}: ${status}`).toMatch(/: (drawn|empty)$/);
    const summary = await api<SummaryResponse>('/summary?range=24h&service=agent-service');
    const all = await api<SummaryResponse>('/summary?range=24h');
    expect(summary.kpis.runs.value).toBeLessThan(all.kpis.runs.value ?? 0);
    const shown = (await page.locator('[data-kpi="runs"] .gs-kpi-value').innerText()).trim();
    expect(Number(shown.replace(/[^\d.]/g, ''))).toBe(summary.kpis.runs.value);
    expect(consoleErrors).toEqual([]);
  });
});
