/**
 * Cost panels and the summary on ClickHouse: cost over time, cost breakdown, cost per component,
 * budget, cost-saving opportunities, KPI summary. Same response shapes as the SQLite store.
 */
import { END_TO_END_STAGE, SUMMARY_KPIS } from '../../schema/api';
import type {
  BudgetQuery,
  BudgetResponse,
  CostBreakdownQuery,
  CostBreakdownResponse,
  CostComponentsQuery,
  CostComponentsResponse,
  CostOverTimeQuery,
  CostOverTimeResponse,
  Kpi,
  OpportunitiesQuery,
  OpportunitiesResponse,
  SummaryKpiName,
  SummaryQuery,
  SummaryResponse,
} from '../../schema/api';
import { SCORE } from '../../schema/names';
import { findOpportunities } from '../../analysis/index';
import { budgetAnswer, budgetMonth } from '../budget';
import { splitColumns } from '../component-split';
import type { SplitRow } from '../component-split';
import type { ModelStats, TypeStats } from '../../analysis/index';
import { bucketWindow, makeWindow, previousWindow, resolveWindow } from '../window';
import type { Window } from '../window';
import { meta } from '../sqlite/queries/context';
import { round } from '../sqlite/queries/sql';
import type { ChContext } from './context';
import { bucketSlot, chPrecision } from './context';
import { readLatency } from './latency';
import {
  and,
  bucketMs,
  cacheSource,
  filterSql,
  inWindow,
  modelCallSource,
  num,
  Params,
  scoreSource,
  spanSource,
} from './sql';
import type { ChFilters } from './sql';

const r9 = (x: number) => round(x, 9) ?? 0;

const GROUP_COLUMN = {
  none: "''",
  operation: 'operation',
  stage: 'stage',
  model: 'model',
  componentType: 'component_type',
  provider: 'provider',
} as const;

export async function costOverTime(ctx: ChContext, q: CostOverTimeQuery): Promise<CostOverTimeResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const p = new Params();
  // Stage costs come from the stage spans (each carries the cost of the calls made inside it).
  const src =
    q.groupBy === 'stage'
      ? spanSource(p, ctx.db, w, q, { stagesOnly: true })
      : modelCallSource(p, ctx.db, w, q);
  const rows = await ctx.ch.query<{ t: number | string; g: string; cost: number }>(
    `SELECT ${bucketMs('time', bw.bucketSeconds)} AS t, ${GROUP_COLUMN[q.groupBy]} AS g, sum(cost_usd) AS cost
      FROM (${src.sql}) GROUP BY t, g`,
    p.values,
  );
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.g, (totals.get(r.g) ?? 0) + r.cost);
  const groups =
    q.groupBy === 'none'
      ? ['total']
      : [...totals.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b));
  const series: Record<string, number[]> = {};
  for (const g of groups) series[g] = bw.t.map(() => 0);
  const total = bw.t.map(() => 0);
  for (const r of rows) {
    const i = bucketSlot(bw.t, bw.bucketSeconds, num(r.t));
    const s = series[q.groupBy === 'none' ? 'total' : r.g];
    if (!s || i < 0) continue;
    s[i] = (s[i] ?? 0) + r.cost;
    total[i] = (total[i] ?? 0) + r.cost;
  }
  for (const g of groups) series[g] = (series[g] ?? []).map(r9);
  return {
    meta: meta(w, bw.bucketSeconds, 'raw', src.ignored),
    groupBy: q.groupBy,
    groups,
    t: bw.t,
    series,
    total: total.map(r9),
  };
}

