/**
 * Numbers that must agree: each test asks two endpoints (or two parameter sets) about the same
 * thing and compares the answers, on the fixture written through the real store writer and an
 * app clock that is not on an hour boundary (so every window has ragged edges).
 */
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from './app';
import { TEST_NOW, testWorld } from './test-support';
import type { TestWorld } from './test-support';

let w: TestWorld;
let app: Express;
/** 37 minutes past an hour: windows start and end inside hours and days. */
const NOW = TEST_NOW - 23 * 60_000;

beforeAll(() => {
  w = testWorld(3000);
  app = createApp({ db: w.db, clock: () => NOW, config: { monthlyBudgetUsd: 100 } });
});
afterAll(() => w.db.close());

interface Kpis {
  kpis: Record<string, { value: number | null }>;
  meta: { ignoredFilters: string[] };
}

async function getJson<T>(path: string): Promise<T> {
  const res = await request(app).get(`/api/v1${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('cost per component and the summary', () => {
  it.each(['range=24h', 'range=7d', 'range=30d', `from=${NOW - 30 * 3_600_000 - 17 * 60_000}&to=${NOW - 5 * 3_600_000 - 41 * 60_000}`])(
    'count the same runs and cost over %s',
    async (window) => {
      const s = await getJson<Kpis>(`/summary?${window}`);
      const c = await getJson<{ runs: number[]; costUsd: number[]; totalComponents: number; componentId: string[] }>(`/cost/components?${window}&limit=1000`);
      expect(c.totalComponents).toBe(c.componentId.length);
      expect(sum(c.runs)).toBe(s.kpis.runs?.value);
      expect(sum(c.costUsd)).toBeCloseTo(s.kpis.costUsd?.value ?? Number.NaN, 6);
    },
  );
});

interface Trend {
  slopePerDay: Record<string, number | null>;
  fittedChange: Record<string, number | null>;
  value: Record<string, (number | null)[]>;
}

describe('trend slopes and the values they describe', () => {
  it.each(['1h', '6h', '24h'])('give no per-day rate over %s and a fitted change a 0-1 score can make', async (range) => {
    for (const metric of ['successRate', 'score']) {
      const t = await getJson<Trend>(`/trends?range=${range}&metric=${metric}`);
      for (const k of Object.keys(t.value)) {
        expect(t.slopePerDay[k]).toBeNull();
        const ch = t.fittedChange[k];
        if (ch != null) expect(Math.abs(ch)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('over 2 days gives a slope whose change over the data is the fitted change', async () => {
    const t = await getJson<Trend & { t: number[] }>('/trends?range=2d&bucket=3600');
    const v = t.value['(all)'] ?? [];
    const idx = v.map((x, i) => (x === null ? -1 : i)).filter((i) => i >= 0);
    const days = ((t.t[idx[idx.length - 1] ?? 0] ?? 0) - (t.t[idx[0] ?? 0] ?? 0)) / 86_400_000;
    expect(t.slopePerDay['(all)']).not.toBeNull();
    expect((t.slopePerDay['(all)'] ?? 0) * days).toBeCloseTo(t.fittedChange['(all)'] ?? Number.NaN, 6);
  });
});

describe('the KPI strip, the filters and the cache', () => {
  it('says that the summary does not apply the stage filter, and its figures are the unfiltered ones', async () => {
    const plain = await getJson<Kpis>('/summary?range=24h');
    const staged = await getJson<Kpis>('/summary?range=24h&stage=generate');
    expect(staged.meta.ignoredFilters).toContain('stage');
    expect(staged.kpis.runs?.value).toBe(plain.kpis.runs?.value);
    expect(staged.kpis.costUsd?.value).toBe(plain.kpis.costUsd?.value);
  });

  it('offers as model filters only models that select runs', async () => {
    const f = await getJson<{ models: string[] }>('/filters');
    expect(f.models.length).toBeGreaterThan(0);
    for (const m of f.models) {
      const s = await getJson<Kpis>(`/summary?range=7d&model=${encodeURIComponent(m)}`);
      expect({ m, runs: (s.kpis.runs?.value ?? 0) > 0 }).toEqual({ m, runs: true });
    }
    // The embedding model's cost is still shown, under cost by model.
    const byModel = await getJson<{ groups: string[] }>('/cost/breakdown?range=7d&groupBy=model');
    expect(byModel.groups.some((g) => !f.models.includes(g))).toBe(true);
  });

  it('shows no cache hit rate for a model filter, since lookups are not kept per model', async () => {
    const unknown = await getJson<Kpis>('/summary?range=24h&model=no-such-model');
    expect(unknown.kpis.runs?.value).toBe(0);
    expect(unknown.kpis.cacheHitRate?.value).toBeNull();
    const all = await getJson<Kpis>('/summary?range=24h');
    expect(all.kpis.cacheHitRate?.value).not.toBeNull();
  });

  it('counts the same runs in the summary and the latency panel, whether they read raw rows or rollups', async () => {
    const rollupApp = createApp({ db: w.db, clock: () => NOW, config: { exactPercentileMaxRows: 10 } });
    for (const range of ['6h', '24h', '7d']) {
      const raw = await getJson<Kpis>(`/summary?range=${range}`);
      const lat = await getJson<{ overall: { count: number } }>(`/performance/latency?range=${range}`);
      const viaRollup = (await request(rollupApp).get(`/api/v1/summary?range=${range}`)).body as Kpis;
      expect(lat.overall.count).toBe(raw.kpis.runs?.value);
      expect(viaRollup.kpis.runs?.value).toBe(raw.kpis.runs?.value);
    }
  });
});

describe('the runs export and /runs', () => {
  it('both refuse a stage filter, naming it', async () => {
    const list = await request(app).get('/api/v1/runs?range=24h&stage=generate');
    const exp = await request(app).get('/api/v1/export/runs.csv?range=24h&stage=generate');
    expect(list.status).toBe(400);
    expect(exp.status).toBe(400);
    const param = (r: request.Response) => (r.body as { error: { param?: string } }).error.param;
    expect(param(exp)).toBe('stage');
    expect(param(list)).toBe('stage');
  });

  it('export the same runs as /runs lists for the other filters', async () => {
    const list = await getJson<{ runs: { id: number }[] }>('/runs?range=1h&componentType=card&limit=500');
    const exp = await request(app).get('/api/v1/export/runs.json?range=1h&componentType=card');
    expect(exp.status).toBe(200);
    const ids = (exp.body as { id: number }[]).map((r) => r.id).sort((a, b) => a - b);
    expect(ids).toEqual(list.runs.map((r) => r.id).sort((a, b) => a - b));
  });

  it('filter spans by stage', async () => {
    const exp = await request(app).get('/api/v1/export/spans.json?range=1h&stage=generate');
    expect(exp.status).toBe(200);
    const rows = exp.body as { stage: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.stage))).toEqual(new Set(['generate']));
  });
});
