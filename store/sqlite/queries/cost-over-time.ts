/**
 * Panel "cost over time": model cost in USD per time bucket, split by operation, stage, model,
 * component type or provider (or not split). Stage costs come from the stage spans' rollups
 * (each stage span carries the cost of the calls made inside it); the rest from model-call rollups.
 */
import type { CostOverTimeQuery, CostOverTimeResponse } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { modelCallSource, spanSource } from './sources';
import { all, bucketMsExpr, round } from './sql';

const GROUP_COLUMN = { none: "''", operation: 'operation', stage: 'stage', model: 'model', componentType: 'component_type', provider: 'provider' } as const;

export function costOverTime(ctx: QueryContext, q: CostOverTimeQuery): CostOverTimeResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const src = q.groupBy === 'stage' ? spanSource(w, q, { grainS: bw.grainS, stagesOnly: true, dims: false }) : modelCallSource(w, q, { grainS: bw.grainS });
  const rows = all<{ t: number; g: string; cost: number }>(ctx.db, {
    sql: `SELECT ${bucketMsExpr('bucket_ns', bw.bucketSeconds)} AS t, ${GROUP_COLUMN[q.groupBy]} AS g, SUM(cost_usd) AS cost
      FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.g, (totals.get(r.g) ?? 0) + r.cost);
  // Largest spenders first, so a stacked chart reads from the bottom.
  const groups = q.groupBy === 'none' ? ['total'] : [...totals.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b));
  const series: Record<string, number[]> = {};
  for (const g of groups) series[g] = bw.t.map(() => 0);
  const total = bw.t.map(() => 0);
  const first = bw.t[0] ?? 0;
  const stepMs = bw.bucketSeconds * 1000;
  for (const r of rows) {
    const i = Math.floor((r.t - first) / stepMs);
    const s = series[q.groupBy === 'none' ? 'total' : r.g];
    if (!s || i < 0 || i >= bw.t.length) continue;
    s[i] = (s[i] ?? 0) + r.cost;
    total[i] = (total[i] ?? 0) + r.cost;
  }
  for (const g of groups) series[g] = (series[g] ?? []).map((x) => round(x, 9) ?? 0);
  return {
    meta: meta(w, bw.bucketSeconds, src.source, src.ignored),
    groupBy: q.groupBy,
    groups,
    t: bw.t,
    series,
    total: total.map((x) => round(x, 9) ?? 0),
  };
}
