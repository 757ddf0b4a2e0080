/**
 * One run's span tree: the pipeline.run root (by row id) gives the trace id and time window; its
 * spans are found through the start_ns index within [root start - 1 s, root end] (there is no
 * trace_id index by design), then ordered depth-first by start time. Scores and model calls come
 * from their tables by span row (scores_span; a model call's id is its span's). Attributes and
 * events are rebuilt exactly as received (span-read.ts).
 */
import { RUN_DETAIL_MAX_LOGS } from '../../../schema/api';
import type { LogRecordRow, RunDetailResponse, ScoreRow, SpanNode } from '../../../schema/api';
import { EVALUATION_LOOKBACK_NS } from '../log-writer';
import { idBytes } from '../../compact';
import { SPAN_REBUILD_COLUMNS, SpanRebuilder } from '../span-read';
import type { SpanRebuildRow } from '../span-read';
import { hexOf, stringOf } from '../strings';
import { QueryError } from '../../errors';
import type { QueryContext } from './context';
import { RUN_COLUMNS, statusName, toRunRow } from './runs-list';
import type { RunDbRow } from './runs-list';
import { all, get } from './sql';
import type { SqlParam } from './sql';
import { parseJsonObject, parseJsonValue } from '../../json';

/** Spans may start slightly before their root (clock skew between processes). */
const SKEW_NS = 1_000_000_000n;

interface SpanDbRow extends SpanRebuildRow {
  id: number;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  role: string;
  kind: number;
  start_ms: number;
  start_off_ms: number;
  duration_ms: number;
  status_code: number;
  status_message: string | null;
  stage: string | null;
  component_type: string | null;
  model: string | null;
  cost_usd: number | null;
  cache_hit: number | null;
}

function timeMs(ns: bigint): number {
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}

/** A run's root row and the window its spans are found in (the start_ns index, then trace id). */
export interface RunScope {
  root: RunDbRow;
  startNs: bigint;
  endNs: bigint;
  /** The earliest start a span of the run may have (clock skew). */
  lo: bigint;
  /** SQL condition on spans alias s for the run's spans; params to bind. */
  where: string;
  params: SqlParam[];
}

/** The run with this row id, or a QueryError(404) naming it. */
export function runScope(ctx: QueryContext, id: number): RunScope {
  const root = get<RunDbRow & { end_ns_text: string }>(ctx.db, {
    sql: `SELECT ${RUN_COLUMNS}, CAST(end_ns AS TEXT) AS end_ns_text FROM spans WHERE id = ? AND role = 'run'`,
    params: [id],
  });
  if (!root) throw new QueryError(404, 'not_found', `no run with id ${id}`);
  const startNs = BigInt(root.start_ns_text);
  const endNs = BigInt(root.end_ns_text);
  const lo = startNs - SKEW_NS;
  return { root, startNs, endNs, lo, where: 's.start_ns >= ? AND s.start_ns <= ? AND s.trace_id = ?', params: [lo, endNs, idBytes(root.trace_id)] };
}

