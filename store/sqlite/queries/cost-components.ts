/**
 * Panel "cost per component": runs, errors, cost and mean duration per component id. The window
 * is cut into the same segments as every other panel (segmentsFor): whole UTC days come from the
 * daily component rollup, the ragged edges from raw run spans over exactly the span-time range the
 * other panels' hour or minute rollups cover, so the runs and cost here add up to theirs. With a
 * benchmark run selected, raw run spans only. Sorted descending by the chosen key, limited.
 */
import type { CostComponentsQuery, CostComponentsResponse } from '../../../schema/api';
import { makeWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { DAY_GRAIN_S, all, coveredWindow, filterConditions, inList, joinAnd, segmentsFor } from './sql';
import { splitColumns } from '../../component-split';
import type { Window } from '../../window';
import type { Fragment } from './sql';
import { round } from './sql';
import { stringOf } from '../strings';

const ORDER = { cost: 'cost DESC', runs: 'runs DESC', costPerRun: 'cost * 1.0 / runs DESC', errors: 'errors DESC' } as const;

/** Run spans with start in [fromNs, toNs), as component rows. */
function rawRuns(fromNs: bigint, toNs: bigint, conds: Fragment[]): Fragment {
  const where = joinAnd([{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ? AND component_id_ref IS NOT NULL", params: [fromNs, toNs] }, ...conds]);
  return {
    sql: `SELECT ${stringOf('component_id_ref')} AS component_id, COALESCE(component_type, '') AS component_type, 1 AS runs, (status_code = 2) AS errors,
        COALESCE(cost_usd, 0) AS cost_usd, duration_ns AS duration_sum_ns FROM spans WHERE ${where.sql}`,
    params: where.params,
  };
}

export function costComponents(ctx: QueryContext, q: CostComponentsQuery): CostComponentsResponse {
  const w = resolveWindow(q, ctx, '30d');
  let from: Fragment;
  let source: 'rollup' | 'raw';
  let ignored: string[];
  if (q.benchmarkRun !== undefined) {
    const f = filterConditions(q, { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_ref' });
    from = rawRuns(w.fromNs, w.toNs, f.conds);
    source = 'raw';
    ignored = f.ignored;
  } else {
    const f = filterConditions(q, { componentType: 'component_type', model: 'model' });
    // The edges read the span time an hour or minute rollup row would cover (coveredWindow), so
    // both sides count the same runs.
    const parts = segmentsFor(w, undefined, { dayGrain: true }).map((seg): Fragment => {
      if (seg.grainS !== DAY_GRAIN_S) {
        const e = coveredWindow(makeWindow(Number(seg.fromNs / 1_000_000n), Number(seg.toNs / 1_000_000n)), seg.grainS);
        return rawRuns(e.fromNs, e.toNs, f.conds);
      }
      const where = joinAnd([{ sql: 'bucket_ns >= ? AND bucket_ns < ?', params: [seg.fromNs, seg.toNs] }, ...f.conds]);
      return { sql: `SELECT component_id, component_type, runs, errors, cost_usd, duration_sum_ns FROM rollup_components WHERE ${where.sql}`, params: where.params };
    });
    from = { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params) };
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
  const split = componentSplit(ctx, q, w, rows.map((r) => r.id));
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
    split,
  };
}

/** Model calls with time in [fromNs, toNs), as split rows. */
function rawCalls(fromNs: bigint, toNs: bigint, conds: Fragment[]): Fragment {
  const where = joinAnd([{ sql: 'time_ns >= ? AND time_ns < ? AND component_id_ref IS NOT NULL', params: [fromNs, toNs] }, ...conds]);
  return {
    sql: `SELECT ${stringOf('component_id_ref')} AS component_id, COALESCE(stage, '') AS stage, COALESCE(operation, '') AS operation,
        1 AS calls, COALESCE(cost_usd, 0) AS cost_usd FROM model_calls WHERE ${where.sql}`,
    params: where.params,
  };
}

/** The listed components' model spend by stage and operation, over the same segments as the list. */
function componentSplit(ctx: QueryContext, q: CostComponentsQuery, w: Window, ids: readonly string[]): CostComponentsResponse['split'] {
  const empty = { stage: [], operation: [], costUsd: [], calls: [] };
  if (ids.length === 0) return empty;
  const raw = filterConditions(q, { componentType: 'component_type', model: 'response_model', benchmarkRun: 'benchmark_run_ref' }).conds;
  let from: Fragment;
  if (q.benchmarkRun !== undefined) from = rawCalls(w.fromNs, w.toNs, raw);
  else {
    const f = filterConditions(q, { componentType: 'component_type', model: 'model' });
    const parts = segmentsFor(w, undefined, { dayGrain: true }).map((seg): Fragment => {
      if (seg.grainS !== DAY_GRAIN_S) {
        const e = coveredWindow(makeWindow(Number(seg.fromNs / 1_000_000n), Number(seg.toNs / 1_000_000n)), seg.grainS);
        return rawCalls(e.fromNs, e.toNs, raw);
      }
      const where = joinAnd([{ sql: 'bucket_ns >= ? AND bucket_ns < ?', params: [seg.fromNs, seg.toNs] }, ...f.conds]);
      return { sql: `SELECT component_id, stage, operation, calls, cost_usd FROM rollup_component_stages WHERE ${where.sql}`, params: where.params };
    });
    from = { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params) };
  }
  const list = inList('component_id', [...ids]);
  const rows = all<{ component_id: string; stage: string; operation: string; calls: number; cost: number }>(ctx.db, {
    sql: `SELECT component_id, stage, operation, SUM(calls) AS calls, SUM(cost_usd) AS cost FROM (${from.sql})
          WHERE ${list.sql} GROUP BY 1, 2, 3 ORDER BY 2, 3`,
    params: [...from.params, ...list.params],
  });
  return splitColumns(ids, rows);
}

