/**
 * The ClickHouse store's reads for change detection and the gate, as the SQLite store answers
 * them (store/sqlite/benchmark-runs.ts, alert-metrics.ts readDataRange / readScoreSamples): the
 * stored data range, spread score samples, the benchmark runs and one run's raw values, from
 * genscope's extracted tables. Bound parameters only.
 */
import type { BenchmarkRunInfo, RunSamples, ScoreSampleSet, TimeRange } from '../types';
import { msToNs } from '../window';
import type { ChClient } from './client';
import { Params, and, inWindow, num } from './sql';

const HOUR_MS = 3_600_000;

export interface ChReadTarget {
  ch: ChClient;
  db: string;
}

/**
 * From the first score (or the hour of the first model call) to the end of the hour of the last
 * model call or the last score: the SQLite store reads the hour rollup of model calls, so both
 * give the same range.
 */
export async function dataRange(t: ChReadTarget): Promise<TimeRange | null> {
  const [row] = await t.ch.query<{ total: number | string; first_ms: number | string; last_ms: number | string }>(
    `SELECT sum(n) AS total, min(lo) AS first_ms, max(hi) AS last_ms FROM (
       SELECT count() AS n, min(toUnixTimestamp64Milli(time)) AS lo, max(toUnixTimestamp64Milli(time)) AS hi FROM ${t.db}.genscope_scores
       UNION ALL
       SELECT count(), intDiv(min(toUnixTimestamp64Milli(time)), ${HOUR_MS}) * ${HOUR_MS},
              intDiv(max(toUnixTimestamp64Milli(time)), ${HOUR_MS}) * ${HOUR_MS} + ${HOUR_MS} FROM ${t.db}.genscope_model_calls)
     WHERE n > 0`,
  );
  if (!row || num(row.total) === 0) return null;
  return { fromMs: num(row.first_ms), toMs: num(row.last_ms) + 1 };
}

/** Quality scores of a range, 1 in k past maxSamples (k from the stored count), by a hash of the row: the same data, the same sample. */
export async function scoreSamples(t: ChReadTarget, range: TimeRange, maxSamples: number): Promise<ScoreSampleSet> {
  const w = { fromNs: msToNs(range.fromMs), toNs: msToNs(range.toMs) };
  // The count the SQLite store takes from its hour rollups (hours starting in [from - 1 h, to)),
  // so both engines pick the same stride.
  const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;
  const hours = { fromNs: msToNs(ceilHour(range.fromMs - HOUR_MS)), toNs: msToNs(ceilHour(range.toMs)) };
  const pc = new Params();
  const [count] = await t.ch.query<{ n: number | string }>(
    `SELECT count() AS n FROM ${t.db}.genscope_scores WHERE ${and([inWindow(pc, 'time', hours), 'value IS NOT NULL'])}`,
    pc.values,
  );
  const stride = Math.max(1, Math.ceil(num(count?.n) / Math.max(1, maxSamples)));
  const p = new Params();
  const sample = stride === 1 ? '1' : `sipHash64(span_id, time, name) % ${p.bind(stride, 'UInt32')} = 0`;
  const rows = await t.ch.query<{ name: string; componentType: string; model: string; timeMs: number | string; value: number }>(
    `SELECT name, ifNull(component_type, '') AS componentType, ifNull(model, '') AS model,
        toUnixTimestamp64Milli(time) AS timeMs, assumeNotNull(value) AS value
      FROM ${t.db}.genscope_scores WHERE ${and([inWindow(p, 'time', w), 'value IS NOT NULL', sample])}
      ORDER BY time`,
    p.values,
  );
  return { samples: rows.map((r) => ({ ...r, timeMs: num(r.timeMs) })), stride };
}

export async function benchmarkRuns(t: ChReadTarget): Promise<BenchmarkRunInfo[]> {
  const rows = await t.ch.query<{
    id: string;
    started_ms: number | string;
    model: string | null;
    pipeline: string | null;
    pipeline_version: string | null;
    components: number | null;
    simulated: number;
  }>(
    `SELECT id, toUnixTimestamp64Milli(started) AS started_ms, model, pipeline, pipeline_version, components, simulated
      FROM ${t.db}.genscope_benchmark_runs FINAL ORDER BY started, id`,
  );
  return rows.map((r) => ({
    id: r.id,
    startedMs: num(r.started_ms),
    model: r.model,
    pipeline: r.pipeline,
    pipelineVersion: r.pipeline_version,
    components: r.components === null ? null : num(r.components),
    simulated: num(r.simulated) === 1,
  }));
}

async function values(t: ChReadTarget, sql: (p: Params) => string): Promise<number[]> {
  const p = new Params();
  const rows = await t.ch.query<{ v: number | string | null }>(sql(p), p.values);
  return rows.map((r) => (r.v === null ? NaN : num(r.v))).filter((v) => Number.isFinite(v));
}

export async function runSamples(t: ChReadTarget, runId: string): Promise<RunSamples> {
  const ps = new Params();
  const rows = await t.ch.query<{ name: string; v: number }>(
    `SELECT name, assumeNotNull(value) AS v FROM ${t.db}.genscope_scores
      WHERE benchmark_run_id = ${ps.bind(runId, 'String')} AND value IS NOT NULL ORDER BY name, time`,
    ps.values,
  );
  const scores: Record<string, number[]> = {};
  for (const r of rows) if (Number.isFinite(r.v)) (scores[r.name] ??= []).push(r.v);
  const runValues = (expr: string) =>
    values(t, (p) => `SELECT ${expr} AS v FROM ${t.db}.genscope_spans WHERE role = 'run' AND benchmark_run_id = ${p.bind(runId, 'String')} ORDER BY start`);
  // Cost per component: model-call cost summed per component, or run-span cost when no calls were recorded.
  let componentCostsUsd = await values(
    t,
    (p) => `SELECT sum(ifNull(cost_usd, 0)) AS v FROM ${t.db}.genscope_model_calls
      WHERE benchmark_run_id = ${p.bind(runId, 'String')} GROUP BY ifNull(component_id, trace_id) ORDER BY ifNull(component_id, trace_id)`,
  );
  if (componentCostsUsd.length === 0) componentCostsUsd = await runValues('ifNull(cost_usd, 0)');
  return {
    scores,
    success: await runValues('if(status_code = 2, 0, 1)'),
    durationsMs: await runValues('duration_ns / 1e6'),
    componentCostsUsd,
  };
}
