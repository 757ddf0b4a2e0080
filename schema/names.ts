/**
 * The telemetry contract: every span name, attribute, event and metric genscope writes or reads.
 * Nothing else in the codebase spells these strings.
 *
 * OpenTelemetry GenAI semantic conventions are used where they exist (`gen_ai.*`, `server.*`,
 * `error.type`, durations in seconds). They live only in the deprecated `incubating` entry point
 * of @opentelemetry/semantic-conventions, so we keep our own copies here rather than import it.
 * Where no convention exists the name is ours, always under the one prefix `genscope.*`. The
 * names genscope wrote before (`pipeline.*`) are in LEGACY: never written, still read, so old
 * data and old senders keep working.
 */

/** Span names. */
export const SPAN = {
  /** Root span for one component processed by the pipeline. */
  run: 'genscope.run',
  /** One pass of the pipeline over a whole corpus; its own trace. */
  benchmark: 'genscope.benchmark',
} as const;

/** Span events. */
export const EVENT = {
  /** One cache lookup on the active span: attributes genscope.cache.name and genscope.cache.hit. */
  cacheLookup: 'genscope.cache.lookup',
  exception: 'exception',
  /** One artefact (prompt, response, code, render) of the span: attributes ARTEFACT.*. */
  artefact: 'genscope.artefact',
} as const;

/**
 * Attributes of a genscope.artefact event. The content travels in the event (so it also goes
 * over OTLP); the SQLite writer moves it into the artefacts table and keeps the rest in the event.
 */
export const ARTEFACT = {
  name: 'genscope.artefact.name',
  mediaType: 'genscope.artefact.media_type',
  /** 'utf-8' (content is the text) or 'base64' (content is the bytes in base64). */
  encoding: 'genscope.artefact.encoding',
  content: 'genscope.artefact.content',
  /** Size of the content before any truncation, in bytes. */
  originalBytes: 'genscope.artefact.original_bytes',
  truncated: 'genscope.artefact.truncated',
} as const;

/** The artefact names the reference pipeline records. */
export const ARTEFACT_NAME = {
  prompt: 'prompt',
  response: 'response',
  code: 'code',
  renderReference: 'render.reference',
  renderGenerated: 'render.generated',
  renderDiff: 'render.diff',
  codeQuality: 'code_quality',
} as const;

/** Attributes of pipeline runs, stages and benchmarks. */
export const ATTR = {
  pipelineName: 'genscope.pipeline.name',
  pipelineVersion: 'genscope.pipeline.version',
  componentId: 'genscope.component.id',
  /** The labelled (true) component type, when known. */
  componentType: 'genscope.component.type',
  stage: 'genscope.stage',
  benchmarkRunId: 'genscope.benchmark.id',
  benchmarkComponents: 'genscope.benchmark.components',
  /** The model the run is configured with (a run may call several models). */
  model: 'genscope.model',
  cacheName: 'genscope.cache.name',
  cacheHit: 'genscope.cache.hit',
  /** Computed cost in USD of the model call (or, on a run span, of all its calls). */
  costUsd: 'genscope.cost.usd',
  /** Marks data produced by the demo generator or a simulated model client. */
  simulated: 'genscope.simulated',
  /** The simulated model client's degradation knob (0..1) a benchmark ran with (demo and tests). */
  simulatedDegradation: 'genscope.simulated.degradation',
  /**
   * On a gen_ai.evaluation.result event: the span id of the model call whose output it judges,
   * when the event sits on another span (the stage that scores). The conventions' own reference
   * is gen_ai.response.id; a span id also works for responses without an id.
   */
  evaluationSpanId: 'genscope.evaluation.span_id',
  serviceName: 'service.name',
  errorType: 'error.type',
} as const;

/**
 * genscope's own names before they took the `genscope.*` prefix. Never written; read wherever
 * the current name is read (store/span-rows.ts), so databases and senders from before keep working.
 */
