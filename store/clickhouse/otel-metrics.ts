/**
 * OTLP metrics on ClickHouse, in the Collector clickhouseexporter's `otel_metrics_*` tables (one
 * per point type): genscope's own ingest writes rows there in the exporter's shape when it is the
 * writer, and the OTLP metrics panel reads them with the SQLite store's rules
 * (store/otlp-metrics.ts does the series math for both): cumulative series count their last point
 * per series (resource, scope, attributes, start time) and bucket, plus a baseline before the
 * window; a point sent twice (a Collector retry) counts once.
 */
import type { OtlpMetricNamesResponse, OtlpMetricSeriesQuery, OtlpMetricSeriesResponse, ResponseMeta } from '../../schema/api';
import type { MetricPointRecord } from '../../schema/records';
import { QueryError } from '../errors';
import { histogramBuckets, metricSeries, seriesPoint, seriesResponse, temporalityOf } from '../otlp-metrics';
import type { OtlpMetricType, SeriesPoint } from '../otlp-metrics';
import { bucketWindow, resolveWindow } from '../window';
import type { TimeRangeInput } from '../window';
import { meta } from '../sqlite/queries/context';
import type { ChClient } from './client';
import type { ChContext } from './context';
import { OTEL_METRIC_TABLES } from './ddl';
import { attrsFor, parseAttributes } from './otel-rows';

/** As the SQLite reader: a cumulative series' baseline is looked for a day before the window. */
const BASELINE_LOOKBACK_NS = 86_400_000_000_000n;
const MAX_POINTS = 500_000;

type PointType = keyof typeof OTEL_METRIC_TABLES;

/** Nanoseconds as DateTime64(9) input; unset is the epoch, as the exporter writes it. */
const ns = (v: bigint | undefined) => (v === undefined || v === 0n ? '1970-01-01 00:00:00' : v.toString());

/** The exporter's row for one point, in the table of its type. */
function otelMetricRow(p: MetricPointRecord): Record<string, unknown> {
  const service = p.resource['service.name'];
  const row: Record<string, unknown> = {
    ResourceAttributes: attrsFor('map', p.resource),
    ResourceSchemaUrl: '',
    ScopeName: p.scopeName ?? '',
    ScopeVersion: '',
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: typeof service === 'string' ? service : '',
    MetricName: p.name,
    MetricDescription: '',
    MetricUnit: p.unit ?? '',
    Attributes: attrsFor('map', p.attributes),
    StartTimeUnix: ns(p.startTimeNs),
    TimeUnix: ns(p.timeNs),
    Flags: 0,
    'Exemplars.FilteredAttributes': [],
    'Exemplars.TimeUnix': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
  };
  if (p.type === 'sum' || p.type === 'gauge') row.Value = p.value ?? 0;
  if (p.type === 'sum') {
    row.AggregationTemporality = p.temporality ?? 2;
    row.IsMonotonic = p.monotonic ?? false;
  }
  if (p.type === 'histogram' || p.type === 'exp_histogram') {
    // The exporter has no "unset" for min and max: 0 and 0 (read back as unknown).
    Object.assign(row, { Count: p.count ?? 0, Sum: p.sum ?? 0, Min: p.min ?? 0, Max: p.max ?? 0, AggregationTemporality: p.temporality ?? 2 });
  }
  if (p.type === 'histogram') Object.assign(row, { BucketCounts: p.bucketCounts ?? [], ExplicitBounds: p.bounds ?? [] });
  if (p.type === 'exp_histogram') {
    // genscope's layout of an exponential histogram: bounds [scale, zeroCount, positiveOffset, negativeOffset].
    const [scale = 0, zeroCount = 0, positiveOffset = 0, negativeOffset = 0] = p.bounds ?? [];
    Object.assign(row, {
      Scale: scale,
      ZeroCount: zeroCount,
      PositiveOffset: positiveOffset,
      PositiveBucketCounts: p.bucketCounts ?? [],
      NegativeOffset: negativeOffset,
      NegativeBucketCounts: [],
    });
  }
  return row;
}

/** Writes points into the metric tables of their types (one INSERT per type). */
export async function writeOtelMetrics(ch: ChClient, points: readonly MetricPointRecord[]): Promise<void> {
  for (const [type, table] of Object.entries(OTEL_METRIC_TABLES)) {
    const rows = points.filter((p) => p.type === type).map(otelMetricRow);
    await ch.insert(table, rows);
  }
}

/** Which of the Collector's metric tables exist in the database. */
export async function existingMetricTables(ch: ChClient, db: string): Promise<PointType[]> {
  const rows = await ch.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}', {
    db,
    names: Object.values(OTEL_METRIC_TABLES),
  });
  const present = new Set(rows.map((r) => r.name));
  return (Object.keys(OTEL_METRIC_TABLES) as PointType[]).filter((t) => present.has(OTEL_METRIC_TABLES[t]));
}

