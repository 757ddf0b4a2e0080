/**
 * The alert metric reader of the SQLite store: a rule's metric over a time range, per group of its
 * groupBy dimensions. Aggregates (and per-bucket series) read the very row sources the panels read
 * (queries/sources.ts: the same rollup tables, the same grain segments from store/window.ts), so
 * an alert and a tile over the same window agree; samples for statistical tests come from raw rows
 * (scores, spans, cache lookup events), newest first and capped. Units: latency ms, cost USD, rates
 * and scores 0..1. Also the reads of change detection (data range, spread score samples).
 */
import type { Db } from './db';
import { RUN_STAGE } from '../../schema/names';
import { BucketCounts, sketchQuantileNs } from '../histogram';
import { ALERT_DIMENSIONS } from '../../schema/alerts';
import type { AlertDimension, AlertFilters, AlertLabels, AlertMetric } from '../../schema/alerts';
import type { BucketValue, GroupSamples, GroupValue, MetricScope, ScoreSampleSet, TimeRange } from '../types';
import { grainFor, makeWindow, plannedWindow, seriesGrainFor } from '../window';
import type { PlanContext, Window } from '../window';
import { cacheSource, modelCallSource, scoreSource, serviceOf, spanSource } from './queries/sources';
import type { Source } from './queries/sources';
import { all, get, stmt, wideScan } from './queries/sql';
import type { Filters, SqlParam } from './queries/sql';

export type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from '../types';

export const HOUR_MILLIS = 3_600_000;
export const DAY_MILLIS = 86_400_000;

/** Which panel row source a metric reads, and the column of each dimension in it. */
type SourceKind = 'scores' | 'spans' | 'model_calls' | 'cache';

const SOURCE_COLUMNS: Record<SourceKind, Partial<Record<AlertDimension, string>>> = {
  scores: { score: 'name', component_type: 'component_type', model: 'model', service: 'service' },
  spans: { component_type: 'component_type', model: 'model', stage: 'stage', service: 'service' },
  model_calls: { component_type: 'component_type', model: 'model', service: 'service' },
  cache: { component_type: 'component_type', stage: 'stage', service: 'service' },
};

/** Column of each dimension in the raw tables the samples read. */
const RAW_COLUMNS: Record<'scores' | 'spans', Partial<Record<AlertDimension, string>>> = {
  // Raw score names are shared strings (migration 042).
  scores: {
    score: '(SELECT value FROM strings WHERE id = name_ref)',
    component_type: "COALESCE(component_type, '')",
    model: "COALESCE(model, '')",
    service: `COALESCE(${serviceOf('(SELECT p.resource_id FROM spans p WHERE p.id = scores.span_row)')}, '')`,
  },
  spans: {
    component_type: "COALESCE(component_type, '')",
    model: "COALESCE(model, '')",
    stage: "COALESCE(stage, '')",
    service: `COALESCE(${serviceOf('spans.resource_id')}, '')`,
  },
};

