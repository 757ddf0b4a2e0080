/**
 * The OTLP metrics panel: metrics senders exported to /v1/metrics, listed by name and charted per
 * time bucket (store/otlp-metrics.ts says how each type is turned into a series). Reads
 * metric_points through its (name, time_ns, ...) index: one index range per name.
 */
import type {
  OtlpMetricNamesResponse,
  OtlpMetricSeriesQuery,
  OtlpMetricSeriesResponse,
  ResponseMeta,
} from '../../../schema/api';
import { QueryError } from '../../errors';
import { histogramBuckets, metricSeries, seriesPoint, seriesResponse, temporalityOf } from '../../otlp-metrics';
import type { OtlpMetricType, SeriesPoint } from '../../otlp-metrics';
import { bucketWindow, resolveWindow } from '../../window';
import type { TimeRangeInput } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, get } from './sql';
import { parseJsonObject, parseJsonValue } from '../../json';

/** How far before the window a cumulative series' last point is looked for (its baseline). */
const BASELINE_LOOKBACK_NS = 86_400_000_000_000n;
/** Points one answer may read; past it the caller is asked for a shorter range. */
const MAX_POINTS = 500_000;
/** Distinct attribute sets sampled per name for the groupBy choices. */
const ATTRIBUTE_SAMPLE = 200;


function rawMeta(w: ReturnType<typeof resolveWindow>, bucketSeconds: number | null): ResponseMeta {
  return meta(w, bucketSeconds, 'raw', []);
}

export function otlpMetricNames(ctx: QueryContext, q: TimeRangeInput): OtlpMetricNamesResponse {
  const w = resolveWindow(q, ctx, '24h');
  // Distinct names through the index (a skip scan), then one range per name.
  const names = all<{ name: string }>(ctx.db, { sql: 'SELECT DISTINCT name FROM metric_points ORDER BY name', params: [] });
  const metrics: OtlpMetricNamesResponse['metrics'] = [];
  for (const { name } of names) {
    const stats = get<{ points: number; series: number; last_ms: number | null }>(ctx.db, {
      sql: `SELECT count(*) AS points, count(DISTINCT ifnull(resource_id, '') || '|' || ifnull(scope_name, '') || '|' || attributes) AS series,
          max(time_ns) / 1000000 AS last_ms
        FROM metric_points WHERE name = ? AND time_ns >= ? AND time_ns < ?`,
      params: [name, w.fromNs, w.toNs],
    });
    if (!stats || stats.points === 0 || stats.last_ms === null) continue;
    const latest = get<{ type: OtlpMetricType; unit: string | null; temporality: number | null }>(ctx.db, {
      sql: 'SELECT type, unit, temporality FROM metric_points WHERE name = ? AND time_ns < ? ORDER BY time_ns DESC LIMIT 1',
      params: [name, w.toNs],
    });
    if (!latest) continue;
    const keys = new Set<string>();
    for (const r of all<{ attributes: string }>(ctx.db, {
      sql: 'SELECT DISTINCT attributes FROM metric_points WHERE name = ? AND time_ns >= ? AND time_ns < ? LIMIT ?',
      params: [name, w.fromNs, w.toNs, ATTRIBUTE_SAMPLE],
    }))
      for (const k of Object.keys(parseJsonObject(r.attributes))) keys.add(k);
    metrics.push({
      name,
      unit: latest.unit,
      type: latest.type,
      temporality: temporalityOf(latest.type, latest.temporality),
      series: stats.series,
      points: stats.points,
      lastMs: stats.last_ms,
      attributeKeys: [...keys].sort(),
    });
  }
  return { meta: rawMeta(w, null), metrics };
}

interface PointRow {
  bi: number | null;
  resource_id: number | null;
  scope_name: string | null;
  attributes: string;
  start_time_ns: bigint | number | null;
  value: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  bounds: string | null;
  bucket_counts: string | null;
}

function numbers(json: string | null): number[] | null {
  const v = parseJsonValue(json);
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
}

const POINT_COLUMNS = 'resource_id, scope_name, attributes, start_time_ns, value, count, sum, min, max, bounds, bucket_counts';
const SERIES_KEY = 'resource_id, scope_name, attributes, start_time_ns';

