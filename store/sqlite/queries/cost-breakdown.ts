/** Panel "cost breakdown": cost, calls, errors and tokens per operation, stage, model, component type or provider. */
import type { CostBreakdownQuery, CostBreakdownResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { modelCallSource, spanSource } from './sources';
import { all, round } from './sql';

const GROUP_COLUMN = { operation: 'operation', stage: 'stage', model: 'model', componentType: 'component_type', provider: 'provider' } as const;

export function costBreakdown(ctx: QueryContext, q: CostBreakdownQuery): CostBreakdownResponse {
  const w = resolveWindow(q, ctx, '24h');
  const byStage = q.groupBy === 'stage';
  const src = byStage ? spanSource(w, q, { stagesOnly: true, dims: false }) : modelCallSource(w, q);
  const rows = byStage
    ? all<{ g: string; cost: number }>(ctx.db, {
        sql: `SELECT stage AS g, SUM(cost_usd) AS cost FROM (${src.from.sql}) GROUP BY 1 ORDER BY cost DESC, g`,
        params: src.from.params,
      }).map((r) => ({ ...r, calls: null, errors: null, inTok: null, outTok: null, cachedTok: null }))
    : all<{ g: string; cost: number; calls: number; errors: number; inTok: number; outTok: number; cachedTok: number }>(ctx.db, {
        sql: `SELECT ${GROUP_COLUMN[q.groupBy]} AS g, SUM(cost_usd) AS cost, SUM(calls) AS calls, SUM(errors) AS errors,
            SUM(input_tokens) AS inTok, SUM(output_tokens) AS outTok, SUM(cached_tokens) AS cachedTok
          FROM (${src.from.sql}) GROUP BY 1 ORDER BY cost DESC, g`,
        params: src.from.params,
      });
  const totalUsd = rows.reduce((a, r) => a + r.cost, 0);
  return {
    meta: meta(w, null, src.source, src.ignored),
    groupBy: q.groupBy,
    groups: rows.map((r) => r.g),
    costUsd: rows.map((r) => round(r.cost, 9) ?? 0),
    calls: rows.map((r) => r.calls),
    errors: rows.map((r) => r.errors),
    inputTokens: rows.map((r) => r.inTok),
    outputTokens: rows.map((r) => r.outTok),
    cachedTokens: rows.map((r) => r.cachedTok),
    costPerCallUsd: rows.map((r) => (r.calls ? round(r.cost / r.calls, 9) : null)),
    share: rows.map((r) => (totalUsd > 0 ? round(r.cost / totalUsd) : null)),
    totalUsd: round(totalUsd, 9) ?? 0,
  };
}