export const LEGACY = {
  runSpan: 'pipeline.run',
  benchmarkSpan: 'pipeline.benchmark',
  pipelineName: 'pipeline.name',
  pipelineVersion: 'pipeline.version',
  componentId: 'pipeline.component.id',
  componentType: 'pipeline.component.type',
  stage: 'pipeline.stage',
  benchmarkRunId: 'pipeline.benchmark.id',
  benchmarkComponents: 'pipeline.benchmark.components',
  model: 'pipeline.model',
  stageDuration: 'pipeline.stage.duration',
  runDuration: 'pipeline.run.duration',
  qualityScore: 'pipeline.quality.score',
} as const;

/** Span names of a run and a benchmark, current first. */
export const RUN_SPAN_NAMES: readonly string[] = [SPAN.run, LEGACY.runSpan];
export const BENCHMARK_SPAN_NAMES: readonly string[] = [SPAN.benchmark, LEGACY.benchmarkSpan];

/** Server attributes of a client call (OTel semconv, stable). */
export const SERVER = {
  address: 'server.address',
  port: 'server.port',
} as const;

/** GenAI semantic-convention attributes (OpenTelemetry semconv, incubating). */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  /** Cached input tokens (semconv 1.37+ name); included in input_tokens. */
  cachedInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  /** Input tokens written to a provider-managed cache (semconv 1.37+); included in input_tokens. */
  cacheCreationTokens: 'gen_ai.usage.cache_creation.input_tokens',
  /** Output tokens spent on reasoning; included in output_tokens. */
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  responseId: 'gen_ai.response.id',
  /** string[]: one reason per choice, in the order of the choices. */
  finishReasons: 'gen_ai.response.finish_reasons',
  tokenType: 'gen_ai.token.type',
  evaluationEvent: 'gen_ai.evaluation.result',
  evaluationName: 'gen_ai.evaluation.name',
  evaluationScoreValue: 'gen_ai.evaluation.score.value',
  evaluationScoreLabel: 'gen_ai.evaluation.score.label',
  evaluationExplanation: 'gen_ai.evaluation.explanation',
} as const;

/** Names other instrumentations send, understood on ingest (never written by genscope). */
export const FOREIGN = {
  /** Older GenAI conventions. */
  system: 'gen_ai.system',
  promptTokens: 'gen_ai.usage.prompt_tokens',
  completionTokens: 'gen_ai.usage.completion_tokens',
  /** OpenInference. */
  llmModelName: 'llm.model_name',
  llmProvider: 'llm.provider',
  llmSystem: 'llm.system',
  llmPromptTokens: 'llm.token_count.prompt',
  llmCompletionTokens: 'llm.token_count.completion',
  llmCachedTokens: 'llm.token_count.prompt_details.cache_read',
  openInferenceSpanKind: 'openinference.span.kind',
} as const;

/**
 * GenAI names read on ingest beyond the ones genscope writes, one object per convention family
 * (store/conventions has one mapping module per family; pipeline/README.md tables them).
 */
export const OTEL_GENAI_IN = {
  /** The upcoming spelling of cache creation in the GenAI semantic-conventions repository. */
  cacheWriteTokens: 'gen_ai.usage.cache_write.input_tokens',
  /** Upcoming: time to the first streamed chunk, seconds. */
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  /** Upcoming: the inference span's details event carries the same gen_ai.* attributes. */
  inferenceDetailsEvent: 'gen_ai.client.inference.operation.details',
  agentName: 'gen_ai.agent.name',
  toolName: 'gen_ai.tool.name',
} as const;

/** Values of gen_ai.operation.name that are not model calls. */
export const AGENT_OPERATION = {
  invokeAgent: 'invoke_agent',
  createAgent: 'create_agent',
  executeTool: 'execute_tool',
  workflow: 'workflow',
} as const;

export const OPENINFERENCE = {
  spanKind: 'openinference.span.kind',
  modelName: 'llm.model_name',
  embeddingModelName: 'embedding.model_name',
  provider: 'llm.provider',
  system: 'llm.system',
  promptTokens: 'llm.token_count.prompt',
  completionTokens: 'llm.token_count.completion',
  cacheReadTokens: 'llm.token_count.prompt_details.cache_read',
  cacheWriteTokens: 'llm.token_count.prompt_details.cache_write',
  reasoningTokens: 'llm.token_count.completion_details.reasoning',
  costTotal: 'llm.cost.total',
} as const;

