import request from 'supertest';
import { END_TO_END_STAGE } from '../../../schema/api';
import type {
  AccuracyResponse,
  BudgetResponse,
  CacheResponse,
  ConfusionResponse,
  CostBreakdownResponse,
  CostComponentsResponse,
  CostOverTimeResponse,
  DistributionResponse,
  FilterOptionsResponse,
  HeatmapResponse,
  LatencyResponse,
  QualityBreakdownResponse,
  QualityScoresResponse,
  StagesResponse,
  SummaryResponse,
  TrendsResponse,
} from '../../../schema/api';
import { SCORE } from '../../../schema/names';
import { percentiles } from '../../../analysis/index';
import { openDatabase } from '../db';
import { createApp } from '../../../api/app';
import { count, testWorld } from '../../../api/test-support';
import type { TestWorld } from '../../../api/test-support';

const DAY = 86_400_000;
let w: TestWorld;
let fromNs: bigint;
let toNs: bigint;

beforeAll(() => {
  w = testWorld(3000);
  fromNs = BigInt(w.now - DAY) * 1_000_000n;
  toNs = BigInt(w.now) * 1_000_000n;
});

async function get<T>(path: string): Promise<T> {
  const r = await request(w.app).get(path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r.body as T;
}

function sum(xs: readonly (number | null)[]): number {
  return xs.reduce<number>((a, b) => a + (b ?? 0), 0);
}

describe('summary', () => {
  it('counts the runs of the window and of the previous window', async () => {
    const s = await get<SummaryResponse>('/api/v1/summary');
    const runs = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ?", fromNs, toNs);
    const prev = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ?", fromNs - BigInt(DAY) * 1_000_000n, fromNs);
    expect(s.kpis.runs.value).toBe(runs);
    expect(s.kpis.runs.previous).toBe(prev);
    expect(s.previous).toEqual({ fromMs: w.now - 2 * DAY, toMs: w.now - DAY });
    const errors = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND status_code = 2 AND start_ns >= ? AND start_ns < ?", fromNs, toNs);
    expect(s.kpis.errorRate.value).toBeCloseTo(errors / runs, 6);
    const cost = (w.db.prepare('SELECT SUM(cost_usd) AS c FROM model_call_view WHERE time_ns >= ? AND time_ns < ?').get(fromNs, toNs) as { c: number }).c;
    expect(s.kpis.costUsd.value).toBeCloseTo(cost, 6);
    expect(s.kpis.latencyP95Ms.value).toBeGreaterThan(s.kpis.latencyP50Ms.value ?? Infinity);
  });

  it('reports the change against the previous window', async () => {
    const s = await get<SummaryResponse>('/api/v1/summary?range=1h');
    const k = s.kpis.costUsd;
    expect(k.delta).toBeCloseTo((k.value ?? 0) - (k.previous ?? 0), 6);
    if (k.previous) expect(k.change).toBeCloseTo(((k.value ?? 0) - k.previous) / k.previous, 4);
  });
});

describe('performance/latency', () => {
  it('gives exact percentiles over a small range, equal to percentiles of the raw durations', async () => {
    const r = await get<LatencyResponse>('/api/v1/performance/latency');
    expect(r.meta.exact).toBe(true);
    const durs = (w.db.prepare("SELECT duration_ns / 1e6 AS d FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ?").all(fromNs, toNs) as { d: number }[]).map((x) => x.d);
    const [p50, p95, p99] = percentiles(durs, [50, 95, 99]);
    expect(r.overall.p50).toBeCloseTo(p50 ?? 0, 2);
    expect(r.overall.p95).toBeCloseTo(p95 ?? 0, 2);
    expect(r.overall.p99).toBeCloseTo(p99 ?? 0, 2);
    expect(r.overall.count).toBe(durs.length);
    expect(sum(r.count)).toBe(durs.length);
    expect(r.t.length).toBe(r.p50.length);
    expect(r.meta.bucketSeconds).toBe(300);
  });

  it('falls back to histogram percentiles within the bucket error when the range is large', async () => {
    const big = testWorld(600, { config: { exactPercentileMaxRows: 10 } });
    const r = (await request(big.app).get('/api/v1/performance/latency')).body as LatencyResponse;
    expect(r.meta.exact).toBe(false);
    expect(r.meta.source).toBe('rollup');
    const durs = (big.db.prepare("SELECT duration_ns / 1e6 AS d FROM span_view WHERE role = 'run'").all() as { d: number }[]).map((x) => x.d);
    const [p50, p95] = percentiles(durs, [50, 95]);
    // Four buckets per doubling: at most ~19 % apart (one bucket), usually much closer.
    expect(Math.abs((r.overall.p50 ?? 0) / (p50 ?? 1) - 1)).toBeLessThan(0.19);
    expect(Math.abs((r.overall.p95 ?? 0) / (p95 ?? 1) - 1)).toBeLessThan(0.19);
    expect(r.overall.count).toBe(durs.length);
  });

  it('reports one stage when asked', async () => {
    const r = await get<LatencyResponse>('/api/v1/performance/latency?stage=generate');
    expect(r.stages).toEqual(['generate']);
    const n = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'stage' AND stage = 'generate' AND start_ns >= ? AND start_ns < ?", fromNs, toNs);
    expect(r.overall.count).toBe(n);
  });

  it('honours a benchmark-run filter from raw rows', async () => {
    const bench = w.fixture.benchmarkRuns[w.fixture.benchmarkRuns.length - 1] ?? '';
    const r = await get<LatencyResponse>(`/api/v1/performance/latency?benchmarkRun=${bench}&range=7d`);
    const n = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND benchmark_run_id = ?", bench);
    expect(n).toBeGreaterThan(0);
    expect(r.overall.count).toBe(n);
    expect(r.meta.source).toBe('raw');
  });
});

describe('performance/stages and heatmap', () => {
  it('breaks latency down by stage without the end-to-end row', async () => {
    const r = await get<StagesResponse>('/api/v1/performance/stages');
    expect(r.stages).toEqual(['classify', 'map', 'generate', 'validate']);
    expect(sum(r.share)).toBeCloseTo(1, 4);
    const gen = r.stages.indexOf('generate');
    expect(r.meanMs[gen]).toBeGreaterThan(r.meanMs[r.stages.indexOf('classify')] ?? Infinity);
    expect(Object.keys(r.meanMsOverTime)).toEqual(r.stages);
  });

  it('gives the same counts from rollups over a long range', async () => {
    const r = await get<StagesResponse>('/api/v1/performance/stages?range=7d');
    const n = count(w.db, "SELECT count(*) AS n FROM span_view WHERE stage = 'classify'");
    expect(r.count[r.stages.indexOf('classify')]).toBe(n);
  });

  it('counts every run once in the heatmap', async () => {
    const r = await get<HeatmapResponse>('/api/v1/performance/heatmap');
    const total = r.counts.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
    const n = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ?", fromNs, toNs);
    expect(total).toBe(n);
    expect(r.counts.length).toBe(r.t.length);
    expect(r.edgesMs.length).toBe((r.counts[0]?.length ?? 0) + 1);
    expect(r.maxCount).toBeGreaterThan(0);
  });
});

describe('performance/cache', () => {
  it('computes hit rates per cache from the lookups', async () => {
    const r = await get<CacheResponse>('/api/v1/performance/cache');
    expect(r.caches).toEqual(['classification', 'embeddings']);
    const i = r.caches.indexOf('classification');
    const hits = r.overall.hits[i] ?? 0;
    const misses = r.overall.misses[i] ?? 0;
    expect(hits + misses).toBe(count(w.db, "SELECT count(*) AS n FROM span_view WHERE stage = 'classify' AND start_ns >= ? AND start_ns < ?", fromNs, toNs));
    expect(r.overall.hitRate[i]).toBeCloseTo(hits / (hits + misses), 5);
  });
});

describe('quality', () => {
  it('computes accuracy per component type from the classification scores', async () => {
    const r = await get<AccuracyResponse>('/api/v1/quality/accuracy');
    const rows = w.db
      .prepare('SELECT component_type AS t, AVG(value) AS a, COUNT(*) AS n FROM score_view WHERE name = ? AND time_ns >= ? AND time_ns < ? GROUP BY 1 ORDER BY 1')
      .all(SCORE.classificationAccuracy, fromNs, toNs) as { t: string; a: number; n: number }[];
    expect(r.componentTypes).toEqual(rows.map((x) => x.t));
    rows.forEach((x, i) => {
      expect(r.accuracy[i]).toBeCloseTo(x.a, 5);
      expect(r.total[i]).toBe(x.n);
    });
  });

  it('builds a confusion matrix whose diagonal is the correct count', async () => {
    const r = await get<ConfusionResponse>('/api/v1/quality/confusion');
    const a = await get<AccuracyResponse>('/api/v1/quality/accuracy');
    expect(r.total).toBe(a.overall.total);
    const diag = r.labels.reduce((s, _l, i) => s + (r.counts[i]?.[i] ?? 0), 0);
    expect(diag).toBe(a.overall.correct);
  });

  it('bins mapping confidence', async () => {
    const r = await get<DistributionResponse>('/api/v1/quality/distribution');
    expect(r.score).toBe(SCORE.mappingConfidence);
    expect(r.edges).toHaveLength(21);
    expect(sum(r.counts)).toBe(r.total);
    expect(r.total).toBe(count(w.db, 'SELECT count(*) AS n FROM score_view WHERE name = ? AND time_ns >= ? AND time_ns < ?', SCORE.mappingConfidence, fromNs, toNs));
  });

  it('gives score series over time and split by component type', async () => {
    const r = await get<QualityScoresResponse>('/api/v1/quality/scores');
    expect(r.keys).toEqual([SCORE.pixelSimilarity, SCORE.structuralSimilarity, SCORE.codeQuality]);
    for (const k of r.keys) expect(r.series[k]).toHaveLength(r.t.length);
    const byType = await get<QualityScoresResponse>(`/api/v1/quality/scores?score=${SCORE.pixelSimilarity}&groupBy=componentType`);
    expect(byType.keys).toContain('modal');
  });

  it('gives mean scores by model', async () => {
    const r = await get<QualityBreakdownResponse>('/api/v1/quality/breakdown?groupBy=model');
    expect(r.groups).toEqual(['claude-3-5-haiku', 'gpt-4o-mini']);
    const expected = (w.db.prepare('SELECT AVG(value) AS a FROM score_view WHERE name = ? AND model = ? AND time_ns >= ? AND time_ns < ?').get(SCORE.codeQuality, 'gpt-4o-mini', fromNs, toNs) as { a: number }).a;
    expect(r.series[SCORE.codeQuality]?.[1]).toBeCloseTo(expected, 5);
  });

  it('reads raw scores when filtered by stage', async () => {
    const r = await get<QualityBreakdownResponse>('/api/v1/quality/breakdown?stage=validate');
    expect(r.meta.source).toBe('raw');
    expect(r.series[SCORE.mappingConfidence]?.every((x) => x === null)).toBe(true);
  });
});

describe('cost', () => {
  it('sums cost by operation equal to the stored model calls', async () => {
    const r = await get<CostBreakdownResponse>('/api/v1/cost/breakdown');
    const rows = w.db.prepare('SELECT operation AS o, SUM(cost_usd) AS c, COUNT(*) AS n FROM model_call_view WHERE time_ns >= ? AND time_ns < ? GROUP BY 1').all(fromNs, toNs) as { o: string; c: number; n: number }[];
    for (const x of rows) {
      const i = r.groups.indexOf(x.o);
      expect(r.costUsd[i]).toBeCloseTo(x.c, 8);
      expect(r.calls[i]).toBe(x.n);
    }
    expect(r.totalUsd).toBeCloseTo(rows.reduce((a, x) => a + x.c, 0), 8);
  });

  it('splits cost by stage', async () => {
    const r = await get<CostBreakdownResponse>('/api/v1/cost/breakdown?groupBy=stage');
    expect(r.groups[0]).toBe('generate');
    expect(r.calls.every((c) => c === null)).toBe(true);
  });

  it('gives cost over time whose total equals the breakdown', async () => {
    const t = await get<CostOverTimeResponse>('/api/v1/cost/over-time?groupBy=model');
    const b = await get<CostBreakdownResponse>('/api/v1/cost/breakdown?groupBy=model');
    expect(sum(t.total)).toBeCloseTo(b.totalUsd, 6);
    for (const g of t.groups) expect(t.series[g]).toHaveLength(t.t.length);
  });

  it('lists the most expensive components', async () => {
    const r = await get<CostComponentsResponse>('/api/v1/cost/components?limit=5');
    expect(r.componentId).toHaveLength(5);
    expect([...r.costUsd].sort((a, b) => b - a)).toEqual(r.costUsd);
    expect(new Set(r.componentId).size).toBe(5);
    expect(r.totalComponents).toBeGreaterThanOrEqual(5);
  });

  it('splits the spend of each listed component by stage and operation, as its model calls add up', async () => {
    // Hour-aligned ends over a day boundary: whole days from the stage rollup, the edges from raw calls.
    const from = w.now - 36 * 3_600_000;
    const r = await get<CostComponentsResponse>(`/api/v1/cost/components?from=${from}&to=${w.now}&limit=8`);
    const keys = r.split.stage.map((st, k) => `${st}/${r.split.operation[k]}`);
    expect(keys).toEqual(expect.arrayContaining(['map/embeddings', 'generate/chat']));
    const cell = w.db.prepare(
      'SELECT COALESCE(SUM(cost_usd), 0) AS c, count(*) AS n FROM model_call_view WHERE component_id = ? AND stage = ? AND operation = ? AND time_ns >= ? AND time_ns < ?',
    );
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    let nonZero = 0;
    r.componentId.forEach((id, i) => {
      r.split.stage.forEach((st, k) => {
        const want = cell.get(id, st, r.split.operation[k], ns(from), ns(w.now)) as { c: number; n: number };
        expect(r.split.costUsd[k]?.[i]).toBeCloseTo(want.c, 8);
        expect(r.split.calls[k]?.[i]).toBe(want.n);
        if (want.n > 0) nonZero++;
      });
    });
    expect(nonZero).toBeGreaterThanOrEqual(r.componentId.length * 2);
    // The panel's CSV export carries one cost column per stage and operation.
    const csv = await request(w.app).get(`/api/v1/export/panel/cost-components.csv?from=${from}&to=${w.now}&limit=8`);
    expect(csv.status).toBe(200);
    const header = csv.text.split('\n')[0] ?? '';
    expect(header).toContain('costUsd.generate.chat');
    expect(header).toContain('costUsd.map.embeddings');
  });

  it('projects the month end and the runway from the budget', async () => {
    const r = await get<BudgetResponse>('/api/v1/cost/budget');
    const monthStart = BigInt(Date.UTC(2026, 5, 1)) * 1_000_000n;
    const mtd = (w.db.prepare('SELECT SUM(cost_usd) AS c FROM model_call_view WHERE time_ns >= ? AND time_ns < ?').get(monthStart, toNs) as { c: number }).c;
    expect(r.monthToDateUsd).toBeCloseTo(mtd, 6);
    expect(r.monthlyBudgetUsd).toBe(100);
    expect(r.remainingUsd).toBeCloseTo(100 - mtd, 4);
    expect(r.runwayDays).toBeCloseTo((100 - mtd) / r.dailyBurnUsd, 1);
    expect(r.projectedMonthEndUsd).toBeGreaterThanOrEqual(r.monthToDateUsd);
    expect(r.daily.t[0]).toBe(Date.UTC(2026, 5, 1));
    expect(r.daily.cumulativeUsd[r.daily.cumulativeUsd.length - 1]).toBeCloseTo(mtd, 6);
  });
});

describe('trends', () => {
  it('gives success rate by component type with a rolling mean and a slope', async () => {
    const r = await get<TrendsResponse>('/api/v1/trends?range=2d&bucket=3600&window=3');
    expect(r.componentTypes).toHaveLength(6);
    expect(Object.keys(r.value)).toEqual(['(all)', ...r.componentTypes]);
    const all = r.value['(all)'] ?? [];
    expect(all).toHaveLength(r.t.length);
    const nonNull = all.filter((x): x is number => x !== null);
    expect(Math.min(...nonNull)).toBeGreaterThan(0.5);
    expect(r.rollingMean['(all)']).toHaveLength(r.t.length);
    expect(typeof r.slopePerDay['(all)']).toBe('number');
  });

  it('follows a quality score', async () => {
    const r = await get<TrendsResponse>(`/api/v1/trends?metric=score&score=${SCORE.pixelSimilarity}`);
    expect(r.score).toBe(SCORE.pixelSimilarity);
    const modal = (r.value.modal ?? []).filter((x): x is number => x !== null);
    const card = (r.value.card ?? []).filter((x): x is number => x !== null);
    expect(modal.reduce((a, b) => a + b, 0) / modal.length).toBeLessThan(card.reduce((a, b) => a + b, 0) / card.length);
  });
});

describe('filters', () => {
  it('lists the types, models, stages and benchmark runs present', async () => {
    const r = await get<FilterOptionsResponse>('/api/v1/filters');
    expect(r.componentTypes).toEqual(['button', 'card', 'input', 'modal', 'navbar', 'table']);
    expect(r.models).toEqual(expect.arrayContaining(['claude-3-5-haiku', 'gpt-4o-mini']));
    expect(r.stages).toEqual(expect.arrayContaining([END_TO_END_STAGE, 'classify', 'map', 'generate', 'validate']));
    expect(r.benchmarkRuns.map((b) => b.id).sort()).toEqual([...w.fixture.benchmarkRuns].sort());
    expect(r.scores).toContain(SCORE.codeQuality);
  });

  it('narrows every panel by component type', async () => {
    const r = await get<AccuracyResponse>('/api/v1/quality/accuracy?componentType=card,modal');
    expect(r.componentTypes).toEqual(['card', 'modal']);
    const l = await get<LatencyResponse>('/api/v1/performance/latency?componentType=card');
    const n = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND component_type = 'card' AND start_ns >= ? AND start_ns < ?", fromNs, toNs);
    expect(l.overall.count).toBe(n);
  });
});

describe('simulated data', () => {
  it('is labelled in every panel answer', async () => {
    const s = await get<SummaryResponse>('/api/v1/summary');
    expect(s.meta.simulated).toBe(true);
    const f = await get<FilterOptionsResponse>('/api/v1/filters');
    expect(f.meta.simulated).toBe(true);
  });

  it('is not claimed for a store without simulated data', async () => {
    const app = createApp({ db: openDatabase(':memory:') });
    const s = (await request(app).get('/api/v1/summary')).body as SummaryResponse;
    expect(s.meta.simulated).toBe(false);
    expect(s.kpis.runs.value).toBe(0);
  });
});
