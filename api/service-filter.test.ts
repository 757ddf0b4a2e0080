/**
 * The service filter (resource service.name) on every panel: one server holding two services'
 * runs (the fixture history, every other trace recorded by the second service), a SQLite file.
 * Each filtered panel's counts add up to the unfiltered one, on rollups and on raw rows, and an
 * unknown service gives nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { AlertEvaluator } from '../alerts/evaluator';
import { evaluateCondition } from '../alerts/conditions';
import { createAlertsRouter } from '../alerts/router';
import type { AlertRule } from '../schema/alerts';
import type {
  AccuracyResponse,
  CacheResponse,
  CostBreakdownResponse,
  CostOverTimeResponse,
  LatencyResponse,
  QualityScoresResponse,
  StagesResponse,
  SummaryResponse,
} from '../schema/api';
import { ATTR } from '../schema/names';
import { SqliteStore, StoreWriter, openDatabase } from '../store';
import type { MetricScope } from '../store/types';
import type { Db } from '../store';
import { createApp } from './app';
import { fixtureBatches } from './test-fixtures';
import { TEST_NOW } from './test-support';

const RUNS = 600;
const SERVICES = ['checkout-gen', 'catalog-gen'] as const;

let dir: string;
let db: Db;
let app: ReturnType<typeof createApp>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-service-'));
  db = openDatabase(path.join(dir, 'store.db'));
  const writer = new StoreWriter(db);
  const resources = SERVICES.map((s) => ({ [ATTR.serviceName]: s, [ATTR.simulated]: true }));
  const traceService = new Map<string, number>();
  const batches = fixtureBatches({ runs: RUNS, startMs: TEST_NOW - RUNS * 60_000, intervalMs: 60_000 });
  for (let next = batches.next(); !next.done; next = batches.next()) {
    writer.writeSpans(
      next.value.map((r) => {
        let i = traceService.get(r.traceId);
        if (i === undefined) {
          i = traceService.size % 2;
          traceService.set(r.traceId, i);
        }
        return { ...r, resource: resources[i] ?? r.resource };
      }),
    );
  }
  app = createApp({ db, clock: () => TEST_NOW, config: { monthlyBudgetUsd: 100 } });
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function get<T>(p: string): Promise<T> {
  const r = await request(app).get(p);
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.text}`);
  return r.body as T;
}

const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, x) => a + (x ?? 0), 0);

/** A panel's additive numbers, read from its response. */
const PANELS: { path: string; counts: (body: never) => number[] }[] = [
  {
    path: '/api/v1/summary',
    counts: (b: SummaryResponse) => [b.kpis.runs.value ?? 0, b.kpis.modelCalls.value ?? 0, b.kpis.tokens.value ?? 0],
  },
  { path: '/api/v1/performance/latency', counts: (b: LatencyResponse) => [sum(b.count)] },
  { path: '/api/v1/performance/stages', counts: (b: StagesResponse) => [sum(b.count), sum(b.errors)] },
  {
    path: '/api/v1/performance/cache',
    counts: (b: CacheResponse) => [sum(b.overall.hits), sum(b.overall.misses)],
  },
  { path: '/api/v1/quality/accuracy', counts: (b: AccuracyResponse) => [b.overall.total, b.overall.correct] },
  {
    path: '/api/v1/quality/scores',
    counts: (b: QualityScoresResponse) => Object.values(b.counts).map((c) => sum(c)),
  },
  { path: '/api/v1/cost/over-time', counts: (b: CostOverTimeResponse) => [sum(b.total)] },
  {
    path: '/api/v1/cost/breakdown?groupBy=model',
    counts: (b: CostBreakdownResponse) => [b.totalUsd, sum(b.calls), sum(b.inputTokens)],
  },
];

