/**
 * Panel "summary": the KPI tiles over the window and over the previous window of equal length,
 * with the absolute and relative change. Runs and latency are end-to-end (`pipeline.run`), so the
 * stage filter does not apply here.
 */
import { END_TO_END_STAGE, SUMMARY_KPIS } from '../../../schema/api';
import type { Kpi, SummaryKpiName, SummaryQuery, SummaryResponse } from '../../../schema/api';
import { SCORE } from '../../../schema/names';
import { previousWindow, resolveWindow } from '../../window';
import type { Window } from '../../window';
import { meta } from './context';
import { percentilePrecision } from '../../percentiles';
import type { QueryContext } from './context';
import { exactPercentiles, histogramPercentiles } from './histograms';
import { loadLatency } from './latency-data';
import { cacheSource, modelCallSource, scoreSource } from './sources';
import { all, get, round } from './sql';
import type { Filters } from './sql';

const SCORE_KPIS: [SummaryKpiName, string][] = [
  ['classificationAccuracy', SCORE.classificationAccuracy],
  ['mappingConfidence', SCORE.mappingConfidence],
  ['pixelSimilarity', SCORE.pixelSimilarity],
  ['structuralSimilarity', SCORE.structuralSimilarity],
  ['codeQuality', SCORE.codeQuality],
];

function values(
  ctx: QueryContext,
  w: Window,
  f: Filters,
): { v: Record<SummaryKpiName, number | null>; source: 'rollup' | 'raw'; ignored: string[]; exact: boolean } {
  const lat = loadLatency(ctx, w, null, { ...f, stage: [END_TO_END_STAGE] }, { allowExact: true });
  const run = lat.overall.get(END_TO_END_STAGE);
  const exact = lat.exact && run?.values !== null;
  const p = run ? (exact && run.values ? exactPercentiles(run.values) : histogramPercentiles(run.hist)) : { p50: null, p95: null, p99: null };
  const runs = run?.count ?? 0;
  const errors = run?.errors ?? 0;

  const mc = modelCallSource(w, f);
  const calls = get<{ cost: number | null; calls: number | null; tokens: number | null }>(ctx.db, {
    sql: `SELECT SUM(cost_usd) AS cost, SUM(calls) AS calls, SUM(input_tokens + output_tokens) AS tokens FROM (${mc.from.sql})`,
    params: mc.from.params,
  });
  const cache = cacheSource(w, f);
  // Cache lookups are not kept per model: under a model filter the rate of all models would be
  // shown as that model's, so there is none.
  const cacheByModel = f.model.length > 0 && cache.ignored.includes('model');
  const c = cacheByModel
    ? undefined
    : get<{ hits: number | null; misses: number | null }>(ctx.db, {
        sql: `SELECT SUM(hits) AS hits, SUM(misses) AS misses FROM (${cache.from.sql})`,
        params: cache.from.params,
      });
  const sc = scoreSource(w, f, SCORE_KPIS.map(([, n]) => n), { dims: false });
  const scores = new Map(
    all<{ name: string; s: number; n: number }>(ctx.db, {
      sql: `SELECT name, SUM(sum) AS s, SUM(count) AS n FROM (${sc.from.sql}) GROUP BY name`,
      params: sc.from.params,
    }).map((r) => [r.name, r.n > 0 ? r.s / r.n : null]),
  );
  const cost = calls?.cost ?? 0;
  const hits = c?.hits ?? 0;
  const lookups = hits + (c?.misses ?? 0);
  const v = {
    runs,
    successRate: runs > 0 ? (runs - errors) / runs : null,
    errorRate: runs > 0 ? errors / runs : null,
    latencyP50Ms: p.p50,
    latencyP95Ms: p.p95,
    latencyP99Ms: p.p99,
    costUsd: cost,
    costPerRunUsd: runs > 0 ? cost / runs : null,
    modelCalls: calls?.calls ?? 0,
    tokens: calls?.tokens ?? 0,
    cacheHitRate: lookups > 0 ? hits / lookups : null,
  } as Record<SummaryKpiName, number | null>;
  for (const [k, name] of SCORE_KPIS) v[k] = scores.get(name) ?? null;
  const raw = [lat, mc, cache, sc].some((s) => s.source === 'raw');
  const cacheIgnored = cacheByModel ? cache.ignored.filter((x) => x !== 'model') : cache.ignored;
  return { v, source: raw ? 'raw' : 'rollup', ignored: [...lat.ignored, ...mc.ignored, ...cacheIgnored, ...sc.ignored], exact };
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

export function summary(ctx: QueryContext, q: SummaryQuery): SummaryResponse {
  const w = resolveWindow(q, ctx, '24h');
  const prev = previousWindow(w);
  const f: Filters = { ...q, stage: [] };
  const cur = values(ctx, w, f);
  const before = values(ctx, prev, f);
  const kpis = {} as Record<SummaryKpiName, Kpi>;
  for (const k of SUMMARY_KPIS) kpis[k] = kpi(cur.v[k], before.v[k]);
  return {
    meta: { ...meta(w, null, cur.source, q.stage.length > 0 ? [...cur.ignored, 'stage'] : cur.ignored), percentiles: percentilePrecision(cur.exact) },
    previous: { fromMs: prev.fromMs, toMs: prev.toMs },
    kpis,
  };
}
