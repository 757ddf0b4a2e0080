/**
 * OTLP metrics on both stores: the same data points (cumulative and delta sums, a gauge, explicit
 * and exponential histograms; re-sent points, a restart with a new start time, a series that began
 * before the window) written through each store's writeMetricPoints (SQLite: metric_points;
 * ClickHouse: the Collector's otel_metrics_* tables in the exporter's row shapes) give the same
 * metric list and the same series per bucket and group.
 */
import { OtlpMetricNamesQuery, OtlpMetricSeriesQuery } from '../../schema/api';
import type { MetricPointRecord } from '../../schema/records';
import type { SqliteStore } from '../../store';
import type { ClickHouseStore } from '../../store/clickhouse/store';
import { openEmptyStores } from './empty-stores';

jest.setTimeout(180_000);

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MIN = 60_000;
const ctx = { nowMs: NOW, monthlyBudgetUsd: null };
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const resource = { 'service.name': 'pipeline', 'host.name': 'w1' };

function points(): MetricPointRecord[] {
  const out: MetricPointRecord[] = [];
  const base = (name: string, type: MetricPointRecord['type'], timeMs: number, attributes: MetricPointRecord['attributes']) => ({
    name,
    type,
    resource,
    scopeName: 'genscope.test',
    attributes,
    timeNs: ns(timeMs),
  });
  // Cumulative counter, two routes, from 30 hours ago (the window's baseline is before it), one
  // restart with a new start time, and every point re-sent once (as at shutdown).
  for (const route of ['a', 'b']) {
    let total = 0;
    let start = NOW - 30 * 60 * MIN;
    for (let m = 30 * 60; m >= 0; m -= 7) {
      const t = NOW - m * MIN - 1000;
      if (m === 300 && route === 'a') {
        start = t - 1;
        total = 0;
      }
      total += route === 'a' ? 3 : (m % 5) + 1;
      const p: MetricPointRecord = { ...base('requests', 'sum', t, { route, code: 200 }), unit: '{request}', monotonic: true, temporality: 2, startTimeNs: ns(start), value: total };
      out.push(p, { ...p });
    }
  }
  // Delta sum with a duplicate and an integer attribute to group by.
  for (let m = 600; m >= 0; m -= 10) {
    const p: MetricPointRecord = { ...base('tokens', 'sum', NOW - m * MIN - 500, { tier: m % 20 === 0 ? 1 : 2 }), unit: '{token}', temporality: 1, monotonic: true, value: 100 + (m % 37) };
    out.push(p);
    if (m % 50 === 0) out.push({ ...p });
  }
  // Gauge.
  for (let m = 300; m >= 0; m -= 3)
    out.push({ ...base('queue.depth', 'gauge', NOW - m * MIN - 200, { queue: m % 2 === 0 ? 'fast' : 'slow' }), value: (m * 7) % 23 });
  // Cumulative explicit histogram with min and max; one without them.
  let counts = [0, 0, 0, 0];
  let sum = 0;
  let count = 0;
  for (let m = 600; m >= 0; m -= 5) {
    counts = counts.map((c, i) => c + ((m + i) % 4));
    count = counts.reduce((a, b) => a + b, 0);
    sum += (m % 9) * 40;
    out.push({ ...base('latency', 'histogram', NOW - m * MIN - 300, {}), unit: 'ms', temporality: 2, startTimeNs: ns(NOW - 601 * MIN), count, sum, min: 2, max: 900, bounds: [10, 100, 500], bucketCounts: counts });
    out.push({ ...base('size', 'histogram', NOW - m * MIN - 300, {}), unit: 'By', temporality: 1, count: 3, sum: 120, bounds: [10, 100], bucketCounts: [1, 1, 1] });
  }
  // Delta exponential histogram (genscope's layout: bounds [scale, zeroCount, positiveOffset, negativeOffset]).
  for (let m = 240; m >= 0; m -= 4)
    out.push({ ...base('wait', 'exp_histogram', NOW - m * MIN - 100, { pool: 'x' }), unit: 's', temporality: 1, count: 7, sum: 30, min: 0.5, max: 12, bounds: [1, 1, 0, 0], bucketCounts: [1, 2, 2, 1] });
  return out;
}

describe('OTLP metrics: the ClickHouse store (otel_metrics_*) answers as the SQLite store', () => {
  let sqlite: SqliteStore;
  let ch: ClickHouseStore;

  beforeAll(async () => {
    ({ sqlite, ch } = await openEmptyStores(NOW));
    const all = points();
    // Two batches, the second a retry of part of the first.
    for (const batch of [all, all.slice(0, 200)]) {
      const s = await sqlite.writeMetricPoints(batch);
      const c = await ch.writeMetricPoints(batch);
      expect([c.accepted, c.rejected]).toEqual([s.accepted, s.rejected]);
    }
  });
  afterAll(async () => {
    await ch?.close();
    await sqlite?.close();
  });

  it.each(['24h', '1h', '7d'])('lists the same metrics over %s', async (range) => {
    const q = OtlpMetricNamesQuery.parse({ range });
    const s = await sqlite.otlpMetricNames(q, ctx);
    const c = await ch.otlpMetricNames(q, ctx);
    // Points in the window count stored rows: SQLite stores a re-sent point once, the Collector's
    // table keeps each copy (the series math counts it once on both).
    const shape = (r: typeof s) => r.metrics.map(({ points: _p, ...m }) => m);
    expect(shape(c)).toEqual(shape(s));
    expect(c.meta).toEqual(s.meta);
    expect(s.metrics.length).toBeGreaterThanOrEqual(range === '1h' ? 5 : 6);
  });

  it.each<[string, Record<string, string>]>([
    ['requests', { bucket: '3600' }],
    ['requests', { bucket: '600', groupBy: 'route', range: '6h' }],
    ['requests', { bucket: '3600', groupBy: 'code', range: '7d' }],
    ['tokens', { bucket: '3600', groupBy: 'tier' }],
    ['queue.depth', { bucket: '900', groupBy: 'queue', range: '6h' }],
    ['latency', { bucket: '3600' }],
    ['size', { bucket: '1800', range: '12h' }],
    ['wait', { bucket: '1800', groupBy: 'pool', range: '6h' }],
    ['', {}],
  ])('charts %s %j as SQLite does', async (name, raw) => {
    const q = OtlpMetricSeriesQuery.parse({ ...(name ? { name } : {}), ...raw });
    const s = await sqlite.otlpMetricSeries(q, ctx);
    const c = await ch.otlpMetricSeries(q, ctx);
    expect(c).toEqual(s);
    expect(Object.values(s.series).some((x) => x.values.some((v) => v !== null && v !== 0))).toBe(true);
  });

  it('answers 404 for a metric never sent, on both', async () => {
    const q = OtlpMetricSeriesQuery.parse({ name: 'no.such.metric' });
    await expect(sqlite.otlpMetricSeries(q, ctx)).rejects.toMatchObject({ status: 404 });
    await expect(ch.otlpMetricSeries(q, ctx)).rejects.toMatchObject({ status: 404 });
  });
});