describe('the service filter', () => {
  // 24h reads rollups (minute and hour grains); from=0 over the whole history too; a stage
  // filter on quality reads raw score rows.
  const ranges = ['range=24h', 'from=0'];

  it.each(ranges)('splits every panel’s counts between the services (%s)', async (range) => {
    for (const panel of PANELS) {
      const q = `${panel.path}${panel.path.includes('?') ? '&' : '?'}${range}`;
      const all = panel.counts((await get(q)) as never);
      expect(all.some((n) => n > 0)).toBe(true);
      const parts = await Promise.all(SERVICES.map(async (s) => panel.counts((await get(`${q}&service=${s}`)) as never)));
      for (const p of parts) expect({ panel: panel.path, nonEmpty: p.some((n) => n > 0) }).toEqual({ panel: panel.path, nonEmpty: true });
      const added = all.map((_n, i) => sum(parts.map((p) => p[i] ?? 0)));
      all.forEach((n, i) => expect({ panel: panel.path, i, n: added[i] }).toEqual({ panel: panel.path, i, n: expect.closeTo(n, 6) as number }));
      const none = panel.counts((await get(`${q}&service=no-such-service`)) as never);
      expect({ panel: panel.path, none: none.every((n) => n === 0) }).toEqual({ panel: panel.path, none: true });
    }
  });

  it('reads rollups, not raw rows, when only the service filters', async () => {
    // (Latency and stages read exact raw durations while the window holds few rows.)
    const b = await get<CostOverTimeResponse>(`/api/v1/cost/over-time?range=7d&service=${SERVICES[0]}`);
    expect(b.meta.source).toBe('rollup');
    expect(b.meta.ignoredFilters).toEqual([]);
  });

  it('splits raw score rows too (a stage filter reads them)', async () => {
    const q = '/api/v1/quality/accuracy?from=0&stage=classify';
    const all = await get<AccuracyResponse>(q);
    expect(all.meta.source).toBe('raw');
    const parts = await Promise.all(SERVICES.map((s) => get<AccuracyResponse>(`${q}&service=${s}`)));
    expect(sum(parts.map((p) => p.overall.total))).toBe(all.overall.total);
  });

  it('splits the exports', async () => {
    const rows = async (s?: string) => {
      const r = await request(app).get(`/api/v1/export/runs.json?from=0${s ? `&service=${s}` : ''}`);
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as unknown[]).length;
    };
    const all = await rows();
    expect(all).toBe(RUNS);
    expect((await rows(SERVICES[0])) + (await rows(SERVICES[1]))).toBe(all);
  });

  it.each<MetricScope>([
    { metric: 'quality_score', filters: { score: 'code.quality' }, groupBy: ['component_type'] },
    { metric: 'success_rate', filters: {}, groupBy: ['model'] },
    { metric: 'latency_mean', filters: { stage: 'generate' }, groupBy: [] },
    { metric: 'cost_per_hour', filters: {}, groupBy: [] },
    { metric: 'cache_hit_rate', filters: {}, groupBy: ['stage'] },
  ])('alert metric %j: a service filter splits its data points, rollups and raw samples', async (scope) => {
    const store = new SqliteStore(db, { clock: () => TEST_NOW });
    const range = { fromMs: TEST_NOW - 6 * 3_600_000, toMs: TEST_NOW };
    const points = async (service?: string) => {
      const s = { ...scope, filters: { ...scope.filters, ...(service ? { service } : {}) } };
      const agg = (await store.metricAggregates(s, range)).reduce((a, g) => a + g.count, 0);
      // Cost per hour samples are hourly sums (each service has its own hours): their total splits.
      const samples = (await store.metricSamples(s, range, 1_000_000)).reduce(
        (a, g) => a + (scope.metric === 'cost_per_hour' ? g.values.reduce((x, v) => x + v, 0) : g.values.length),
        0,
      );
      return { agg, samples };
    };
    const all = await points();
    expect(all.agg).toBeGreaterThan(0);
    const parts = await Promise.all(SERVICES.map((s) => points(s)));
    for (const p of parts) expect(p.agg).toBeGreaterThan(0);
    expect(parts[0]!.agg + parts[1]!.agg).toBe(all.agg);
    expect(parts[0]!.samples + parts[1]!.samples).toBeCloseTo(all.samples, 9);
    expect(await points('no-such-service')).toEqual({ agg: 0, samples: 0 });
  });

  it('takes a service filter on an alert rule, labels its alerts with it, and refuses splitting by service', async () => {
    const alerts = express();
    alerts.use('/api/v1/alerts', createAlertsRouter({ db, evaluator: new AlertEvaluator({ db, now: () => TEST_NOW }), now: () => TEST_NOW }));
    const rule = {
      kind: 'threshold',
      name: 'checkout latency',
      metric: 'latency_mean',
      filters: { service: SERVICES[0] },
      windowMillis: '6h',
      operator: '>',
      value: 0,
    };
    const created = await request(alerts).post('/api/v1/alerts/rules').send(rule);
    expect(created.status).toBe(201);
    const stored = (created.body as { rule: AlertRule }).rule;
    expect(stored.filters).toEqual({ service: SERVICES[0] });
    const [condition, ...more] = evaluateCondition(db, stored, TEST_NOW);
    expect(more).toEqual([]);
    expect(condition?.labels).toEqual({ service: SERVICES[0] });
    const store = new SqliteStore(db, { clock: () => TEST_NOW });
    const range = { fromMs: TEST_NOW - 6 * 3_600_000, toMs: TEST_NOW };
    const [own] = await store.metricAggregates({ metric: 'latency_mean', filters: { service: SERVICES[0] }, groupBy: [] }, range);
    const [both] = await store.metricAggregates({ metric: 'latency_mean', filters: {}, groupBy: [] }, range);
    expect(condition?.value).toBeCloseTo(own?.value ?? NaN, 9);
    expect(own?.count).toBeLessThan(both?.count ?? 0);
    const refused = await request(alerts)
      .post('/api/v1/alerts/rules')
      .send({ ...rule, filters: {}, groupBy: ['service'] });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/service can only filter a rule/);
  });
});
