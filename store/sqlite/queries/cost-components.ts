/**
 * Panel "cost per component": runs, errors, cost and mean duration per component id. The window
 * is cut into the same segments as every other panel (segmentsFor): whole UTC days come from the
 * daily component rollup, the ragged edges from raw run spans over exactly the span-time range the
 * other panels' hour or minute rollups cover, so the runs and cost here add up to theirs. With a
 * benchmark run selected, raw run spans only. Sorted descending by the chosen key, limited.
 */
import type { CostComponentsQuery, CostComponentsResponse } from '../../../schema/api';
import { bucketStartNs } from '../../layout';
import { makeWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { DAY_GRAIN_S, all, coveredWindow, filterConditions, inList, joinAnd, segmentsFor, spanFilterColumns } from './sql';
import { splitColumns } from '../../component-split';
import type { Window } from '../../window';
import type { Fragment } from './sql';
import { round } from './sql';
import { stringOf } from '../strings';

const ORDER = { cost: 'cost DESC', runs: 'runs DESC', costPerRun: 'cost * 1.0 / runs DESC', errors: 'errors DESC' } as const;

const DAY_NS = BigInt(DAY_GRAIN_S) * 1_000_000_000n;

/**
 * The window cut into the segments every panel uses: whole UTC days from the daily component
 * rollups, the ragged edges from raw rows over exactly the span time the other panels' hour or
 * minute rollups cover, so the runs and cost here add up to theirs. An edge whose raw rows
 * retention has already pruned (it starts before now - retentionDays) is read from the daily
 * rollup of its whole UTC day instead, and `covered` then says which span time the answer covers.
 */
function componentSegments(ctx: QueryContext, w: Window): {
  covered: { fromMs: number; toMs: number } | null;
  union: (raw: (fromNs: bigint, toNs: bigint) => Fragment, day: (fromNs: bigint, toNs: bigint) => Fragment) => Fragment;
} {
  const cutoffNs = ctx.retentionDays === undefined ? null : BigInt(ctx.nowMs - ctx.retentionDays * 86_400_000) * 1_000_000n;
  const rawEdges: { fromNs: bigint; toNs: bigint }[] = [];
  const days: { fromNs: bigint; toNs: bigint }[] = [];
  const widened = new Set<bigint>();
  for (const seg of segmentsFor(w, undefined, { dayGrain: true })) {
    if (seg.grainS === DAY_GRAIN_S) days.push({ fromNs: seg.fromNs, toNs: seg.toNs });
    else if (cutoffNs !== null && seg.fromNs < cutoffNs) {
      for (let d = bucketStartNs(seg.fromNs, DAY_GRAIN_S); d < seg.toNs; d += DAY_NS) widened.add(d);
    } else {
      const e = coveredWindow(makeWindow(Number(seg.fromNs / 1_000_000n), Number(seg.toNs / 1_000_000n)), seg.grainS);
      rawEdges.push({ fromNs: e.fromNs, toNs: e.toNs });
    }
  }
  for (const d of widened) days.push({ fromNs: d, toNs: d + DAY_NS });
  const starts = [w.fromNs, ...[...widened]];
  const ends = [w.toNs, ...[...widened].map((d) => d + DAY_NS)];
  const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
  const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
  const covered = widened.size > 0 ? { fromMs: Number(min(starts) / 1_000_000n), toMs: Number(max(ends) / 1_000_000n) } : null;
  return {
    covered,
    union: (raw, day) => {
      const parts = [...rawEdges.map((e) => raw(e.fromNs, e.toNs)), ...days.map((d) => day(d.fromNs, d.toNs))];
      // A window with no segment at all (empty) still needs a valid, empty source.
      if (parts.length === 0) return raw(w.fromNs, w.fromNs);
      return { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params) };
    },
  };
}

/**
 * Run spans with start in [fromNs, toNs), as component rows: summed per component first, so the
 * component id's string is looked up once a component, not once a run (an edge holds up to two
 * days of runs).
 */
