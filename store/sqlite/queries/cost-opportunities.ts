/**
 * Panel "cost opportunities": per component type and model, the mean of each output-quality
 * score (rollup_scores) and the model cost per run (run rows of rollup_spans), handed to
 * analysis' findOpportunities. Day-grain rollups with hour-grain edges: a month is a few thousand rows.
 */
import { findOpportunities } from '../../../analysis/index';
import type { ModelStats, TypeStats } from '../../../analysis/index';
import { RUN_STAGE, SCORE } from '../../../schema/names';
import type { OpportunitiesQuery, OpportunitiesResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, inList, joinAnd, rollupUnion, round, segmentsFor } from './sql';
import { stringOf } from '../strings';
import { ROLLUPS } from '../../layout';

/** The scores that judge a generated component (classification and mapping do not depend on the model). */
export const OPPORTUNITY_SCORES = [SCORE.pixelSimilarity, SCORE.structuralSimilarity, SCORE.codeQuality] as const;

export function costOpportunities(ctx: QueryContext, q: OpportunitiesQuery): OpportunitiesResponse {
  const w = resolveWindow(q, ctx, '30d');
  // On the stored rows (migration 180): filtered and summed by string id, then named and ordered by text.
  const f = filterConditions({ ...q, stage: [] }, { componentType: 'component_type_ref', model: 'model_ref' });
  // Whole UTC days from the day grain, the edges from the hour grain: the same rows' sums as the
  // hour grain over the window, from a tenth of the rows.
  const segments = segmentsFor(w, undefined, { dayGrain: true });
  const named = "component_type_ref IS NOT (SELECT id FROM strings WHERE value = '') AND model_ref IS NOT (SELECT id FROM strings WHERE value = '')";
  const scoreWhere = joinAnd([inList('name_ref', OPPORTUNITY_SCORES), { sql: named, params: [] }, ...f.conds]);
  const scoreRows = rollupUnion(ROLLUPS.rollup_scores.stored, 'component_type_ref, model_ref, name_ref, count, sum', segments, scoreWhere);
  const scores = all<{ type: string; model: string; name: string; n: number; total: number }>(ctx.db, {
    sql: `SELECT ${stringOf('t')} AS type, ${stringOf('m')} AS model, ${stringOf('s')} AS name, n, total FROM (
        SELECT component_type_ref AS t, model_ref AS m, name_ref AS s, SUM(count) AS n, SUM(sum) AS total FROM (${scoreRows.sql}) GROUP BY 1, 2, 3)
      ORDER BY 1, 2, 3`,
    params: scoreRows.params,
  });
  const runWhere = joinAnd([inList('stage_ref', [RUN_STAGE]), { sql: named, params: [] }, ...f.conds]);
  const runRows = rollupUnion(ROLLUPS.rollup_spans.stored, 'component_type_ref, model_ref, count, cost_usd', segments, runWhere);
  const runs = all<{ type: string; model: string; runs: number; cost: number }>(ctx.db, {
    sql: `SELECT ${stringOf('t')} AS type, ${stringOf('m')} AS model, runs, cost FROM (
        SELECT component_type_ref AS t, model_ref AS m, SUM(count) AS runs, SUM(cost_usd) AS cost FROM (${runRows.sql}) GROUP BY 1, 2)
      ORDER BY 1, 2`,
    params: runRows.params,
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
