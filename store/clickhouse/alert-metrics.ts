/**
 * The alert metric reader on ClickHouse: a rule's metric per group (and per bucket) over a range,
 * aggregated in SQL over genscope's extracted rows, and raw samples for the statistical tests.
 * Latency percentiles are exact here (quantileExactInclusive); the SQLite store reads them from
 * its rollup sketches (within 1 %). Units: latency ms, cost USD, rates and scores 0..1.
 */
import type { AlertDimension, AlertFilters, AlertLabels } from '../../schema/alerts';
import { RUN_STAGE } from '../../schema/names';
import { seriesKey } from '../sqlite/alert-metrics';
import type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from '../types';
import type { ChContext } from './context';
import { and, num, Params } from './sql';

const HOUR_MILLIS = 3_600_000;
const DAY_MILLIS = 86_400_000;

type Table = 'scores' | 'spans' | 'model_calls' | 'cache';

const TABLES: Record<
  Table,
  { table: string; time: string; cols: Partial<Record<AlertDimension, string>>; base: string }
> = {
  scores: {
    table: 'genscope_scores',
    time: 'time',
    cols: { score: 'name', component_type: "ifNull(component_type, '')", model: "ifNull(model, '')" },
    base: 'value IS NOT NULL',
  },
  spans: {
    table: 'genscope_spans',
    time: 'start',
    cols: {
      component_type: "ifNull(component_type, '')",
      model: "ifNull(model, '')",
      stage: "ifNull(stage, '')",
      service: "ifNull(service_name, '')",
    },
    base: "role IN ('run', 'stage')",
  },
  model_calls: {
    table: 'genscope_model_calls',
    time: 'time',
    cols: { component_type: "ifNull(component_type, '')", model: "ifNull(response_model, '')" },
    base: '1',
  },
  // The cache lookups the performance-cache panel counts (as the SQLite store's alerts read its
  // cache rollups): an alert and the tile agree.
  cache: {
    table: 'genscope_cache_lookups',
    time: 'time',
    cols: { component_type: "ifNull(component_type, '')", stage: "ifNull(stage, '')" },
    base: '1',
  },
};

const FILTER_DIMENSION: Record<keyof AlertFilters, AlertDimension> = {
  score: 'score',
  componentType: 'component_type',
  model: 'model',
  stage: 'stage',
  service: 'service',
};

/** Spans start up to this long before the scores, calls and cache lookups recorded in them. */
const SPAN_LOOKBACK_NS = 3_600_000_000_000n;

function tableOf(scope: MetricScope): Table {
  if (scope.metric === 'quality_score') return 'scores';
  if (scope.metric === 'cost_per_hour' || scope.metric === 'cost_per_day') return 'model_calls';
  if (scope.metric === 'cache_hit_rate') return 'cache';
  return 'spans';
}

/** Metrics read from pipeline spans default to the end-to-end run stage, as in the SQLite store. */
function effectiveFilters(scope: MetricScope): AlertFilters {
  const f = { ...scope.filters };
  const spanMetric = scope.metric === 'success_rate' || scope.metric.startsWith('latency_');
  if (scope.metric === 'cost_per_run') f.stage = RUN_STAGE;
  else if (spanMetric && f.stage === undefined && !scope.groupBy.includes('stage')) f.stage = RUN_STAGE;
  return f;
}

/** Aggregates: `a` (the metric's numerator or the value itself for latency) and `n` (data points). */
function measures(scope: MetricScope): string {
  switch (scope.metric) {
    case 'quality_score':
      return 'sum(value) AS a, count() AS n';
    case 'cost_per_hour':
    case 'cost_per_day':
      return 'sum(ifNull(cost_usd, 0)) AS a, count() AS n';
    case 'cache_hit_rate':
      return 'toFloat64(sum(hit)) AS a, count() AS n';
    case 'success_rate':
      return 'toFloat64(countIf(status_code = 2)) AS a, count() AS n';
    case 'cost_per_run':
      return 'sum(ifNull(cost_usd, 0)) AS a, count() AS n';
    case 'latency_mean':
      return 'sum(duration_ns) / 1e6 AS a, count() AS n';
    case 'latency_p50':
      return 'quantileExactInclusive(0.5)(duration_ns / 1e6) AS a, count() AS n';
    case 'latency_p95':
      return 'quantileExactInclusive(0.95)(duration_ns / 1e6) AS a, count() AS n';
    default:
      return 'quantileExactInclusive(0.99)(duration_ns / 1e6) AS a, count() AS n';
  }
}

function valueOf(scope: MetricScope, a: number, n: number, spanMillis: number): number | null {
  if (n <= 0) return null;
  switch (scope.metric) {
    case 'success_rate':
      return 1 - a / n;
    case 'cost_per_hour':
      return a / (spanMillis / HOUR_MILLIS);
    case 'cost_per_day':
      return a / (spanMillis / DAY_MILLIS);
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
      return a;
    default:
      return a / n;
  }
}

interface Built {
  p: Params;
  from: string;
  where: string;
  dims: string[];
}

