/**
 * Runs list: pipeline.run root spans, newest first, keyset-paginated on (start_ns, id) through the
 * partial index spans_runs. The cursor is "<start_ns>_<id>" of the last row of the previous page.
 * The drill-down filters (predicted type, score range) match the run's scores by trace id among
 * the scores recorded in the window widened by SCORE_SLACK_NS (a run's scores come after its start).
 * Other orders (slowest, costliest, worst score) answer one page without a cursor.
 */
import type { RunRow, RunsQuery, RunsResponse } from '../../../schema/api';
import { QueryError } from '../../errors';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { SCORE } from '../../../schema/names';
import type { Window } from '../../window';
import { all, filterConditions, inList, joinAnd, spanFilterColumns } from './sql';
import type { Fragment, SqlParam } from './sql';
import type { Db } from '../db';
import { stringOf } from '../strings';

export interface RunDbRow {
  id: number;
  trace_id: string;
  span_id: string;
  name: string;
  start_ns_text: string;
  start_ms: number;
  duration_ms: number;
  status_code: number;
  status_message: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
  cost_usd: number | null;
  service: string | null;
  /** The run's calls (RUN_CALLS): JSON [count, failed, input, output, cache read, cache write, cost]. */
  calls: string;
  /** For a root with no model of its own (another instrumentation's): its calls' most frequent. */
  calls_model?: string | null;
  score?: number | null;
}

/** The model calls of a run's trace (alias spans = the root): the trace's spans within the root's time. */
const RUN_CALLS = `FROM spans c JOIN model_calls m ON m.id = c.id
  WHERE c.start_ns >= spans.start_ns AND c.start_ns <= spans.end_ns AND c.trace_id = spans.trace_id`;

/** One pass over a run's calls for all of their sums (a scalar subquery returns one column). */
const CALLS_SUMMARY = `(SELECT json_array(count(*), total(c.status_code = 2), total(m.input_tokens), total(m.output_tokens),
  total(m.cached_tokens), total(m.cache_write_tokens), sum(m.cost_usd)) ${RUN_CALLS})`;

/** The run's cost: its own, else its calls' (the costliest sort orders by it). */
const RUN_COST = `COALESCE(cost_usd, json_extract(calls, '$[6]'), 0)`;

/**
 * Roots of unset status (another instrumentation's, which sets none) with a failed call: errors
 * roll up to the run, as the runs list's status shows.
 */
const FAILED_CALL = `status_code = 0 AND EXISTS (SELECT 1 ${RUN_CALLS} AND c.status_code = 2)`;

export const RUN_COLUMNS = `id, lower(hex(trace_id)) AS trace_id, lower(hex(span_id)) AS span_id, ${stringOf('name_ref')} AS name,
  CAST(start_ns AS TEXT) AS start_ns_text, start_ns / 1000000 AS start_ms, duration_ns / 1e6 AS duration_ms, status_code,
  status_message, ${stringOf('component_id_ref')} AS component_id, component_type, model,
  ${stringOf('benchmark_run_ref')} AS benchmark_run_id, cost_usd,
  (SELECT service_name FROM resources WHERE resources.id = spans.resource_id) AS service,
  ${CALLS_SUMMARY} AS calls,
  CASE WHEN model IS NULL THEN (SELECT m.response_model ${RUN_CALLS} AND m.response_model IS NOT NULL
    GROUP BY m.response_model ORDER BY count(*) DESC, m.response_model LIMIT 1) END AS calls_model`;

export function statusName(code: number): 'unset' | 'ok' | 'error' {
  return code === 2 ? 'error' : code === 1 ? 'ok' : 'unset';
}

/** Parses RunDbRow.calls. */
function callsSummary(json: string): { n: number[]; cost: number | null } {
  const v = JSON.parse(json) as (number | null)[];
  return { n: v.slice(0, 6).map((x) => x ?? 0), cost: v[6] ?? null };
}

