/**
 * Alert rules in the UI, in Chromium against a server with an admin token whose reads are open
 * (--open-reads): the default rules (latency degradation among them) are listed; creating a rule
 * without a key is refused with the reason and succeeds once the admin key is given; the rule is
 * then edited, muted, unmuted and deleted, each checked through the API; and the alerts panel
 * keeps only the events about the filtered slice. The monthly budget is set the same way from the
 * budget panel (refused without the key, saved with it) and is still there after a restart.
 */
import type { Page } from 'playwright-core';
import type { AlertEventsResponse, AlertRulesResponse } from '../../schema/alerts';
import type { BudgetResponse, BudgetSettingResponse } from '../../schema/api';
import { startGenscopeServer } from '../../cli/serve';
import { startDemoDashboard, waitReady, watchedPage } from './harness';
import type { DemoDashboard } from './harness';

const TOKEN = 'gsk_browser-test-admin-token-0123456789';
let demo: DemoDashboard;
let page: Page;
let consoleErrors: string[] = [];

async function rules(): Promise<AlertRulesResponse['rules']> {
  const res = await fetch(`${demo.base}/api/v1/alerts/rules`);
  return ((await res.json()) as AlertRulesResponse).rules;
}

beforeAll(async () => {
  demo = await startDemoDashboard({ days: 10, seed: 3, token: TOKEN, openReads: true });
  ({ page, consoleErrors } = await watchedPage(demo.browser, { viewport: { width: 1400, height: 1000 } }));
}, 180_000);

afterAll(async () => {
  await demo?.close();
});

describe('alert rules in the UI, in Chromium', () => {
  it('lists the default rules with the latency-degradation rule', async () => {
    await page.goto(`${demo.base}/?live=0#trends`);
    await waitReady(page);
    await page.waitForSelector('[data-panel="alert-rules"] [data-rule]');
    const names = await page.locator('[data-panel="alert-rules"] [data-rule]').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-rule')));
    expect(names).toEqual((await rules()).map((r) => r.name));
    expect(names).toContain('Latency degradation');
  });

  it('creates a rule once the admin key is given, then edits, mutes, unmutes and deletes it', async () => {
    const panel = page.locator('[data-panel="alert-rules"]');
    await panel.locator('[data-new-rule]').click();
    await page.locator('#gs-rule-name').fill('Slow cards');
    await page.locator('#gs-rule-metric').selectOption('latency_p95');
    await page.locator('#gs-rule-window').fill('1h');
    await page.locator('#gs-rule-value').fill('2500');
    await page.locator('#gs-rule-f-type').selectOption('card');
    await panel.getByRole('button', { name: 'Create rule' }).click();
    // No key in the tab: the server refuses the write and says why.
    await expect(panel.locator('[data-rule-error]').innerText()).resolves.toMatch(/admin key/);
    expect((await rules()).some((r) => r.name === 'Slow cards')).toBe(false);
    await panel.locator('[data-admin-key]').fill(TOKEN);
    await panel.getByRole('button', { name: 'Use key and retry' }).click();
    await page.waitForSelector('[data-rule="Slow cards"]');
    const created = (await rules()).find((r) => r.name === 'Slow cards');
    expect(created).toMatchObject({ kind: 'threshold', metric: 'latency_p95', operator: '>', value: 2500, windowMillis: 3_600_000, filters: { componentType: 'card' }, enabled: true });

    const row = panel.locator('[data-rule="Slow cards"]');
    await row.locator('[data-edit]').click();
    await page.locator('#gs-rule-value').fill('4000');
    await page.locator('#gs-rule-severity').selectOption('critical');
    await panel.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForFunction(() => document.querySelector('[data-rule="Slow cards"] .gs-tag')?.textContent === 'critical');
    expect((await rules()).find((r) => r.name === 'Slow cards')).toMatchObject({ id: created?.id, value: 4000, severity: 'critical', filters: { componentType: 'card' } });

    await row.locator('[data-mute]').click();
    await page.waitForFunction(() => document.querySelector('[data-rule="Slow cards"] .gs-tag')?.textContent === 'muted');
    expect((await rules()).find((r) => r.name === 'Slow cards')?.enabled).toBe(false);
    await row.locator('[data-mute]').click();
    await page.waitForFunction(() => document.querySelector('[data-rule="Slow cards"] .gs-tag')?.textContent === 'critical');
    expect((await rules()).find((r) => r.name === 'Slow cards')?.enabled).toBe(true);

    await row.locator('[data-delete]').click();
    await row.locator('[data-confirm-delete]').click();
    await page.waitForFunction(() => !document.querySelector('[data-rule="Slow cards"]'));
    expect((await rules()).some((r) => r.name === 'Slow cards')).toBe(false);
  });

  it('the alerts panel shows only the alert events about the filtered slice', async () => {
    // Alerts that fire at once: one per model, and one over every model (which concerns any slice).
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (const groupBy of [['model'], []]) {
      const res = await fetch(`${demo.base}/api/v1/alerts/rules`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ kind: 'threshold', name: `Any runs ${groupBy.join('') || 'overall'}`, metric: 'latency_mean', operator: '>', value: 0, windowMillis: '30d', groupBy }),
      });
      expect(res.status).toBe(201);
    }
    expect((await fetch(`${demo.base}/api/v1/alerts/evaluate`, { method: 'POST', headers: auth })).status).toBe(200);
    const all = ((await (await fetch(`${demo.base}/api/v1/alerts/events?limit=500`)).json()) as AlertEventsResponse).events;
    const models = [...new Set(all.map((e) => e.labels.model).filter((m): m is string => !!m))];
    expect(models.length).toBeGreaterThan(1);
    const model = models[0] as string;
    const count = async (): Promise<number> => page.locator('[data-panel="trends-alerts"] .gs-alerts').first().locator('li').count();
    await page.goto(`${demo.base}/?live=0&range=90d#trends`);
    await waitReady(page);
    await page.waitForSelector('[data-panel="trends-alerts"] .gs-alerts li');
    const unfiltered = await count();
    await page.goto(`${demo.base}/?live=0&range=90d&model=${encodeURIComponent(model)}#trends`);
    await waitReady(page);
    await page.waitForSelector('[data-panel="trends-alerts"] .gs-alerts li');
    const filtered = await count();
    const expected = all.filter((e) => !e.labels.model || e.labels.model === model).length;
    expect(unfiltered).toBe(Math.min(100, all.length));
    expect(filtered).toBe(Math.min(100, expected));
    expect(filtered).toBeLessThan(unfiltered);
    expect(consoleErrors.filter((e) => !/401|403/.test(e))).toEqual([]);
  });
});

