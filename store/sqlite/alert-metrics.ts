/**
 * The metric reader: a rule's metric over a time range, per group of its groupBy dimensions.
 * Aggregates (and per-bucket series) come from the rollups, minute grain for short ranges and
 * hour grain otherwise; samples for statistical tests come from raw rows (scores, spans), newest
 * first and capped. Units: latency ms, cost USD, rates and scores 0..1.
 */
import type { Db } from './db';
import { RUN_STAGE } from '../../schema/names';
import { BucketCounts, sketchQuantileNs } from '../histogram';
import { ALERT_DIMENSIONS } from '../../schema/alerts';
import type { AlertDimension, AlertFilters, AlertLabels, AlertMetric } from '../../schema/alerts';

export const HOUR_MILLIS = 3_600_000;
export const DAY_MILLIS = 86_400_000;
/** Ranges up to this long read the minute rollups (when present). */
const MINUTE_GRAIN_MAX_RANGE_MILLIS = 6 * HOUR_MILLIS;

import type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from '../types';
export type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from '../types';

type Source = 'rollup_scores' | 'rollup_spans' | 'rollup_model_calls' | 'scores' | 'spans';

/** Column of each dimension in each table (absent: the table has no such dimension). */
const COLUMNS: Record<Source, Partial<Record<AlertDimension, string>>> = {
  rollup_scores: { score: 'name', component_type: 'component_type', model: 'model' },
  rollup_spans: { component_type: 'component_type', model: 'model', stage: 'stage' },
  rollup_model_calls: { component_type: 'component_type', model: 'model' },
  scores: { score: 'name', component_type: "COALESCE(component_type, '')", model: "COALESCE(model, '')" },
  spans: { component_type: "COALESCE(component_type, '')", model: "COALESCE(model, '')", stage: "COALESCE(stage, '')" },
};

const FILTER_DIMENSION: Record<keyof AlertFilters, AlertDimension> = {
  score: 'score',
  componentType: 'component_type',
  model: 'model',
  stage: 'stage',
};

const LATENCY_QUANTILE: Partial<Record<AlertMetric, number>> = { latency_p50: 0.5, latency_p95: 0.95, latency_p99: 0.99 };

const msToNs = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;

/** The group key of a label set: stable JSON in dimension order ('{}' for no grouping). */
export function seriesKey(labels: AlertLabels): string {
  const ordered: AlertLabels = {};
  for (const d of ALERT_DIMENSIONS) if (labels[d] !== undefined) ordered[d] = labels[d];
  return JSON.stringify(ordered);
}

/** Metrics read from pipeline spans (run or stage) default to the end-to-end run stage. */
function effectiveFilters(scope: MetricScope): AlertFilters {
  const f = { ...scope.filters };
  const spanMetric = scope.metric === 'success_rate' || scope.metric.startsWith('latency_');
  if (scope.metric === 'cost_per_run') f.stage = RUN_STAGE;
  else if (spanMetric && f.stage === undefined && !scope.groupBy.includes('stage')) f.stage = RUN_STAGE;
  return f;
}

interface BuiltQuery {
  select: string;
  where: string;
  groupBy: string;
  params: unknown[];
}

/** SELECT/WHERE/GROUP BY fragments for the dimensions; column names only from COLUMNS. */
function dimensionSql(source: Source, scope: MetricScope): BuiltQuery {
  const cols = COLUMNS[source];
  const filters = effectiveFilters(scope);
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(filters) as [keyof AlertFilters, string | undefined][]) {
    if (value === undefined) continue;
    const col = cols[FILTER_DIMENSION[key]];
    if (!col) throw new Error(`${scope.metric} cannot be filtered by ${key}`);
    conditions.push(`${col} = ?`);
    params.push(value);
  }
  const selects: string[] = [];
  for (const d of scope.groupBy) {
    const col = cols[d];
    if (!col) throw new Error(`${scope.metric} cannot be grouped by ${d}`);
    selects.push(`${col} AS d_${d}`);
  }
  return {
    select: selects.join(', '),
    where: conditions.map((c) => ` AND ${c}`).join(''),
    groupBy: scope.groupBy.map((d) => `d_${d}`).join(', '),
    params,
  };
}