export function runDetail(ctx: QueryContext, id: number): RunDetailResponse {
  const { root, startNs, endNs, lo, where, params } = runScope(ctx, id);
  const rows = all<SpanDbRow>(ctx.db, {
    sql: `SELECT s.id, lower(hex(s.span_id)) AS span_id, ${hexOf('s.parent_span_id')} AS parent_span_id, ${stringOf('s.name_ref')} AS name,
        s.role, s.kind, s.start_ns / 1000000 AS start_ms, (s.start_ns - ?) / 1e6 AS start_off_ms, s.duration_ns / 1e6 AS duration_ms,
        s.status_code, s.status_message, s.stage, s.component_type, s.model, s.cost_usd, s.cache_hit, ${SPAN_REBUILD_COLUMNS}
      FROM spans s WHERE ${where} ORDER BY s.start_ns, s.id`,
    params: [startNs, ...params],
  });
  // Depth-first order by start time; spans whose parent is missing hang under the root.
  const children = new Map<string, SpanDbRow[]>();
  const ids = new Set(rows.map((r) => r.span_id));
  for (const r of rows) {
    if (r.id === root.id) continue;
    const parent = r.parent_span_id && ids.has(r.parent_span_id) ? r.parent_span_id : root.span_id;
    const list = children.get(parent) ?? [];
    list.push(r);
    children.set(parent, list);
  }
  const rebuild = new SpanRebuilder(ctx.db);
  const spans: SpanNode[] = [];
  const seen = new Set<string>();
  const visit = (r: SpanDbRow, depth: number) => {
    if (seen.has(r.span_id)) return;
    seen.add(r.span_id);
    spans.push({
      id: r.id,
      spanId: r.span_id,
      parentSpanId: r.parent_span_id,
      depth,
      name: r.name,
      role: r.role,
      kind: r.kind,
      startMs: r.start_ms,
      offsetMs: Math.round(r.start_off_ms * 1000) / 1000,
      durationMs: Math.round(r.duration_ms * 1000) / 1000,
      status: statusName(r.status_code),
      statusMessage: r.status_message,
      stage: r.stage,
      componentType: r.component_type,
      model: r.model,
      costUsd: r.cost_usd,
      cacheHit: r.cache_hit === null ? null : r.cache_hit === 1,
      attributes: rebuild.attributes(r),
      events: rebuild.events(r).map((e) => ({ name: e.name, timeMs: timeMs(e.timeNs), attributes: e.attributes })),
    });
    for (const c of children.get(r.span_id) ?? []) visit(c, depth + 1);
  };
  const rootRow = rows.find((r) => r.id === root.id);
  if (rootRow) visit(rootRow, 0);
  // Spans in a parent cycle (malformed input) are still listed.
  for (const r of rows) if (!seen.has(r.span_id)) visit(r, 1);

  // A run's scores and model calls belong to its spans: found by span row, in time order.
  const spanIds = new Map(rows.map((r) => [r.id, r.span_id]));
  const rowIds = JSON.stringify([...spanIds.keys()]);
  const scores = all<{ span_row: number | null; own_span_id: string | null; time_ms: number; name: string; value: number | null; label: string | null; explanation: string | null; stage: string | null }>(
    ctx.db,
    {
      sql: `SELECT span_row, ${hexOf('span_id')} AS own_span_id, time_ns / 1e6 AS time_ms, ${stringOf('name_ref')} AS name, value,
          ${stringOf('label_ref')} AS label, COALESCE(explanation, ${stringOf('explanation_ref')}) AS explanation, stage
        FROM scores WHERE span_row IN (SELECT value FROM json_each(?))
          OR (span_row IS NULL AND time_ns >= ? AND time_ns <= ? AND trace_id = ?)
        ORDER BY time_ns, id`,
      // Evaluations (span events, or log records from a judge) may come a while after the run; a
      // judge's score of a span not stored has the span's ids itself.
      params: [rowIds, lo, endNs + EVALUATION_LOOKBACK_NS, idBytes(root.trace_id)],
    },
  ).map((r): ScoreRow => ({ spanId: (r.span_row === null ? r.own_span_id : spanIds.get(r.span_row)) ?? '', timeMs: r.time_ms, name: r.name, value: r.value, label: r.label, explanation: r.explanation, stage: r.stage }));
  const modelCalls = all<{
    id: number; time_ms: number; duration_ms: number; provider: string | null; operation: string | null; request_model: string | null;
    response_model: string | null; input_tokens: number; output_tokens: number; cached_tokens: number; cost_usd: number | null; stage: string | null;
  }>(ctx.db, {
    sql: `SELECT id, time_ns / 1e6 AS time_ms, duration_ns / 1e6 AS duration_ms, provider, operation, request_model, response_model,
        input_tokens, output_tokens, cached_tokens, cost_usd, stage
      FROM model_calls WHERE id IN (SELECT value FROM json_each(?)) ORDER BY time_ns, id`,
    params: [rowIds],
  }).map((r) => ({
    spanId: spanIds.get(r.id) ?? '',
    timeMs: r.time_ms,
    durationMs: Math.round(r.duration_ms * 1000) / 1000,
    provider: r.provider,
    operation: r.operation,
    requestModel: r.request_model,
    responseModel: r.response_model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedTokens: r.cached_tokens,
    costUsd: r.cost_usd,
    stage: r.stage,
  }));
  return { run: toRunRow(root), spans, scores, modelCalls, logs: runLogs(ctx, root.trace_id) };
}

/** The trace's log records (log_records_trace index); none on a database without the table. */
function runLogs(ctx: QueryContext, traceId: string): LogRecordRow[] {
  const exists = get<{ n: number }>(ctx.db, {
    sql: "SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'log_records'",
    params: [],
  });
  if (!exists) return [];
  return all<{
    span_id: string | null; time_ms: number; severity_number: number; severity_text: string | null; event_name: string | null;
    body: string | null; attributes: string;
  }>(ctx.db, {
    sql: `SELECT span_id, time_ns / 1e6 AS time_ms, severity_number, severity_text, event_name, body, attributes
      FROM log_records WHERE trace_id = ? ORDER BY time_ns, id LIMIT ?`,
    params: [traceId, RUN_DETAIL_MAX_LOGS],
  }).map((r) => ({
    spanId: r.span_id,
    timeMs: r.time_ms,
    severityNumber: r.severity_number,
    severityText: r.severity_text,
    eventName: r.event_name,
    body: parseJsonValue(r.body) as LogRecordRow['body'],
    attributes: parseJsonObject(r.attributes) as LogRecordRow['attributes'],
  }));
}
