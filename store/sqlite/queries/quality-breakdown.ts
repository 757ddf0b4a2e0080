/** Panel "quality by type / model": the mean of each score per component type or model over the window. */
import { QUALITY_SCORE_NAMES } from '../../../schema/api';
import type { QualityBreakdownQuery, QualityBreakdownResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource } from './sources';
import { all, round } from './sql';

export function qualityBreakdown(ctx: QueryContext, q: QualityBreakdownQuery): QualityBreakdownResponse {
  const w = resolveWindow(q, ctx, '24h');
  const names = q.score.length > 0 ? q.score : [...QUALITY_SCORE_NAMES];
  const src = scoreSource(w, q, names);
  const groupCol = q.groupBy === 'model' ? 'model' : 'component_type';
  const rows = all<{ g: string; name: string; s: number; n: number }>(ctx.db, {
    sql: `SELECT ${groupCol} AS g, name, SUM(sum) AS s, SUM(count) AS n FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const groups = [...new Set(rows.map((r) => r.g))].sort();
  const gi = new Map(groups.map((g, i) => [g, i]));
  const series: Record<string, (number | null)[]> = {};
  const counts: Record<string, number[]> = {};
  const sums: Record<string, number[]> = {};
  for (const name of names) {
    sums[name] = groups.map(() => 0);
    counts[name] = groups.map(() => 0);
  }
  for (const r of rows) {
    const i = gi.get(r.g) ?? -1;
    const s = sums[r.name];
    const c = counts[r.name];
    if (!s || !c || i < 0) continue;
    s[i] = (s[i] ?? 0) + r.s;
    c[i] = (c[i] ?? 0) + r.n;
  }
  for (const name of names) {
    const c = counts[name] ?? [];
    series[name] = (sums[name] ?? []).map((s, i) => ((c[i] ?? 0) > 0 ? round(s / (c[i] ?? 1)) : null));
  }
  return { meta: meta(w, null, src.source, src.ignored), groupBy: q.groupBy, groups, series, counts };
}
