/**
 * Performance panels on ClickHouse: latency percentiles over time, stage breakdown, latency
 * heatmap, cache hit rate, benchmark run durations. Same response shapes as the SQLite store.
 */
import { END_TO_END_STAGE } from '../../schema/api';
import type {
  BenchmarkDurationsQuery,
  BenchmarkDurationsResponse,
  CacheResponse,
  HeatmapResponse,
  LatencyResponse,
  PanelQuery,
  StagesResponse,
} from '../../schema/api';
import { DISPLAY_BASE_NS, SKETCH_BUCKETS, SKETCH_GAMMA } from '../histogram';
import { bucketWindow, resolveWindow } from '../window';
import { meta } from '../sqlite/queries/context';
import { bucketEdgesMs } from '../sqlite/queries/histograms';
import { round } from '../sqlite/queries/sql';
import type { ChContext } from './context';
import { bucketSlot, chPrecision } from './context';
import { readLatency } from './latency';
import { and, bucketMs, cacheSource, inWindow, num, Params, spanSource } from './sql';

const r3 = (x: number | null) => round(x, 3);

export async function latencyPercentiles(ctx: ChContext, q: PanelQuery): Promise<LatencyResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const stages = q.stage.length > 0 ? q.stage : [END_TO_END_STAGE];
  const f = { ...q, stage: stages };
  const series = await readLatency(ctx.ch, ctx.db, {
    w,
    f,
    stepS: bw.bucketSeconds,
    byStage: false,
    exactMaxRows: ctx.exactMaxRows,
  });
  // Overall from the same source (exact or sketch) as the series.
  const all = await readLatency(ctx.ch, ctx.db, {
    w,
    f,
    stepS: null,
    byStage: false,
    exactMaxRows: ctx.exactMaxRows,
    forceExact: series.exact,
  });
  const p50 = bw.t.map((): number | null => null);
  const p95 = bw.t.map((): number | null => null);
  const p99 = bw.t.map((): number | null => null);
  const count = bw.t.map(() => 0);
  for (const c of series.cells) {
    const i = bucketSlot(bw.t, bw.bucketSeconds, c.t);
    if (i < 0) continue;
    p50[i] = r3(c.p50);
    p95[i] = r3(c.p95);
    p99[i] = r3(c.p99);
    count[i] = c.count;
  }
  const o = all.cells[0];
  return {
    meta: {
      ...meta(w, bw.bucketSeconds, series.exact ? 'raw' : 'rollup', series.ignored),
      exact: series.exact,
      percentiles: chPrecision(series.exact),
    },
    stages,
    t: bw.t,
    p50,
    p95,
    p99,
    count,
    overall: {
      p50: r3(o?.p50 ?? null),
      p95: r3(o?.p95 ?? null),
      p99: r3(o?.p99 ?? null),
      count: o?.count ?? 0,
      meanMs: o && o.count > 0 ? r3(o.sumMs / o.count) : null,
    },
  };
}

/** Display order of the reference pipeline's stages; others follow alphabetically. */
const STAGE_ORDER = ['classify', 'map', 'generate', 'validate', END_TO_END_STAGE];

export async function stageBreakdown(ctx: ChContext, q: PanelQuery): Promise<StagesResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const base = { w, f: q, byStage: true, allStages: true, exactMaxRows: ctx.exactMaxRows };
  const overall = await readLatency(ctx.ch, ctx.db, { ...base, stepS: null });
  const perBucket = await readLatency(ctx.ch, ctx.db, { ...base, stepS: bw.bucketSeconds, forceExact: true });
  const stages = overall.cells
    .map((c) => c.stage)
    .sort((a, b) => {
      const ia = STAGE_ORDER.indexOf(a);
      const ib = STAGE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  const byStage = new Map(overall.cells.map((c) => [c.stage, c]));
  const grand = overall.cells.reduce((a, c) => a + c.sumMs, 0);
  const out: StagesResponse = {
    meta: {
      ...meta(w, bw.bucketSeconds, overall.exact ? 'raw' : 'rollup', overall.ignored),
      exact: overall.exact,
      percentiles: chPrecision(overall.exact),
    },
    stages,
    count: [],
    errors: [],
    errorRate: [],
    meanMs: [],
    p50Ms: [],
    p95Ms: [],
    p99Ms: [],
    totalMs: [],
    share: [],
    t: bw.t,
    meanMsOverTime: {},
  };
  for (const s of stages) {
    const o = byStage.get(s);
    if (!o) continue;
    out.count.push(o.count);
    out.errors.push(o.errors);
    out.errorRate.push(o.count > 0 ? round(o.errors / o.count) : null);
    out.meanMs.push(o.count > 0 ? r3(o.sumMs / o.count) : null);
    out.p50Ms.push(r3(o.p50));
    out.p95Ms.push(r3(o.p95));
    out.p99Ms.push(r3(o.p99));
    out.totalMs.push(r3(o.sumMs) ?? 0);
    out.share.push(grand > 0 ? round(o.sumMs / grand) : null);
    out.meanMsOverTime[s] = bw.t.map(() => null);
  }
  for (const c of perBucket.cells) {
    const series = out.meanMsOverTime[c.stage];
    const i = bucketSlot(bw.t, bw.bucketSeconds, c.t);
    if (series && i >= 0 && c.count > 0) series[i] = r3(c.sumMs / c.count);
  }
  return out;
}

/**
 * The heatmap's display bucket of a duration in ns, as the SQLite store computes it from its
 * rollup sketches (store/histogram.ts toDisplayBuckets): the duration's sketch bucket, that
 * bucket's representative value, then the display bucket of that value.
 */
const SKETCH_INDEX = `if(duration_ns > 1, least(${SKETCH_BUCKETS - 1}, toUInt32(ceil(ln(duration_ns) / ln(${SKETCH_GAMMA})))), 0)`;
const SKETCH_VALUE = `(2 * exp(${SKETCH_INDEX} * ln(${SKETCH_GAMMA})) / ${SKETCH_GAMMA + 1})`;
const BUCKET_INDEX = `if(${SKETCH_VALUE} > ${DISPLAY_BASE_NS}, toUInt32(floor(ln(${SKETCH_VALUE} / ${DISPLAY_BASE_NS}) / (ln(2) / 4))), 0)`;

export async function latencyHeatmap(ctx: ChContext, q: PanelQuery): Promise<HeatmapResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const stages = q.stage.length > 0 ? q.stage : [END_TO_END_STAGE];
  const p = new Params();
  const src = spanSource(p, ctx.db, w, { ...q, stage: stages });
  const rows = await ctx.ch.query<{ t: number; b: number; n: number | string }>(
    `SELECT ${bucketMs('time', bw.bucketSeconds)} AS t, ${BUCKET_INDEX} AS b, count() AS n FROM (${src.sql}) GROUP BY t, b`,
    p.values,
  );
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (const r of rows) {
    lo = Math.min(lo, r.b);
    hi = Math.max(hi, r.b);
  }
  const counts = bw.t.map(() => (hi < 0 ? [] : new Array<number>(hi - lo + 1).fill(0)));
  let maxCount = 0;
  for (const r of rows) {
    const i = bucketSlot(bw.t, bw.bucketSeconds, num(r.t));
    const row = counts[i];
    if (!row) continue;
    row[r.b - lo] = (row[r.b - lo] ?? 0) + num(r.n);
    maxCount = Math.max(maxCount, row[r.b - lo] ?? 0);
  }
  return {
    meta: meta(w, bw.bucketSeconds, 'raw', src.ignored),
    stages,
    t: bw.t,
    edgesMs: hi < 0 ? [] : bucketEdgesMs(lo, hi).map((x) => Math.round(x * 1000) / 1000),
    counts,
    maxCount,
  };
}