export function otlpMetricSeries(ctx: QueryContext, q: OtlpMetricSeriesQuery): OtlpMetricSeriesResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  // No name: the first one stored (an index skip scan), so the endpoint answers with no parameters.
  const name = q.name ?? get<{ name: string }>(ctx.db, { sql: 'SELECT name FROM metric_points ORDER BY name LIMIT 1', params: [] })?.name;
  if (name === undefined)
    return { meta: rawMeta(w, bw.bucketSeconds), name: '', unit: null, type: 'sum', temporality: null, valueKind: 'increase', groupBy: null, groups: [], t: bw.t, series: {} };
  q = { ...q, name };
  const latest = get<{ type: OtlpMetricType; unit: string | null; temporality: number | null }>(ctx.db, {
    sql: 'SELECT type, unit, temporality FROM metric_points WHERE name = ? AND time_ns < ? ORDER BY time_ns DESC LIMIT 1',
    params: [name, w.toNs],
  });
  if (!latest) throw new QueryError(404, 'not_found', `no metric named "${q.name}" before the end of the window (see /api/v1/metrics)`, 'name');
  const { type } = latest;
  const temporality = temporalityOf(type, latest.temporality);
  const cumulative = temporality === 'cumulative';
  const first = BigInt(bw.t[0] ?? w.fromMs) * 1_000_000n;
  const stepNs = BigInt(bw.bucketSeconds) * 1_000_000_000n;
  const fromNs = first > w.fromNs ? w.fromNs : first;

  // Cumulative: the last point per series and bucket (re-sent points and shutdown exports then
  // count once), plus each series' last point before the window as its baseline.
  const inWindow = cumulative
    ? `SELECT * FROM (SELECT (time_ns - ?) / ? AS bi, ${POINT_COLUMNS},
          row_number() OVER (PARTITION BY ${SERIES_KEY}, (time_ns - ?) / ? ORDER BY time_ns DESC, id DESC) AS rn
        FROM metric_points WHERE name = ? AND time_ns >= ? AND time_ns < ? AND type = ?) WHERE rn = 1 LIMIT ?`
    : `SELECT (time_ns - ?) / ? AS bi, ${POINT_COLUMNS} FROM metric_points
        WHERE name = ? AND time_ns >= ? AND time_ns < ? AND type = ? LIMIT ?`;
  const params = cumulative
    ? [first, stepNs, first, stepNs, name, fromNs, w.toNs, type, MAX_POINTS + 1]
    : [first, stepNs, name, fromNs, w.toNs, type, MAX_POINTS + 1];
  const rows = all<PointRow>(ctx.db, { sql: inWindow, params });
  if (rows.length > MAX_POINTS)
    throw new QueryError(400, 'invalid_parameter', `metric "${name}" has more than ${MAX_POINTS} points in the window: choose a shorter range or a larger bucket`, 'range');
  if (cumulative)
    rows.push(
      ...all<PointRow>(ctx.db, {
        sql: `SELECT * FROM (SELECT NULL AS bi, ${POINT_COLUMNS},
            row_number() OVER (PARTITION BY ${SERIES_KEY} ORDER BY time_ns DESC, id DESC) AS rn
          FROM metric_points WHERE name = ? AND time_ns >= ? AND time_ns < ? AND type = ?) WHERE rn = 1`,
        params: [name, fromNs - BASELINE_LOOKBACK_NS, fromNs, type],
      }),
    );

  const stepMs = bw.bucketSeconds * 1000;
  const firstMs = Number(first / 1_000_000n);
  const at = { fromNs, firstMs, stepMs, groupBy: q.groupBy };
  const points: SeriesPoint[] = rows.map((r) =>
    seriesPoint(
      {
        bucketIndex: r.bi === null ? null : Number(r.bi),
        resource: String(r.resource_id ?? ''),
        scope: r.scope_name ?? '',
        attributesKey: r.attributes,
        attributes: parseJsonObject(r.attributes),
        startNs: r.start_time_ns === null ? null : BigInt(r.start_time_ns),
        value: r.value,
        count: r.count,
        sum: r.sum,
        min: r.min,
        max: r.max,
        buckets: histogramBuckets(type, numbers(r.bounds), numbers(r.bucket_counts)),
      },
      at,
    ),
  );
  const bySeries = metricSeries(type, cumulative, points, { t: bw.t, stepMs });
  return seriesResponse({ meta: rawMeta(w, bw.bucketSeconds), name, unit: latest.unit, type, groupBy: q.groupBy ?? null, t: bw.t }, temporality, bySeries);
}
