/**
 * Records -> rows: the pure mapping from a SpanRecord to the span, score, model-call and
 * benchmark rows the store writes. No I/O: tested without SQLite.
 */
import { ATTR, BENCHMARK_SPAN_NAMES, FOREIGN, GEN_AI, LEGACY, RUN_SPAN_NAMES, RUN_STAGE } from '../schema/names';
import type { AttributeMap, AttributeValue, PriceBook, SpanRecord } from '../schema/records';

export type SpanRole = 'run' | 'stage' | 'model' | 'benchmark' | 'other';

export interface SpanRow {
  /** Set by the writer once the resource row exists. */
  resource_id: number | null;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  role: SpanRole;
  kind: number;
  scope_name: string | null;
  start_ns: bigint;
  end_ns: bigint;
  duration_ns: bigint;
  status_code: number;
  status_message: string | null;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
  cost_usd: number | null;
  cache_hit: number | null;
  attributes: string;
  events: string | null;
  links: string | null;
}

export interface ScoreRow {
  time_ns: bigint;
  /** Position of the score's event in the span's events (the store keeps the event only here). */
  seq: number;
  trace_id: string;
  span_id: string;
  name: string;
  value: number | null;
  label: string | null;
  explanation: string | null;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
}

export interface ModelCallRow {
  time_ns: bigint;
  duration_ns: bigint;
  trace_id: string;
  span_id: string;
  provider: string | null;
  operation: string | null;
  request_model: string | null;
  response_model: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  cost_source: 'attribute' | 'prices' | null;
  status_code: number;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  benchmark_run_id: string | null;
}

export interface BenchmarkRow {
  id: string;
  trace_id: string;
  pipeline: string | null;
  pipeline_version: string | null;
  model: string | null;
  started_ns: bigint;
  ended_ns: bigint;
  duration_ns: bigint;
  components: number | null;
  status_code: number;
  simulated: number;
  attributes: string;
}

export interface SpanRows {
  span: SpanRow;
  scores: ScoreRow[];
  modelCall: ModelCallRow | null;
  benchmark: BenchmarkRow | null;
}

/** An attribute as text (numbers and booleans spelled out), null when absent or empty. */
export function str(v: AttributeValue | undefined): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** An attribute as a finite number (numeric strings too), null otherwise. */
export function num(v: AttributeValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function firstStr(attrs: AttributeMap, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = str(attrs[k]);
    if (v !== null) return v;
  }
  return null;
}

function firstNum(attrs: AttributeMap, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = num(attrs[k]);
    if (v !== null) return v;
  }
  return null;
}

/** The GenAI operation of a span, from current, older or OpenInference names. */
function genAiOperation(attrs: AttributeMap): string | null {
  const op = str(attrs[GEN_AI.operationName]);
  if (op) return op;
  const oiKind = str(attrs[FOREIGN.openInferenceSpanKind]);
  if (oiKind === 'LLM') return 'chat';
  if (oiKind === 'EMBEDDING') return 'embeddings';
  if (str(attrs[FOREIGN.llmModelName]) || str(attrs[FOREIGN.system])) return 'chat';
  return null;
}

export function spanRole(record: SpanRecord): SpanRole {
  if (RUN_SPAN_NAMES.includes(record.name)) return 'run';
  if (BENCHMARK_SPAN_NAMES.includes(record.name)) return 'benchmark';
  if (genAiOperation(record.attributes) !== null) return 'model';
  if (firstStr(record.attributes, ATTR.stage, LEGACY.stage) !== null) return 'stage';
  // A trace root from another instrumentation is a run of its pipeline.
  if (!record.parentSpanId) return 'run';
  return 'other';
}

/** Events and links as stored JSON (event times as decimal ns strings: JSON has no BigInt). */
function eventsJson(events: SpanRecord['events']): string | null {
  if (events.length === 0) return null;
  return JSON.stringify(events.map((e) => ({ name: e.name, timeNs: e.timeNs.toString(), attributes: e.attributes })));
}

/**
 * SpanRecord -> rows for spans, scores (gen_ai.evaluation.result events), model calls (GenAI
 * spans, costed from the price book when the span carries no cost) and benchmark runs.
 */