function build(scope: MetricScope, range: TimeRange, db: string, scoreFilter = true): Built {
  const table = tableOf(scope);
  const t = TABLES[table];
  const p = new Params();
  const fromNs = BigInt(Math.floor(range.fromMs)) * 1_000_000n;
  const toNs = BigInt(Math.floor(range.toMs)) * 1_000_000n;
  const conds = [t.base, `${t.time} >= ${p.ns(fromNs)}`, `${t.time} < ${p.ns(toNs)}`];
  const filters = effectiveFilters(scope);
  let from = `${db}.${t.table}`;
  for (const [key, value] of Object.entries(filters) as [keyof AlertFilters, string | undefined][]) {
    if (value === undefined || (!scoreFilter && key === 'score') || (key === 'service' && t.cols.service === undefined)) continue;
    const col = t.cols[FILTER_DIMENSION[key]];
    if (!col) throw new Error(`${scope.metric} cannot be filtered by ${key}`);
    conds.push(`${col} = ${p.bind(value, 'String')}`);
  }
  if (filters.service !== undefined && t.cols.service === undefined) {
    // Scores, model calls and cache lookups do not copy their span's resource: a service's rows
    // are those of its spans (which start up to an hour before them).
    const spansIn = `start >= ${p.ns(fromNs - SPAN_LOOKBACK_NS)} AND start < ${p.ns(toNs)} AND ifNull(service_name, '') = ${p.bind(filters.service, 'String')}`;
    if (table === 'cache')
      from = `(SELECT c.time AS time, c.hit AS hit, stage, component_type FROM ${db}.genscope_spans ARRAY JOIN cache AS c WHERE ${spansIn})`;
    else conds.push(`(trace_id, span_id) IN (SELECT trace_id, span_id FROM ${db}.genscope_spans WHERE ${spansIn})`);
  }
  const dims = scope.groupBy.map((d) => {
    const col = t.cols[d];
    if (!col) throw new Error(`${scope.metric} cannot be grouped by ${d}`);
    return `${col} AS d_${d}`;
  });
  return { p, from, where: and(conds), dims };
}

function labelsOf(row: Record<string, unknown>, groupBy: readonly AlertDimension[]): AlertLabels {
  const labels: AlertLabels = {};
  for (const d of groupBy) labels[d] = String(row[`d_${d}`] ?? '');
  return labels;
}

export async function metricAggregates(
  ctx: Pick<ChContext, 'ch' | 'db'>,
  scope: MetricScope,
  range: TimeRange,
): Promise<GroupValue[]> {
  const b = build(scope, range, ctx.db);
  const group = scope.groupBy.map((d) => `d_${d}`);
  const rows = await ctx.ch.query<Record<string, unknown>>(
    `SELECT ${[...b.dims, measures(scope)].join(', ')} FROM ${b.from} WHERE ${b.where}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}
      ${group.length ? '' : 'HAVING n > 0'}`,
    b.p.values,
  );
  return rows.map((r) => {
    const labels = labelsOf(r, scope.groupBy);
    const n = num(r.n);
    return {
      key: seriesKey(labels),
      labels,
      value: valueOf(scope, num(r.a), n, range.toMs - range.fromMs),
      count: n,
    };
  });
}

export async function metricSeries(
  ctx: Pick<ChContext, 'ch' | 'db'>,
  scope: MetricScope,
  range: TimeRange,
  bucketMillis: number,
): Promise<BucketValue[]> {
  const b = build(scope, range, ctx.db);
  const time = TABLES[tableOf(scope)].time;
  const bucket = `intDiv(toUnixTimestamp64Milli(${time}), ${b.p.bind(Math.floor(bucketMillis), 'UInt64')}) AS b`;
  const group = [...scope.groupBy.map((d) => `d_${d}`), 'b'];
  const rows = await ctx.ch.query<Record<string, unknown>>(
    `SELECT ${[...b.dims, bucket, measures(scope)].join(', ')} FROM ${b.from} WHERE ${b.where} GROUP BY ${group.join(', ')} ORDER BY b`,
    b.p.values,
  );
  return rows.map((r) => {
    const labels = labelsOf(r, scope.groupBy);
    const n = num(r.n);
    return {
      key: seriesKey(labels),
      labels,
      bucketMs: num(r.b) * bucketMillis,
      value: valueOf(scope, num(r.a), n, bucketMillis),
      count: n,
    };
  });
}

export async function metricSamples(
  ctx: Pick<ChContext, 'ch' | 'db'>,
  scope: MetricScope,
  range: TimeRange,
  maxSamples = 5000,
): Promise<GroupSamples[]> {
  const groups = new Map<string, GroupSamples>();
  const add = (labels: AlertLabels, v: number | null) => {
    const key = seriesKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, labels, values: [] }));
    if (v !== null && Number.isFinite(v) && g.values.length < maxSamples) g.values.push(v);
  };
  if (scope.metric === 'cost_per_hour' || scope.metric === 'cost_per_day') {
    const series = await metricSeries(
      ctx,
      scope,
      range,
      scope.metric === 'cost_per_hour' ? HOUR_MILLIS : DAY_MILLIS,
    );
    for (const s of series.reverse()) add(s.labels, s.value);
    return [...groups.values()];
  }
  const b = build(scope, range, ctx.db);
  const t = TABLES[tableOf(scope)];
  const value =
    scope.metric === 'quality_score'
      ? 'value'
      : scope.metric === 'success_rate'
        ? 'if(status_code = 2, 0, 1)'
        : scope.metric === 'cost_per_run'
          ? 'ifNull(cost_usd, 0)'
          : scope.metric === 'cache_hit_rate'
            ? 'hit'
            : 'duration_ns / 1e6';
  const group = scope.groupBy.map((d) => `d_${d}`);
  const where = b.where;
  // Newest first, at most maxSamples per group, in one query.
  const rows = await ctx.ch.query<Record<string, unknown>>(
    `SELECT ${[...b.dims, `toFloat64(${value}) AS v`].join(', ')} FROM ${b.from} WHERE ${where}
      ORDER BY ${t.time} DESC ${group.length ? `LIMIT ${b.p.bind(maxSamples, 'UInt32')} BY ${group.join(', ')}` : `LIMIT ${b.p.bind(maxSamples, 'UInt32')}`}`,
    b.p.values,
  );
  for (const r of rows) add(labelsOf(r, scope.groupBy), num(r.v));
  return [...groups.values()];
}