function labelsOf(row: Record<string, unknown>, groupBy: readonly AlertDimension[]): AlertLabels {
  const labels: AlertLabels = {};
  for (const d of groupBy) {
    const v = row[`d_${d}`];
    labels[d] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
  return labels;
}

function rollupSource(metric: AlertMetric): 'rollup_scores' | 'rollup_spans' | 'rollup_model_calls' {
  if (metric === 'quality_score') return 'rollup_scores';
  if (metric === 'cost_per_hour' || metric === 'cost_per_day') return 'rollup_model_calls';
  return 'rollup_spans';
}

interface RollupRow extends Record<string, unknown> {
  b: number | null;
  a: number | null;
  n: number | null;
  c: number | null;
  hist?: Uint8Array | null;
}

/** The rollup rows of a range, one per group (and bucket), with the metric's raw sums. */
function rollupRows(db: Db, scope: MetricScope, range: TimeRange, grainS: number, bucketMillis: number | undefined): RollupRow[] {
  const source = rollupSource(scope.metric);
  const dims = dimensionSql(source, scope);
  const bucketExpr = bucketMillis === undefined ? 'NULL' : 'bucket_ns / ?';
  const bucketParams = bucketMillis === undefined ? [] : [msToNs(bucketMillis)];
  let sums: string;
  switch (source) {
    case 'rollup_scores':
      sums = 'SUM(sum) AS a, SUM(count) AS n, NULL AS c';
      break;
    case 'rollup_model_calls':
      sums = 'SUM(cost_usd) AS a, SUM(calls) AS n, NULL AS c';
      break;
    default:
      if (scope.metric.startsWith('latency_p')) sums = 'NULL AS a, count AS n, NULL AS c, latency_hist AS hist';
      else if (scope.metric === 'latency_mean') sums = 'SUM(duration_sum_ns) / 1000000.0 AS a, SUM(count) AS n, NULL AS c';
      else if (scope.metric === 'success_rate') sums = 'SUM(errors) AS a, SUM(count) AS n, NULL AS c';
      else if (scope.metric === 'cost_per_run') sums = 'SUM(cost_usd) AS a, SUM(count) AS n, NULL AS c';
      else sums = 'SUM(cache_hits) AS a, SUM(cache_hits) + SUM(cache_misses) AS n, NULL AS c'; // cache_hit_rate
  }
  const perRow = scope.metric.startsWith('latency_p');
  const groupCols = [dims.groupBy, bucketMillis === undefined ? '' : 'b'].filter((s) => s.length > 0).join(', ');
  const sql =
    `SELECT ${[dims.select, `${bucketExpr} AS b`, sums].filter((s) => s.length > 0).join(', ')} FROM ${source}` +
    ` WHERE grain_s = ? AND bucket_ns >= ? AND bucket_ns < ?${dims.where}` +
    (perRow ? '' : groupCols ? ` GROUP BY ${groupCols}` : '');
  const rows = db.prepare(sql).all(...bucketParams, grainS, msToNs(range.fromMs), msToNs(range.toMs), ...dims.params) as RollupRow[];
  // An aggregate without GROUP BY answers one all-NULL row when nothing matched.
  return rows.filter((r) => r.n !== null);
}

function chooseGrains(range: TimeRange, bucketMillis: number | undefined): number[] {
  const short = range.toMs - range.fromMs <= MINUTE_GRAIN_MAX_RANGE_MILLIS;
  const fine = bucketMillis === undefined ? short : bucketMillis < HOUR_MILLIS;
  // Minute rollups may be pruned sooner than hourly ones: fall back when they are empty.
  return fine ? [60, 3600] : [3600];
}

function valueOf(metric: AlertMetric, a: number, n: number, hist: BucketCounts | null, spanMillis: number): number | null {
  switch (metric) {
    case 'quality_score':
    case 'latency_mean':
    case 'cost_per_run':
      return n > 0 ? a / n : null;
    case 'success_rate':
      return n > 0 ? 1 - a / n : null;
    case 'cache_hit_rate':
      return n > 0 ? a / n : null;
    case 'cost_per_hour':
      return n > 0 ? a / (spanMillis / HOUR_MILLIS) : null;
    case 'cost_per_day':
      return n > 0 ? a / (spanMillis / DAY_MILLIS) : null;
    default: {
      const q = LATENCY_QUANTILE[metric];
      if (q === undefined || !hist) return null;
      const ns = sketchQuantileNs(hist, q);
      return ns === null ? null : ns / 1e6;
    }
  }
}

interface Acc {
  labels: AlertLabels;
  bucket: number | null;
  a: number;
  n: number;
  hist: BucketCounts | null;
}

function accumulate(scope: MetricScope, rows: RollupRow[]): Map<string, Acc> {
  const accs = new Map<string, Acc>();
  for (const row of rows) {
    const labels = labelsOf(row, scope.groupBy);
    const k = `${seriesKey(labels)}|${row.b ?? ''}`;
    let acc = accs.get(k);
    if (!acc) {
      acc = { labels, bucket: row.b, a: 0, n: 0, hist: null };
      accs.set(k, acc);
    }
    acc.a += row.a ?? 0;
    acc.n += row.n ?? 0;
    if (row.hist !== undefined) {
      acc.hist ??= new BucketCounts();
      acc.hist.addEncoded(row.hist);
    }
  }
  return accs;
}

/** The metric over the whole range, one value per group present in the range. */
export function readAggregates(db: Db, scope: MetricScope, range: TimeRange): GroupValue[] {
  for (const grain of chooseGrains(range, undefined)) {
    const rows = rollupRows(db, scope, range, grain, undefined);
    if (rows.length === 0) continue;
    return [...accumulate(scope, rows).values()].map((acc) => ({
      key: seriesKey(acc.labels),
      labels: acc.labels,
      value: valueOf(scope.metric, acc.a, acc.n, acc.hist, range.toMs - range.fromMs),
      count: acc.n,
    }));
  }
  return [];
}

/**
 * The metric per bucket of `bucketMillis` (aligned to the epoch), one entry per group and bucket
 * that has data, ordered by bucket. Cost per hour/day is normalized by the bucket length, so a
 * bucket's value is in the same unit as a window's.
 */
export function readBucketSeries(db: Db, scope: MetricScope, range: TimeRange, bucketMillis: number): BucketValue[] {
  for (const grain of chooseGrains(range, bucketMillis)) {
    const rows = rollupRows(db, scope, range, grain, bucketMillis);
    if (rows.length === 0) continue;
    return [...accumulate(scope, rows).values()]
      .map((acc) => ({
        key: seriesKey(acc.labels),
        labels: acc.labels,
        bucketMs: (acc.bucket ?? 0) * bucketMillis,
        value: valueOf(scope.metric, acc.a, acc.n, acc.hist, bucketMillis),
        count: acc.n,
      }))
      .sort((x, y) => x.bucketMs - y.bucketMs);
  }
  return [];
}

/** Distinct score names with rollup data in the range (raw score reads go name by name, on the index). */
function scoreNames(db: Db, range: TimeRange): string[] {
  const rows = db
    .prepare<[bigint, bigint], { name: string }>(
      'SELECT DISTINCT name FROM rollup_scores WHERE grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?',
    )
    .all(msToNs(Math.floor(range.fromMs / HOUR_MILLIS) * HOUR_MILLIS), msToNs(range.toMs));
  if (rows.length > 0) return rows.map((r) => r.name);
  return db.prepare<[], { name: string }>('SELECT DISTINCT name FROM scores').all().map((r) => r.name);
}

function groupSamples(rows: Record<string, unknown>[], groupBy: readonly AlertDimension[], maxPerGroup: number): GroupSamples[] {
  const groups = new Map<string, GroupSamples>();
  for (const row of rows) {
    const labels = labelsOf(row, groupBy);
    const key = seriesKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { key, labels, values: [] };
      groups.set(key, g);
    }
    const v = row.v;
    if (typeof v === 'number' && Number.isFinite(v) && g.values.length < maxPerGroup) g.values.push(v);
  }
  return [...groups.values()];
}