export async function costBreakdown(ctx: ChContext, q: CostBreakdownQuery): Promise<CostBreakdownResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const byStage = q.groupBy === 'stage';
  const src = byStage ? spanSource(p, ctx.db, w, q, { stagesOnly: true }) : modelCallSource(p, ctx.db, w, q);
  type Row = {
    g: string;
    cost: number;
    calls: number | null;
    errors: number | null;
    inTok: number | null;
    outTok: number | null;
    cachedTok: number | null;
  };
  const rows = byStage
    ? (
        await ctx.ch.query<{ g: string; cost: number }>(
          `SELECT stage AS g, sum(cost_usd) AS cost FROM (${src.sql}) GROUP BY g ORDER BY cost DESC, g`,
          p.values,
        )
      ).map((r): Row => ({ ...r, calls: null, errors: null, inTok: null, outTok: null, cachedTok: null }))
    : (
        await ctx.ch.query<Record<string, number | string>>(
          `SELECT ${GROUP_COLUMN[q.groupBy]} AS g, sum(cost_usd) AS cost, count() AS calls, sum(err) AS errors,
              sum(input_tokens) AS inTok, sum(output_tokens) AS outTok, sum(cached_tokens) AS cachedTok
            FROM (${src.sql}) GROUP BY g ORDER BY cost DESC, g`,
          p.values,
        )
      ).map((r): Row => ({
        g: String(r.g),
        cost: num(r.cost),
        calls: num(r.calls),
        errors: num(r.errors),
        inTok: num(r.inTok),
        outTok: num(r.outTok),
        cachedTok: num(r.cachedTok),
      }));
  const totalUsd = rows.reduce((a, r) => a + r.cost, 0);
  return {
    meta: meta(w, null, 'raw', src.ignored),
    groupBy: q.groupBy,
    groups: rows.map((r) => r.g),
    costUsd: rows.map((r) => r9(r.cost)),
    calls: rows.map((r) => r.calls),
    errors: rows.map((r) => r.errors),
    inputTokens: rows.map((r) => r.inTok),
    outputTokens: rows.map((r) => r.outTok),
    cachedTokens: rows.map((r) => r.cachedTok),
    costPerCallUsd: rows.map((r) => (r.calls ? round(r.cost / r.calls, 9) : null)),
    share: rows.map((r) => (totalUsd > 0 ? round(r.cost / totalUsd) : null)),
    totalUsd: r9(totalUsd),
  };
}

const ORDER = {
  cost: 'cost DESC',
  runs: 'runs DESC',
  costPerRun: 'cost / runs DESC',
  errors: 'errors DESC',
} as const;

export async function costComponents(
  ctx: ChContext,
  q: CostComponentsQuery,
): Promise<CostComponentsResponse> {
  // The asked window, as every other panel (and the SQLite store, which reads whole days from its
  // daily rollup and the edges from raw runs) answers it.
  const w = resolveWindow(q, ctx, '30d');
  const p = new Params();
  const { conds, ignored } = filterSql(p, q, {
    componentType: 'component_type',
    model: 'model',
    benchmarkRun: 'benchmark_run_id',
  });
  const rows = await ctx.ch.query<{
    id: string;
    type: string;
    runs: number | string;
    errors: number | string;
    cost: number;
    dur_ms: number;
    total: number | string;
  }>(
    `SELECT *, count() OVER () AS total FROM (
        SELECT assumeNotNull(component_id) AS id, ifNull(component_type, '') AS type, count() AS runs, countIf(status_code = 2) AS errors,
          sum(ifNull(cost_usd, 0)) AS cost, sum(duration_ns) / 1e6 AS dur_ms
        FROM ${ctx.db}.genscope_spans
        WHERE ${and(["role = 'run'", 'component_id IS NOT NULL', inWindow(p, 'start', w), ...conds])}
        GROUP BY id, type
      ) ORDER BY ${ORDER[q.sort]}, id LIMIT ${p.bind(q.limit, 'UInt32')}`,
    p.values,
  );
  return {
    meta: meta(w, null, 'raw', ignored),
    componentId: rows.map((r) => r.id),
    componentType: rows.map((r) => r.type),
    runs: rows.map((r) => num(r.runs)),
    errors: rows.map((r) => num(r.errors)),
    costUsd: rows.map((r) => r9(r.cost)),
    costPerRunUsd: rows.map((r) => (num(r.runs) > 0 ? round(r.cost / num(r.runs), 9) : null)),
    meanDurationMs: rows.map((r) => (num(r.runs) > 0 ? round(r.dur_ms / num(r.runs), 3) : null)),
    totalComponents: num(rows[0]?.total ?? 0),
    split: await componentSplit(ctx, q, w, rows.map((r) => r.id)),
  };
}