export function toRunRow(r: RunDbRow): RunRow {
  const calls = callsSummary(r.calls);
  const [modelCalls = 0, failedCalls = 0, inputTokens = 0, outputTokens = 0, cacheReadTokens = 0, cacheWriteTokens = 0] =
    calls.n;
  return runRowWithCalls(
    {
      id: r.id,
      traceId: r.trace_id,
      spanId: r.span_id,
      name: r.name,
      startMs: r.start_ms,
      durationMs: Math.round(r.duration_ms * 1000) / 1000,
      status: statusName(r.status_code),
      statusMessage: r.status_message,
      componentId: r.component_id,
      componentType: r.component_type,
      model: r.model ?? r.calls_model ?? null,
      benchmarkRun: r.benchmark_run_id,
      costUsd: r.cost_usd ?? calls.cost,
      service: r.service,
      ...(r.score !== undefined ? { score: r.score } : {}),
    },
    { modelCalls, failedCalls, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens },
  );
}

/** The call sums of a run row. */
export type RunCalls = Pick<RunRow, 'modelCalls' | 'failedCalls' | 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>;

/** A run row with its calls' sums; a root of unset status with a failed call is an error (both stores). */
export function runRowWithCalls(row: Omit<RunRow, keyof RunCalls>, calls: RunCalls): RunRow {
  const failed = row.status === 'unset' && calls.failedCalls > 0;
  return { ...row, ...calls, ...(failed ? { status: 'error' as const } : {}) };
}

export function parseCursor(cursor: string, param: string): { ns: bigint; key: string } {
  const i = cursor.indexOf('_');
  const ns = cursor.slice(0, i);
  const key = cursor.slice(i + 1);
  if (i <= 0 || !/^\d{1,20}$/.test(ns) || BigInt(ns) > 9_223_372_036_854_775_807n) {
    throw new QueryError(400, 'invalid_parameter', `query parameter "${param}": is not a cursor returned by this API`, param);
  }
  return { ns: BigInt(ns), key };
}

/** A run's scores are recorded after its start: they are looked up this far past the window. */
export const SCORE_SLACK_NS = 3_600_000_000_000n;

/** The score sort=worst ranks by when none is given. */
export const DEFAULT_WORST_SCORE = SCORE.pixelSimilarity;

/** LIKE pattern matching `text` anywhere, with the LIKE wildcards in it escaped (ESCAPE '\\'). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The trace id of a score (alias c): its span's, or its own when no span row is known (migration 042). */
const SCORE_TRACE = 'COALESCE((SELECT p.trace_id FROM spans p WHERE p.id = c.span_row), c.trace_id)';

/** Trace ids of the scores of one name in a time window. */
const SCORE_TRACES = `SELECT ${SCORE_TRACE} FROM scores c
  WHERE c.name_ref = (SELECT id FROM strings WHERE value = ?) AND c.time_ns >= ? AND c.time_ns < ?`;