export function spanRecordToRows(record: SpanRecord, prices?: PriceBook): SpanRows {
  const a = record.attributes;
  const role = spanRole(record);
  // Each genscope name, then the one it had before the genscope.* prefix (schema LEGACY).
  const componentType = firstStr(a, ATTR.componentType, LEGACY.componentType);
  const componentId = firstStr(a, ATTR.componentId, LEGACY.componentId);
  const declaredBenchmark = firstStr(a, ATTR.benchmarkRunId, LEGACY.benchmarkRunId);
  const benchmarkRunId = role === 'benchmark' ? (declaredBenchmark ?? record.traceId) : declaredBenchmark;
  const stage = role === 'run' ? RUN_STAGE : firstStr(a, ATTR.stage, LEGACY.stage);
  const durationNs = record.endNs > record.startNs ? record.endNs - record.startNs : 0n;

  let modelCall: ModelCallRow | null = null;
  let cost = num(a[ATTR.costUsd]);
  if (role === 'model') {
    const requestModel = firstStr(a, GEN_AI.requestModel, FOREIGN.llmModelName);
    const responseModel = firstStr(a, GEN_AI.responseModel) ?? requestModel;
    const provider = firstStr(a, GEN_AI.providerName, FOREIGN.system, FOREIGN.llmProvider, FOREIGN.llmSystem);
    const inputTokens = Math.max(0, Math.round(firstNum(a, GEN_AI.inputTokens, FOREIGN.promptTokens, FOREIGN.llmPromptTokens) ?? 0));
    const outputTokens = Math.max(
      0,
      Math.round(firstNum(a, GEN_AI.outputTokens, FOREIGN.completionTokens, FOREIGN.llmCompletionTokens) ?? 0),
    );
    const cachedTokens = Math.max(0, Math.round(firstNum(a, GEN_AI.cachedInputTokens, FOREIGN.llmCachedTokens) ?? 0));
    let costSource: ModelCallRow['cost_source'] = cost !== null ? 'attribute' : null;
    if (cost === null && prices && (responseModel ?? requestModel) && inputTokens + outputTokens > 0) {
      cost = prices.costUsd({
        ...(provider ? { provider } : {}),
        model: (responseModel ?? requestModel) as string,
        inputTokens,
        outputTokens,
        cachedInputTokens: cachedTokens,
        atMillis: Number(record.startNs / 1_000_000n),
      });
      if (cost !== null) costSource = 'prices';
    }
    modelCall = {
      time_ns: record.startNs,
      duration_ns: durationNs,
      trace_id: record.traceId,
      span_id: record.spanId,
      provider,
      operation: genAiOperation(a),
      request_model: requestModel,
      response_model: responseModel,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cached_tokens: cachedTokens,
      cost_usd: cost,
      cost_source: costSource,
      status_code: record.statusCode,
      stage,
      component_id: componentId,
      component_type: componentType,
      benchmark_run_id: benchmarkRunId,
    };
  }

  const model =
    role === 'model'
      ? (modelCall?.response_model ?? null)
      : firstStr(a, ATTR.model, LEGACY.model, GEN_AI.requestModel, FOREIGN.llmModelName);

  const cacheHitValue = a[ATTR.cacheHit];
  const span: SpanRow = {
    resource_id: null,
    trace_id: record.traceId,
    span_id: record.spanId,
    parent_span_id: record.parentSpanId ?? null,
    name: record.name,
    role,
    kind: record.kind,
    scope_name: record.scopeName ?? null,
    start_ns: record.startNs,
    end_ns: record.endNs,
    duration_ns: durationNs,
    status_code: record.statusCode,
    status_message: record.statusMessage ?? null,
    stage,
    component_id: componentId,
    component_type: componentType,
    model,
    benchmark_run_id: benchmarkRunId,
    cost_usd: cost,
    cache_hit: typeof cacheHitValue === 'boolean' ? (cacheHitValue ? 1 : 0) : null,
    attributes: JSON.stringify(a),
    events: eventsJson(record.events),
    links: record.links.length > 0 ? JSON.stringify(record.links) : null,
  };

  const scores: ScoreRow[] = [];
  record.events.forEach((e, seq) => {
    if (e.name !== GEN_AI.evaluationEvent) return;
    const name = str(e.attributes[GEN_AI.evaluationName]);
    if (!name) return;
    scores.push({
      time_ns: e.timeNs,
      seq,
      trace_id: record.traceId,
      span_id: record.spanId,
      name,
      value: num(e.attributes[GEN_AI.evaluationScoreValue]),
      label: str(e.attributes[GEN_AI.evaluationScoreLabel]),
      explanation: str(e.attributes[GEN_AI.evaluationExplanation]),
      stage,
      component_id: componentId,
      component_type: componentType,
      model,
      benchmark_run_id: benchmarkRunId,
    });
  });

  const benchmark: BenchmarkRow | null =
    role === 'benchmark' && benchmarkRunId
      ? {
          id: benchmarkRunId,
          trace_id: record.traceId,
          pipeline: firstStr(a, ATTR.pipelineName, LEGACY.pipelineName),
          pipeline_version: firstStr(a, ATTR.pipelineVersion, LEGACY.pipelineVersion),
          model: firstStr(a, ATTR.model, LEGACY.model),
          started_ns: record.startNs,
          ended_ns: record.endNs,
          duration_ns: durationNs,
          components: firstNum(a, ATTR.benchmarkComponents, LEGACY.benchmarkComponents),
          status_code: record.statusCode,
          simulated: a[ATTR.simulated] === true ? 1 : 0,
          attributes: span.attributes,
        }
      : null;

  return { span, scores, modelCall, benchmark };
}