/** The listed components' model spend by stage and operation (CostComponentsResponse.split). */
async function componentSplit(ctx: ChContext, q: CostComponentsQuery, w: Window, ids: string[]): Promise<CostComponentsResponse['split']> {
  if (ids.length === 0) return { stage: [], operation: [], costUsd: [], calls: [] };
  const p = new Params();
  const { conds } = filterSql(p, q, { componentType: 'component_type', model: 'response_model', benchmarkRun: 'benchmark_run_id' });
  const rows = await ctx.ch.query<SplitRow>(
    `SELECT assumeNotNull(component_id) AS component_id, ifNull(stage, '') AS stage, ifNull(operation, '') AS operation,
        count() AS calls, sum(ifNull(cost_usd, 0)) AS cost
      FROM ${ctx.db}.genscope_model_calls
      WHERE ${and([`component_id IN ${p.bind(ids, 'Array(String)')}`, inWindow(p, 'time', w), ...conds])}
      GROUP BY component_id, stage, operation ORDER BY stage, operation`,
    p.values,
  );
  return splitColumns(ids, rows);
}

async function dailyCost(ctx: ChContext, f: ChFilters, fromMs: number, toMs: number) {
  const p = new Params();
  const src = modelCallSource(p, ctx.db, makeWindow(fromMs, toMs), {
    ...f,
    stage: [],
    benchmarkRun: undefined,
  });
  const rows = await ctx.ch.query<{ day: number | string; usd: number }>(
    `SELECT ${bucketMs('time', 86_400)} AS day, sum(cost_usd) AS usd FROM (${src.sql}) GROUP BY day ORDER BY day`,
    p.values,
  );
  return { rows: rows.map((r) => ({ day: num(r.day), usd: r.usd })), ignored: src.ignored };
}

export async function budget(ctx: ChContext, q: BudgetQuery): Promise<BudgetResponse> {
  const m = budgetMonth(ctx.nowMs);
  const f: ChFilters = { ...q, stage: [] };
  const filtered = q.componentType.length > 0 || q.model.length > 0;
  const cur = await dailyCost(ctx, f, m.readFromMs, ctx.nowMs);
  const total = filtered ? await dailyCost(ctx, { ...f, componentType: [], model: [] }, m.readFromMs, ctx.nowMs) : null;
  const prev = await dailyCost(ctx, f, m.prevStartMs, m.monthStartMs);
  // The SQLite store counts whole hour rollup rows that start before the cut.
  const cut = await dailyCost(ctx, f, m.prevStartMs, Math.ceil(m.prevCutMs / 3_600_000) * 3_600_000);
  const sum = (rows: { usd: number }[]) => rows.reduce((a, r) => a + r.usd, 0);
  return budgetAnswer({
    ctx,
    meta: meta(makeWindow(m.monthStartMs, ctx.nowMs), 86_400, 'raw', cur.ignored),
    slice: cur.rows,
    total: total ? total.rows : null,
    previous: prev.rows.length > 0 ? { toDateUsd: sum(cut.rows), totalUsd: sum(prev.rows) } : null,
  });
}

/** The scores that judge a generated component (classification and mapping do not depend on the model). */
const OPPORTUNITY_SCORES = [SCORE.pixelSimilarity, SCORE.structuralSimilarity, SCORE.codeQuality] as const;

