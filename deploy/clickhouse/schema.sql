CREATE DATABASE IF NOT EXISTS otel;

CREATE TABLE IF NOT EXISTS otel.genscope_migrations (
    version UInt32,
    name String,
    applied_at DateTime64(3)
  ) ENGINE = ReplacingMergeTree()
  ORDER BY version;

CREATE TABLE IF NOT EXISTS otel.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(Timestamp)
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
  TTL toDateTime(Timestamp) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.otel_logs (
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
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  ) ENGINE = MergeTree()
  PARTITION BY toDate(TimestampTime)
  PRIMARY KEY (ServiceName, TimestampTime)
  ORDER BY (ServiceName, TimestampTime, Timestamp)
  TTL TimestampTime + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.otel_metrics_sum (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
  TTL toDateTime(TimeUnix) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.otel_metrics_gauge (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
  TTL toDateTime(TimeUnix) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.otel_metrics_histogram (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
  TTL toDateTime(TimeUnix) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.otel_metrics_exponential_histogram (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
  TTL toDateTime(TimeUnix) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.genscope_spans (
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
    INDEX idx_run_key reinterpretAsUInt64(reverse(unhex(leftPad(substring(span_id, 1, 12), 16, '0')))) TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toDate(start)
  ORDER BY (role, start)
  TTL toDateTime(start) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.genscope_scores (
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
    benchmark_run_id Nullable(String)
  ) ENGINE = MergeTree()
  PARTITION BY toDate(time)
  ORDER BY (name, time)
  TTL toDateTime(time) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_scores_mv
  TO otel.genscope_scores AS
  SELECT s.time AS time, trace_id, span_id, s.name AS name, s.value AS value, s.label AS label,
         s.explanation AS explanation, stage, component_id, component_type, model, benchmark_run_id
  FROM otel.genscope_spans ARRAY JOIN scores AS s;

CREATE TABLE IF NOT EXISTS otel.genscope_model_calls (
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
    benchmark_run_id Nullable(String)
  ) ENGINE = MergeTree()
  PARTITION BY toDate(time)
  ORDER BY time
  TTL toDateTime(time) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_model_calls_mv
  TO otel.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, cost_usd, mc_cost_source AS cost_source,
         status_code, stage, component_id, component_type, benchmark_run_id
  FROM otel.genscope_spans WHERE role = 'model';

CREATE TABLE IF NOT EXISTS otel.genscope_benchmark_runs (
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
  ) ENGINE = ReplacingMergeTree(ended)
  ORDER BY id;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_benchmark_runs_mv
  TO otel.genscope_benchmark_runs AS
  SELECT assumeNotNull(benchmark_run_id) AS id, trace_id, bm_pipeline AS pipeline, bm_pipeline_version AS pipeline_version,
         bm_model AS model, start AS started, end AS ended, duration_ns, bm_components AS components, status_code,
         simulated, attributes
  FROM otel.genscope_spans WHERE role = 'benchmark' AND benchmark_run_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS otel.genscope_cache_lookups (
    time DateTime64(9),
    cache_name LowCardinality(String),
    hit UInt8,
    stage LowCardinality(Nullable(String)),
    component_type LowCardinality(Nullable(String)),
    model LowCardinality(Nullable(String)),
    benchmark_run_id Nullable(String)
  ) ENGINE = MergeTree()
  PARTITION BY toDate(time)
  ORDER BY time
  TTL toDateTime(time) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_cache_lookups_mv
  TO otel.genscope_cache_lookups AS
  SELECT c.time AS time, c.name AS cache_name, c.hit AS hit, stage, component_type, model, benchmark_run_id
  FROM otel.genscope_spans ARRAY JOIN cache AS c;

CREATE TABLE IF NOT EXISTS otel.genscope_rollup_spans_hour (
    hour DateTime,
    role LowCardinality(String),
    stage LowCardinality(String),
    component_type LowCardinality(String),
    model LowCardinality(String),
    count SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    cost_usd SimpleAggregateFunction(sum, Float64),
    latency_ms AggregateFunction(quantilesDD(0.01, 0.5, 0.95, 0.99), Float64)
  ) ENGINE = AggregatingMergeTree()
  ORDER BY (hour, role, stage, component_type, model)
  TTL hour + toIntervalDay(400);

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_rollup_spans_hour_mv
  TO otel.genscope_rollup_spans_hour AS
  SELECT toStartOfHour(start) AS hour, role, ifNull(stage, '') AS stage, ifNull(component_type, '') AS component_type,
         ifNull(model, '') AS model, count() AS count, countIf(status_code = 2) AS errors,
         sum(duration_ns) AS duration_sum_ns, max(duration_ns) AS duration_max_ns,
         sum(ifNull(cost_usd, 0)) AS cost_usd, quantilesDDState(0.01, 0.5, 0.95, 0.99)(duration_ns / 1e6) AS latency_ms
  FROM otel.genscope_spans
  WHERE role IN ('run', 'stage')
  GROUP BY hour, role, stage, component_type, model;

CREATE TABLE IF NOT EXISTS otel.genscope_rollup_model_calls_hour (
    hour DateTime,
    operation LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    component_type LowCardinality(String),
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Float64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64)
  ) ENGINE = AggregatingMergeTree()
  ORDER BY (hour, operation, provider, model, component_type)
  TTL hour + toIntervalDay(400);

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_rollup_model_calls_hour_mv
  TO otel.genscope_rollup_model_calls_hour AS
  SELECT toStartOfHour(time) AS hour, ifNull(operation, '') AS operation, ifNull(provider, '') AS provider,
         ifNull(response_model, ifNull(request_model, '')) AS model, ifNull(component_type, '') AS component_type,
         count() AS calls, countIf(status_code = 2) AS errors, sum(input_tokens) AS input_tokens,
         sum(output_tokens) AS output_tokens, sum(cached_tokens) AS cached_tokens,
         sum(ifNull(cost_usd, 0)) AS cost_usd, sum(duration_ns) AS duration_sum_ns
  FROM otel.genscope_model_calls
  GROUP BY hour, operation, provider, model, component_type;

CREATE TABLE IF NOT EXISTS otel.genscope_alert_rules (
    id String,
    version UInt64,
    deleted UInt8,
    rule String
  ) ENGINE = ReplacingMergeTree(version)
  ORDER BY id;

CREATE TABLE IF NOT EXISTS otel.genscope_alert_events (
    id String,
    version UInt64,
    rule_id String,
    state LowCardinality(String),
    started DateTime64(3),
    event String
  ) ENGINE = ReplacingMergeTree(version)
  ORDER BY id;

CREATE TABLE IF NOT EXISTS otel.genscope_metric_points (
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
    bucket_counts Array(UInt64)
  ) ENGINE = MergeTree()
  PARTITION BY toDate(time)
  ORDER BY (name, time)
  TTL toDateTime(time) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS otel.genscope_meta (
    key String,
    version UInt64,
    value String
  ) ENGINE = ReplacingMergeTree(version)
  ORDER BY key;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_cache_write_tokens UInt64 DEFAULT 0 AFTER mc_cached_tokens;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS cache_write_tokens UInt64 DEFAULT 0 AFTER cached_tokens;

DROP VIEW IF EXISTS otel.genscope_model_calls_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_model_calls_mv
  TO otel.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, mc_cache_write_tokens AS cache_write_tokens,
         cost_usd, mc_cost_source AS cost_source, status_code, stage, component_id, component_type, benchmark_run_id
  FROM otel.genscope_spans WHERE role = 'model';

CREATE TABLE IF NOT EXISTS otel.genscope_log_evaluations (
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
    benchmark_run_id Nullable(String),
    identity String
  ) ENGINE = MergeTree()
  PARTITION BY toDate(time)
  ORDER BY (time, identity)
  TTL toDateTime(time) + toIntervalDay(90)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_log_evaluations_mv
  TO otel.genscope_scores AS
  SELECT time, trace_id, span_id, name, value, label, explanation, stage, component_id, component_type, model, benchmark_run_id
  FROM otel.genscope_log_evaluations;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_reasoning_tokens UInt64 DEFAULT 0 AFTER mc_cache_write_tokens;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_ttft_ns Nullable(UInt64) AFTER mc_reasoning_tokens;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_sender_cost_usd Nullable(Float64) AFTER mc_ttft_ns;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_priced_cost_usd Nullable(Float64) AFTER mc_sender_cost_usd;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_sent_response_model LowCardinality(Nullable(String)) AFTER mc_priced_cost_usd;

ALTER TABLE otel.genscope_spans ADD COLUMN IF NOT EXISTS mc_call UInt8 DEFAULT 0 AFTER mc_sent_response_model;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS reasoning_tokens UInt64 DEFAULT 0 AFTER cache_write_tokens;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS ttft_ns Nullable(UInt64) AFTER reasoning_tokens;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS sender_cost_usd Nullable(Float64) AFTER cost_source;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS priced_cost_usd Nullable(Float64) AFTER sender_cost_usd;

ALTER TABLE otel.genscope_model_calls ADD COLUMN IF NOT EXISTS sent_response_model LowCardinality(Nullable(String)) AFTER priced_cost_usd;

DROP VIEW IF EXISTS otel.genscope_model_calls_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel.genscope_model_calls_mv
  TO otel.genscope_model_calls AS
  SELECT start AS time, duration_ns, trace_id, span_id, mc_provider AS provider, mc_operation AS operation,
         mc_request_model AS request_model, mc_response_model AS response_model, mc_input_tokens AS input_tokens,
         mc_output_tokens AS output_tokens, mc_cached_tokens AS cached_tokens, mc_cache_write_tokens AS cache_write_tokens,
         mc_reasoning_tokens AS reasoning_tokens, mc_ttft_ns AS ttft_ns, cost_usd, mc_cost_source AS cost_source,
         mc_sender_cost_usd AS sender_cost_usd, mc_priced_cost_usd AS priced_cost_usd,
         mc_sent_response_model AS sent_response_model, status_code, stage, component_id, component_type, benchmark_run_id
  FROM otel.genscope_spans WHERE mc_call = 1;
