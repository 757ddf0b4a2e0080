/**
 * OTLP metrics as chart series: the pure part of the OTLP metrics panel (tested without SQLite).
 *
 * Points arrive as the senders' SDKs export them: sums and histograms are cumulative (a running
 * total since the series' start time, re-sent every export interval and once more at shutdown) or
 * delta (each point counts its interval only); gauges are samples. Per time bucket this gives:
 * - sums: what was added in the bucket. Delta points are added up; cumulative series count the
 *   difference of their last point in the bucket and their last point before it, per series and
 *   start time, so a re-sent point or one more export at shutdown counts nothing twice and a new
 *   start time (a restart) begins a new series;
 * - gauges: the mean of the samples;
 * - histograms: the count and sum added in the bucket and p50/p95/p99 interpolated within the
 *   merged buckets (explicit and exponential alike), cumulative ones differenced as sums are.
 */

import type { OtlpMetricSeriesResponse, ResponseMeta } from '../schema/api';

export type OtlpMetricType = 'sum' | 'gauge' | 'histogram' | 'exp_histogram';

/** OTLP AggregationTemporality (1 delta, 2 cumulative) as the API names it; null for gauges. */
export function temporalityOf(type: OtlpMetricType, t: number | null): 'delta' | 'cumulative' | null {
  if (type === 'gauge') return null;
  return t === 1 ? 'delta' : 'cumulative';
}

/** The series answer from the per-group series, groups largest first (both stores). */
export function seriesResponse(
  head: { meta: ResponseMeta; name: string; unit: string | null; type: OtlpMetricType; groupBy: string | null; t: number[] },
  temporality: 'delta' | 'cumulative' | null,
  bySeries: Map<string, MetricBucketSeries>,
): OtlpMetricSeriesResponse {
  const size = (g: string): number => (bySeries.get(g)?.values ?? []).reduce<number>((a, v) => a + Math.abs(v ?? 0), 0);
  const groups = [...bySeries.keys()].sort((a, b) => size(b) - size(a) || a.localeCompare(b));
  return {
    meta: head.meta,
    name: head.name,
    unit: head.unit,
    type: head.type,
    temporality,
    valueKind: head.type === 'gauge' ? 'mean' : head.type === 'sum' ? 'increase' : 'count',
    groupBy: head.groupBy,
    groups,
    t: head.t,
    series: Object.fromEntries(groups.map((g) => [g, bySeries.get(g) ?? { values: [] }])),
  };
}

/** One stored point, the last of its series in its bucket (or the baseline before the window). */
export interface SeriesPoint {
  /** Bucket start (ms); null for a baseline point from before the window. */
  bucketMs: number | null;
  /** Identifies the series: resource, scope, attributes and start time. */
  series: string;
  /** The value of the groupBy attribute ('' when not grouped or absent). */
  group: string;
  /** The series' start time is inside the window: its first point counts from zero. */
  startsInWindow: boolean;
  value: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  /** Upper bounds -> counts, as `histogramBuckets` gives them. */
  buckets: Map<number, number> | null;
}

/** A delta point (or gauge sample), any number per bucket and series. */
export type DeltaPoint = SeriesPoint;

/** One stored point as both stores read it: the row's columns, already in JS types. */
export interface StoredPoint extends Pick<SeriesPoint, 'value' | 'count' | 'sum' | 'min' | 'max' | 'buckets'> {
  /** Bucket index from the window's first bucket; null for a baseline point. */
  bucketIndex: number | null;
  /** The series key's parts that are not attributes or start time (resource, scope). */
  resource: string;
  scope: string;
  /** The point's attributes as stored (the series key) and parsed. */
  attributesKey: string;
  attributes: Record<string, unknown>;
  startNs: bigint | null;
}

/** A stored point as a SeriesPoint of the window starting at fromNs (buckets of stepMs from firstMs). */
export function seriesPoint(
  p: StoredPoint,
  w: { fromNs: bigint; firstMs: number; stepMs: number; groupBy: string | undefined },
): SeriesPoint {
  const g = w.groupBy !== undefined ? p.attributes[w.groupBy] : undefined;
  return {
    bucketMs: p.bucketIndex === null ? null : w.firstMs + p.bucketIndex * w.stepMs,
    series: `${p.resource}|${p.scope}|${p.attributesKey}|${p.startNs ?? ''}`,
    group: g === undefined || g === null ? '' : typeof g === 'string' ? g : JSON.stringify(g),
    startsInWindow: p.startNs !== null && p.startNs >= w.fromNs,
    value: p.value,
    count: p.count,
    sum: p.sum,
    min: p.min,
    max: p.max,
    buckets: p.buckets,
  };
}


