/**
 * Rows -> the compact stored form (migration 042): binary ids, shared strings, attributes without
 * the keys the columns hold, score events only in scores. Used by the writer and by the migration
 * that converts older rows, so both store exactly the same thing.
 */
import type { AttributeMap, SpanEventRecord } from '../../schema/records';
import type { ModelCallRow, ScoreRow, SpanRow } from '../span-rows';
import { EVENTS_IN_ARTEFACTS, checkedIdBytes, compactLinks, compactScoreAttributes, compactSpanAttributes, eventBody, eventTime, idBytes, scoreEvaluates } from '../compact';
import type { PromotedColumns, StoredEvent } from '../compact';
import type { StringTable } from './strings';

export const SPAN_INSERT = `INSERT INTO spans (trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref,
    start_ns, end_ns, duration_ns, status_code, status_message, stage, component_id_ref, component_type, model, benchmark_run_ref,
    cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links)
  VALUES (@trace_id, @span_id, @parent_span_id, @name_ref, @role, @kind, @resource_id, @scope_ref, @start_ns, @end_ns,
    @duration_ns, @status_code, @status_message, @stage, @component_id_ref, @component_type, @model, @benchmark_run_ref,
    @cost_usd, @cache_hit, @promoted, @attributes, @attributes_ref, @events, @links)`;

/** The span insert since migration 205: end_ns as a lag (a generated column on read). */
export const SPAN_INSERT_205 = `INSERT INTO spans (trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref,
    start_ns, end_lag_ns, duration_ns, status_code, status_message, stage, component_id_ref, component_type, model, benchmark_run_ref,
    cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links)
  VALUES (@trace_id, @span_id, @parent_span_id, @name_ref, @role, @kind, @resource_id, @scope_ref, @start_ns, @end_lag_ns,
    @duration_ns, @status_code, @status_message, @stage, @component_id_ref, @component_type, @model, @benchmark_run_ref,
    @cost_usd, @cache_hit, @promoted, @attributes, @attributes_ref, @events, @links)`;

/** The span insert since migration 208: the rows in spans_rows, the stage, component type and model as string ids. */
export const SPAN_ROWS_INSERT = `INSERT INTO spans_rows (trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref,
    start_ns, end_lag_ns, duration_ns, status_code, status_message, stage_ref, component_id_ref, component_type_ref, model_ref, benchmark_run_ref,
    cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links)
  VALUES (@trace_id, @span_id, @parent_span_id, @name_ref, @role, @kind, @resource_id, @scope_ref, @start_ns, @end_lag_ns,
    @duration_ns, @status_code, @status_message, @stage_ref, @component_id_ref, @component_type_ref, @model_ref, @benchmark_run_ref,
    @cost_usd, @cache_hit, @promoted, @attributes, @attributes_ref, @events, @links)`;

/**
 * model_calls.cost_source_code of migration 205; another source is kept as its text. BigInts: the
 * column has no type, so a JS number would be stored as REAL.
 */
const COST_SOURCE_CODES: Readonly<Record<string, bigint>> = { attribute: 1n, prices: 2n };

/** model_calls.*_model_code of migration 206: 0 (a BigInt, as COST_SOURCE_CODES) for the response model itself. */
const sameModel = (model: string | null, response: string | null): string | bigint | null => (model !== null && model === response ? 0n : model);

/** The scores insert of migration 042's layout (the compact migration runs before migration 170). */
export const SCORE_INSERT_042 = `INSERT INTO scores (time_ns, span_row, seq, trace_id, span_id, name_ref, value, label_ref, explanation, explanation_ref,
    promoted, attributes, stage, component_id_ref, component_type, model, benchmark_run_ref)
  VALUES (@time_ns, @span_row, @seq, @trace_id, @span_id, @name_ref, @value, @label_ref, @explanation, @explanation_ref, @promoted, @attributes,
    @stage, @component_id_ref, @component_type, @model, @benchmark_run_ref)`;

