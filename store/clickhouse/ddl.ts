/**
 * genscope's ClickHouse DDL, written from the OpenTelemetry Collector clickhouseexporter's column
 * contract for `otel_traces` (both its Map and its JSON attribute variants) plus genscope's own
 * tables in the same database. Migrations are numbered and recorded in `genscope_migrations`.
 *
 * Identifiers (database, tables, cluster) come from checked config (config.ts checkIdentifier);
 * values never appear in DDL except the numeric TTL days, which are integers from config.
 */
import type { ClickHouseStoreConfig } from './config';

export type DdlOptions = Pick<
  ClickHouseStoreConfig,
  'database' | 'tracesTable' | 'cluster' | 'replicated' | 'retentionDays' | 'rollupRetentionDays'
> &
  Partial<Pick<ClickHouseStoreConfig, 'logsTable'>>;

/** Quantile levels kept in the rollup sketches: the panels' p50 / p95 / p99. */
export const SKETCH_LEVELS = [0.5, 0.95, 0.99] as const;
/**
 * Relative accuracy of the DDSketch (quantilesDD) states in the rollups: a quantile read from
 * them is within 1 % of a value at that rank.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
const SKETCH_ARGS = `(${SKETCH_RELATIVE_ACCURACY}, ${SKETCH_LEVELS.join(', ')})`;
const SKETCH = `quantilesDD${SKETCH_ARGS}`;
/** The merge of the rollups' latency sketches, for readers. */
export const SKETCH_MERGE = `quantilesDDMerge${SKETCH_ARGS}`;

function onCluster(o: DdlOptions): string {
  return o.cluster ? ` ON CLUSTER ${o.cluster}` : '';
}

/** MergeTree-family engine, replicated when asked (server-side default replica path and name). */
function engine(o: DdlOptions, family: '' | 'Replacing' | 'Aggregating', args = ''): string {
  const name = `${o.replicated ? 'Replicated' : ''}${family}MergeTree`;
  return `${name}(${args})`;
}

function ttl(expr: string, days: number | null): string {
  return days === null ? '' : `TTL ${expr} + toIntervalDay(${Math.trunc(days)})`;
}

export type TracesVariant = 'map' | 'json';

/**
 * `otel_traces` as the Collector's clickhouseexporter writes it. genscope creates it only for
 * tests and for the deploy example (Collector configured with create_schema: false); against a
 * Collector-made table genscope only reads it and checks its columns (traces-schema.ts).
 */
export function otelTracesDdl(o: DdlOptions, variant: TracesVariant = 'map'): string[] {
  const attrs = variant === 'map' ? 'Map(LowCardinality(String), String)' : 'JSON';
  const keyColumns =
    variant === 'json'
      ? `
    ResourceAttributesKeys Array(LowCardinality(String)) CODEC(ZSTD(1)),
    SpanAttributesKeys Array(LowCardinality(String)) CODEC(ZSTD(1)),`
      : '';
  const attrIndexes =
    variant === 'map'
      ? `
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,`
      : `
    INDEX idx_span_attr_keys SpanAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${o.database}${onCluster(o)}`,
    `CREATE TABLE IF NOT EXISTS ${o.database}.${o.tracesTable}${onCluster(o)} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${attrs} CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes ${attrs} CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes ${attrs}) CODEC(ZSTD(1)),
    Links Nested (TraceId String, SpanId String, TraceState String, Attributes ${attrs}) CODEC(ZSTD(1)),${keyColumns}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,${attrIndexes}
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
  ) ENGINE = ${engine(o, '')}
  PARTITION BY toDate(Timestamp)
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
  ${ttl('toDateTime(Timestamp)', o.retentionDays)}
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  ];
}

/** The Collector's log table name unless configured (config.ts logs_table). */
export const DEFAULT_LOGS_TABLE = 'otel_logs';

/**
 * `otel_logs` as the Collector's clickhouseexporter writes it (its column contract: Body and the
 * Map variant's attribute values are text, EventName is the OTLP event name). Created, like
 * otel_traces, only where genscope is the writer or for the deploy example; genscope reads it for
 * run-detail log records and extracts `gen_ai.evaluation.result` events from it as scores.
 */
export function otelLogsDdl(o: DdlOptions, variant: TracesVariant = 'map'): string[] {
  const attrs = variant === 'map' ? 'Map(LowCardinality(String), String)' : 'JSON';
  const keyColumns =
    variant === 'json'
      ? `
    ResourceAttributesKeys Array(LowCardinality(String)) CODEC(ZSTD(1)),
    LogAttributesKeys Array(LowCardinality(String)) CODEC(ZSTD(1)),`
      : '';
  const attrIndexes =
    variant === 'map'
      ? `
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,`
      : '';
  return [
    `CREATE TABLE IF NOT EXISTS ${o.database}.${o.logsTable ?? DEFAULT_LOGS_TABLE}${onCluster(o)} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${attrs} CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes ${attrs} CODEC(ZSTD(1)),
    LogAttributes ${attrs} CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),${keyColumns}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,${attrIndexes}
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  ) ENGINE = ${engine(o, '')}
  PARTITION BY toDate(TimestampTime)
  PRIMARY KEY (ServiceName, TimestampTime)
  ORDER BY (ServiceName, TimestampTime, Timestamp)
  ${ttl('TimestampTime', o.retentionDays)}
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  ];
}

