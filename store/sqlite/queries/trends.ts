/**
 * Panel "trends": success rate (1 - failed runs / runs) or a quality score's mean, per component
 * type and for all types ('(all)'), per time bucket, with a trailing rolling mean over `window`
 * buckets and the least-squares line (analysis/ rollingMean and linearTrend): its change from the
 * first to the last bucket with data, and its slope per day only over windows of at least
 * MIN_SLOPE_DAYS with data over a day or more (a per-day rate read off a few hours is an extrapolation: -25 pp/day for a score
 * that cannot move more than 1).
 */
import { linearTrend, rollingMean } from '../../../analysis/index';
import { END_TO_END_STAGE } from '../../../schema/api';
import type { TrendsQuery, TrendsResponse } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource, spanSource } from './sources';
import type { Source } from './sources';
import { all, bucketMsExpr, round } from './sql';

export const ALL_TYPES = '(all)';
const DAY_MS = 86_400_000;
export const MIN_SLOPE_DAYS = 2;

export function trends(ctx: QueryContext, q: TrendsQuery): TrendsResponse {
  const w = resolveWindow(q, ctx, '30d');
  const bw = bucketWindow(w, q.bucket);
  let src: Source;
  let valueSql: string;
  if (q.metric === 'successRate') {
    src = spanSource(w, { ...q, stage: [END_TO_END_STAGE] }, { grainS: bw.grainS });
    valueSql = 'SUM(count) - SUM(errors) AS good, SUM(count) AS n';
  } else {
    src = scoreSource(w, q, [q.score], { grainS: bw.grainS });
    valueSql = 'SUM(sum) AS good, SUM(count) AS n';
  }
  const rows = all<{ t: number; type: string; good: number; n: number }>(ctx.db, {
    sql: `SELECT ${bucketMsExpr('bucket_ns', bw.bucketSeconds)} AS t, component_type AS type, ${valueSql} FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const componentTypes = [...new Set(rows.map((r) => r.type))].sort();
  const keys = [ALL_TYPES, ...componentTypes];
  const good: Record<string, number[]> = {};
  const count: Record<string, number[]> = {};
  for (const k of keys) {
    good[k] = bw.t.map(() => 0);
    count[k] = bw.t.map(() => 0);
  }
  const first = bw.t[0] ?? 0;
  const stepMs = bw.bucketSeconds * 1000;
  for (const r of rows) {
    const i = Math.floor((r.t - first) / stepMs);
    if (i < 0 || i >= bw.t.length) continue;
    for (const k of [ALL_TYPES, r.type]) {
      const g = good[k];
      const c = count[k];
      if (!g || !c) continue;
      g[i] = (g[i] ?? 0) + r.good;
      c[i] = (c[i] ?? 0) + r.n;
    }
  }
  const value: Record<string, (number | null)[]> = {};
  const rolling: Record<string, (number | null)[]> = {};
  const slopePerDay: Record<string, number | null> = {};
  const fittedChange: Record<string, number | null> = {};
  const longWindow = w.toMs - w.fromMs >= MIN_SLOPE_DAYS * DAY_MS;
  for (const k of keys) {
    const c = count[k] ?? [];
    const v = (good[k] ?? []).map((g, i) => ((c[i] ?? 0) > 0 ? g / (c[i] ?? 1) : null));
    value[k] = v.map((x) => round(x));
    rolling[k] = rollingMean(
      v.map((x) => (x === null ? Number.NaN : x)),
      q.window,
      { minPeriods: 1 },
    ).map((x) => round(x));
    const xs: number[] = [];
    const ys: number[] = [];
    v.forEach((x, i) => {
      if (x !== null) {
        xs.push((bw.t[i] ?? 0) / DAY_MS);
        ys.push(x);
      }
    });
    const fit = linearTrend(xs, ys);
    const spanDays = xs.length > 1 ? (xs[xs.length - 1] ?? 0) - (xs[0] ?? 0) : 0;
    const ok = Number.isFinite(fit.slope);
    slopePerDay[k] = ok && longWindow && spanDays >= 1 ? round(fit.slope, 9) : null;
    fittedChange[k] = ok ? round(fit.slope * spanDays, 9) : null;
  }
  return {
    meta: meta(w, bw.bucketSeconds, src.source, q.metric === 'successRate' && q.stage.length > 0 ? [...src.ignored, 'stage'] : src.ignored),
    metric: q.metric,
    score: q.metric === 'score' ? q.score : null,
    window: q.window,
    componentTypes,
    t: bw.t,
    value,
    rollingMean: rolling,
    count,
    slopePerDay,
    fittedChange,
  };
}
