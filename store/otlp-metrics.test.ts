import { bucketQuantile, histogramBuckets, metricSeries } from './otlp-metrics';
import type { SeriesPoint } from './otlp-metrics';

const layout = { t: [0, 1000, 2000, 3000], stepMs: 1000 };

function p(bucketMs: number | null, value: number, over: Partial<SeriesPoint> = {}): SeriesPoint {
  return { bucketMs, series: 's1', group: '', startsInWindow: false, value, count: null, sum: null, min: null, max: null, buckets: null, ...over };
}

describe('metricSeries: cumulative sums', () => {
  test('differences against the baseline before the window; a repeated last point adds nothing', () => {
    const s = metricSeries('sum', true, [p(null, 10), p(0, 15), p(1000, 15), p(2000, 22)], layout);
    expect(s.get('')?.values).toEqual([5, 0, 7, null]);
  });

  test('a series starting in the window counts from zero; one starting before it without a baseline does not', () => {
    const fresh = metricSeries('sum', true, [p(0, 4, { startsInWindow: true }), p(1000, 9, { startsInWindow: true })], layout);
    expect(fresh.get('')?.values).toEqual([4, 5, null, null]);
    const old = metricSeries('sum', true, [p(0, 100), p(1000, 103)], layout);
    expect(old.get('')?.values).toEqual([null, 3, null, null]);
  });

  test('a restart (new start time: another series) and a total that went down both count from zero', () => {
    const s = metricSeries(
      'sum',
      true,
      [p(null, 50), p(0, 60), p(1000, 2, { series: 's2', startsInWindow: true }), p(2000, 70), p(3000, 5)],
      layout,
    );
    // s1: +10, +10, then 5 < 70: a reset, 5 counted. s2: 2 from its start.
    expect(s.get('')?.values).toEqual([10, 2, 10, 5]);
  });

  test('groups are kept apart', () => {
    const s = metricSeries('sum', true, [p(null, 1, { group: 'a' }), p(0, 3, { group: 'a' }), p(null, 1, { series: 'b', group: 'b' }), p(0, 11, { series: 'b', group: 'b' })], layout);
    expect(s.get('a')?.values[0]).toBe(2);
    expect(s.get('b')?.values[0]).toBe(10);
  });
});

test('delta sums add up and gauges average', () => {
  expect(metricSeries('sum', false, [p(0, 2), p(0, 3), p(2000, 1)], layout).get('')?.values).toEqual([5, null, 1, null]);
  expect(metricSeries('gauge', false, [p(0, 2), p(0, 4)], layout).get('')?.values).toEqual([3, null, null, null]);
});

describe('histograms', () => {
  test('explicit buckets: the last is unbounded; quantiles interpolate and clamp to min/max', () => {
    const b = histogramBuckets('histogram', [1, 2, 4], [0, 10, 0, 0]);
    expect([...(b ?? new Map<number, number>())]).toEqual([[1, 0], [2, 10], [4, 0], [Infinity, 0]]);
    // All ten values in (1, 2]: the median interpolates to 1.5.
    expect(bucketQuantile(b ?? new Map(), 0.5, null, null)).toBeCloseTo(1.5, 9);
    expect(bucketQuantile(b ?? new Map(), 0.5, 1.7, 1.9)).toBe(1.7);
    const tail = histogramBuckets('histogram', [1], [0, 4]);
    expect(bucketQuantile(tail ?? new Map(), 0.99, null, 9)).toBeCloseTo(1 + 8 * 0.99, 9);
  });

  test('exponential buckets map to their upper bounds base^(offset+i+1), zeros under 0', () => {
    // scale 0: base 2; offset 1: buckets (2,4], (4,8]
    const b = histogramBuckets('exp_histogram', [0, 3, 1, 0], [5, 5]);
    expect([...(b ?? new Map<number, number>())]).toEqual([
      [0, 3],
      [2, 0],
      [4, 5],
      [8, 5],
    ]);
    expect(bucketQuantile(b ?? new Map(), 0.1, 0, null)).toBe(0);
  });

  test('cumulative histograms are differenced bucket by bucket', () => {
    const before = histogramBuckets('histogram', [1, 2], [1, 1, 0]);
    const after = histogramBuckets('histogram', [1, 2], [1, 4, 2]);
    const s = metricSeries(
      'histogram',
      true,
      [p(null, 0, { value: null, count: 2, sum: 2, buckets: before }), p(0, 0, { value: null, count: 8, sum: 12, buckets: after })],
      layout,
    );
    expect(s.get('')?.values[0]).toBe(6);
    expect(s.get('')?.sum?.[0]).toBe(10);
    // 3 values in (1,2], 2 in (2,inf) with no max known: the p50 lies in (1,2].
    const p50 = s.get('')?.p50?.[0] ?? 0;
    expect(p50).toBeGreaterThan(1);
    expect(p50).toBeLessThanOrEqual(2);
  });
});