export const OPENLLMETRY = {
  /** traceloop.span.kind: workflow, task, agent, tool. */
  spanKind: 'traceloop.span.kind',
  requestType: 'llm.request.type',
  cacheReadTokens: 'gen_ai.usage.cache_read_input_tokens',
  cacheCreationTokens: 'gen_ai.usage.cache_creation_input_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning_tokens',
  totalTokens: 'llm.usage.total_tokens',
} as const;

export const VERCEL_AI = {
  operationId: 'ai.operationId',
  provider: 'ai.model.provider',
  modelId: 'ai.model.id',
  responseModel: 'ai.response.model',
  responseId: 'ai.response.id',
  inputTokens: 'ai.usage.inputTokens',
  outputTokens: 'ai.usage.outputTokens',
  /** Older ai versions (4.x). */
  promptTokens: 'ai.usage.promptTokens',
  completionTokens: 'ai.usage.completionTokens',
  embedTokens: 'ai.usage.tokens',
  cachedInputTokens: 'ai.usage.cachedInputTokens',
  cacheReadTokens: 'ai.usage.inputTokenDetails.cacheReadTokens',
  cacheWriteTokens: 'ai.usage.inputTokenDetails.cacheWriteTokens',
  reasoningTokens: 'ai.usage.reasoningTokens',
  outputReasoningTokens: 'ai.usage.outputTokenDetails.reasoningTokens',
  msToFirstChunk: 'ai.response.msToFirstChunk',
  toolCallName: 'ai.toolCall.name',
} as const;

export const LANGFUSE = {
  observationType: 'langfuse.observation.type',
  model: 'langfuse.observation.model.name',
  usageDetails: 'langfuse.observation.usage_details',
  costDetails: 'langfuse.observation.cost_details',
  level: 'langfuse.observation.level',
  statusMessage: 'langfuse.observation.status_message',
  completionStartTime: 'langfuse.observation.completion_start_time',
} as const;

/** Exception event attributes (OTel semconv). */
export const EXCEPTION = { type: 'exception.type' } as const;

/** Values of `gen_ai.operation.name` used by the pipeline. */
export const OPERATION = {
  chat: 'chat',
  textCompletion: 'text_completion',
  embeddings: 'embeddings',
  generateContent: 'generate_content',
} as const;

/** Metric instruments. Durations are seconds, as the conventions ask. */
export const METRIC = {
  stageDuration: 'genscope.stage.duration',
  runDuration: 'genscope.run.duration',
  qualityScore: 'genscope.quality.score',
  cacheRequests: 'genscope.cache.requests',
  costUsd: 'genscope.cost',
  genAiOperationDuration: 'gen_ai.client.operation.duration',
  genAiTokenUsage: 'gen_ai.client.token.usage',
} as const;

/**
 * The metric names of the upcoming GenAI semantic-conventions repository (client inference):
 * stored on ingest like every metric, beside today's names above, which genscope writes.
 */
export const OTEL_GENAI_IN_METRIC = {
  inferenceDuration: 'gen_ai.client.inference.duration',
  timeToFirstChunk: 'gen_ai.client.inference.time_to_first_chunk',
  usageInputTokens: 'gen_ai.client.inference.usage.input_tokens',
  usageOutputTokens: 'gen_ai.client.inference.usage.output_tokens',
  usageCacheReadTokens: 'gen_ai.client.inference.usage.cache_read.input_tokens',
  usageCacheWriteTokens: 'gen_ai.client.inference.usage.cache_write.input_tokens',
  usageReasoningTokens: 'gen_ai.client.inference.usage.reasoning.output_tokens',
  operationInputTokens: 'gen_ai.client.inference.operation.input_tokens',
  operationOutputTokens: 'gen_ai.client.inference.operation.output_tokens',
} as const;

export const UNIT = {
  seconds: 's',
  tokens: '{token}',
  /** UCUM: a currency is an annotation, not a unit. */
  usd: '{USD}',
  requests: '{request}',
  score: '1',
} as const;

