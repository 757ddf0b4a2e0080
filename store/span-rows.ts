/**
 * Records -> rows: the pure mapping from a SpanRecord to the span, score, model-call and
 * benchmark rows the store writes. No I/O: tested without SQLite.
 */
import { ATTR, BENCHMARK_SPAN_NAMES, FOREIGN, GEN_AI, LEGACY, RUN_SPAN_NAMES, RUN_STAGE } from '../schema/names';
import type { AttributeMap, AttributeValue, PriceBook, SpanRecord } from '../schema/records';

/** 'agent', 'tool' and 'workflow' are the roles a GenAI convention gives a span (not model calls). */
export type SpanRole = 'run' | 'stage' | 'model' | 'agent' | 'tool' | 'workflow' | 'benchmark' | 'other';

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
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Time to first token, when the sender reported it. */
  ttft_ns: bigint | null;
  /** The cost the call is counted at: the sender's own when sent, else the price book's. */
  cost_usd: number | null;
  cost_source: 'attribute' | 'prices' | null;
  /** The sender's own cost and the price book's cost of the same tokens (either may be null). */
  sender_cost_usd: number | null;
  priced_cost_usd: number | null;
  /** The exact response model the sender reported (response_model holds the call's model identity). */
  sent_response_model: string | null;
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
  if (record.genAi) {
    // A trace root is a run whatever it is (a lone model call from a script is a run of one call);
    // its model call, if it is one, is still recorded.
    if (!record.parentSpanId) return 'run';
    return record.genAi.role;
  }
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

/** Where a model call sits: the row fields both kinds of model call take from their span. */
type CallPlace = Pick<
  ModelCallRow,
  | 'time_ns'
  | 'duration_ns'
  | 'trace_id'
  | 'span_id'
  | 'stage'
  | 'component_id'
  | 'component_type'
  | 'benchmark_run_id'
>;

/** The cost fields of a model call: the sender's own cost when sent, else the price book's. */
function costFields(
  sender: number | null,
  priced: number | null,
): Pick<ModelCallRow, 'cost_usd' | 'cost_source' | 'sender_cost_usd' | 'priced_cost_usd'> {
  return {
    cost_usd: sender ?? priced,
    cost_source: sender !== null ? 'attribute' : priced !== null ? 'prices' : null,
    sender_cost_usd: sender,
    priced_cost_usd: priced,
  };
}

function priceCall(
  prices: PriceBook | undefined,
  q: {
    provider: string | null;
    models: (string | null)[];
    input: number;
    output: number;
    cacheRead: number;
    cacheWrite: number;
    startNs: bigint;
  },
): number | null {
  if (!prices || q.input + q.output <= 0) return null;
  // The exact model first (dated versions may have their own price), then the identity.
  for (const model of new Set(q.models.filter((m): m is string => m !== null))) {
    const cost = prices.costUsd({
      ...(q.provider ? { provider: q.provider } : {}),
      model,
      inputTokens: q.input,
      outputTokens: q.output,
      cachedInputTokens: q.cacheRead,
      cacheWriteTokens: q.cacheWrite,
      atMillis: Number(q.startNs / 1_000_000n),
    });
    if (cost !== null) return cost;
  }
  return null;
}

const count = (v: number | null): number => Math.max(0, Math.round(v ?? 0));

/** The model call of a span recognised by a GenAI convention mapper (record.genAi). */
function conventionModelCall(
  record: SpanRecord,
  prices: PriceBook | undefined,
  place: CallPlace,
): ModelCallRow | null {
  const c = record.genAi?.call;
  if (!c) return null;
  const input = count(c.inputTokens);
  const output = count(c.outputTokens);
  const cacheRead = count(c.cacheReadTokens);
  const cacheWrite = count(c.cacheWriteTokens);
  const priced = priceCall(prices, {
    provider: c.provider,
    models: [c.responseModel, c.model, c.requestModel],
    input,
    output,
    cacheRead,
    cacheWrite,
    startNs: record.startNs,
  });
  const sender =
    c.senderCostUsd !== null && Number.isFinite(c.senderCostUsd) && c.senderCostUsd >= 0
      ? c.senderCostUsd
      : null;
  return {
    ...place,
    provider: c.provider,
    operation: c.operation,
    request_model: c.requestModel ?? c.model,
    response_model: c.model ?? c.requestModel ?? c.responseModel,
    input_tokens: input,
    output_tokens: output,
    cached_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: count(c.reasoningTokens),
    ttft_ns:
      c.timeToFirstTokenSeconds !== null &&
      Number.isFinite(c.timeToFirstTokenSeconds) &&
      c.timeToFirstTokenSeconds >= 0
        ? BigInt(Math.round(c.timeToFirstTokenSeconds * 1e9))
        : null,
    ...costFields(sender, priced),
    sent_response_model: c.responseModel,
    status_code: c.error ? 2 : record.statusCode,
  };
}