const F = 'CAST(NULL AS Nullable(Float64))';

/** One table's points in one shape (column names only, no values). */
function pointsOf(db: string, type: PointType): string {
  const common = `MetricName AS name, '${type}' AS type, MetricUnit AS unit, TimeUnix AS time, StartTimeUnix AS start,
    toJSONString(ResourceAttributes) AS res, ScopeName AS scope, toJSONString(Attributes) AS attrs`;
  // Min and Max both 0: the exporter's "unset" (a histogram of zeros reads the same; its quantiles are 0 either way).
  const minMax = 'if(Min = 0 AND Max = 0, NULL, Min) AS min, if(Min = 0 AND Max = 0, NULL, Max) AS max';
  const from = `FROM ${db}.${OTEL_METRIC_TABLES[type]}`;
  switch (type) {
    case 'sum':
      return `SELECT ${common}, toInt32(AggregationTemporality) AS temporality, toNullable(Value) AS value, ${F} AS count, ${F} AS sum,
        ${F} AS min, ${F} AS max, CAST([] AS Array(Float64)) AS bounds, CAST([] AS Array(Float64)) AS counts ${from}`;
    case 'gauge':
      return `SELECT ${common}, toInt32(0) AS temporality, toNullable(Value) AS value, ${F} AS count, ${F} AS sum,
        ${F} AS min, ${F} AS max, CAST([] AS Array(Float64)) AS bounds, CAST([] AS Array(Float64)) AS counts ${from}`;
    case 'histogram':
      return `SELECT ${common}, toInt32(AggregationTemporality) AS temporality, ${F} AS value, toNullable(toFloat64(Count)) AS count,
        toNullable(Sum) AS sum, ${minMax}, ExplicitBounds AS bounds, arrayMap(x -> toFloat64(x), BucketCounts) AS counts ${from}`;
    case 'exp_histogram':
      return `SELECT ${common}, toInt32(AggregationTemporality) AS temporality, ${F} AS value, toNullable(toFloat64(Count)) AS count,
        toNullable(Sum) AS sum, ${minMax}, [toFloat64(Scale), toFloat64(ZeroCount), toFloat64(PositiveOffset), toFloat64(NegativeOffset)] AS bounds,
        arrayMap(x -> toFloat64(x), PositiveBucketCounts) AS counts ${from}`;
  }
}

function allPoints(db: string, tables: readonly PointType[]): string {
  return `(${tables.map((t) => pointsOf(db, t)).join('\nUNION ALL\n')})`;
}


function rawMeta(w: ReturnType<typeof resolveWindow>, bucketSeconds: number | null): ResponseMeta {
  return meta(w, bucketSeconds, 'raw', []);
}

export async function otlpMetricNames(ctx: ChContext, tables: readonly PointType[], q: TimeRangeInput): Promise<OtlpMetricNamesResponse> {
  const w = resolveWindow(q, ctx, '24h');
  if (tables.length === 0) return { meta: rawMeta(w, null), metrics: [] };
  const rows = await ctx.ch.query<{
    name: string; type: OtlpMetricType; unit: string; temporality: number; points: number; series: number; last_ns: string; keys: string[];
  }>(
    `SELECT name, argMax(type, time) AS type, argMax(unit, time) AS unit, argMax(temporality, time) AS temporality,
        countIf(in_window) AS points, uniqExactIf((res, scope, attrs), in_window) AS series,
        toString(toUnixTimestamp64Nano(maxIf(time, in_window))) AS last_ns,
        arraySort(groupUniqArrayArrayIf(JSONExtractKeys(attrs), in_window)) AS keys
      FROM (SELECT *, time >= fromUnixTimestamp64Nano({from:Int64}) AS in_window FROM ${allPoints(ctx.db, tables)})
      WHERE time < fromUnixTimestamp64Nano({to:Int64})
      GROUP BY name HAVING points > 0 ORDER BY name`,
    { from: w.fromNs.toString(), to: w.toNs.toString() },
  );
  return {
    meta: rawMeta(w, null),
    metrics: rows.map((r) => ({
      name: r.name,
      unit: r.unit || null,
      type: r.type,
      temporality: temporalityOf(r.type, Number(r.temporality)),
      series: Number(r.series),
      points: Number(r.points),
      // Whole milliseconds, as the SQLite reader's integer division gives them.
      lastMs: Number(BigInt(r.last_ns) / 1_000_000n),
      attributeKeys: r.keys,
    })),
  };
}

interface PointRow {
  bi: number | null;
  res: string;
  scope: string;
  attrs: string;
  start_ns: string;
  value: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  bounds: number[];
  counts: number[];
}

