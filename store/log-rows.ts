/**
 * Records -> rows for OTLP log records: the pure part (no I/O, tested without SQLite). The
 * writer resolves what needs the database: the resource id, and the span an evaluation judges.
 */
import crypto from 'node:crypto';
import { GEN_AI } from '../schema/names';
import type { LogRecordRecord } from '../schema/records';
import { num, str } from './span-rows';

export interface LogRow {
  time_ns: bigint;
  observed_ns: bigint | null;
  trace_id: string | null;
  span_id: string | null;
  severity_number: number;
  severity_text: string | null;
  event_name: string | null;
  body: string | null;
  attributes: string;
  /** Set by the writer once the resource row exists. */
  resource_id: number | null;
  scope_name: string | null;
  identity: Buffer;
}

/** A `gen_ai.evaluation.result` event: what it judged and how. */
export interface EvaluationFacts {
  timeNs: bigint;
  traceId: string | null;
  spanId: string | null;
  /** The response the evaluation refers to, for records sent without span context. */
  responseId: string | null;
  name: string;
  value: number | null;
  label: string | null;
  explanation: string | null;
}

export interface LogRows {
  log: LogRow;
  evaluation: EvaluationFacts | null;
}

/**
 * A digest of everything the record carries (its resource included): OTLP log records have no
 * id, and an exporter that retries a batch sends the same records again. 16 bytes of SHA-256 make
 * an accidental collision between two distinct records negligible.
 */
function identityOf(r: LogRecordRecord, attributes: string, body: string | null, resource: string): Buffer {
  const h = crypto.createHash('sha256');
  for (const part of [
    r.timeNs.toString(),
    r.observedNs?.toString() ?? '',
    r.traceId ?? '',
    r.spanId ?? '',
    String(r.severityNumber),
    r.severityText ?? '',
    r.eventName ?? '',
    body ?? '',
    attributes,
    resource,
    r.scopeName ?? '',
  ])
    h.update(part).update('\u0000');
  return h.digest().subarray(0, 16);
}

/** The evaluation a record carries, when it is a `gen_ai.evaluation.result` event with a name. */
export function evaluationOf(r: LogRecordRecord): EvaluationFacts | null {
  if (r.eventName !== GEN_AI.evaluationEvent) return null;
  const a = r.attributes;
  const name = str(a[GEN_AI.evaluationName]);
  if (!name) return null;
  return {
    timeNs: r.timeNs,
    traceId: r.traceId ?? null,
    spanId: r.spanId ?? null,
    responseId: str(a[GEN_AI.responseId]),
    name,
    value: num(a[GEN_AI.evaluationScoreValue]),
    label: str(a[GEN_AI.evaluationScoreLabel]),
    explanation: str(a[GEN_AI.evaluationExplanation]),
  };
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/** Why a log record is refused (no time, malformed ids), or null when it can be stored. */
export function logRecordProblem(r: LogRecordRecord): string | null {
  if (typeof r.timeNs !== 'bigint' || r.timeNs <= 0n) return 'log record without a time';
  if ((r.traceId !== undefined && !HEX32.test(r.traceId)) || (r.spanId !== undefined && !HEX16.test(r.spanId)))
    return 'log record with an invalid trace or span id';
  return null;
}

export function logRecordToRows(r: LogRecordRecord): LogRows {
  const attributes = JSON.stringify(r.attributes);
  const body = r.body === null ? null : JSON.stringify(r.body);
  return {
    log: {
      time_ns: r.timeNs,
      observed_ns: r.observedNs ?? null,
      trace_id: r.traceId ?? null,
      span_id: r.spanId ?? null,
      severity_number: r.severityNumber,
      severity_text: r.severityText ?? null,
      event_name: r.eventName ?? null,
      body,
      attributes,
      resource_id: null,
      scope_name: r.scopeName ?? null,
      identity: identityOf(r, attributes, body, JSON.stringify(r.resource)),
    },
    evaluation: evaluationOf(r),
  };
}