const FILTER_DIMENSION: Record<keyof AlertFilters, AlertDimension> = {
  score: 'score',
  componentType: 'component_type',
  model: 'model',
  stage: 'stage',
  service: 'service',
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

function sourceKind(metric: AlertMetric): SourceKind {
  if (metric === 'quality_score') return 'scores';
  if (metric === 'cost_per_hour' || metric === 'cost_per_day') return 'model_calls';
  if (metric === 'cache_hit_rate') return 'cache';
  return 'spans';
}

/** Refuses a filter or grouping the metric's source has no column for (rules are validated, stored ones may be old). */
function checkDimensions(scope: MetricScope, filters: AlertFilters, cols: Partial<Record<AlertDimension, string>>): void {
  for (const [key, value] of Object.entries(filters) as [keyof AlertFilters, string | undefined][]) {
    if (value !== undefined && !cols[FILTER_DIMENSION[key]]) throw new Error(`${scope.metric} cannot be filtered by ${key}`);
  }
  for (const d of scope.groupBy) if (!cols[d]) throw new Error(`${scope.metric} cannot be grouped by ${d}`);
}

/** The panels' filters for a rule's (single-valued) filters. */
function panelFilters(f: AlertFilters): Filters {
  return {
    componentType: f.componentType !== undefined ? [f.componentType] : [],
    model: f.model !== undefined ? [f.model] : [],
    stage: f.stage !== undefined ? [f.stage] : [],
    service: f.service !== undefined ? [f.service] : [],
  };
}

/** The panel row source of the metric over w (rollups, the planner's segments or one grain). */
function metricSource(scope: MetricScope, w: Window, grainS: number | undefined): Source {
  const filters = effectiveFilters(scope);
  const kind = sourceKind(scope.metric);
  checkDimensions(scope, filters, SOURCE_COLUMNS[kind]);
  const f = panelFilters(filters);
  const opts = grainS === undefined ? {} : { grainS };
  switch (kind) {
    case 'scores':
      return scoreSource(w, f, filters.score !== undefined ? [filters.score] : null, opts);
    case 'model_calls':
      return modelCallSource(w, f, opts);
    case 'cache':
      return cacheSource(w, f, opts);
    default:
      return spanSource(w, f, opts);
  }
}

/** The metric's sums over a source's columns: a = numerator, n = data points. */
function sumsOf(metric: AlertMetric): string {
  switch (sourceKind(metric)) {
    case 'scores':
      return 'SUM(sum) AS a, SUM(count) AS n';
    case 'model_calls':
      return 'SUM(cost_usd) AS a, SUM(calls) AS n';
    case 'cache':
      return 'SUM(hits) AS a, SUM(hits) + SUM(misses) AS n';
    default:
      if (metric.startsWith('latency_p')) return 'NULL AS a, count AS n, latency_hist AS hist';
      if (metric === 'latency_mean') return 'SUM(duration_sum_ns) / 1000000.0 AS a, SUM(count) AS n';
      if (metric === 'success_rate') return 'SUM(errors) AS a, SUM(count) AS n';
      return 'SUM(cost_usd) AS a, SUM(count) AS n'; // cost_per_run
  }
}

function labelsOf(row: Record<string, unknown>, groupBy: readonly AlertDimension[]): AlertLabels {
  const labels: AlertLabels = {};
  for (const d of groupBy) {
    const v = row[`d_${d}`];
    labels[d] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
  return labels;
}

interface MetricRow extends Record<string, unknown> {
  b: number | null;
  a: number | null;
  n: number | null;
  hist?: Uint8Array | null;
}

/** The source rows of a window, one per group (and bucket), with the metric's raw sums. */
function metricRows(db: Db, scope: MetricScope, w: Window, grainS: number | undefined, bucketMillis: number | undefined): MetricRow[] {
  const src = metricSource(scope, w, grainS);
  const cols = SOURCE_COLUMNS[sourceKind(scope.metric)];
  const dims = scope.groupBy.map((d) => `${cols[d] ?? "''"} AS d_${d}`);
  const bucketExpr = bucketMillis === undefined ? 'NULL' : 'bucket_ns / ?';
  const bucketParams: SqlParam[] = bucketMillis === undefined ? [] : [msToNs(bucketMillis)];
  const perRow = scope.metric.startsWith('latency_p');
  const groupCols = [...scope.groupBy.map((d) => `d_${d}`), ...(bucketMillis === undefined ? [] : ['b'])];
  const sql =
    `SELECT ${[...dims, `${bucketExpr} AS b`, sumsOf(scope.metric)].join(', ')} FROM (${src.from.sql})` +
    (perRow ? ' WHERE latency_hist IS NOT NULL' : groupCols.length > 0 ? ` GROUP BY ${groupCols.join(', ')}` : '');
  const rows = all<MetricRow>(db, { sql, params: [...bucketParams, ...src.from.params] });
  // An aggregate without GROUP BY answers one all-NULL row when nothing matched.
  return rows.filter((r) => r.n !== null && r.n !== 0);
}

function valueOf(metric: AlertMetric, a: number, n: number, hist: BucketCounts | null, spanMillis: number): number | null {
  switch (metric) {
    case 'quality_score':
    case 'latency_mean':
    case 'cost_per_run':
    case 'cache_hit_rate':
      return n > 0 ? a / n : null;
    case 'success_rate':
      return n > 0 ? 1 - a / n : null;
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

function accumulate(scope: MetricScope, rows: MetricRow[]): Map<string, Acc> {
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
    if (row.hist !== undefined && row.hist !== null) {
      acc.hist ??= new BucketCounts();
      acc.hist.addEncoded(row.hist);
    }
  }
  return accs;
}

/** The planner's window for a range (minute rollups known kept from plan, when given). */
function windowOf(range: TimeRange, plan: PlanContext | undefined): Window {
  return plan ? plannedWindow(range.fromMs, range.toMs, plan) : makeWindow(range.fromMs, range.toMs);
}

/** The metric over the whole range, one value per group present in the range. */
export function readAggregates(db: Db, scope: MetricScope, range: TimeRange, plan?: PlanContext): GroupValue[] {
  const rows = metricRows(db, scope, windowOf(range, plan), undefined, undefined);
  return [...accumulate(scope, rows).values()].map((acc) => ({
    key: seriesKey(acc.labels),
    labels: acc.labels,
    value: valueOf(scope.metric, acc.a, acc.n, acc.hist, range.toMs - range.fromMs),
    count: acc.n,
  }));
}

/**
 * The metric per bucket of `bucketMillis` (aligned to the epoch), one entry per group and bucket
 * that has data, ordered by bucket. Cost per hour/day is normalized by the bucket length, so a
 * bucket's value is in the same unit as a window's.
 */
export function readBucketSeries(db: Db, scope: MetricScope, range: TimeRange, bucketMillis: number, plan?: PlanContext): BucketValue[] {
  const w = windowOf(range, plan);
  const grain = seriesGrainFor(w, bucketMillis) ?? grainFor(w);
  const rows = metricRows(db, scope, w, grain, bucketMillis);
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

/** Distinct score names with rollup data in the range (raw score reads go name by name, on the index). */
function scoreNames(db: Db, range: TimeRange): string[] {
  const rows = all<{ name: string }>(db, {
    sql: 'SELECT DISTINCT name FROM rollup_scores WHERE grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?',
    params: [msToNs(Math.floor(range.fromMs / HOUR_MILLIS) * HOUR_MILLIS), msToNs(range.toMs)],
  });
  if (rows.length > 0) return rows.map((r) => r.name);
  return all<{ name: string }>(db, { sql: 'SELECT value AS name FROM strings WHERE id IN (SELECT DISTINCT name_ref FROM scores)', params: [] }).map(
    (r) => r.name,
  );
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

/** SELECT list and WHERE conditions of a rule's dimensions over a raw table's columns. */
function rawDimensions(scope: MetricScope, filters: AlertFilters, cols: Partial<Record<AlertDimension, string>>): { select: string; where: string; params: SqlParam[] } {
  checkDimensions(scope, filters, cols);
  const conds: string[] = [];
  const params: SqlParam[] = [];
  for (const [key, value] of Object.entries(filters) as [keyof AlertFilters, string | undefined][]) {
    if (value === undefined) continue;
    conds.push(` AND ${cols[FILTER_DIMENSION[key]] ?? "''"} = ?`);
    params.push(value);
  }
  const select = scope.groupBy.map((d) => `${cols[d] ?? "''"} AS d_${d}, `).join('');
  return { select, where: conds.join(''), params };
}

/**
 * Raw samples of the metric in the range, per group, newest first, at most `maxSamples` per
 * group: score values, per-span success (0/1), durations (ms), per-run cost, per-lookup cache hit
 * (0/1, the lookup events the cache rollups count). Cost per hour/day samples are the
 * per-hour/per-day sums (buckets with data only).
 */
export function readSamples(db: Db, scope: MetricScope, range: TimeRange, maxSamples = 5000, plan?: PlanContext): GroupSamples[] {
  const { metric } = scope;
  if (metric === 'cost_per_hour' || metric === 'cost_per_day') {
    const bucket = metric === 'cost_per_hour' ? HOUR_MILLIS : DAY_MILLIS;
    const series = readBucketSeries(db, scope, range, bucket, plan).reverse();
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
  const filters = effectiveFilters(scope);
  if (metric === 'quality_score') {
    const dims = rawDimensions(scope, { ...filters, score: undefined }, RAW_COLUMNS.scores);
    const names = filters.score !== undefined ? [filters.score] : scoreNames(db, range);
    const rows: Record<string, unknown>[] = [];
    const sql =
      `SELECT ${dims.select}value AS v FROM scores` +
      ` WHERE name_ref = (SELECT id FROM strings WHERE value = ?) AND time_ns >= ? AND time_ns < ? AND value IS NOT NULL${dims.where} ORDER BY time_ns DESC LIMIT ?`;
    for (const name of names) rows.push(...all<Record<string, unknown>>(db, { sql, params: [name, from, to, ...dims.params, rowCap] }));
    return groupSamples(rows, scope.groupBy, maxSamples);
  }
  if (metric === 'cache_hit_rate') {
    checkDimensions(scope, filters, SOURCE_COLUMNS.cache);
    const src = cacheSource(makeWindow(range.fromMs, range.toMs), panelFilters(filters), { raw: true });
    const dims = scope.groupBy.map((d) => `${SOURCE_COLUMNS.cache[d] ?? "''"} AS d_${d}, `).join('');
    const rows = all<Record<string, unknown>>(db, {
      sql: `SELECT ${dims}hits AS v FROM (${src.from.sql}) ORDER BY bucket_ns DESC LIMIT ?`,
      params: [...src.from.params, rowCap],
    });
    return groupSamples(rows, scope.groupBy, maxSamples);
  }
  const dims = rawDimensions(scope, filters, RAW_COLUMNS.spans);
  let valueExpr: string;
  if (metric === 'success_rate') valueExpr = 'CASE WHEN status_code = 2 THEN 0 ELSE 1 END';
  else if (metric === 'cost_per_run') valueExpr = 'COALESCE(cost_usd, 0)';
  else valueExpr = 'duration_ns / 1000000.0';
  const rows = all<Record<string, unknown>>(db, {
    sql:
      `SELECT ${dims.select}${valueExpr} AS v FROM spans` +
      ` WHERE start_ns >= ? AND start_ns < ? AND role IN ('run', 'stage')${dims.where} ORDER BY start_ns DESC LIMIT ?`,
    params: [from, to, ...dims.params, rowCap],
  });
  return groupSamples(rows, scope.groupBy, maxSamples);
}

/** The time span of the stored scores and model-call rollups (change detection's default range). */
export function readDataRange(db: Db): TimeRange | null {
  // Each bound its own subquery, so each is one index seek (MIN and MAX together scan the index).
  const row = get<{ lo: number | null; hi: number | null }>(db, {
    sql: `SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (
         SELECT (SELECT MIN(time_ns) FROM scores) / 1000000 AS lo, (SELECT MAX(time_ns) FROM scores) / 1000000 AS hi
         UNION ALL SELECT (SELECT MIN(bucket_ns) FROM rollup_model_calls WHERE grain_s = 3600) / 1000000,
           ((SELECT MAX(bucket_ns) FROM rollup_model_calls WHERE grain_s = 3600) / 1000000) + 3600000)`,
    params: [],
  });
  if (!row || row.lo === null || row.hi === null) return null;
  return { fromMs: row.lo, toMs: row.hi + 1 };
}

/**
 * Quality scores of a range, 1 in k past maxSamples (k from the rollup counts, so the read stays
 * bounded). The sample is a hash of the row id, not random(): the same data gives the same
 * findings on every request (a random sample moved the change points and their figures between
 * two refreshes of the dashboard).
 */
export function readScoreSamples(db: Db, range: TimeRange, maxSamples: number): ScoreSampleSet {
  const stored = get<{ n: number }>(db, {
    sql: 'SELECT COALESCE(SUM(count), 0) AS n FROM rollup_scores WHERE grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?',
    params: [msToNs(range.fromMs - HOUR_MILLIS), msToNs(range.toMs)],
  });
  const stride = Math.max(1, Math.ceil((stored?.n ?? 0) / Math.max(1, maxSamples)));
  const fromNs = msToNs(range.fromMs);
  const toNs = msToNs(range.toMs);
  // A sample (stride > 1) has no order to keep: a wide range is read in one pass over the table.
  const scan = stride > 1 ? wideScan(db, 'scores', 'time_ns', fromNs, toNs) : '';
  // The stored rows (migration 182): NOT INDEXED applies to a table, not to the scores view.
  const raw = stmt(
    db,
    `SELECT name_ref, component_type_ref, model_ref, time_ns / 1000000, value
     FROM scores_rows${scan} WHERE value IS NOT NULL AND time_ns >= ? AND time_ns < ? AND (? = 1 OR ((id * 2654435761) % 4294967291) % ? = 0)`,
  )
    .raw(true)
    .all(fromNs, toNs, stride, stride) as [number, number | null, number | null, number, number][];
  // Names, component types and models are shared strings (migrations 042, 182): the few distinct ids, looked up once.
  const texts = new Map<number, string>();
  for (const r of raw) for (const id of [r[0], r[1], r[2]]) if (id !== null) texts.set(id, '');
  if (texts.size > 0) {
    const found = all<{ id: number; value: string }>(db, {
      sql: 'SELECT id, value FROM strings WHERE id IN (SELECT value FROM json_each(?))',
      params: [JSON.stringify([...texts.keys()])],
    });
    for (const f of found) texts.set(f.id, f.value);
  }
  const text = (id: number | null) => (id === null ? '' : (texts.get(id) ?? ''));
  const rows = raw.map((r) => ({ name: text(r[0]), componentType: text(r[1]), model: text(r[2]), timeMs: r[3], value: r[4] }));
  return { samples: rows, stride };
}