export const SCORE_INSERT = `INSERT INTO scores (time_ns, span_row, seq, trace_id, span_id, name_ref, value, label_ref, explanation, explanation_ref,
    promoted, attributes, stage, component_id_ref, component_type, model, benchmark_run_ref, evaluated_span_id, response_id_ref)
  VALUES (@time_ns, @span_row, @seq, @trace_id, @span_id, @name_ref, @value, @label_ref, @explanation, @explanation_ref, @promoted, @attributes,
    @stage, @component_id_ref, @component_type, @model, @benchmark_run_ref, @evaluated_span_id, @response_id_ref)`;

/** The scores insert since migration 182: the stage, component type and model as string ids. */
export const SCORE_ROWS_INSERT = `INSERT INTO scores_rows (time_ns, span_row, seq, trace_id, span_id, name_ref, value, label_ref, explanation,
    explanation_ref, promoted, attributes, stage_ref, component_id_ref, component_type_ref, model_ref, benchmark_run_ref, evaluated_span_id,
    response_id_ref)
  VALUES (@time_ns, @span_row, @seq, @trace_id, @span_id, @name_ref, @value, @label_ref, @explanation, @explanation_ref, @promoted, @attributes,
    @stage_ref, @component_id_ref, @component_type_ref, @model_ref, @benchmark_run_ref, @evaluated_span_id, @response_id_ref)`;

/** scoreParams for SCORE_ROWS_INSERT: its texts as the ids of shared strings. */
export function scoreRowsParams(p: StoredParams, strings: StringTable): StoredParams {
  const { stage, component_type, model, ...rest } = p;
  const t = p.time_ns as bigint;
  const id = (v: unknown) => strings.idOrNull(typeof v === 'string' ? v : null, t);
  return { ...rest, stage_ref: id(stage), component_type_ref: id(component_type), model_ref: id(model) };
}


/** The model-call insert of migration 042's layout (the compact migration runs before migration 130). */
export const MODEL_CALL_INSERT_042 = `INSERT INTO model_calls (id, time_ns, duration_ns, provider, operation, request_model,
    response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id_ref,
    component_type, benchmark_run_ref)
  VALUES (@id, @time_ns, @duration_ns, @provider, @operation, @request_model, @response_model, @input_tokens,
    @output_tokens, @cached_tokens, @cost_usd, @cost_source, @status_code, @stage, @component_id_ref, @component_type,
    @benchmark_run_ref)`;

/** The model-call columns migration 130 added (left out of MODEL_CALL_INSERT_042's parameters). */
export const MODEL_CALL_130_COLUMNS = ['cache_write_tokens', 'reasoning_tokens', 'ttft_ns', 'sender_cost_usd', 'priced_cost_usd', 'sent_response_model'] as const;

export const MODEL_CALL_INSERT = `INSERT INTO model_calls (id, time_ns, duration_ns, provider, operation, request_model,
    response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id_ref,
    component_type, benchmark_run_ref, cache_write_tokens, reasoning_tokens, ttft_ns, sender_cost_usd, priced_cost_usd,
    sent_response_model)
  VALUES (@id, @time_ns, @duration_ns, @provider, @operation, @request_model, @response_model, @input_tokens,
    @output_tokens, @cached_tokens, @cost_usd, @cost_source, @status_code, @stage, @component_id_ref, @component_type,
    @benchmark_run_ref, @cache_write_tokens, @reasoning_tokens, @ttft_ns, @sender_cost_usd, @priced_cost_usd,
    @sent_response_model)`;

/** The columns of MODEL_CALL_INSERT, in its order. */
const MODEL_CALL_COLUMNS = /INSERT INTO model_calls \(([^)]*)\)/.exec(MODEL_CALL_INSERT)?.[1]?.split(',').map((c) => c.trim()) ?? [];

/** MODEL_CALL_INSERT with some columns stored under another name (a code the table gives back through a generated column). */
function modelCallInsert(renamed: Readonly<Record<string, string>>): string {
  const cols = MODEL_CALL_COLUMNS.map((c) => renamed[c] ?? c);
  return `INSERT INTO model_calls (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`;
}

/** The model-call insert since migration 205: cost_source as a code (a generated column on read). */
export const MODEL_CALL_INSERT_205 = modelCallInsert({ cost_source: 'cost_source_code' });

