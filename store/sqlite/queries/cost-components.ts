/**
 * Panel "cost per component": runs, errors, cost and mean duration per component id, from the
 * daily component rollup (the window widens to whole UTC days), or from raw run spans when a
 * benchmark run is selected. Sorted descending by the chosen key, limited.
 */
import type { CostComponentsQuery, CostComponentsResponse } from '../../../schema/api';
import { makeWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, joinAnd } from './sql';
import type { Fragment } from './sql';
import { round } from './sql';

const DAY_MS = 86_400_000;
const ORDER = { cost: 'cost DESC', runs: 'runs DESC', costPerRun: 'cost * 1.0 / runs DESC', errors: 'errors DESC' } as const;

export function costComponents(ctx: QueryContext, q: CostComponentsQuery): CostComponentsResponse {
  const asked = resolveWindow(q, ctx.nowMs, '30d');
  let from: Fragment;
  let source: 'rollup' | 'raw';
  let ignored: string[];
  let w = asked;
  if (q.benchmarkRun !== undefined) {
    const f = filterConditions(q, { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_id' });
    const where = joinAnd([{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ? AND component_id IS NOT NULL", params: [w.fromNs, w.toNs] }, ...f.conds]);
    from = {
      sql: `SELECT component_id, COALESCE(component_type, '') AS component_type, 1 AS runs, (status_code = 2) AS errors,
          COALESCE(cost_usd, 0) AS cost_usd, duration_ns AS duration_sum_ns FROM spans WHERE ${where.sql}`,
      params: where.params,
    };
    source = 'raw';
    ignored = f.ignored;
  } else {
    w = makeWindow(Math.floor(asked.fromMs / DAY_MS) * DAY_MS, Math.ceil(asked.toMs / DAY_MS) * DAY_MS);
    const f = filterConditions(q, { componentType: 'component_type', model: 'model' });
    const where = joinAnd([{ sql: 'bucket_ns >= ? AND bucket_ns < ?', params: [w.fromNs, w.toNs] }, ...f.conds]);
    from = {
      sql: `SELECT component_id, component_type, runs, errors, cost_usd, duration_sum_ns FROM rollup_components WHERE ${where.sql}`,
      params: where.params,
    };
    source = 'rollup';
    ignored = f.ignored;
  }
  const grouped = `SELECT component_id AS id, component_type AS type, SUM(runs) AS runs, SUM(errors) AS errors,
      SUM(cost_usd) AS cost, SUM(duration_sum_ns) / 1e6 AS dur_ms FROM (${from.sql}) GROUP BY 1, 2`;
  // One pass: the window count gives the number of components before the limit.
  const rows = all<{ id: string; type: string; runs: number; errors: number; cost: number; dur_ms: number; total: number }>(ctx.db, {
    sql: `SELECT *, COUNT(*) OVER () AS total FROM (${grouped}) ORDER BY ${ORDER[q.sort]}, id LIMIT ?`,
    params: [...from.params, q.limit],
  });
  return {
    meta: meta(w, null, source, ignored),
    componentId: rows.map((r) => r.id),
    componentType: rows.map((r) => r.type),
    runs: rows.map((r) => r.runs),
    errors: rows.map((r) => r.errors),
    costUsd: rows.map((r) => round(r.cost, 9) ?? 0),
    costPerRunUsd: rows.map((r) => (r.runs > 0 ? round(r.cost / r.runs, 9) : null)),
    meanDurationMs: rows.map((r) => (r.runs > 0 ? round(r.dur_ms / r.runs, 3) : null)),
    totalComponents: rows[0]?.total ?? 0,
  };
}
