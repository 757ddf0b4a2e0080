/**
 * The reads of GET /api/v1/compare: the pipeline runs of one side (model, benchmark run, time
 * range, component types), newest maxRuns of them, and the quality scores recorded for the same
 * selection. The cost of a run is its span's (the writer rolls its calls' cost up), else the sum
 * of its trace's model calls (a foreign root), as the runs list shows it.
 */
import type { CompareSamples, CompareSelector } from '../types';
import { msToNs } from '../window';
import type { Db } from './db';
import { all, inList, joinAnd } from './queries/sql';
import type { Fragment } from './queries/sql';
import { STRING_ID_PARAM, stringOf } from './strings';

interface RunDbRow {
  component_type: string | null;
  component_id: string | null;
  status_code: number;
  duration_ms: number;
  cost_usd: number | null;
  start_ns_text: string;
}

/** The side's conditions on a table with component_type, model, benchmark_run_ref and a time column. */
function sideConditions(side: CompareSelector, timeCol: string, fromNs: bigint | null): Fragment[] {
  const parts: Fragment[] = [];
  if (side.range) parts.push({ sql: `${timeCol} >= ? AND ${timeCol} < ?`, params: [msToNs(side.range.fromMs), msToNs(side.range.toMs)] });
  if (fromNs !== null) parts.push({ sql: `${timeCol} >= ?`, params: [fromNs] });
  if (side.model !== null) parts.push({ sql: 'model = ?', params: [side.model] });
  if (side.benchmarkRun !== null) parts.push({ sql: `benchmark_run_ref = ${STRING_ID_PARAM}`, params: [side.benchmarkRun] });
  if (side.componentTypes.length > 0) parts.push(inList('component_type', side.componentTypes));
  return parts;
}

export function readCompareSamples(db: Db, side: CompareSelector, maxRuns: number): CompareSamples {
  const where = joinAnd([{ sql: "role = 'run'", params: [] }, ...sideConditions(side, 'start_ns', null)]);
  const rows = all<RunDbRow>(db, {
    sql: `SELECT component_type, ${stringOf('component_id_ref')} AS component_id, status_code, duration_ns / 1e6 AS duration_ms,
        COALESCE(cost_usd, (SELECT sum(m.cost_usd) FROM spans c JOIN model_calls m ON m.id = c.id
          WHERE c.start_ns >= spans.start_ns AND c.start_ns <= spans.end_ns AND c.trace_id = spans.trace_id)) AS cost_usd,
        CAST(start_ns AS TEXT) AS start_ns_text
      FROM spans WHERE ${where.sql} ORDER BY start_ns DESC, id DESC LIMIT ?`,
    params: [...where.params, maxRuns + 1],
  });
  const capped = rows.length > maxRuns;
  const kept = rows.slice(0, maxRuns).reverse();
  // Capped: the scores of the kept runs' time only (they are recorded after their run starts).
  const oldest = capped && kept[0] ? BigInt(kept[0].start_ns_text) : null;
  const sw = joinAnd([{ sql: 'value IS NOT NULL', params: [] }, ...sideConditions(side, 'time_ns', oldest)]);
  const scores = all<{ name: string; component_type: string | null; component_id: string | null; value: number }>(db, {
    sql: `SELECT ${stringOf('name_ref')} AS name, component_type, ${stringOf('component_id_ref')} AS component_id, value
      FROM scores WHERE ${sw.sql} ORDER BY time_ns, id`,
    params: sw.params,
  });
  return {
    runs: kept.map((r) => ({
      componentType: r.component_type ?? '',
      componentId: r.component_id ?? '',
      ok: r.status_code !== 2,
      durationMs: r.duration_ms,
      costUsd: r.cost_usd ?? 0,
    })),
    scores: scores
      .filter((s) => Number.isFinite(s.value))
      .map((s) => ({ name: s.name, componentType: s.component_type ?? '', componentId: s.component_id ?? '', value: s.value })),
    capped,
  };
}