/** Since migration 206: also the request and sent response models as 0 when they are the response model. */
export const MODEL_CALL_INSERT_206 = modelCallInsert({
  cost_source: 'cost_source_code',
  request_model: 'request_model_code',
  sent_response_model: 'sent_response_model_code',
});

export type StoredParams = Record<string, string | number | bigint | Buffer | null>;

/** The columns a span's promoted attributes are rebuilt from. */
export function promotedColumns(span: SpanRow, modelCall: ModelCallRow | null): PromotedColumns {
  return {
    stage: span.stage,
    component_type: span.component_type,
    component_id: span.component_id,
    benchmark_run_id: span.benchmark_run_id,
    model: span.model,
    cost_usd: span.cost_usd,
    cache_hit: span.cache_hit,
    ...(modelCall
      ? {
          operation: modelCall.operation,
          provider: modelCall.provider,
          request_model: modelCall.request_model,
          response_model: modelCall.response_model,
          input_tokens: modelCall.input_tokens,
          output_tokens: modelCall.output_tokens,
          cached_tokens: modelCall.cached_tokens,
        }
      : {}),
  };
}

/** The stored events JSON of the events that are not kept in scores. */
function storedEvents(events: readonly SpanEventRecord[], skip: ReadonlySet<number>, startNs: bigint, strings: StringTable): string | null {
  if (events.length === 0) return null;
  const out: StoredEvent[] = [];
  events.forEach((e, i) => {
    if (skip.has(i)) return;
    const ref = strings.shared(eventBody(e), startNs);
    out.push(ref !== null ? { ...eventTime(e.timeNs, startNs), ref } : { ...eventTime(e.timeNs, startNs), name: e.name, attributes: e.attributes });
  });
  return out.length > 0 ? JSON.stringify(out) : null;
}

/** A score's own span id as bytes; an id that is not hex (a log record's) is kept as text. */
function ownId(hex: string): Buffer | string | null {
  if (!hex) return null;
  return /^(?:[0-9a-f]{2})+$/.test(hex) ? idBytes(hex) : hex;
}

export interface CompactSpanInput {
  span: SpanRow;
  attributes: AttributeMap;
  events: readonly SpanEventRecord[];
  scores: readonly ScoreRow[];
  modelCall: ModelCallRow | null;
  /** Positions of the artefact events rebuilt from artefact rows (migration 176): not stored here. */
  artefactEvents?: readonly number[];
}

const NONE: ReadonlySet<number> = new Set();

/** Positions of the events stored elsewhere (scores, artefact rows). */
function skippedEvents(input: CompactSpanInput): ReadonlySet<number> {
  const artefacts = input.artefactEvents ?? [];
  if (input.scores.length === 0 && artefacts.length === 0) return NONE;
  return new Set([...input.scores.map((sc) => sc.seq), ...artefacts]);
}

/**
 * The spans row of a span (its scores' events are left to scoreParams); its ids are checked
 * lowercase hex (validateSpan). `dimensionIds`: also the stage, component type and model as string
 * ids, for SPAN_ROWS_INSERT (migration 208; else null).
 */
export function spanParams(input: CompactSpanInput, strings: StringTable, dimensionIds = false): StoredParams {
  const s = input.span;
  const t = s.start_ns;
  const { promoted, rest } = compactSpanAttributes(input.attributes, promotedColumns(s, input.modelCall));
  const restRef = rest === null ? null : strings.shared(rest, t);
  return {
    trace_id: checkedIdBytes(s.trace_id),
    span_id: checkedIdBytes(s.span_id),
    parent_span_id: s.parent_span_id === null ? null : checkedIdBytes(s.parent_span_id),
    name_ref: strings.id(s.name, t),
    role: s.role,
    kind: s.kind,
    resource_id: s.resource_id,
    scope_ref: strings.idOrNull(s.scope_name, t),
    start_ns: t,
    end_ns: s.end_ns,
    end_lag_ns: t + s.duration_ns === s.end_ns ? null : t + s.duration_ns - s.end_ns,
    duration_ns: s.duration_ns,
    status_code: s.status_code,
    status_message: s.status_message,
    stage: s.stage,
    component_id_ref: strings.idOrNull(s.component_id, t),
    component_type: s.component_type,
    model: s.model,
    stage_ref: dimensionIds ? strings.idOrNull(s.stage, t) : null,
    component_type_ref: dimensionIds ? strings.idOrNull(s.component_type, t) : null,
    model_ref: dimensionIds ? strings.idOrNull(s.model, t) : null,
    benchmark_run_ref: strings.idOrNull(s.benchmark_run_id, t),
    cost_usd: s.cost_usd,
    cache_hit: s.cache_hit,
    promoted: input.artefactEvents && input.artefactEvents.length > 0 ? promoted | EVENTS_IN_ARTEFACTS : promoted,
    attributes: restRef === null ? rest : null,
    attributes_ref: restRef,
    events: storedEvents(input.events, skippedEvents(input), t, strings),
    links: compactLinks(s.links),
  };
}

