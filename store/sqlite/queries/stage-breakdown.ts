/**
 * Panel "stage breakdown": per stage count, errors, mean and p50/p95/p99 over the window, each
 * stage's share of the summed stage time, and mean duration per stage per bucket (stacked).
 * The end-to-end '(run)' row is left out unless asked for in `stage`.
 */
import { END_TO_END_STAGE } from '../../../schema/api';
import type { PanelQuery, StagesResponse } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import type { BucketedWindow, Window } from '../../window';
import { meta } from './context';
import { percentilePrecision } from '../../percentiles';
import type { QueryContext } from './context';
import { exactPercentiles, histogramPercentiles } from './histograms';
import { canUseRaw, loadLatency } from './latency-data';
import { spanSource } from './sources';
import { all, bucketMsExpr } from './sql';
import type { Filters } from './sql';
import { round } from './sql';

/** Mean duration (ms) per stage per time bucket, summed in SQL from the rollups. */
function meanSeries(ctx: QueryContext, w: Window, bw: BucketedWindow, f: Filters): Map<string, (number | null)[]> {
  const src = spanSource(w, f, { grainS: bw.grainS, stagesOnly: f.stage.length === 0, dims: false });
  const rows = all<{ t: number; stage: string; n: number; sum_ms: number }>(ctx.db, {
    sql: `SELECT ${bucketMsExpr('bucket_ns', bw.bucketSeconds)} AS t, stage, SUM(count) AS n, SUM(duration_sum_ns) / 1e6 AS sum_ms
      FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const out = new Map<string, (number | null)[]>();
  const first = bw.t[0] ?? 0;
  const stepMs = bw.bucketSeconds * 1000;
  for (const r of rows) {
    let series = out.get(r.stage);
    if (!series) {
      series = bw.t.map(() => null);
      out.set(r.stage, series);
    }
    const i = Math.floor((r.t - first) / stepMs);
    if (i >= 0 && i < series.length && r.n > 0) series[i] = round(r.sum_ms / r.n, 3);
  }
  return out;
}

export function stageBreakdown(ctx: QueryContext, q: PanelQuery): StagesResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  // Exact (raw rows): one pass gives both. Rollups: percentiles from the coarsest rows covering the
  // window; the per-bucket means need no histogram, so they are summed in SQL.
  const exact = q.benchmarkRun !== undefined || canUseRaw(ctx, w, q);
  const data = loadLatency(ctx, w, exact ? bw : null, q, { allowExact: exact, allStages: true });
  const means = exact ? null : meanSeries(ctx, w, bw, q);
  const stages = [...data.overall.keys()].sort((a, b) => {
    const ia = STAGE_ORDER.indexOf(a);
    const ib = STAGE_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const out: StagesResponse = {
    meta: { ...meta(w, bw.bucketSeconds, data.source, data.ignored), exact: data.exact, percentiles: percentilePrecision(data.exact) },
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
  let grand = 0;
  for (const s of stages) grand += data.overall.get(s)?.sumMs ?? 0;
  for (const s of stages) {
    const o = data.overall.get(s);
    if (!o) continue;
    const p = data.exact && o.values ? exactPercentiles(o.values) : histogramPercentiles(o.hist);
    out.count.push(o.count);
    out.errors.push(o.errors);
    out.errorRate.push(o.count > 0 ? round(o.errors / o.count) : null);
    out.meanMs.push(o.count > 0 ? round(o.sumMs / o.count, 3) : null);
    out.p50Ms.push(round(p.p50, 3));
    out.p95Ms.push(round(p.p95, 3));
    out.p99Ms.push(round(p.p99, 3));
    out.totalMs.push(round(o.sumMs, 3) ?? 0);
    out.share.push(grand > 0 ? round(o.sumMs / grand) : null);
    out.meanMsOverTime[s] = means
      ? (means.get(s) ?? bw.t.map(() => null))
      : data.buckets.map((b) => {
          const x = b.get(s);
          return x && x.count > 0 ? round(x.sumMs / x.count, 3) : null;
        });
  }
  return out;
}

/** Display order of the reference pipeline's stages; others follow alphabetically. */
const STAGE_ORDER = ['classify', 'map', 'generate', 'validate', END_TO_END_STAGE];