function rawRuns(fromNs: bigint, toNs: bigint, conds: Fragment[], typeIds: boolean): Fragment {
  const where = joinAnd([{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ? AND component_id_ref IS NOT NULL", params: [fromNs, toNs] }, ...conds]);
  // Since migration 208 the type is a string id too: grouped by it, looked up once a component.
  const [type, typeOut] = typeIds ? ['component_type_ref', `COALESCE(${stringOf('type')}, '')`] : ["COALESCE(component_type, '')", 'type'];
  return {
    sql: `SELECT ${stringOf('ref')} AS component_id, ${typeOut} AS component_type, runs, errors, cost_usd, duration_sum_ns FROM (
        SELECT component_id_ref AS ref, ${type} AS type, count(*) AS runs, SUM(status_code = 2) AS errors,
          SUM(COALESCE(cost_usd, 0)) AS cost_usd, SUM(duration_ns) AS duration_sum_ns FROM spans WHERE ${where.sql} GROUP BY 1, 2)`,
    params: where.params,
  };
}

export function costComponents(ctx: QueryContext, q: CostComponentsQuery): CostComponentsResponse {
  const w = resolveWindow(q, ctx, '30d');
  let from: Fragment;
  let source: 'rollup' | 'raw';
  let ignored: string[];
  let covered: { fromMs: number; toMs: number } | null = null;
  const cols = spanFilterColumns(ctx.db);
  const typeIds = cols.componentType === 'component_type_ref';
  if (q.benchmarkRun !== undefined) {
    const f = filterConditions(q, { componentType: cols.componentType, model: cols.model, benchmarkRun: 'benchmark_run_ref' });
    from = rawRuns(w.fromNs, w.toNs, f.conds, typeIds);
    source = 'raw';
    ignored = f.ignored;
  } else {
    const f = filterConditions(q, { componentType: 'component_type', model: 'model' });
    const raw = filterConditions(q, { componentType: cols.componentType, model: cols.model });
    const plan = componentSegments(ctx, w);
    covered = plan.covered;
    from = plan.union(
      (fromNs, toNs) => rawRuns(fromNs, toNs, raw.conds, typeIds),
      (fromNs, toNs) => {
        const where = joinAnd([{ sql: 'bucket_ns >= ? AND bucket_ns < ?', params: [fromNs, toNs] }, ...f.conds]);
        return { sql: `SELECT component_id, component_type, runs, errors, cost_usd, duration_sum_ns FROM rollup_components WHERE ${where.sql}`, params: where.params };
      },
    );
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
    meta: { ...meta(w, null, source, ignored), ...(covered ? { coveredFromMs: covered.fromMs, coveredToMs: covered.toMs } : {}) },
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

/** Model calls with time in [fromNs, toNs), as split rows (summed per component, stage and operation first). */
function rawCalls(fromNs: bigint, toNs: bigint, conds: Fragment[]): Fragment {
  const where = joinAnd([{ sql: 'time_ns >= ? AND time_ns < ? AND component_id_ref IS NOT NULL', params: [fromNs, toNs] }, ...conds]);
  return {
    sql: `SELECT ${stringOf('ref')} AS component_id, stage, operation, calls, cost_usd FROM (
        SELECT component_id_ref AS ref, COALESCE(stage, '') AS stage, COALESCE(operation, '') AS operation,
          count(*) AS calls, SUM(COALESCE(cost_usd, 0)) AS cost_usd FROM model_calls WHERE ${where.sql} GROUP BY 1, 2, 3)`,
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
    from = componentSegments(ctx, w).union(
      (fromNs, toNs) => rawCalls(fromNs, toNs, raw),
      (fromNs, toNs) => {
        const where = joinAnd([{ sql: 'bucket_ns >= ? AND bucket_ns < ?', params: [fromNs, toNs] }, ...f.conds]);
        return { sql: `SELECT component_id, stage, operation, calls, cost_usd FROM rollup_component_stages WHERE ${where.sql}`, params: where.params };
      },
    );
  }
  const list = inList('component_id', [...ids]);
  const rows = all<{ component_id: string; stage: string; operation: string; calls: number; cost: number }>(ctx.db, {
    sql: `SELECT component_id, stage, operation, SUM(calls) AS calls, SUM(cost_usd) AS cost FROM (${from.sql})
          WHERE ${list.sql} GROUP BY 1, 2, 3 ORDER BY 2, 3`,
    params: [...from.params, ...list.params],
  });
  return splitColumns(ids, rows);
}