/**
 * Raw samples of the metric in the range, per group, newest first, at most `maxSamples` per
 * group: score values, per-span success (0/1), durations (ms), per-run cost, per-span cache hit
 * (0/1). Cost per hour/day samples are the per-hour/per-day sums (buckets with data only).
 */
export function readSamples(db: Db, scope: MetricScope, range: TimeRange, maxSamples = 5000): GroupSamples[] {
  const { metric } = scope;
  if (metric === 'cost_per_hour' || metric === 'cost_per_day') {
    const bucket = metric === 'cost_per_hour' ? HOUR_MILLIS : DAY_MILLIS;
    const series = readBucketSeries(db, scope, range, bucket).reverse();
    const groups = new Map<string, GroupSamples>();
    for (const p of series) {
      let g = groups.get(p.key);
      if (!g) {
        g = { key: p.key, labels: p.labels, values: [] };
        groups.set(p.key, g);
      }
      if (p.value !== null && g.values.length < maxSamples) g.values.push(p.value);
    }
    return [...groups.values()];
  }
  // A global cap keeps one query bounded; the per-group cap is applied after.
  const rowCap = maxSamples * 20;
  const from = msToNs(range.fromMs);
  const to = msToNs(range.toMs);
  if (metric === 'quality_score') {
    const dims = dimensionSql('scores', { ...scope, filters: { ...scope.filters, score: undefined } });
    const names = scope.filters.score !== undefined ? [scope.filters.score] : scoreNames(db, range);
    const rows: Record<string, unknown>[] = [];
    const stmt = db.prepare(
      `SELECT ${dims.select ? `${dims.select}, ` : ''}value AS v FROM scores` +
        ` WHERE name = ? AND time_ns >= ? AND time_ns < ? AND value IS NOT NULL${dims.where} ORDER BY time_ns DESC LIMIT ?`,
    );
    for (const name of names) rows.push(...(stmt.all(name, from, to, ...dims.params, rowCap) as Record<string, unknown>[]));
    return groupSamples(rows, scope.groupBy, maxSamples);
  }
  const dims = dimensionSql('spans', scope);
  let valueExpr: string;
  let extra = '';
  if (metric === 'success_rate') valueExpr = 'CASE WHEN status_code = 2 THEN 0 ELSE 1 END';
  else if (metric === 'cost_per_run') valueExpr = 'COALESCE(cost_usd, 0)';
  else if (metric === 'cache_hit_rate') {
    valueExpr = 'cache_hit';
    extra = ' AND cache_hit IS NOT NULL';
  } else valueExpr = 'duration_ns / 1000000.0';
  const rows = db
    .prepare(
      `SELECT ${dims.select ? `${dims.select}, ` : ''}${valueExpr} AS v FROM spans` +
        ` WHERE start_ns >= ? AND start_ns < ? AND role IN ('run', 'stage')${extra}${dims.where} ORDER BY start_ns DESC LIMIT ?`,
    )
    .all(from, to, ...dims.params, rowCap) as Record<string, unknown>[];
  return groupSamples(rows, scope.groupBy, maxSamples);
}
