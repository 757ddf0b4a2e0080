/**
 * Panel "cost opportunities": per component type and model, the mean of each output-quality
 * score (rollup_scores) and the model cost per run (run rows of rollup_spans), handed to
 * analysis' findOpportunities. Hour-grain rollups: a month is a few thousand rows.
 */
import { findOpportunities } from '../../../analysis/index';
import type { ModelStats, TypeStats } from '../../../analysis/index';
import { RUN_STAGE, SCORE } from '../../../schema/names';
import type { OpportunitiesQuery, OpportunitiesResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, joinAnd, round } from './sql';

/** The scores that judge a generated component (classification and mapping do not depend on the model). */
export const OPPORTUNITY_SCORES = [SCORE.pixelSimilarity, SCORE.structuralSimilarity, SCORE.codeQuality] as const;

export function costOpportunities(ctx: QueryContext, q: OpportunitiesQuery): OpportunitiesResponse {
  const w = resolveWindow(q, ctx, '30d');
  const f = filterConditions({ ...q, stage: [] }, { componentType: 'component_type', model: 'model' });
  const inWindow = { sql: 'grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?', params: [w.fromNs, w.toNs] };
  const scoreWhere = joinAnd([
    inWindow,
    { sql: `name IN (${OPPORTUNITY_SCORES.map(() => '?').join(', ')})`, params: [...OPPORTUNITY_SCORES] },
    { sql: "component_type <> '' AND model <> ''", params: [] },
    ...f.conds,
  ]);
  const scores = all<{ type: string; model: string; name: string; n: number; total: number }>(ctx.db, {
    sql: `SELECT component_type AS type, model, name, SUM(count) AS n, SUM(sum) AS total FROM rollup_scores
          WHERE ${scoreWhere.sql} GROUP BY 1, 2, 3`,
    params: scoreWhere.params,
  });
  const runWhere = joinAnd([
    inWindow,
    { sql: "stage = ? AND component_type <> '' AND model <> ''", params: [RUN_STAGE] },
    ...f.conds,
  ]);
  const runs = all<{ type: string; model: string; runs: number; cost: number }>(ctx.db, {
    sql: `SELECT component_type AS type, model, SUM(count) AS runs, SUM(cost_usd) AS cost FROM rollup_spans
          WHERE ${runWhere.sql} GROUP BY 1, 2`,
    params: runWhere.params,
  });

  const types = new Map<string, Map<string, ModelStats & { quality: Record<string, number | null> }>>();
  for (const r of runs) {
    let models = types.get(r.type);
    if (!models) types.set(r.type, (models = new Map()));
    const quality: Record<string, number | null> = {};
    for (const s of OPPORTUNITY_SCORES) quality[s] = null;
    models.set(r.model, { model: r.model, quality, samples: 0, costUsd: r.cost, runs: r.runs });
  }
  const counts = new Map<string, number>();
  for (const s of scores) {
    const m = types.get(s.type)?.get(s.model);
    if (!m || s.n === 0) continue;
    m.quality[s.name] = s.total / s.n;
    const key = `${s.type}|${s.model}`;
    counts.set(key, Math.min(counts.get(key) ?? Infinity, s.n));
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
    meta: meta(w, null, 'rollup', f.ignored),
    tolerance: q.tolerance,
    minSamples: q.minSamples,
    scores: [...OPPORTUNITY_SCORES],
    componentType: found.map((o) => o.componentType),
    currentModel: found.map((o) => o.currentModel),
    candidateModel: found.map((o) => o.candidateModel),
    qualityDelta,
    worstDelta: found.map((o) => round(o.worstDelta, 6) ?? 0),
    currentCostPerRunUsd: found.map((o) => round(o.currentCostPerRunUsd, 9) ?? 0),
    candidateCostPerRunUsd: found.map((o) => round(o.candidateCostPerRunUsd, 9) ?? 0),
    currentRuns: found.map((o) => o.currentRuns),
    savingsUsd: found.map((o) => round(o.savingsUsd, 9) ?? 0),
    savingsShare: found.map((o) => round(o.savingsShare, 6) ?? 0),
  };
}
