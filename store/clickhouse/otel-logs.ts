/**
 * OTLP log records on ClickHouse, in the Collector clickhouseexporter's `otel_logs` row shape:
 * genscope's own ingest writes them there when it is the writer; run detail lists a trace's
 * records from there; and the extractor turns `gen_ai.evaluation.result` records into scores of
 * the span (or response) they judge, as the SQLite writer does (store/log-rows.ts evaluationOf,
 * the same hour of lookback).
 */
import type { AttributeMap, LogRecordRecord } from '../../schema/records';
import type { LogRecordRow } from '../../schema/api';
import { RUN_DETAIL_MAX_LOGS } from '../../schema/api';
import { GEN_AI } from '../../schema/names';
import { evaluationOf } from '../log-rows';
import type { EvaluationFacts } from '../log-rows';
import { EVALUATION_LOOKBACK_NS } from '../sqlite/log-writer';
import type { ChClient } from './client';
import type { TracesVariant } from './ddl';
import { attrsFor, parseAttributes, reviveString, stringValue } from './otel-rows';

/** The exporter's row for one log record (Map variant: every attribute value as text). */
export function logRecordToOtelRow(r: LogRecordRecord, variant: TracesVariant): Record<string, unknown> {
  const attrs = (a: AttributeMap) => attrsFor(variant, a);
  const service = r.resource['service.name'];
  // The exporter's LogAttributes hold the record's attributes; the event name has its own column.
  const row: Record<string, unknown> = {
    Timestamp: r.timeNs.toString(),
    TraceId: r.traceId ?? '',
    SpanId: r.spanId ?? '',
    TraceFlags: 0,
    SeverityText: r.severityText ?? '',
    SeverityNumber: r.severityNumber,
    ServiceName: typeof service === 'string' ? service : '',
    Body: r.body === null ? '' : stringValue(r.body),
    ResourceSchemaUrl: '',
    ResourceAttributes: attrs(r.resource),
    ScopeSchemaUrl: '',
    ScopeName: r.scopeName ?? '',
    ScopeVersion: '',
    ScopeAttributes: {},
    LogAttributes: attrs(r.attributes),
    EventName: r.eventName ?? '',
  };
  if (variant === 'json') {
    row.ResourceAttributesKeys = Object.keys(r.resource);
    row.LogAttributesKeys = Object.keys(r.attributes);
  }
  return row;
}

export interface LogsTable {
  database: string;
  table: string;
  variant: TracesVariant;
  /** The table has an EventName column (exporters before it kept the name in event.name). */
  eventNameColumn: boolean;
}

/** otel_logs as it exists (its variant, its EventName column), or null when there is none. */
export async function detectLogsTable(ch: ChClient, database: string, table: string): Promise<LogsTable | null> {
  const cols = await ch.query<{ name: string; type: string }>(
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
    { db: database, table },
  );
  if (cols.length === 0) return null;
  const attrs = cols.find((c) => c.name === 'LogAttributes');
  return {
    database,
    table,
    variant: attrs && attrs.type.startsWith('JSON') ? 'json' : 'map',
    eventNameColumn: cols.some((c) => c.name === 'EventName'),
  };
}

function eventNameExpr(t: LogsTable): string {
  const fromAttrs = t.variant === 'map' ? "LogAttributes['event.name']" : "toString(LogAttributes.`event.name`)";
  return t.eventNameColumn ? `if(EventName != '', EventName, ${fromAttrs})` : fromAttrs;
}

interface LogDbRow {
  time_ns: string;
  TraceId: string;
  SpanId: string;
  SeverityNumber: number;
  SeverityText: string;
  event_name: string;
  Body: string;
  attrs: string;
}

const LOG_COLUMNS = (t: LogsTable) =>
  `toString(toUnixTimestamp64Nano(Timestamp)) AS time_ns, TraceId, SpanId, SeverityNumber, SeverityText,
    ${eventNameExpr(t)} AS event_name, Body, toJSONString(LogAttributes) AS attrs`;

/** The exporter flattened the body to text; revive what it most likely was (as attribute values). */
function bodyOf(text: string): LogRecordRow['body'] {
  return text === '' ? null : (reviveString(text) as LogRecordRow['body']);
}

/** A trace's log records between two instants, in time order, at most RUN_DETAIL_MAX_LOGS. */
export async function traceLogs(ch: ChClient, t: LogsTable, traceId: string, fromNs: bigint, toNs: bigint): Promise<LogRecordRow[]> {
  const rows = await ch.query<LogDbRow>(
    `SELECT ${LOG_COLUMNS(t)} FROM ${t.database}.${t.table}
      WHERE TraceId = {trace:String} AND Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp <= fromUnixTimestamp64Nano({to:Int64})
      ORDER BY Timestamp LIMIT 1 BY Timestamp, SpanId, Body, attrs LIMIT {max:UInt32}`,
    { trace: traceId, from: fromNs.toString(), to: toNs.toString(), max: RUN_DETAIL_MAX_LOGS },
  );
  return rows.map((r) => ({
    spanId: r.SpanId || null,
    timeMs: Number(BigInt(r.time_ns)) / 1e6,
    severityNumber: r.SeverityNumber,
    severityText: r.SeverityText || null,
    eventName: r.event_name || null,
    body: bodyOf(r.Body),
    attributes: parseAttributes(r.attrs, t.variant) as LogRecordRow['attributes'],
  }));
}

interface SpanDims {
  trace_id: string;
  span_id: string;
  start_ns: string;
  response_id: string;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
}

const HEX_ID = /^(?:[0-9a-f]{2})+$/;
const PAGE = 5000;