export interface MetricBucketSeries {
  /** sum: added in the bucket; gauge: mean; histogram: count added. null where nothing was sent. */
  values: (number | null)[];
  /** Histograms only. */
  sum?: (number | null)[];
  p50?: (number | null)[];
  p95?: (number | null)[];
  p99?: (number | null)[];
}

/**
 * Histogram buckets as upper bound -> count. Explicit: `bounds` has the n upper bounds and counts
 * n + 1 entries (the last bucket is unbounded, stored under +Infinity). Exponential (genscope
 * stores [scale, zeroCount, positiveOffset, negativeOffset] as bounds and the positive counts):
 * bucket i has upper bound base^(offset + i + 1) with base = 2^(2^-scale); zero counts under 0.
 * Negative values (rare for durations and sizes) are not charted.
 */
export function histogramBuckets(type: OtlpMetricType, bounds: readonly number[] | null, counts: readonly number[] | null): Map<number, number> | null {
  if (!bounds || !counts) return null;
  const out = new Map<number, number>();
  // Empty buckets are kept: a bucket's lower bound is the upper bound of the one before it.
  const add = (upper: number, n: number): void => {
    out.set(upper, (out.get(upper) ?? 0) + n);
  };
  if (type === 'histogram') {
    counts.forEach((n, i) => add(i < bounds.length ? (bounds[i] as number) : Infinity, n));
    return out;
  }
  const [scale = 0, zeroCount = 0, offset = 0] = bounds;
  const base = 2 ** (2 ** -scale);
  if (zeroCount > 0) add(0, zeroCount);
  add(base ** offset, 0);
  counts.forEach((n, i) => add(base ** (offset + i + 1), n));
  return out;
}

