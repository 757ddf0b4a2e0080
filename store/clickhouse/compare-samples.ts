/**
 * The ClickHouse store's reads for GET /api/v1/compare, as the SQLite store answers them
 * (store/sqlite/compare-samples.ts): one side's newest maxRuns pipeline runs and the scores of
 * the same selection, from genscope's extracted tables. A root without a cost of its own (a
 * foreign instrumentation's) gets its trace's model calls' cost. Bound parameters only.
 */
import type { CompareSamples, CompareSelector } from '../types';
import { msToNs } from '../window';
import type { ChReadTarget } from './gate-reads';
import { Params, and, inWindow, num } from './sql';

function sideConditions(p: Params, side: CompareSelector, timeCol: string, fromNs: string | null): string[] {
  const conds: string[] = [];
  if (side.range) conds.push(inWindow(p, timeCol, { fromNs: msToNs(side.range.fromMs), toNs: msToNs(side.range.toMs) }));
  if (fromNs !== null) conds.push(`${timeCol} >= ${p.ns(BigInt(fromNs))}`);
  if (side.model !== null) conds.push(`model = ${p.bind(side.model, 'String')}`);
  if (side.benchmarkRun !== null) conds.push(`benchmark_run_id = ${p.bind(side.benchmarkRun, 'String')}`);
  if (side.componentTypes.length > 0) conds.push(`component_type IN ${p.bind(side.componentTypes, 'Array(String)')}`);
  return conds;
}

export async function compareSamples(t: ChReadTarget, side: CompareSelector, maxRuns: number): Promise<CompareSamples> {
  const p = new Params();
  const where = and(["role = 'run'", ...sideConditions(p, side, 'start', null)]);
  const rows = await t.ch.query<{
    component_type: string | null;
    component_id: string | null;
    status_code: number | string;
    duration_ms: number | string;
    cost_usd: number | string | null;
    start_ns: string;
  }>(
    `SELECT r.component_type AS component_type, r.component_id AS component_id, r.status_code AS status_code,
        r.duration_ns / 1e6 AS duration_ms, if(isNull(r.cost_usd), c.cost, r.cost_usd) AS cost_usd, toString(r.start_ns) AS start_ns
      FROM (SELECT trace_id, component_type, component_id, status_code, duration_ns, cost_usd, toUnixTimestamp64Nano(start) AS start_ns
            FROM ${t.db}.genscope_spans WHERE ${where} ORDER BY start DESC, span_id DESC LIMIT ${p.bind(maxRuns + 1, 'UInt32')}) AS r
      LEFT JOIN (SELECT trace_id, sum(ifNull(cost_usd, 0)) AS cost FROM ${t.db}.genscope_model_calls
            WHERE trace_id IN (SELECT trace_id FROM ${t.db}.genscope_spans WHERE ${where} AND isNull(cost_usd)) GROUP BY trace_id) AS c
        ON c.trace_id = r.trace_id
      ORDER BY r.start_ns DESC`,
    p.values,
  );
  const capped = rows.length > maxRuns;
  const kept = rows.slice(0, maxRuns).reverse();
  const oldest = capped && kept[0] ? kept[0].start_ns : null;
  const ps = new Params();
  const scores = await t.ch.query<{ name: string; component_type: string | null; component_id: string | null; value: number | string }>(
    `SELECT name, component_type, component_id, assumeNotNull(value) AS value FROM ${t.db}.genscope_scores
      WHERE ${and(['value IS NOT NULL', ...sideConditions(ps, side, 'time', oldest)])} ORDER BY time, span_id`,
    ps.values,
  );
  return {
    runs: kept.map((r) => ({
      componentType: r.component_type ?? '',
      componentId: r.component_id ?? '',
      ok: num(r.status_code) !== 2,
      durationMs: num(r.duration_ms),
      costUsd: r.cost_usd === null ? 0 : num(r.cost_usd),
    })),
    scores: scores
      .map((s) => ({ name: s.name, componentType: s.component_type ?? '', componentId: s.component_id ?? '', value: num(s.value) }))
      .filter((s) => Number.isFinite(s.value)),
    capped,
  };
}