describe('the monthly budget from the UI, in Chromium', () => {
  it('is refused without the admin key, saved with it, shown at once and kept across a restart', async () => {
    // A fresh tab: no key in its sessionStorage.
    const { context, page: p, consoleErrors: errors } = await watchedPage(demo.browser, { viewport: { width: 1400, height: 1000 } });
    await p.goto(`${demo.base}/?live=0#cost`);
    await waitReady(p);
    const panel = p.locator('[data-panel="cost-budget"]');
    await expect(panel.locator('[data-budget-note]').innerText()).resolves.toMatch(/--budget-usd/);
    await panel.locator('[data-budget-edit]').click();
    await panel.locator('[data-budget-input]').fill('abc');
    expect(await panel.locator('[data-budget-save]').isDisabled()).toBe(true);
    await panel.locator('[data-budget-input]').fill('25.5');
    await panel.locator('[data-budget-save]').click();
    await expect(panel.locator('[role="alert"]').innerText()).resolves.toMatch(/setting the budget needs an admin key/);
    const before = (await (await fetch(`${demo.base}/api/v1/budget`)).json()) as BudgetSettingResponse;
    expect(before).toMatchObject({ monthlyBudgetUsd: 5, source: 'config' });
    await panel.locator('[data-admin-key]').fill(TOKEN);
    await panel.getByRole('button', { name: 'Use key and retry' }).click();
    await p.waitForFunction(() => /budget \$25\.5(?!\d)/.test(document.querySelector('[data-panel="cost-budget"]')?.textContent ?? ''));
    // The KPI strip refetched too.
    await p.waitForFunction(() => /\$25\.5 monthly budget/.test(document.body.textContent ?? ''));
    const after = (await (await fetch(`${demo.base}/api/v1/budget`)).json()) as BudgetSettingResponse;
    expect(after).toMatchObject({ monthlyBudgetUsd: 25.5, source: 'api' });
    await context.close();
    expect(errors.filter((e) => !/401|403/.test(e))).toEqual([]);

    // A restart on the same file, with no budget option: the budget set from the UI stays.
    const file = demo.server.db.name;
    await demo.server.stop();
    const again = await startGenscopeServer({ db: file, host: '127.0.0.1', port: 0, token: TOKEN, openReads: true, alertIntervalMillis: 60_000, env: {}, log: () => undefined });
    try {
      const b = (await (await fetch(`${again.handle.url}/api/v1/cost/budget`)).json()) as BudgetResponse;
      expect([b.monthlyBudgetUsd, b.budgetSource]).toEqual([25.5, 'api']);
      const second = await watchedPage(demo.browser, { viewport: { width: 1400, height: 1000 } });
      await second.page.goto(`${again.handle.url}/?live=0#cost`);
      await waitReady(second.page);
      await expect(second.page.locator('[data-panel="cost-budget"] [data-budget-note]').innerText()).resolves.toMatch(/set on the dashboard or the API/);
      expect(await second.page.locator('[data-panel="cost-budget"]').innerText()).toMatch(/budget \$25\.5(?!\d)/);
      await second.context.close();
    } finally {
      await again.stop();
    }
  });
});
