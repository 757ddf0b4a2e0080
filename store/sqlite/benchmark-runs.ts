/**
 * The gate's reads: the benchmark runs (oldest first) and the raw per-component values of one
 * run (scores by name, success, end-to-end durations, cost per component), found through the
 * benchmark-run indexes.
 */
import type { Db } from './db';
import type { BenchmarkRunInfo, RunSamples } from '../types';
import { all } from './queries/sql';
import type { SqlParam } from './queries/sql';
import { STRING_ID_PARAM, stringOf } from './strings';

interface RunRow {
  id: string;
  started_ms: number;
  model: string | null;
  pipeline: string | null;
  pipeline_version: string | null;
  components: number | null;
  simulated: number;
}

export function readBenchmarkRuns(db: Db): BenchmarkRunInfo[] {
  return all<RunRow>(db, {
    sql: `SELECT id, started_ns / 1000000 AS started_ms, model, pipeline, pipeline_version, components, simulated
       FROM benchmark_runs ORDER BY started_ns, id`,
    params: [],
  }).map((r) => ({
    id: r.id,
    startedMs: r.started_ms,
    model: r.model,
    pipeline: r.pipeline,
    pipelineVersion: r.pipeline_version,
    components: r.components,
    simulated: r.simulated === 1,
  }));
}

function values(db: Db, sql: string, params: SqlParam[]): number[] {
  return all<{ v: number | null }>(db, { sql, params })
    .map((r) => r.v)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

export function readRunSamples(db: Db, runId: string): RunSamples {
  const scores: Record<string, number[]> = {};
  const rows = all<{ name: string; v: number }>(db, {
    sql: `SELECT ${stringOf('name_ref')} AS name, value AS v FROM scores WHERE benchmark_run_ref = ${STRING_ID_PARAM} AND value IS NOT NULL
      ORDER BY name`,
    params: [runId],
  });
  for (const r of rows) if (Number.isFinite(r.v)) (scores[r.name] ??= []).push(r.v);
  const runSql = (col: string) => `SELECT ${col} AS v FROM spans WHERE benchmark_run_ref = ${STRING_ID_PARAM} AND role = 'run'`;
  // Cost per component: model-call cost summed per component, or run-span cost when no calls were recorded.
  let componentCostsUsd = values(
    db,
    `SELECT SUM(COALESCE(m.cost_usd, 0)) AS v FROM model_calls m LEFT JOIN spans s ON s.id = m.id
      WHERE m.benchmark_run_ref = ${STRING_ID_PARAM} GROUP BY COALESCE(m.component_id_ref, s.trace_id)`,
    [runId],
  );
  if (componentCostsUsd.length === 0) componentCostsUsd = values(db, runSql('COALESCE(cost_usd, 0)'), [runId]);
  return {
    scores,
    success: values(db, runSql('CASE WHEN status_code = 2 THEN 0 ELSE 1 END'), [runId]),
    durationsMs: values(db, runSql('duration_ns / 1000000.0'), [runId]),
    componentCostsUsd,
  };
}
