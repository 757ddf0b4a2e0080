/**
 * The log-record half of the store writer: rows for log_records, and a score for each
 * `gen_ai.evaluation.result` event, with the dimensions (stage, component, model, benchmark run)
 * of the span it judges. Runs inside the StoreWriter's transaction.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import type { EvaluationFacts, LogRows } from '../log-rows';
import type { ScoreRow } from '../span-rows';
import { idBytes } from '../compact';
import { stringOf } from './strings';

/**
 * How far before an evaluation the span it judges is looked for. Evaluations are sent right after
 * the call (or by a judge minutes later); a bounded window keeps the lookup a short index range
 * scan on spans(start_ns, span_id) however large the table is.
 */
export const EVALUATION_LOOKBACK_NS = 3_600_000_000_000n;

const HEX_ID = /^(?:[0-9a-f]{2})+$/;

interface SpanDims {
  id: number;
  trace_id: string;
  span_id: string;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
}

// The compact layout of migration 042: binary ids, shared strings.
const DIM_COLUMNS = `id, lower(hex(trace_id)) AS trace_id, lower(hex(span_id)) AS span_id, stage, ${stringOf('component_id_ref')} AS component_id,
  component_type, model, ${stringOf('benchmark_run_ref')} AS benchmark_run_id`;

export class LogRecordStatements {
  readonly insert: Statement;
  private readonly bySpan: Statement<[bigint, bigint, Buffer, Buffer], SpanDims>;
  private readonly byResponseId: Statement<[bigint, bigint, string], SpanDims>;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO log_records (time_ns, observed_ns, trace_id, span_id, severity_number, severity_text, event_name, body,
         attributes, resource_id, scope_name, identity)
       VALUES (@time_ns, @observed_ns, @trace_id, @span_id, @severity_number, @severity_text, @event_name, @body,
         @attributes, @resource_id, @scope_name, @identity)
       ON CONFLICT (identity) DO NOTHING`,
    );
    this.bySpan = db.prepare<[bigint, bigint, Buffer, Buffer], SpanDims>(
      `SELECT ${DIM_COLUMNS} FROM spans WHERE start_ns BETWEEN ? AND ? AND span_id = ? AND trace_id = ? LIMIT 1`,
    );
    // A model call that is its trace's root is stored as a run (store/span-rows.ts spanRole).
    this.byResponseId = db.prepare<[bigint, bigint, string], SpanDims>(
      `SELECT ${DIM_COLUMNS} FROM spans
       WHERE start_ns BETWEEN ? AND ? AND role IN ('model', 'run')
         AND json_extract(COALESCE(attributes, ${stringOf('attributes_ref')}), '$."gen_ai.response.id"') = ?
       ORDER BY start_ns DESC LIMIT 1`,
    );
  }

  /**
   * The score row of an evaluation, or null when it names no span and no stored response: then it
   * stays a log record only (the caller says so in the partial-success message).
   */
  scoreOf(e: EvaluationFacts): { score: ScoreRow; spanRow: number | null } | null {
    const from = e.timeNs - EVALUATION_LOOKBACK_NS;
    let dims: SpanDims | undefined;
    if (e.traceId && e.spanId && HEX_ID.test(e.traceId) && HEX_ID.test(e.spanId))
      dims = this.bySpan.get(from, e.timeNs, idBytes(e.spanId), idBytes(e.traceId));
    else if (e.responseId) dims = this.byResponseId.get(from, e.timeNs, e.responseId);
    const traceId = dims?.trace_id ?? e.traceId;
    const spanId = dims?.span_id ?? e.spanId;
    // A record with span context whose span is not stored (yet) still scores that span.
    if (!traceId || !spanId) return null;
    const score: ScoreRow = {
      time_ns: e.timeNs,
      // Not an event of the span: an evaluation sent as a log record.
      seq: -1,
      trace_id: traceId,
      span_id: spanId,
      name: e.name,
      value: e.value,
      label: e.label,
      explanation: e.explanation,
      stage: dims?.stage ?? null,
      component_id: dims?.component_id ?? null,
      component_type: dims?.component_type ?? null,
      model: dims?.model ?? null,
      benchmark_run_id: dims?.benchmark_run_id ?? null,
    };
    return { score, spanRow: dims?.id ?? null };
  }
}

/** Rows ready to insert: the resource id is the writer's to resolve. */
export type PendingLogRows = LogRows;
