/**
 * Filter options: the component types, models, stages, score names, operations and providers
 * present in the window, and the benchmark runs started in it. Read from the coarsest rollup rows
 * covering the window (a value seen in any of them counts); score names by a loose index scan.
 */
import type { FilterOptionsQuery, FilterOptionsResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import type { Window } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, rollupUnion, segmentsFor } from './sql';
import { stringOf } from '../strings';
import { ROLLUPS, storedColumn } from '../../layout';
import type { RollupTable } from '../../layout';

const MAX_BENCHMARKS = 200;

/**
 * Distinct non-empty values of each column over the window's rollup rows of a table: distinct
 * string ids of its stored rows (migration 180), then their text.
 */
function distinct<C extends string>(ctx: QueryContext, table: RollupTable, cols: readonly C[], w: Window): Record<C, string[]> {
  const def = ROLLUPS[table];
  const refs = cols.map((c) => storedColumn(def, c));
  const src = rollupUnion(def.stored, refs.join(', '), segmentsFor(w, undefined, { dayGrain: true }), { sql: '1', params: [] });
  const rows = all<Record<C, string>>(ctx.db, {
    sql: `SELECT ${cols.map((c, i) => `${stringOf(refs[i] ?? c)} AS ${c}`).join(', ')} FROM (SELECT DISTINCT ${refs.join(', ')} FROM (${src.sql}))`,
    params: src.params,
  });
  const out = {} as Record<C, string[]>;
  for (const c of cols) out[c] = [...new Set(rows.map((r) => r[c]).filter((v) => v !== ''))].sort();
  return out;
}

/**
 * Score names with data in the window: one seek per name through the primary key of
 * rollup_scores_total's stored rows (grain_s, name_ref, bucket_ns; migration 180); its hour rows
 * hold the names of rollup_scores' hour rows (migration 175).
 */
function scoreNames(ctx: QueryContext, w: Window): string[] {
  const hourNs = 3_600_000_000_000n;
  const t = ROLLUPS.rollup_scores_total.stored;
  return all<{ name: string }>(ctx.db, {
    sql: `WITH RECURSIVE n(ref) AS (
        SELECT MIN(name_ref) FROM ${t} WHERE grain_s = 3600
        UNION ALL
        SELECT (SELECT MIN(name_ref) FROM ${t} WHERE grain_s = 3600 AND name_ref > n.ref) FROM n WHERE n.ref IS NOT NULL
      )
      SELECT ${stringOf('n.ref')} AS name FROM n WHERE n.ref IS NOT NULL AND EXISTS (
        SELECT 1 FROM ${t} r WHERE r.grain_s = 3600 AND r.name_ref = n.ref AND r.bucket_ns >= ? AND r.bucket_ns < ?)
      ORDER BY name`,
    params: [w.fromNs - (((w.fromNs % hourNs) + hourNs) % hourNs), w.toNs],
  }).map((r) => r.name);
}

export function filterOptions(ctx: QueryContext, q: FilterOptionsQuery): FilterOptionsResponse {
  const w = resolveWindow(q, ctx, '90d');
  const spans = distinct(ctx, 'rollup_spans', ['stage', 'component_type', 'model'] as const, w);
  const calls = distinct(ctx, 'rollup_model_calls', ['operation', 'provider', 'model', 'component_type'] as const, w);
  const benchmarks = all<{ id: string; started_ms: number; model: string | null; simulated: number }>(ctx.db, {
    sql: `SELECT id, started_ns / 1000000 AS started_ms, model, simulated FROM benchmark_runs WHERE started_ns >= ? AND started_ns < ?
      ORDER BY started_ns DESC LIMIT ?`,
    params: [w.fromNs, w.toNs, MAX_BENCHMARKS],
  });
  return {
    meta: meta(w, null, 'rollup', []),
    componentTypes: [...new Set([...spans.component_type, ...calls.component_type])].sort(),
    // Models that ran pipeline runs: the model filter selects runs, so a model seen only in model
    // calls (an embedding model) would select none (its cost shows under cost by model).
    models: spans.model,
    stages: spans.stage,
    scores: scoreNames(ctx, w),
    operations: calls.operation,
    providers: calls.provider,
    // Few processes write one file: the resources table is small and read whole.
    services: all<{ s: string }>(ctx.db, { sql: "SELECT DISTINCT service_name AS s FROM resources WHERE service_name IS NOT NULL AND service_name <> '' ORDER BY 1", params: [] }).map((r) => r.s),
    benchmarkRuns: benchmarks.map((b) => ({ id: b.id, startedMs: b.started_ms, model: b.model, simulated: b.simulated === 1 })),
  };
}