/** Conditions on root spans (table `spans`) of every runs filter but the cursor. */
function runConditions(q: RunsQuery, w: Window, db: Db): { parts: Fragment[]; ignored: string[] } {
  const cols = spanFilterColumns(db);
  const { conds, ignored } = filterConditions(
    { componentType: q.componentType, model: q.model, stage: [], benchmarkRun: q.benchmarkRun },
    { componentType: cols.componentType, model: cols.model, benchmarkRun: 'benchmark_run_ref' },
  );
  const parts: Fragment[] = [{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ?", params: [w.fromNs, w.toNs] }, ...conds];
  if (q.status === 'error') parts.push({ sql: `(status_code = 2 OR (${FAILED_CALL}))`, params: [] });
  if (q.status === 'ok') parts.push({ sql: `(status_code <> 2 AND NOT (${FAILED_CALL}))`, params: [] });
  if (q.service.length > 0) {
    const svc = inList('service_name', q.service);
    parts.push({ sql: `resource_id IN (SELECT id FROM resources WHERE ${svc.sql})`, params: svc.params });
  }
  if (q.search !== undefined)
    parts.push({ sql: "component_id_ref IN (SELECT id FROM strings WHERE value LIKE ? ESCAPE '\\')", params: [containsPattern(q.search)] });
  if (q.minDurationMs !== undefined) parts.push({ sql: 'duration_ns >= ?', params: [Math.round(q.minDurationMs * 1e6)] });
  if (q.maxDurationMs !== undefined) parts.push({ sql: 'duration_ns < ?', params: [Math.round(q.maxDurationMs * 1e6)] });
  const scoreWindow: SqlParam[] = [w.fromNs, w.toNs + SCORE_SLACK_NS];
  if (q.predicted.length > 0) {
    const label = inList(stringOf('c.label_ref'), q.predicted);
    parts.push({
      sql: `trace_id IN (${SCORE_TRACES} AND ${label.sql})`,
      params: [SCORE.classificationAccuracy, ...scoreWindow, ...label.params],
    });
  }
  if (q.score !== undefined && (q.scoreMin !== undefined || q.scoreMax !== undefined)) {
    const bounds: Fragment[] = [];
    if (q.scoreMin !== undefined) bounds.push({ sql: 'value >= ?', params: [q.scoreMin] });
    // A maximum of 1 includes 1 (scores are 0..1), so the top bin of a histogram holds perfect scores.
    if (q.scoreMax !== undefined) bounds.push({ sql: q.scoreMax >= 1 ? 'value <= ?' : 'value < ?', params: [q.scoreMax] });
    const b = joinAnd(bounds);
    parts.push({
      sql: `trace_id IN (${SCORE_TRACES} AND ${b.sql})`,
      params: [q.score, ...scoreWindow, ...b.params],
    });
  }
  return { parts, ignored };
}

export function runsList(ctx: QueryContext, q: RunsQuery): RunsResponse {
  const w = resolveWindow(q, ctx, '24h');
  const { parts, ignored } = runConditions(q, w, ctx.db);
  if (q.sort !== 'newest') {
    const rows = q.sort === 'worst' ? worstRuns(ctx, q, w, parts) : ranked(ctx, q, parts);
    return { meta: meta(w, null, 'raw', ignored), runs: rows.map(toRunRow), nextCursor: null };
  }
  if (q.cursor !== undefined) {
    const c = parseCursor(q.cursor, 'cursor');
    const id = Number(c.key);
    parts.push({ sql: '(start_ns < ? OR (start_ns = ? AND id < ?))', params: [c.ns, c.ns, id] });
  }
  const where = joinAnd(parts);
  const rows = all<RunDbRow>(ctx.db, {
    sql: `SELECT ${RUN_COLUMNS} FROM spans WHERE ${where.sql} ORDER BY start_ns DESC, id DESC LIMIT ?`,
    params: [...where.params, q.limit + 1],
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    meta: meta(w, null, 'raw', ignored),
    runs: page.map(toRunRow),
    nextCursor: rows.length > q.limit && last ? `${last.start_ns_text}_${last.id}` : null,
  };
}

/** The slowest or costliest runs (ties: newest first). */
function ranked(ctx: QueryContext, q: RunsQuery, parts: Fragment[]): RunDbRow[] {
  const where = joinAnd(parts);
  const order = q.sort === 'slowest' ? 'duration_ns DESC' : `${RUN_COST} DESC`;
  return all<RunDbRow>(ctx.db, {
    sql: `SELECT ${RUN_COLUMNS} FROM spans WHERE ${where.sql} ORDER BY ${order}, start_ns DESC, id DESC LIMIT ?`,
    params: [...where.params, q.limit],
  });
}

/** Runs with the lowest value of the score (each run's minimum); runs without that score are left out. */
function worstRuns(ctx: QueryContext, q: RunsQuery, w: Window, parts: Fragment[]): RunDbRow[] {
  const where = joinAnd(parts);
  const name = q.score ?? DEFAULT_WORST_SCORE;
  return all<RunDbRow>(ctx.db, {
    // CROSS JOIN keeps the runs of the window as the outer loop (spans has no trace id index).
    sql: `SELECT ${RUN_COLUMNS}, sc.v AS score FROM spans
      CROSS JOIN (SELECT ${SCORE_TRACE} AS t, MIN(c.value) AS v FROM scores c
        WHERE c.name_ref = (SELECT id FROM strings WHERE value = ?) AND c.time_ns >= ? AND c.time_ns < ? AND c.value IS NOT NULL GROUP BY 1) sc
        ON sc.t = spans.trace_id
      WHERE ${where.sql} ORDER BY sc.v ASC, start_ns DESC, id DESC LIMIT ?`,
    params: [name, w.fromNs, w.toNs + SCORE_SLACK_NS, ...where.params, q.limit],
  });
}