/**
 * A scores row; `event` is the score's gen_ai.evaluation.result event (its attributes are kept).
 * Without a span row (an evaluation of a span not stored) the row keeps the span's ids itself.
 */
export function scoreParams(
  sc: ScoreRow,
  spanRow: number | bigint | null,
  event: SpanEventRecord | undefined,
  strings: StringTable,
  layout: '042' | 'current' = 'current',
): StoredParams {
  const t = sc.time_ns;
  // Migration 042's layout has no judged-call columns: those keys stay in the remainder there.
  const evaluates = event && layout === 'current' ? scoreEvaluates(event.attributes) : { evaluated_span_id: null, response_id: null };
  const { promoted, rest } = event ? compactScoreAttributes(event.attributes, { ...sc, ...evaluates }) : { promoted: 0, rest: null };
  const explanationRef = sc.explanation === null ? null : strings.shared(sc.explanation, t);
  return {
    time_ns: t,
    span_row: spanRow,
    seq: event ? sc.seq : null,
    trace_id: spanRow === null ? ownId(sc.trace_id) : null,
    span_id: spanRow === null ? ownId(sc.span_id) : null,
    name_ref: strings.id(sc.name, t),
    value: sc.value,
    label_ref: strings.idOrNull(sc.label, t),
    explanation: explanationRef === null ? sc.explanation : null,
    explanation_ref: explanationRef,
    promoted,
    attributes: rest,
    stage: sc.stage,
    component_id_ref: strings.idOrNull(sc.component_id, t),
    component_type: sc.component_type,
    model: sc.model,
    benchmark_run_ref: strings.idOrNull(sc.benchmark_run_id, t),
    ...(layout === 'current'
      ? {
          evaluated_span_id: evaluates.evaluated_span_id === null ? null : idBytes(evaluates.evaluated_span_id),
          response_id_ref: strings.idOrNull(evaluates.response_id, t),
        }
      : {}),
  };
}

export function modelCallParams(mc: ModelCallRow, spanRow: number | bigint, strings: StringTable): StoredParams {
  const t = mc.time_ns;
  return {
    id: spanRow,
    time_ns: t,
    duration_ns: mc.duration_ns,
    provider: mc.provider,
    operation: mc.operation,
    request_model: mc.request_model,
    response_model: mc.response_model,
    input_tokens: mc.input_tokens,
    output_tokens: mc.output_tokens,
    cached_tokens: mc.cached_tokens,
    cost_usd: mc.cost_usd,
    cost_source: mc.cost_source,
    cost_source_code: mc.cost_source === null ? null : (COST_SOURCE_CODES[mc.cost_source] ?? mc.cost_source),
    request_model_code: sameModel(mc.request_model, mc.response_model),
    sent_response_model_code: sameModel(mc.sent_response_model, mc.response_model),
    status_code: mc.status_code,
    stage: mc.stage,
    component_id_ref: strings.idOrNull(mc.component_id, t),
    component_type: mc.component_type,
    benchmark_run_ref: strings.idOrNull(mc.benchmark_run_id, t),
    cache_write_tokens: mc.cache_write_tokens,
    reasoning_tokens: mc.reasoning_tokens,
    ttft_ns: mc.ttft_ns,
    sender_cost_usd: mc.sender_cost_usd,
    priced_cost_usd: mc.priced_cost_usd,
    sent_response_model: mc.sent_response_model,
  };
}
