/**
 * Runs list: pipeline.run root spans, newest first, keyset-paginated on (start_ns, id) through the
 * partial index spans_runs. The cursor is "<start_ns>_<id>" of the last row of the previous page.
 */
import type { RunRow, RunsQuery, RunsResponse } from '../../../schema/api';
import { QueryError } from '../../errors';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, joinAnd } from './sql';
import type { Fragment } from './sql';

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
}

export const RUN_COLUMNS = `id, trace_id, span_id, name, CAST(start_ns AS TEXT) AS start_ns_text, start_ns / 1000000 AS start_ms,
  duration_ns / 1e6 AS duration_ms, status_code, status_message, component_id, component_type, model, benchmark_run_id, cost_usd`;

export function statusName(code: number): 'unset' | 'ok' | 'error' {
  return code === 2 ? 'error' : code === 1 ? 'ok' : 'unset';
}

export function toRunRow(r: RunDbRow): RunRow {
  return {
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
    model: r.model,
    benchmarkRun: r.benchmark_run_id,
    costUsd: r.cost_usd,
  };
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

export function runsList(ctx: QueryContext, q: RunsQuery): RunsResponse {
  const w = resolveWindow(q, ctx.nowMs, '24h');
  const { conds, ignored } = filterConditions(
    { componentType: q.componentType, model: q.model, stage: [], benchmarkRun: q.benchmarkRun },
    { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_id' },
  );
  const parts: Fragment[] = [{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ?", params: [w.fromNs, w.toNs] }, ...conds];
  if (q.status === 'error') parts.push({ sql: 'status_code = 2', params: [] });
  if (q.status === 'ok') parts.push({ sql: 'status_code <> 2', params: [] });
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