const POINT_COLUMNS = `res, scope, attrs, toString(toUnixTimestamp64Nano(start)) AS start_ns, value, count, sum, min, max, bounds, counts`;

export async function otlpMetricSeries(ctx: ChContext, tables: readonly PointType[], q: OtlpMetricSeriesQuery): Promise<OtlpMetricSeriesResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const source = tables.length > 0 ? allPoints(ctx.db, tables) : null;
  const name =
    q.name ?? (source ? (await ctx.ch.query<{ name: string }>(`SELECT min(name) AS name FROM ${source} HAVING count() > 0`))[0]?.name : undefined);
  if (name === undefined || !source)
    return { meta: rawMeta(w, bw.bucketSeconds), name: '', unit: null, type: 'sum', temporality: null, valueKind: 'increase', groupBy: null, groups: [], t: bw.t, series: {} };
  const [latest] = await ctx.ch.query<{ type: OtlpMetricType; unit: string; temporality: number }>(
    `SELECT type, unit, temporality FROM ${source} WHERE name = {name:String} AND time < fromUnixTimestamp64Nano({to:Int64}) ORDER BY time DESC LIMIT 1`,
    { name, to: w.toNs.toString() },
  );
  if (!latest) throw new QueryError(404, 'not_found', `no metric named "${q.name}" before the end of the window (see /api/v1/metrics)`, 'name');
  const { type } = latest;
  const temporality = temporalityOf(type, Number(latest.temporality));
  const cumulative = temporality === 'cumulative';
  const first = BigInt(bw.t[0] ?? w.fromMs) * 1_000_000n;
  const stepNs = BigInt(bw.bucketSeconds) * 1_000_000_000n;
  const fromNs = first > w.fromNs ? w.fromNs : first;
  const params = { name, type, first: first.toString(), step: stepNs.toString(), from: fromNs.toString(), to: w.toNs.toString(), max: MAX_POINTS + 1 };
  const where = `name = {name:String} AND type = {type:String}`;
  // Cumulative: the last point per series and bucket; delta and gauge: every point, one per
  // series and instant (a re-sent point is the same point), as the SQLite store's unique index.
  const rows = await ctx.ch.query<PointRow>(
    `SELECT intDiv(toUnixTimestamp64Nano(time) - {first:Int64}, {step:Int64}) AS bi, ${POINT_COLUMNS}
      FROM ${source} WHERE ${where} AND time >= fromUnixTimestamp64Nano({from:Int64}) AND time < fromUnixTimestamp64Nano({to:Int64})
      ORDER BY time DESC LIMIT 1 BY res, scope, attrs, ${cumulative ? 'start, bi' : 'time'} LIMIT {max:UInt32}`,
    params,
  );
  if (rows.length > MAX_POINTS)
    throw new QueryError(400, 'invalid_parameter', `metric "${name}" has more than ${MAX_POINTS} points in the window: choose a shorter range or a larger bucket`, 'range');
  if (cumulative)
    rows.push(
      ...(await ctx.ch.query<PointRow>(
        `SELECT NULL AS bi, ${POINT_COLUMNS} FROM ${source}
          WHERE ${where} AND time >= fromUnixTimestamp64Nano({base:Int64}) AND time < fromUnixTimestamp64Nano({from:Int64})
          ORDER BY time DESC LIMIT 1 BY res, scope, attrs, start`,
        { ...params, base: (fromNs - BASELINE_LOOKBACK_NS).toString() },
      )),
    );

  const stepMs = bw.bucketSeconds * 1000;
  const firstMs = Number(first / 1_000_000n);
  const at = { fromNs, firstMs, stepMs, groupBy: q.groupBy };
  // The exporter writes an unset start time as the epoch.
  const points: SeriesPoint[] = rows.map((r) =>
    seriesPoint(
      {
        bucketIndex: r.bi === null ? null : Number(r.bi),
        resource: r.res,
        scope: r.scope,
        attributesKey: r.attrs,
        attributes: parseAttributes(r.attrs, 'map'),
        startNs: r.start_ns === '0' ? null : BigInt(r.start_ns),
        value: r.value,
        count: r.count,
        sum: r.sum,
        min: r.min,
        max: r.max,
        buckets: type === 'histogram' || type === 'exp_histogram' ? histogramBuckets(type, r.bounds, r.counts) : null,
      },
      at,
    ),
  );
  const bySeries = metricSeries(type, cumulative, points, { t: bw.t, stepMs });
  return seriesResponse({ meta: rawMeta(w, bw.bucketSeconds), name, unit: latest.unit || null, type, groupBy: q.groupBy ?? null, t: bw.t }, temporality, bySeries);
}