/** Quality score names (`gen_ai.evaluation.name` values) produced by the reference pipeline. */
export const SCORE = {
  classificationAccuracy: 'classification.accuracy',
  mappingConfidence: 'mapping.confidence',
  pixelSimilarity: 'visual.pixel_similarity',
  structuralSimilarity: 'visual.structural_similarity',
  /** Same UI elements (role, accessible name, place) as the design: pipeline/semantic-similarity.ts. */
  semanticSimilarity: 'visual.semantic_similarity',
  codeQuality: 'code.quality',
} as const;

/** Pipeline stage names of the reference pipeline (any string is accepted as a stage). */
export const STAGE = {
  classify: 'classify',
  map: 'map',
  generate: 'generate',
  validate: 'validate',
} as const;

/**
 * The stage value stored for `pipeline.run` root spans, so that end-to-end latency sits in the
 * same rollups as the stages.
 */
export const RUN_STAGE = '(run)';

/**
 * Explicit bucket boundaries (seconds) of gen_ai.client.operation.duration, as the GenAI
 * conventions advise: doubling from 10 ms to 81.92 s.
 */
export const GEN_AI_DURATION_BUCKETS_SECONDS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
] as const;

/** Explicit histogram bucket boundaries (seconds) for genscope's stage and run durations. */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100,
] as const;

/** Explicit histogram bucket boundaries for 0..1 quality scores. */
export const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] as const;

/** Explicit histogram bucket boundaries for token counts, as the GenAI conventions advise. */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
] as const;

/**
 * genscope watching itself: failures, retries, drops and queue depth of the export and ingest
 * paths, written into the same store as everything else. The span-processor counter reuses the
 * SDK's own self-observability name (OTel semconv `otel.sdk.*`), so the SQLite path and the SDK's
 * BatchSpanProcessor (whose queue-full drops carry error.type=queue_full) are one metric.
 */
export const SELF_METRIC = {
  /** Spans a processor finished with: no error.type when stored, error.type when not. */
  spanProcessed: 'otel.sdk.processor.span.processed',
  /** Spans waiting in genscope's SQLite span processor. */
  exportQueueSize: 'genscope.exporter.queue.size',
  storeSpans: 'genscope.store.spans',
  storeMetricPoints: 'genscope.store.metric_points',
  /** Records refused by the store writer as invalid. */
  storeRejected: 'genscope.store.rejected',
  /** Write transactions retried because another connection held the lock. */
  storeBusyRetries: 'genscope.store.busy_retries',
  /** Write transactions that failed for good (their records were not stored). */
  storeFailures: 'genscope.store.failures',
  /** Records waiting in the store's write queue (a busy database, or the next coalesced transaction). */
  storePendingRecords: 'genscope.store.queue.records',
  /** Records given up after the write queue's busy retries ran out (not stored). */
  storeGaveUp: 'genscope.store.gave_up',
  /** Rollup dimension values folded into '(other)' by the cardinality bound. */
  storeFoldedValues: 'genscope.store.folded_values',
  /** OTLP requests the server holds (reading, decoding, writing). */
  ingestInFlight: 'genscope.ingest.requests.in_flight',
  /** OTLP requests answered 503 + Retry-After because ingest was over its bound. */
  ingestRefused: 'genscope.ingest.requests.refused',
  /** Raw rows deleted by retention. */
  retentionDeleted: 'genscope.retention.deleted',
  retentionFailures: 'genscope.retention.failures',
  /** Resident memory of the process (semconv process.memory.usage). */
  processMemory: 'process.memory.usage',
} as const;

/** Attributes of the self-observation metrics. */
export const SELF_ATTR = {
  /** OTel semconv: the kind of SDK component (span processor type). */
  componentType: 'otel.component.type',
  componentName: 'otel.component.name',
  errorType: 'error.type',
  table: 'genscope.table',
} as const;

/** otel.component.type of genscope's synchronous SQLite span processor. */
export const SQLITE_SPAN_PROCESSOR = 'genscope_sqlite_span_processor';

/** Units of the self-observation metrics (UCUM annotations, as the semconv uses). */
export const SELF_UNIT = {
  spans: '{span}',
  dataPoints: '{data_point}',
  records: '{record}',
  retries: '{retry}',
  batches: '{batch}',
  values: '{value}',
  requests: '{request}',
  rows: '{row}',
  runs: '{run}',
  bytes: 'By',
} as const;