export async function costOpportunities(
  ctx: ChContext,
  q: OpportunitiesQuery,
): Promise<OpportunitiesResponse> {
  const w = resolveWindow(q, ctx, '30d');
  const f: ChFilters = { ...q, stage: [], benchmarkRun: undefined };
  const p = new Params();
  const sc = scoreSource(p, ctx.db, w, f, OPPORTUNITY_SCORES);
  const scores = await ctx.ch.query<{
    type: string;
    model: string;
    name: string;
    n: number | string;
    total: number;
  }>(
    `SELECT component_type AS type, model, name, count() AS n, sum(value) AS total FROM (${sc.sql})
      WHERE type <> '' AND model <> '' GROUP BY type, model, name`,
    p.values,
  );
  const p2 = new Params();
  const rs = spanSource(p2, ctx.db, w, { ...f, stage: [END_TO_END_STAGE] });
  const runs = await ctx.ch.query<{ type: string; model: string; runs: number | string; cost: number }>(
    `SELECT component_type AS type, model, count() AS runs, sum(cost_usd) AS cost FROM (${rs.sql})
      WHERE type <> '' AND model <> '' GROUP BY type, model`,
    p2.values,
  );
  const types = new Map<string, Map<string, ModelStats & { quality: Record<string, number | null> }>>();
  for (const r of runs) {
    let models = types.get(r.type);
    if (!models) types.set(r.type, (models = new Map()));
    const quality: Record<string, number | null> = {};
    for (const s of OPPORTUNITY_SCORES) quality[s] = null;
    models.set(r.model, { model: r.model, quality, samples: 0, costUsd: r.cost, runs: num(r.runs) });
  }
  const counts = new Map<string, number>();
  for (const s of scores) {
    const m = types.get(s.type)?.get(s.model);
    if (!m || num(s.n) === 0) continue;
    m.quality[s.name] = s.total / num(s.n);
    const key = `${s.type}|${s.model}`;
    counts.set(key, Math.min(counts.get(key) ?? Infinity, num(s.n)));
  }
  const stats: TypeStats[] = [];
  for (const [componentType, models] of types) {
    for (const m of models.values()) m.samples = counts.get(`${componentType}|${m.model}`) ?? 0;
    stats.push({ componentType, models: [...models.values()] });
  }
  const found = findOpportunities(stats, { tolerance: q.tolerance, minSamples: q.minSamples });
  const qualityDelta: Record<string, (number | null)[]> = {};
  for (const s of OPPORTUNITY_SCORES) qualityDelta[s] = found.map((o) => round(o.qualityDelta[s] ?? null, 6));
  return {
    meta: meta(
      w,
      null,
      'raw',
      [...sc.ignored, ...rs.ignored].filter((x, i, a) => a.indexOf(x) === i),
    ),
    tolerance: q.tolerance,
    minSamples: q.minSamples,
    scores: [...OPPORTUNITY_SCORES],
    componentType: found.map((o) => o.componentType),
    currentModel: found.map((o) => o.currentModel),
    candidateModel: found.map((o) => o.candidateModel),
    qualityDelta,
    worstDelta: found.map((o) => round(o.worstDelta, 6) ?? 0),
    currentCostPerRunUsd: found.map((o) => r9(o.currentCostPerRunUsd)),
    candidateCostPerRunUsd: found.map((o) => r9(o.candidateCostPerRunUsd)),
    currentRuns: found.map((o) => o.currentRuns),
    savingsUsd: found.map((o) => r9(o.savingsUsd)),
    savingsShare: found.map((o) => round(o.savingsShare, 6) ?? 0),
  };
}

const SCORE_KPIS: [SummaryKpiName, string][] = [
  ['classificationAccuracy', SCORE.classificationAccuracy],
  ['mappingConfidence', SCORE.mappingConfidence],
  ['pixelSimilarity', SCORE.pixelSimilarity],
  ['structuralSimilarity', SCORE.structuralSimilarity],
  ['codeQuality', SCORE.codeQuality],
];

