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

/** Prices for model calls (implemented in exporter/pricing.ts over the genai-prices dataset). */
export interface PriceQuery {
  provider?: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
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