/** The Collector's metric tables by genscope's point type (the exporter's default names). */
export const OTEL_METRIC_TABLES = {
  sum: 'otel_metrics_sum',
  gauge: 'otel_metrics_gauge',
  histogram: 'otel_metrics_histogram',
  exp_histogram: 'otel_metrics_exponential_histogram',
} as const;

/**
 * The Collector clickhouseexporter's metric tables (its column contract: one table per point
 * type, attributes as Map(String, String), exemplars nested). Created, like otel_traces, only
 * where genscope is the writer or for the deploy example.
 */
export function otelMetricsDdl(o: DdlOptions): string[] {
  const map = 'Map(LowCardinality(String), String) CODEC(ZSTD(1))';
  const common = `
    ResourceAttributes ${map},
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes ${map},
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes ${map},
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),`;
  const tail = `
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),`;
  const histogram = `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),`;
  const minMax = `
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),`;
  const columns: Record<keyof typeof OTEL_METRIC_TABLES, string> = {
    sum: `${common}
    Value Float64 CODEC(ZSTD(1)),${tail}
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),`,
    gauge: `${common}
    Value Float64 CODEC(ZSTD(1)),${tail}`,
    histogram: `${common}${histogram}
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),${tail}${minMax}`,
    exp_histogram: `${common}${histogram}
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),${tail}${minMax}`,
  };
  return Object.entries(OTEL_METRIC_TABLES).map(
    ([type, table]) => `CREATE TABLE IF NOT EXISTS ${o.database}.${table}${onCluster(o)} (${columns[type as keyof typeof OTEL_METRIC_TABLES]}
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = ${engine(o, '')}
  PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
  ${ttl('toDateTime(TimeUnix)', o.retentionDays)}
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  );
}

/** The Collector's tables genscope creates when it is the writer: traces, logs and metrics. */
export function collectorTablesDdl(o: DdlOptions, variant: TracesVariant): string[] {
  return [...otelTracesDdl(o, variant), ...otelLogsDdl(o, variant), ...otelMetricsDdl(o)];
}

export interface ClickHouseMigration {
  version: number;
  name: string;
  statements(o: DdlOptions): string[];
}

/** A raw (extracted) table: daily partitions, TTL on its time column, whole parts dropped. */
function rawTable(o: DdlOptions, name: string, columns: string, time: string, orderBy: string): string {
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${name}${onCluster(o)} (${columns}
  ) ENGINE = ${engine(o, '')}
  PARTITION BY toDate(${time})
  ORDER BY ${orderBy}
  ${ttl(`toDateTime(${time})`, o.retentionDays)}
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

/**
 * genscope's own tables. Raw extracted rows mirror the SQLite store's spans / scores /
 * model_calls / benchmark_runs (same meaning, same NULLs), so both stores answer alike; the hour
 * rollups are AggregatingMergeTree tables fed by materialized views on genscope's extracted
 * tables (never on otel_traces: nothing of genscope runs in the Collector's insert path).
 */
/** An hour rollup: '' stands for "none" in every dimension so the sorting key has no NULLs. */
function rollupTable(o: DdlOptions, name: string, dims: string[], measures: Record<string, string>): string {
  const columns = [
    'hour DateTime',
    ...dims.map((d) => `${d} LowCardinality(String)`),
    ...Object.entries(measures).map(([m, type]) => `${m} ${type}`),
  ];
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${name}${onCluster(o)} (
    ${columns.join(',\n    ')}
  ) ENGINE = ${engine(o, 'Aggregating')}
  ORDER BY (hour, ${dims.join(', ')})
  ${ttl('hour', o.rollupRetentionDays)}`;
}

/**
 * The numeric run id the API uses (/runs/:id takes a whole number of at most 15 digits): the
 * first 48 bits of the root span id, as an unsigned integer.
 */
export const RUN_KEY = "reinterpretAsUInt64(reverse(unhex(leftPad(substring(span_id, 1, 12), 16, '0'))))";

/**
 * One extracted span row carries everything genscope derives from that span (its model call, its
 * scores, its cache lookups, its benchmark run), so the extractor's single INSERT is the one
 * write: the derived tables are filled by materialized views from it, in the same insert.
 */
const SPAN_COLUMNS = `
    trace_id String,
    span_id String,
    parent_span_id Nullable(String),
    name LowCardinality(String),
    role LowCardinality(String),
    kind UInt8,
    service_name LowCardinality(Nullable(String)),
    scope_name LowCardinality(Nullable(String)),
    start DateTime64(9),
    end DateTime64(9),
    duration_ns UInt64,
    status_code UInt8,
    status_message Nullable(String),
    stage LowCardinality(Nullable(String)),
    component_id Nullable(String),
    component_type LowCardinality(Nullable(String)),
    model LowCardinality(Nullable(String)),
    benchmark_run_id Nullable(String),
    cost_usd Nullable(Float64),
    cache_hit Nullable(UInt8),
    simulated UInt8,
    attributes String CODEC(ZSTD(1)),
    events Nullable(String) CODEC(ZSTD(1)),
    links Nullable(String) CODEC(ZSTD(1)),
    mc_provider LowCardinality(Nullable(String)),
    mc_operation LowCardinality(Nullable(String)),
    mc_request_model LowCardinality(Nullable(String)),
    mc_response_model LowCardinality(Nullable(String)),
    mc_input_tokens UInt64,
    mc_output_tokens UInt64,
    mc_cached_tokens UInt64,
    mc_cost_source LowCardinality(Nullable(String)),
    bm_pipeline Nullable(String),
    bm_pipeline_version Nullable(String),
    bm_model Nullable(String),
    bm_components Nullable(Float64),
    scores Nested (time DateTime64(9), name String, value Nullable(Float64), label Nullable(String), explanation Nullable(String)),
    cache Nested (time DateTime64(9), name String, hit UInt8),
    INDEX idx_trace trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_run_key ${RUN_KEY} TYPE bloom_filter(0.001) GRANULARITY 1`;

/** A score row (genscope_scores, and the evaluation records extracted from otel_logs). */
const SCORE_COLUMNS = `
    time DateTime64(9),
    trace_id String,
    span_id String,
    name LowCardinality(String),
    value Nullable(Float64),
    label LowCardinality(Nullable(String)),
    explanation Nullable(String),
    stage LowCardinality(Nullable(String)),
    component_id Nullable(String),
    component_type LowCardinality(Nullable(String)),
    model LowCardinality(Nullable(String)),
    benchmark_run_id Nullable(String)`;

/** The context columns every derived row copies from its span. */
const CONTEXT = `stage, component_id, component_type`;

/** ALTER TABLE ... ADD COLUMN IF NOT EXISTS for each [column, type, after]. */
function addColumns(o: DdlOptions, table: string, columns: readonly (readonly [string, string, string])[]): string[] {
  return columns.map(
    ([c, type, after]) =>
      `ALTER TABLE ${o.database}.${table}${onCluster(o)} ADD COLUMN IF NOT EXISTS ${c} ${type} AFTER ${after}`,
  );
}

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'extracted_rows',
    statements: (o) => [
      rawTable(o, 'genscope_spans', SPAN_COLUMNS, 'start', '(role, start)'),
      rawTable(
        o,
        'genscope_scores',
        SCORE_COLUMNS,
        'time',
        '(name, time)',
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_scores_mv${onCluster(o)}
  TO ${o.database}.genscope_scores AS
  SELECT s.time AS time, trace_id, span_id, s.name AS name, s.value AS value, s.label AS label,
         s.explanation AS explanation, ${CONTEXT}, model, benchmark_run_id
  FROM ${o.database}.genscope_spans ARRAY JOIN scores AS s`,
      rawTable(
        o,
        'genscope_model_calls',
        `
    time DateTime64(9),
    duration_ns UInt64,
    trace_id String,
    span_id String,
    provider LowCardinality(Nullable(String)),
    operation LowCardinality(Nullable(String)),
    request_model LowCardinality(Nullable(String)),
    response_model LowCardinality(Nullable(String)),
    input_tokens UInt64,
    output_tokens UInt64,
    cached_tokens UInt64,
    cost_usd Nullable(Float64),
    cost_source LowCardinality(Nullable(String)),
    status_code UInt8,
    stage LowCardinality(Nullable(String)),
    component_id Nullable(String),
    component_type LowCardinality(Nullable(String)),
    benchmark_run_id Nullable(String)`,
        'time',
        'time',
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_model_calls_mv${onCluster(o)}
  TO ${o.database}.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, cost_usd, mc_cost_source AS cost_source,
         status_code, ${CONTEXT}, benchmark_run_id
  FROM ${o.database}.genscope_spans WHERE role = 'model'`,
      // Benchmark runs are few and kept as long as the rollups (no TTL).
      `CREATE TABLE IF NOT EXISTS ${o.database}.genscope_benchmark_runs${onCluster(o)} (
    id String,
    trace_id String,
    pipeline Nullable(String),
    pipeline_version Nullable(String),
    model Nullable(String),
    started DateTime64(9),
    ended DateTime64(9),
    duration_ns UInt64,
    components Nullable(Float64),
    status_code UInt8,
    simulated UInt8,
    attributes String CODEC(ZSTD(1))
  ) ENGINE = ${engine(o, 'Replacing', 'ended')}
  ORDER BY id`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_benchmark_runs_mv${onCluster(o)}
  TO ${o.database}.genscope_benchmark_runs AS
  SELECT assumeNotNull(benchmark_run_id) AS id, trace_id, bm_pipeline AS pipeline, bm_pipeline_version AS pipeline_version,
         bm_model AS model, start AS started, end AS ended, duration_ns, bm_components AS components, status_code,
         simulated, attributes
  FROM ${o.database}.genscope_spans WHERE role = 'benchmark' AND benchmark_run_id IS NOT NULL`,
      // Cache lookups (genscope.cache.lookup span events), one row per lookup.
      rawTable(
        o,
        'genscope_cache_lookups',
        `
    time DateTime64(9),
    cache_name LowCardinality(String),
    hit UInt8,
    stage LowCardinality(Nullable(String)),
    component_type LowCardinality(Nullable(String)),
    model LowCardinality(Nullable(String)),
    benchmark_run_id Nullable(String)`,
        'time',
        'time',
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_cache_lookups_mv${onCluster(o)}
  TO ${o.database}.genscope_cache_lookups AS
  SELECT c.time AS time, c.name AS cache_name, c.hit AS hit, stage, component_type, model, benchmark_run_id
  FROM ${o.database}.genscope_spans ARRAY JOIN cache AS c`,
    ],
  },
  {
    version: 2,
    name: 'hour_rollups',
    statements: (o) => [
      rollupTable(o, 'genscope_rollup_spans_hour', ['role', 'stage', 'component_type', 'model'], {
        count: 'SimpleAggregateFunction(sum, UInt64)',
        errors: 'SimpleAggregateFunction(sum, UInt64)',
        duration_sum_ns: 'SimpleAggregateFunction(sum, UInt64)',
        duration_max_ns: 'SimpleAggregateFunction(max, UInt64)',
        cost_usd: 'SimpleAggregateFunction(sum, Float64)',
        latency_ms: `AggregateFunction(${SKETCH}, Float64)`,
      }),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_rollup_spans_hour_mv${onCluster(o)}
  TO ${o.database}.genscope_rollup_spans_hour AS
  SELECT toStartOfHour(start) AS hour, role, ifNull(stage, '') AS stage, ifNull(component_type, '') AS component_type,
         ifNull(model, '') AS model, count() AS count, countIf(status_code = 2) AS errors,
         sum(duration_ns) AS duration_sum_ns, max(duration_ns) AS duration_max_ns,
         sum(ifNull(cost_usd, 0)) AS cost_usd, quantilesDDState${SKETCH_ARGS}(duration_ns / 1e6) AS latency_ms
  FROM ${o.database}.genscope_spans
  WHERE role IN ('run', 'stage')
  GROUP BY hour, role, stage, component_type, model`,
      rollupTable(
        o,
        'genscope_rollup_model_calls_hour',
        ['operation', 'provider', 'model', 'component_type'],
        {
          calls: 'SimpleAggregateFunction(sum, UInt64)',
          errors: 'SimpleAggregateFunction(sum, UInt64)',
          input_tokens: 'SimpleAggregateFunction(sum, UInt64)',
          output_tokens: 'SimpleAggregateFunction(sum, UInt64)',
          cached_tokens: 'SimpleAggregateFunction(sum, UInt64)',
          cost_usd: 'SimpleAggregateFunction(sum, Float64)',
          duration_sum_ns: 'SimpleAggregateFunction(sum, UInt64)',
        },
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_rollup_model_calls_hour_mv${onCluster(o)}
  TO ${o.database}.genscope_rollup_model_calls_hour AS
  SELECT toStartOfHour(time) AS hour, ifNull(operation, '') AS operation, ifNull(provider, '') AS provider,
         ifNull(response_model, ifNull(request_model, '')) AS model, ifNull(component_type, '') AS component_type,
         count() AS calls, countIf(status_code = 2) AS errors, sum(input_tokens) AS input_tokens,
         sum(output_tokens) AS output_tokens, sum(cached_tokens) AS cached_tokens,
         sum(ifNull(cost_usd, 0)) AS cost_usd, sum(duration_ns) AS duration_sum_ns
  FROM ${o.database}.genscope_model_calls
  GROUP BY hour, operation, provider, model, component_type`,
    ],
  },
  {
    version: 3,
    name: 'alerts_and_meta',
    statements: (o) => [
      // Alert rules and events change rarely: ReplacingMergeTree keyed by id, newest version wins
      // (reads use FINAL); a deleted rule is a row with deleted = 1.
      `CREATE TABLE IF NOT EXISTS ${o.database}.genscope_alert_rules${onCluster(o)} (
    id String,
    version UInt64,
    deleted UInt8,
    rule String
  ) ENGINE = ${engine(o, 'Replacing', 'version')}
  ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${o.database}.genscope_alert_events${onCluster(o)} (
    id String,
    version UInt64,
    rule_id String,
    state LowCardinality(String),
    started DateTime64(3),
    event String
  ) ENGINE = ${engine(o, 'Replacing', 'version')}
  ORDER BY id`,
      // Metric data points genscope receives itself (OTLP ingest without a Collector); panels read
      // spans, so these are kept for export and later use, as in the SQLite store.
      rawTable(
        o,
        'genscope_metric_points',
        `
    time DateTime64(9),
    start_time Nullable(DateTime64(9)),
    name LowCardinality(String),
    unit LowCardinality(Nullable(String)),
    type LowCardinality(String),
    monotonic Nullable(UInt8),
    temporality Nullable(UInt8),
    resource String CODEC(ZSTD(1)),
    scope_name LowCardinality(Nullable(String)),
    attributes String CODEC(ZSTD(1)),
    value Nullable(Float64),
    count Nullable(UInt64),
    sum Nullable(Float64),
    min Nullable(Float64),
    max Nullable(Float64),
    bounds Array(Float64),
    bucket_counts Array(UInt64)`,
        'time',
        '(name, time)',
      ),
      // Extractor progress and other small settings (key -> value), newest version wins.
      `CREATE TABLE IF NOT EXISTS ${o.database}.genscope_meta${onCluster(o)} (
    key String,
    version UInt64,
    value String
  ) ENGINE = ${engine(o, 'Replacing', 'version')}
  ORDER BY key`,
    ],
  },
  {
    version: 4,
    name: 'model_call_cache_write_tokens',
    // A model call's cache-write tokens (SQLite migration 130), so a run's tokens add up alike on
    // both stores. Rows extracted before read 0, as SQLite's did.
    statements: (o) => [
      `ALTER TABLE ${o.database}.genscope_spans${onCluster(o)} ADD COLUMN IF NOT EXISTS mc_cache_write_tokens UInt64 DEFAULT 0 AFTER mc_cached_tokens`,
      `ALTER TABLE ${o.database}.genscope_model_calls${onCluster(o)} ADD COLUMN IF NOT EXISTS cache_write_tokens UInt64 DEFAULT 0 AFTER cached_tokens`,
      `DROP VIEW IF EXISTS ${o.database}.genscope_model_calls_mv${onCluster(o)}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_model_calls_mv${onCluster(o)}
  TO ${o.database}.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, mc_cache_write_tokens AS cache_write_tokens,
         cost_usd, mc_cost_source AS cost_source, status_code, ${CONTEXT}, benchmark_run_id
  FROM ${o.database}.genscope_spans WHERE role = 'model'`,
    ],
  },
  {
    version: 5,
    name: 'log_evaluations',
    statements: (o) => [
      // gen_ai.evaluation.result log records extracted from otel_logs, one row per record (its
      // identity: a digest of the otel_logs row, so a Collector retry is extracted once); the view
      // turns each into a genscope_scores row in the same insert.
      rawTable(
        o,
        'genscope_log_evaluations',
        `${SCORE_COLUMNS},
    identity String`,
        'time',
        '(time, identity)',
      ),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_log_evaluations_mv${onCluster(o)}
  TO ${o.database}.genscope_scores AS
  SELECT time, trace_id, span_id, name, value, label, explanation, ${CONTEXT}, model, benchmark_run_id
  FROM ${o.database}.genscope_log_evaluations`,
    ],
  },
  {
    version: 6,
    name: 'model_call_details',
    // What GET /performance/models reads besides tokens and cost (SQLite's model_calls columns):
    // reasoning tokens, time to first token, the sender's own cost and the price book's cost of
    // the same call, and the exact response model the sender reported. Rows extracted before read
    // 0 / null, as SQLite's did. Model calls are the spans that have one (mc_call), not only the
    // spans of role 'model': a GenAI call that is its trace's root is a run and a call, as on SQLite.
    statements: (o) => [
      ...addColumns(o, 'genscope_spans', [
        ['mc_reasoning_tokens', 'UInt64 DEFAULT 0', 'mc_cache_write_tokens'],
        ['mc_ttft_ns', 'Nullable(UInt64)', 'mc_reasoning_tokens'],
        ['mc_sender_cost_usd', 'Nullable(Float64)', 'mc_ttft_ns'],
        ['mc_priced_cost_usd', 'Nullable(Float64)', 'mc_sender_cost_usd'],
        ['mc_sent_response_model', 'LowCardinality(Nullable(String))', 'mc_priced_cost_usd'],
        // 1 when the span is a model call: a lone call that is its trace's root has role 'run'.
        ['mc_call', 'UInt8 DEFAULT 0', 'mc_sent_response_model'],
      ]),
      ...addColumns(o, 'genscope_model_calls', [
        ['reasoning_tokens', 'UInt64 DEFAULT 0', 'cache_write_tokens'],
        ['ttft_ns', 'Nullable(UInt64)', 'reasoning_tokens'],
        ['sender_cost_usd', 'Nullable(Float64)', 'cost_source'],
        ['priced_cost_usd', 'Nullable(Float64)', 'sender_cost_usd'],
        ['sent_response_model', 'LowCardinality(Nullable(String))', 'priced_cost_usd'],
      ]),
      `DROP VIEW IF EXISTS ${o.database}.genscope_model_calls_mv${onCluster(o)}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.genscope_model_calls_mv${onCluster(o)}
  TO ${o.database}.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, mc_cache_write_tokens AS cache_write_tokens,
         mc_reasoning_tokens AS reasoning_tokens, mc_ttft_ns AS ttft_ns, cost_usd, mc_cost_source AS cost_source,
         mc_sender_cost_usd AS sender_cost_usd, mc_priced_cost_usd AS priced_cost_usd,
         mc_sent_response_model AS sent_response_model, status_code, ${CONTEXT}, benchmark_run_id
  FROM ${o.database}.genscope_spans WHERE mc_call = 1`,
    ],
  },
];

export function migrationsTableDdl(o: DdlOptions): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${o.database}${onCluster(o)}`,
    `CREATE TABLE IF NOT EXISTS ${o.database}.genscope_migrations${onCluster(o)} (
    version UInt32,
    name String,
    applied_at DateTime64(3)
  ) ENGINE = ${engine(o, 'Replacing')}
  ORDER BY version`,
  ];
}

/**
 * Every statement genscope needs on a ClickHouse database, in order: the migrations table, each
 * migration, and (for a deployment without a Collector-made table) otel_traces. Printed by
 * `genscope clickhouse ddl` for the deploy example.
 */
export function clickHouseDdl(o: DdlOptions, traces: TracesVariant | null): string[] {
  return [
    ...migrationsTableDdl(o),
    ...(traces ? collectorTablesDdl(o, traces).slice(1) : []),
    ...CLICKHOUSE_MIGRATIONS.flatMap((m) => m.statements(o)),
  ];
}
