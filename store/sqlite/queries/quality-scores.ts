/**
 * Panel "quality over time": the mean of each score per time bucket (visual pixel and structural
 * similarity and code quality by default), or of one score split by component type or model.
 */
import { QUALITY_SCORE_NAMES } from '../../../schema/api';
import type { QualityScoresQuery, QualityScoresResponse } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource } from './sources';
import { all, bucketMsExpr, round } from './sql';

export function qualityScores(ctx: QueryContext, q: QualityScoresQuery): QualityScoresResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const names = q.score.length > 0 ? q.score : QUALITY_SCORE_NAMES.slice(0, 3);
  const src = scoreSource(w, q, names, { grainS: bw.grainS, dims: q.groupBy !== 'none' });
  const keyCol = q.groupBy === 'componentType' ? 'component_type' : q.groupBy === 'model' ? 'model' : 'name';
  const rows = all<{ t: number; k: string; s: number; n: number }>(ctx.db, {
    sql: `SELECT ${bucketMsExpr('bucket_ns', bw.bucketSeconds)} AS t, ${keyCol} AS k, SUM(sum) AS s, SUM(count) AS n
      FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const keys = q.groupBy === 'none' ? [...names] : [...new Set(rows.map((r) => r.k))].sort();
  const sums: Record<string, number[]> = {};
  const counts: Record<string, number[]> = {};
  for (const k of keys) {
    sums[k] = bw.t.map(() => 0);
    counts[k] = bw.t.map(() => 0);
  }
  const first = bw.t[0] ?? 0;
  const stepMs = bw.bucketSeconds * 1000;
  for (const r of rows) {
    const i = Math.floor((r.t - first) / stepMs);
    const s = sums[r.k];
    const c = counts[r.k];
    if (!s || !c || i < 0 || i >= bw.t.length) continue;
    s[i] = (s[i] ?? 0) + r.s;
    c[i] = (c[i] ?? 0) + r.n;
  }
  const series: Record<string, (number | null)[]> = {};
  for (const k of keys) {
    const c = counts[k] ?? [];
    series[k] = (sums[k] ?? []).map((s, i) => ((c[i] ?? 0) > 0 ? round(s / (c[i] ?? 1)) : null));
  }
  return { meta: meta(w, bw.bucketSeconds, src.source, src.ignored), t: bw.t, keys, series, counts };
}