export async function cacheHitRate(ctx: ChContext, q: PanelQuery): Promise<CacheResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const p = new Params();
  const src = cacheSource(p, ctx.db, w, q);
  const rows = await ctx.ch.query<{
    t: number;
    cache: string;
    hits: number | string;
    lookups: number | string;
  }>(
    `SELECT ${bucketMs('time', bw.bucketSeconds)} AS t, cache_name AS cache, sum(hit) AS hits, count() AS lookups
      FROM (${src.sql}) GROUP BY t, cache`,
    p.values,
  );
  const caches = [...new Set(rows.map((r) => r.cache))].sort();
  const hits: Record<string, number[]> = {};
  const misses: Record<string, number[]> = {};
  for (const c of caches) {
    hits[c] = bw.t.map(() => 0);
    misses[c] = bw.t.map(() => 0);
  }
  for (const r of rows) {
    const i = bucketSlot(bw.t, bw.bucketSeconds, num(r.t));
    const h = hits[r.cache];
    const m = misses[r.cache];
    if (!h || !m || i < 0) continue;
    h[i] = (h[i] ?? 0) + num(r.hits);
    m[i] = (m[i] ?? 0) + num(r.lookups) - num(r.hits);
  }
  const hitRate: Record<string, (number | null)[]> = {};
  const overall: CacheResponse['overall'] = { caches, hitRate: [], hits: [], misses: [] };
  for (const c of caches) {
    const h = hits[c] ?? [];
    const m = misses[c] ?? [];
    hitRate[c] = h.map((x, i) => (x + (m[i] ?? 0) > 0 ? round(x / (x + (m[i] ?? 0))) : null));
    const th = h.reduce((a, b) => a + b, 0);
    const tm = m.reduce((a, b) => a + b, 0);
    overall.hits.push(th);
    overall.misses.push(tm);
    overall.hitRate.push(th + tm > 0 ? round(th / (th + tm)) : null);
  }
  return {
    meta: meta(w, bw.bucketSeconds, 'raw', src.ignored),
    caches,
    t: bw.t,
    hitRate,
    hits,
    misses,
    overall,
  };
}

export async function benchmarkDurations(
  ctx: ChContext,
  q: BenchmarkDurationsQuery,
): Promise<BenchmarkDurationsResponse> {
  const w = resolveWindow(q, ctx, '30d');
  const p = new Params();
  const conds = [inWindow(p, 'started', w)];
  if (q.model.length > 0) conds.push(`model IN ${p.bind(q.model, 'Array(String)')}`);
  const rows = await ctx.ch.query<{
    id: string;
    t: number | string;
    duration_ms: number;
    components: number | null;
    model: string | null;
    status_code: number;
    simulated: number;
  }>(
    `SELECT * FROM (
        SELECT id, toUnixTimestamp64Milli(started) AS t, duration_ns / 1e6 AS duration_ms, components, model, status_code, simulated
        FROM ${ctx.db}.genscope_benchmark_runs FINAL WHERE ${and(conds)} ORDER BY started DESC LIMIT ${p.bind(q.limit, 'UInt32')}
      ) ORDER BY t`,
    p.values,
  );
  return {
    meta: meta(w, null, 'raw', []),
    id: rows.map((r) => r.id),
    t: rows.map((r) => num(r.t)),
    durationMs: rows.map((r) => r3(r.duration_ms) ?? 0),
    components: rows.map((r) => r.components),
    msPerComponent: rows.map((r) => (r.components ? r3(r.duration_ms / r.components) : null)),
    model: rows.map((r) => r.model),
    statusCode: rows.map((r) => r.status_code),
    simulated: rows.map((r) => r.simulated === 1),
  };
}