/**
 * Extracts the evaluation records of otel_logs from fromNs on that are not extracted yet into
 * genscope_log_evaluations (and through its view into genscope_scores), with the dimensions of
 * the span they judge. Returns how many scores it wrote.
 */
export async function extractLogEvaluations(ch: ChClient, t: LogsTable, fromNs: bigint): Promise<number> {
  const db = t.database;
  const identity = 'lower(hex(sipHash128(Timestamp, TraceId, SpanId, Body, toJSONString(LogAttributes), toJSONString(ResourceAttributes))))';
  const sql = `SELECT ${LOG_COLUMNS(t)}, ${identity} AS identity FROM ${db}.${t.table}
    WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND ${eventNameExpr(t)} = {event:String}
      AND ${identity} NOT IN (SELECT identity FROM ${db}.genscope_log_evaluations WHERE time >= fromUnixTimestamp64Nano({from:Int64}))
    ORDER BY Timestamp LIMIT 1 BY identity LIMIT {page:UInt32}`;
  let written = 0;
  for (;;) {
    const page = await ch.query<LogDbRow & { identity: string }>(sql, { from: fromNs.toString(), event: GEN_AI.evaluationEvent, page: PAGE });
    const facts: { f: EvaluationFacts; identity: string }[] = [];
    for (const r of page) {
      const f = evaluationOf({
        timeNs: BigInt(r.time_ns),
        ...(r.TraceId ? { traceId: r.TraceId } : {}),
        ...(r.SpanId ? { spanId: r.SpanId } : {}),
        severityNumber: r.SeverityNumber,
        eventName: r.event_name,
        body: null,
        attributes: parseAttributes(r.attrs, t.variant),
        resource: {},
      });
      if (f) facts.push({ f, identity: r.identity });
    }
    const dims = await spanDims(ch, db, facts.map((x) => x.f));
    const rows: object[] = [];
    for (const { f, identity: id } of facts) {
      const d = dimsOf(f, dims);
      const traceId = d?.trace_id ?? f.traceId;
      const spanId = d?.span_id ?? f.spanId;
      // Names no span and no stored response: it stays a log record only, as on SQLite. It is
      // looked at again by later passes within the late allowance (its span may come later).
      if (!traceId || !spanId) continue;
      rows.push({
        time: f.timeNs.toString(),
        identity: id,
        trace_id: traceId,
        span_id: spanId,
        name: f.name,
        value: f.value,
        label: f.label,
        explanation: f.explanation,
        stage: d?.stage ?? null,
        component_id: d?.component_id ?? null,
        component_type: d?.component_type ?? null,
        model: d?.model ?? null,
        benchmark_run_id: d?.benchmark_run_id ?? null,
      });
    }
    await ch.insert('genscope_log_evaluations', rows);
    written += rows.length;
    if (page.length < PAGE) break;
    // A full page of records none of which could be attached would repeat: stop, retry next pass.
    if (rows.length === 0) break;
  }
  return written;
}

/** The spans the evaluations name (by ids, or by response id within the hour before). */
async function spanDims(ch: ChClient, db: string, facts: readonly EvaluationFacts[]): Promise<SpanDims[]> {
  if (facts.length === 0) return [];
  let lo = facts[0]?.timeNs ?? 0n;
  let hi = lo;
  for (const f of facts) {
    if (f.timeNs < lo) lo = f.timeNs;
    if (f.timeNs > hi) hi = f.timeNs;
  }
  const spanIds = facts.filter((f) => f.traceId && f.spanId && HEX_ID.test(f.traceId) && HEX_ID.test(f.spanId)).map((f) => f.spanId as string);
  const responseIds = facts.filter((f) => !(f.traceId && f.spanId) && f.responseId).map((f) => f.responseId as string);
  if (spanIds.length === 0 && responseIds.length === 0) return [];
  return ch.query<SpanDims>(
    `SELECT trace_id, span_id, toString(toUnixTimestamp64Nano(start)) AS start_ns,
        JSONExtractString(attributes, {rid:String}) AS response_id, stage, component_id, component_type, model, benchmark_run_id
      FROM ${db}.genscope_spans
      WHERE start >= fromUnixTimestamp64Nano({lo:Int64}) AND start <= fromUnixTimestamp64Nano({hi:Int64})
        AND (span_id IN {spans:Array(String)}
          OR (role IN ('model', 'run') AND JSONExtractString(attributes, {rid:String}) IN {responses:Array(String)}))`,
    {
      lo: (lo - EVALUATION_LOOKBACK_NS).toString(),
      hi: hi.toString(),
      spans: spanIds,
      responses: responseIds,
      rid: GEN_AI.responseId,
    },
  );
}

/** The span an evaluation judges among the candidates, as the SQLite writer's scoreOf picks it. */
function dimsOf(f: EvaluationFacts, dims: readonly SpanDims[]): SpanDims | undefined {
  const from = f.timeNs - EVALUATION_LOOKBACK_NS;
  const inWindow = (d: SpanDims) => BigInt(d.start_ns) >= from && BigInt(d.start_ns) <= f.timeNs;
  if (f.traceId && f.spanId) {
    if (!HEX_ID.test(f.traceId) || !HEX_ID.test(f.spanId)) return undefined;
    return dims.find((d) => d.span_id === f.spanId && d.trace_id === f.traceId && inWindow(d));
  }
  if (!f.responseId) return undefined;
  let best: SpanDims | undefined;
  for (const d of dims)
    if (d.response_id === f.responseId && inWindow(d) && (!best || BigInt(d.start_ns) > BigInt(best.start_ns))) best = d;
  return best;
}
