/**
 * The plain telemetry records the store writer accepts. Both producers convert into these:
 * the SDK exporters (from ReadableSpan / ResourceMetrics) and OTLP ingest (from decoded
 * OTLP JSON or protobuf). Timestamps are BigInt nanoseconds since the epoch.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type AttributeMap = Record<string, AttributeValue>;

export interface SpanEventRecord {
  name: string;
  timeNs: bigint;
  attributes: AttributeMap;
}

export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  attributes: AttributeMap;
}

export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTel SpanKind as in the JS API: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage?: string;
  attributes: AttributeMap;
  events: SpanEventRecord[];
  links: SpanLinkRecord[];
  resource: AttributeMap;
  scopeName?: string;
  /**
   * What a GenAI convention says this span is, when ingest recognised one (store/conventions).
   * Absent: the store reads genscope's own names (the SDK exporters' path).
   */
  genAi?: GenAiSpan;
}

/** The role a GenAI convention gives a span. */
export type GenAiRole = 'model' | 'agent' | 'tool' | 'workflow';

export interface GenAiSpan {
  role: GenAiRole;
  /** The model call, for role 'model'. */
  call?: ModelCallRecord;
}

/**
 * One model call, in genscope's terms, whatever convention the sender used. Token counts are null
 * when not sent (0 when sent as 0). inputTokens counts every input token, cached ones included.
 */
export interface ModelCallRecord {
  /** The convention family the values were read from (`otel-genai`, `openinference`, ...). */
  convention: string;
  /** Normalised to the semantic-convention values (`openai`, `anthropic`, `aws.bedrock`, ...). */
  provider: string | null;
  operation: string | null;
  /** The model's identity: the requested model, or the family of the response model. */
  model: string | null;
  requestModel: string | null;
  responseModel: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  timeToFirstTokenSeconds: number | null;
  /** The cost the sender computed itself, in USD. */
  senderCostUsd: number | null;
  error: boolean;
  errorType: string | null;
  /** The response id, to attach evaluation results sent later by id. */
  responseId: string | null;
}

export type MetricPointType = 'sum' | 'gauge' | 'histogram' | 'exp_histogram';

export interface MetricPointRecord {
  name: string;
  unit?: string;
  type: MetricPointType;
  monotonic?: boolean;
  /** 1 delta, 2 cumulative (OTLP AggregationTemporality). */
  temporality?: number;
  resource: AttributeMap;
  scopeName?: string;
  attributes: AttributeMap;
  timeNs: bigint;
  startTimeNs?: bigint;
  /** sum and gauge points. */
  value?: number;
  /** histogram points. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bounds?: number[];
  bucketCounts?: number[];
}

/**
 * One OTLP log record (an event, a message-content record, or a plain log line). Instrumentations
 * send GenAI evaluation results (`gen_ai.evaluation.result`) and message content this way.
 */
export interface LogRecordRecord {
  /** When the event happened; the observed time when the sender left it unset. */
  timeNs: bigint;
  observedNs?: bigint;
  /** The span context the record was emitted in, when there was one (lowercase hex). */
  traceId?: string;
  spanId?: string;
  /** OTLP SeverityNumber (1-24; 0 unspecified). */
  severityNumber: number;
  severityText?: string;
  /** OTLP LogRecord.event_name, or the older `event.name` attribute. */
  eventName?: string;
  /** The body (any OTLP value), null when unset. */
  body: AttributeValue;
  attributes: AttributeMap;
  resource: AttributeMap;
  scopeName?: string;
}

/** Prices for model calls (implemented in exporter/pricing.ts over the genai-prices dataset). */
export interface PriceQuery {
  provider?: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  /** Input tokens written to a prompt cache (priced at the cache-write rate where there is one). */
  cacheWriteTokens?: number;
  /** When the call happened (prices change over time); default now. */
  atMillis?: number;
}

export interface PriceBook {
  /** Cost in USD, or null when the model is not priced. */
  costUsd(query: PriceQuery): number | null;
  /** True when the model has a price (override or dataset). */
  knows(model: string, provider?: string): boolean;
  /** Where prices come from, for display: dataset name, version, latest dated entry. */
  readonly source: PriceSource;
}

export interface PriceSource {
  dataset: string;
  version: string;
  /** The latest dated price change the bundled dataset knows (ISO date), if any. */
  latestPriceDate: string | null;
  overrides: number;
}