async function kpiValues(
  ctx: ChContext,
  w: Window,
  f: ChFilters,
): Promise<{ v: Record<SummaryKpiName, number | null>; exact: boolean; ignored: string[] }> {
  const lat = await readLatency(ctx.ch, ctx.db, {
    w,
    f: { ...f, stage: [END_TO_END_STAGE] },
    stepS: null,
    byStage: false,
    exactMaxRows: ctx.exactMaxRows,
  });
  const run = lat.cells[0];
  const runs = run?.count ?? 0;
  const errors = run?.errors ?? 0;
  const p = new Params();
  const mc = modelCallSource(p, ctx.db, w, f);
  const cache = cacheSource(p, ctx.db, w, f);
  const cacheByModel = f.model.length > 0 && cache.ignored.includes('model');
  const sc = scoreSource(
    p,
    ctx.db,
    w,
    f,
    SCORE_KPIS.map(([, n]) => n),
  );
  const [calls] = await ctx.ch.query<{ cost: number; calls: number | string; tokens: number | string }>(
    `SELECT sum(cost_usd) AS cost, count() AS calls, sum(input_tokens + output_tokens) AS tokens FROM (${mc.sql})`,
    p.values,
  );
  const [c] = await ctx.ch.query<{ hits: number | string; lookups: number | string }>(
    `SELECT sum(hit) AS hits, count() AS lookups FROM (${cache.sql})`,
    p.values,
  );
  const scoreRows = await ctx.ch.query<{ name: string; s: number; n: number | string }>(
    `SELECT name, sum(value) AS s, count() AS n FROM (${sc.sql}) GROUP BY name`,
    p.values,
  );
  const scores = new Map(scoreRows.map((r) => [r.name, num(r.n) > 0 ? r.s / num(r.n) : null]));
  const cost = calls?.cost ?? 0;
  const lookups = num(c?.lookups);
  const v = {
    runs,
    successRate: runs > 0 ? (runs - errors) / runs : null,
    errorRate: runs > 0 ? errors / runs : null,
    latencyP50Ms: run?.p50 ?? null,
    latencyP95Ms: run?.p95 ?? null,
    latencyP99Ms: run?.p99 ?? null,
    costUsd: cost,
    costPerRunUsd: runs > 0 ? cost / runs : null,
    modelCalls: num(calls?.calls),
    tokens: num(calls?.tokens),
    // As the SQLite store: cache lookups are not kept per model, so under a model filter there is no rate.
    cacheHitRate: lookups > 0 && !cacheByModel ? num(c?.hits) / lookups : null,
  } as Record<SummaryKpiName, number | null>;
  for (const [k, name] of SCORE_KPIS) v[k] = scores.get(name) ?? null;
  const cacheIgnored = cacheByModel ? cache.ignored.filter((x) => x !== 'model') : cache.ignored;
  return { v, exact: lat.exact, ignored: [...lat.ignored, ...mc.ignored, ...cacheIgnored, ...sc.ignored] };
}

function kpi(value: number | null, previous: number | null): Kpi {
  const delta = value !== null && previous !== null ? value - previous : null;
  return {
    value: round(value, 9),
    previous: round(previous, 9),
    delta: round(delta, 9),
    change: delta !== null && previous !== null && previous !== 0 ? round(delta / Math.abs(previous)) : null,
  };
}

export async function summary(ctx: ChContext, q: SummaryQuery): Promise<SummaryResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const prev = previousWindow(w);
  const f: ChFilters = { ...q, stage: [] };
  const cur = await kpiValues(ctx, w, f);
  const before = await kpiValues(ctx, prev, f);
  const kpis = {} as Record<SummaryKpiName, Kpi>;
  for (const k of SUMMARY_KPIS) kpis[k] = kpi(cur.v[k], before.v[k]);
  const ignored = [...new Set(cur.ignored)];
  return {
    meta: { ...meta(w, null, cur.exact ? 'raw' : 'rollup', q.stage.length > 0 ? [...ignored, 'stage'] : ignored), percentiles: chPrecision(cur.exact) },
    previous: { fromMs: prev.fromMs, toMs: prev.toMs },
    kpis,
  };
}