/** The q-quantile of merged buckets, interpolated linearly within its bucket (clamped to min/max). */
export function bucketQuantile(buckets: Map<number, number>, q: number, min: number | null, max: number | null): number | null {
  const uppers = [...buckets.keys()].sort((a, b) => a - b);
  const total = uppers.reduce((a, u) => a + (buckets.get(u) ?? 0), 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  let lower = min !== null && Number.isFinite(min) ? Math.min(min, uppers[0] ?? min) : Math.min(0, uppers[0] ?? 0);
  for (const upper of uppers) {
    const n = buckets.get(upper) ?? 0;
    if (seen + n >= rank && n > 0) {
      const hi = Number.isFinite(upper) ? upper : (max ?? lower);
      const v = lower + (hi - lower) * ((rank - seen) / n);
      return clamp(v, min, max);
    }
    seen += n;
    if (Number.isFinite(upper)) lower = upper;
  }
  return clamp(lower, min, max);
}

function clamp(v: number, min: number | null, max: number | null): number {
  let out = v;
  if (min !== null && out < min) out = min;
  if (max !== null && out > max) out = max;
  return out;
}

interface Acc {
  value: number;
  n: number;
  sum: number;
  hasSum: boolean;
  min: number | null;
  max: number | null;
  buckets: Map<number, number> | null;
}

function emptyAcc(): Acc {
  return { value: 0, n: 0, sum: 0, hasSum: false, min: null, max: null, buckets: null };
}

function addBuckets(into: Acc, buckets: Map<number, number> | null, sign = 1): void {
  if (!buckets) return;
  into.buckets ??= new Map();
  for (const [u, n] of buckets) into.buckets.set(u, (into.buckets.get(u) ?? 0) + sign * n);
}

/** cur - prev, bucket by bucket; null when the shapes differ in a way that can only be a reset. */
function diffBuckets(cur: Map<number, number> | null, prev: Map<number, number> | null): Map<number, number> | null {
  if (!cur) return null;
  if (!prev) return cur;
  const out = new Map<number, number>();
  for (const [u, n] of cur) {
    const d = n - (prev.get(u) ?? 0);
    if (d < 0) return null;
    out.set(u, d);
  }
  return out;
}

/** What one point adds to its bucket. */
interface Increase {
  value: number;
  sum: number | null;
  buckets: Map<number, number> | null;
}

/** The increase of a cumulative point over the previous one of its series; the point itself after a reset. */
function increase(cur: SeriesPoint, prev: SeriesPoint | null): Increase {
  const whole = { value: cur.value ?? cur.count ?? 0, sum: cur.sum, buckets: cur.buckets };
  if (!prev) return whole;
  const value = (cur.value ?? cur.count ?? 0) - (prev.value ?? prev.count ?? 0);
  const buckets = diffBuckets(cur.buckets, prev.buckets);
  // A total that went down means the series restarted without a new start time.
  if (value < 0 || (cur.buckets && !buckets)) return whole;
  return { value, sum: cur.sum !== null && prev.sum !== null ? cur.sum - prev.sum : cur.sum, buckets };
}

export interface BucketLayout {
  /** Bucket starts (ms), ascending, equally spaced. */
  t: readonly number[];
  stepMs: number;
}

function indexOf(layout: BucketLayout, ms: number): number {
  const first = layout.t[0] ?? 0;
  const i = Math.floor((ms - first) / layout.stepMs);
  return i >= 0 && i < layout.t.length ? i : -1;
}

/**
 * Per-group series over the buckets. `cumulative` points are the last point per series and bucket
 * (plus at most one baseline per series with bucketMs null); delta points and gauge samples come
 * as they are.
 */
export function metricSeries(
  type: OtlpMetricType,
  cumulative: boolean,
  points: readonly SeriesPoint[],
  layout: BucketLayout,
): Map<string, MetricBucketSeries> {
  const accs = new Map<string, Acc[]>();
  const accFor = (group: string, i: number): Acc => {
    let list = accs.get(group);
    if (!list) {
      list = layout.t.map(() => emptyAcc());
      accs.set(group, list);
    }
    return list[i] as Acc;
  };

  const contribute = (p: SeriesPoint, inc: Increase): void => {
    const i = indexOf(layout, p.bucketMs ?? -Infinity);
    if (i < 0) return;
    const a = accFor(p.group, i);
    a.value += inc.value;
    a.n++;
    if (inc.sum !== null) {
      a.sum += inc.sum;
      a.hasSum = true;
    }
    if (p.min !== null) a.min = a.min === null ? p.min : Math.min(a.min, p.min);
    if (p.max !== null) a.max = a.max === null ? p.max : Math.max(a.max, p.max);
    addBuckets(a, inc.buckets);
  };

  if (cumulative && type !== 'gauge') {
    const bySeries = new Map<string, SeriesPoint[]>();
    for (const p of points) {
      const list = bySeries.get(p.series) ?? [];
      list.push(p);
      bySeries.set(p.series, list);
    }
    for (const list of bySeries.values()) {
      // The baseline (bucketMs null) first, then bucket order.
      list.sort((a, b) => (a.bucketMs ?? -Infinity) - (b.bucketMs ?? -Infinity));
      let prev: SeriesPoint | null = null;
      for (const p of list) {
        if (p.bucketMs === null) {
          prev = p;
          continue;
        }
        // A series that began before the window with no point before it: its first point is the
        // baseline (what it added before that is not in the window's data).
        if (prev === null && !p.startsInWindow) {
          prev = p;
          continue;
        }
        contribute(p, increase(p, prev));
        prev = p;
      }
    }
  } else {
    for (const p of points) contribute(p, { value: p.value ?? p.count ?? 0, sum: p.sum, buckets: p.buckets });
  }

  const out = new Map<string, MetricBucketSeries>();
  const isHistogram = type === 'histogram' || type === 'exp_histogram';
  for (const [group, list] of accs) {
    const s: MetricBucketSeries = {
      values: list.map((a) => (a.n === 0 ? null : type === 'gauge' ? a.value / a.n : a.value)),
    };
    if (isHistogram) {
      s.sum = list.map((a) => (a.n === 0 || !a.hasSum ? null : a.sum));
      s.p50 = list.map((a) => (a.buckets ? bucketQuantile(a.buckets, 0.5, a.min, a.max) : null));
      s.p95 = list.map((a) => (a.buckets ? bucketQuantile(a.buckets, 0.95, a.min, a.max) : null));
      s.p99 = list.map((a) => (a.buckets ? bucketQuantile(a.buckets, 0.99, a.min, a.max) : null));
    }
    out.set(group, s);
  }
  return out;
}
