import { openDatabase } from './db';
import type { Db } from './db';
import { readAggregates, readBucketSeries, readSamples } from './alert-metrics';
import { runRecords, writeRecords } from '../../alerts/test-fixtures';

const T0 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;

function seed(db: Db): void {
  const runs = [
    { durationMs: 100, type: 'button', score: 0.8, error: false, cacheHit: true },
    { durationMs: 200, type: 'button', score: 0.9, error: false, cacheHit: true },
    { durationMs: 300, type: 'card', score: 0.7, error: false, cacheHit: false },
    { durationMs: 400, type: 'card', score: 0.6, error: true, cacheHit: undefined },
  ];
  writeRecords(
    db,
    runs.flatMap((r, i) =>
      runRecords({
        startMs: T0 + i * 60_000,
        durationMs: r.durationMs,
        componentId: `c${i}`,
        componentType: r.type,
        model: 'model-a',
        error: r.error,
        scores: { 'mapping.confidence': r.score },
        calls: [{ costUsd: 0.01 }],
        ...(r.cacheHit === undefined ? {} : { cacheHit: r.cacheHit }),
      }),
    ),
  );
  // A second hour with one cheaper run on another model.
  writeRecords(db, runRecords({ startMs: T0 + HOUR + 5000, durationMs: 50, componentId: 'c9', componentType: 'card', model: 'model-b', calls: [{ costUsd: 0.002 }] }));
}

describe('metric reader', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(':memory:');
    seed(db);
  });
  afterAll(() => db.close());
  const hour = { fromMs: T0, toMs: T0 + HOUR };

  it('averages a quality score per component type from the rollups', () => {
    const groups = readAggregates(db, { metric: 'quality_score', filters: { score: 'mapping.confidence' }, groupBy: ['component_type'] }, hour);
    const byType = Object.fromEntries(groups.map((g) => [g.labels.component_type, g.value]));
    expect(byType.button).toBeCloseTo(0.85, 10);
    expect(byType.card).toBeCloseTo(0.65, 10);
  });

  it('reads success rate, mean latency, cost per run and cache hit rate of the runs', () => {
    const scope = (metric: Parameters<typeof readAggregates>[1]['metric']) => ({ metric, filters: { model: 'model-a' }, groupBy: [] });
    expect(readAggregates(db, scope('success_rate'), hour)).toEqual([{ key: '{}', labels: {}, value: 0.75, count: 4 }]);
    expect(readAggregates(db, scope('latency_mean'), hour)[0]?.value).toBeCloseTo(250, 10);
    expect(readAggregates(db, scope('cost_per_run'), hour)[0]?.value).toBeCloseTo(0.01, 10);
    const cache = readAggregates(db, { metric: 'cache_hit_rate', filters: { stage: 'generate' }, groupBy: [] }, hour)[0];
    expect(cache?.value).toBeCloseTo(2 / 3, 10);
    expect(cache?.count).toBe(3);
  });

  it('takes latency percentiles from the mergeable histograms (within bucket error)', () => {
    const p50 = readAggregates(db, { metric: 'latency_p50', filters: {}, groupBy: [] }, hour)[0]?.value ?? 0;
    // Exact p50 of 100, 200, 300, 400 is 250; buckets bound the error at about 9 %.
    expect(p50).toBeGreaterThan(200);
    expect(p50).toBeLessThan(300);
  });

  it('normalizes cost per hour by the window length, per model', () => {
    const twoHours = { fromMs: T0, toMs: T0 + 2 * HOUR };
    const groups = readAggregates(db, { metric: 'cost_per_hour', filters: {}, groupBy: ['model'] }, twoHours);
    const byModel = Object.fromEntries(groups.map((g) => [g.labels.model, g.value]));
    expect(byModel['model-a']).toBeCloseTo(0.02, 10);
    expect(byModel['model-b']).toBeCloseTo(0.001, 10);
  });

  it('returns a per-bucket series, with only the buckets that have data', () => {
    const series = readBucketSeries(db, { metric: 'cost_per_hour', filters: {}, groupBy: [] }, { fromMs: T0 - HOUR, toMs: T0 + 3 * HOUR }, HOUR);
    expect(series.map((p) => [p.bucketMs, Number(p.value?.toFixed(6))])).toEqual([
      [T0, 0.04],
      [T0 + HOUR, 0.002],
    ]);
  });

  it('reads raw samples for tests, per group', () => {
    const durations = readSamples(db, { metric: 'latency_mean', filters: { model: 'model-a' }, groupBy: [] }, hour);
    expect(durations[0]?.values.sort((a, b) => a - b)).toEqual([100, 200, 300, 400]);
    const ok = readSamples(db, { metric: 'success_rate', filters: {}, groupBy: [] }, hour);
    expect(ok[0]?.values.sort()).toEqual([0, 1, 1, 1]);
    const scores = readSamples(db, { metric: 'quality_score', filters: {}, groupBy: ['score', 'component_type'] }, hour);
    expect(scores.map((g) => [g.labels.score, g.labels.component_type, g.values.sort()]).sort()).toEqual([
      ['mapping.confidence', 'button', [0.8, 0.9]],
      ['mapping.confidence', 'card', [0.6, 0.7]],
    ]);
    const stageLatency = readSamples(db, { metric: 'latency_p95', filters: { stage: 'generate' }, groupBy: [] }, hour);
    expect(stageLatency[0]?.values).toHaveLength(4);
  });

  it('returns nothing for an empty range', () => {
    expect(readAggregates(db, { metric: 'success_rate', filters: {}, groupBy: [] }, { fromMs: T0 - 2 * HOUR, toMs: T0 - HOUR })).toEqual([]);
  });
});
