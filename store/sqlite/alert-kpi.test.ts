/**
 * An alert and the tile for the same metric over the same window agree: the SQLite store's alert
 * metrics (what alert rules evaluate) and its summary KPIs (what the dashboard tiles show) read the
 * same row sources with the same grain planner. Fixture written through the real writer; the clock
 * is 37 minutes past an hour, so every window has ragged edges.
 */
import { writeFixture } from '../../api/test-fixtures';
import { SummaryQuery } from '../../schema/api';
import type { SummaryResponse } from '../../schema/api';
import type { AlertMetric } from '../../schema/alerts';
import { SKETCH_RELATIVE_ERROR } from '../histogram';
import { openDatabase } from './db';
import { SqliteStore } from './store';

const NOW = Date.UTC(2026, 5, 15, 11, 37);
const RUNS = 3000;
const db = openDatabase(':memory:');
writeFixture(db, { runs: RUNS, startMs: NOW - RUNS * 120_000, intervalMs: 120_000 });
const common = { ownsDb: false, clock: () => NOW };
/** Sketches everywhere (no exact-percentile budget): both sides read the same rollup sketches. */
const sketched = new SqliteStore(db, { ...common, exactPercentileMaxRows: 0 });
/** Exact percentiles for the tile when the window is small enough; the alert stays on sketches. */
const mixed = new SqliteStore(db, { ...common, exactPercentileMaxRows: 1e9 });
const ctx = { nowMs: NOW, monthlyBudgetUsd: null };
afterAll(() => db.close());

const WINDOWS: [string, Record<string, string>][] = [
  ['1h', { range: '1h' }],
  ['24h', { range: '24h' }],
  ['7d', { range: '7d' }],
  ['ragged', { from: String(NOW - 30 * 3_600_000 - 17 * 60_000), to: String(NOW - 5 * 3_600_000 - 41 * 60_000) }],
];

async function alert(store: SqliteStore, metric: AlertMetric, s: SummaryResponse): Promise<number | null> {
  const [g, ...rest] = await store.metricAggregates({ metric, filters: {}, groupBy: [] }, { fromMs: s.meta.fromMs, toMs: s.meta.toMs });
  expect(rest).toEqual([]);
  return g?.value ?? null;
}

describe('alert metrics and summary tiles', () => {
  it.each(WINDOWS)('give the same cache hit rate, error rate, p95 latency and cost over %s', async (_name, raw) => {
    const s = await sketched.panel('summary', SummaryQuery.parse(raw), ctx);
    const k = s.kpis;
    for (const v of [k.cacheHitRate, k.errorRate, k.latencyP95Ms, k.costUsd]) expect(v.value).not.toBeNull();
    expect(await alert(sketched, 'cache_hit_rate', s)).toBeCloseTo(k.cacheHitRate.value ?? NaN, 9);
    expect(1 - ((await alert(sketched, 'success_rate', s)) ?? NaN)).toBeCloseTo(k.errorRate.value ?? NaN, 9);
    expect(await alert(sketched, 'latency_p95', s)).toBeCloseTo(k.latencyP95Ms.value ?? NaN, 2);
    const hours = (s.meta.toMs - s.meta.fromMs) / 3_600_000;
    expect(((await alert(sketched, 'cost_per_hour', s)) ?? NaN) * hours).toBeCloseTo(k.costUsd.value ?? NaN, 6);
  });

  it.each(WINDOWS)('keep p95 within the sketch error when the tile is exact over %s', async (_name, raw) => {
    const s = await mixed.panel('summary', SummaryQuery.parse(raw), ctx);
    const tile = s.kpis.latencyP95Ms.value ?? NaN;
    const a = (await alert(mixed, 'latency_p95', s)) ?? NaN;
    expect(Math.abs(a - tile)).toBeLessThanOrEqual(tile * 2 * SKETCH_RELATIVE_ERROR + 0.001);
  });
});