/** The model call of a span in genscope's own names (the SDK exporters' path). */
function genscopeModelCall(
  record: SpanRecord,
  prices: PriceBook | undefined,
  sentCost: number | null,
  place: CallPlace,
): ModelCallRow {
  const a = record.attributes;
  const requestModel = firstStr(a, GEN_AI.requestModel, FOREIGN.llmModelName);
  const responseModel = firstStr(a, GEN_AI.responseModel) ?? requestModel;
  const provider = firstStr(a, GEN_AI.providerName, FOREIGN.system, FOREIGN.llmProvider, FOREIGN.llmSystem);
  const inputTokens = count(firstNum(a, GEN_AI.inputTokens, FOREIGN.promptTokens, FOREIGN.llmPromptTokens));
  const outputTokens = count(
    firstNum(a, GEN_AI.outputTokens, FOREIGN.completionTokens, FOREIGN.llmCompletionTokens),
  );
  const cachedTokens = count(firstNum(a, GEN_AI.cachedInputTokens, FOREIGN.llmCachedTokens));
  const priced =
    sentCost === null
      ? priceCall(prices, {
          provider,
          models: [responseModel],
          input: inputTokens,
          output: outputTokens,
          cacheRead: cachedTokens,
          cacheWrite: 0,
          startNs: record.startNs,
        })
      : null;
  return {
    ...place,
    provider,
    operation: genAiOperation(a),
    request_model: requestModel,
    response_model: responseModel,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cached_tokens: cachedTokens,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    ttft_ns: null,
    ...costFields(sentCost, priced),
    sent_response_model: firstStr(a, GEN_AI.responseModel),
    status_code: record.statusCode,
  };
}

/**
 * SpanRecord -> rows for spans, scores (gen_ai.evaluation.result events), model calls (GenAI
 * spans, costed from the price book when the span carries no cost) and benchmark runs.
 */
export interface SpanRowsOptions {
  /**
   * False: the span row's attributes and events JSON are left out ('' and null), for a writer
   * that stores both from the record in its own form (the SQLite writer's compact rows); the
   * benchmark row keeps its attributes. Default true.
   */
  json?: boolean;
}

export function spanRecordToRows(record: SpanRecord, prices?: PriceBook, options: SpanRowsOptions = {}): SpanRows {
  const json = options.json ?? true;
  const a = record.attributes;
  const role = spanRole(record);
  // Each genscope name, then the one it had before the genscope.* prefix (schema LEGACY).
  const componentType = firstStr(a, ATTR.componentType, LEGACY.componentType);
  const componentId = firstStr(a, ATTR.componentId, LEGACY.componentId);
  const declaredBenchmark = firstStr(a, ATTR.benchmarkRunId, LEGACY.benchmarkRunId);
  const benchmarkRunId = role === 'benchmark' ? (declaredBenchmark ?? record.traceId) : declaredBenchmark;
  const stage = role === 'run' ? RUN_STAGE : firstStr(a, ATTR.stage, LEGACY.stage);
  const durationNs = record.endNs > record.startNs ? record.endNs - record.startNs : 0n;

  let cost = num(a[ATTR.costUsd]);
  const place: CallPlace = {
    time_ns: record.startNs,
    duration_ns: durationNs,
    trace_id: record.traceId,
    span_id: record.spanId,
    stage,
    component_id: componentId,
    component_type: componentType,
    benchmark_run_id: benchmarkRunId,
  };
  const modelCall = record.genAi
    ? conventionModelCall(record, prices, place)
    : role === 'model'
      ? genscopeModelCall(record, prices, cost, place)
      : null;
  if (modelCall) cost = modelCall.cost_usd;

  const model = modelCall
    ? modelCall.response_model
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
    // A call the convention marks failed (Langfuse level=ERROR) with its status unset is an error span.
    status_code: modelCall?.status_code === 2 ? 2 : record.statusCode,
    status_message: record.statusMessage ?? null,
    stage,
    component_id: componentId,
    component_type: componentType,
    model,
    benchmark_run_id: benchmarkRunId,
    cost_usd: cost,
    cache_hit: typeof cacheHitValue === 'boolean' ? (cacheHitValue ? 1 : 0) : null,
    attributes: json ? JSON.stringify(a) : '',
    events: json ? eventsJson(record.events) : null,
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
          attributes: json ? span.attributes : JSON.stringify(a),
        }
      : null;

  return { span, scores, modelCall, benchmark };
}
