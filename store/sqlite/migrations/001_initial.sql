-- genscope storage, version 1.
-- Every timestamp is nanoseconds since the Unix epoch as INTEGER (written from BigInt, so no
-- precision is lost above 2^53). Columns the dashboard filters and groups on are real columns;
-- everything else stays in JSON. Rollups are maintained in the same transaction as raw rows.

-- Attribute sets of the producing processes, shared by many spans and metric points.
CREATE TABLE resources (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  service_name TEXT,
  attributes TEXT NOT NULL
);

CREATE TABLE spans (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  name TEXT NOT NULL,
  -- 'run' (pipeline.run), 'stage', 'model' (a GenAI call), 'benchmark', 'other'
  role TEXT NOT NULL,
  kind INTEGER NOT NULL,
  resource_id INTEGER REFERENCES resources(id),
  scope_name TEXT,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  -- 0 unset, 1 ok, 2 error (OTel StatusCode)
  status_code INTEGER NOT NULL,
  status_message TEXT,
  stage TEXT,
  component_id TEXT,
  component_type TEXT,
  model TEXT,
  benchmark_run_id TEXT,
  cost_usd REAL,
  cache_hit INTEGER,
  attributes TEXT NOT NULL,
  events TEXT,
  links TEXT
);
-- Time is the one index every panel uses; runs (trace roots of the pipeline) get their own
-- partial index for the runs list. No index on the random trace id: a run's spans are found
-- through the time window of its root span (see api/queries).
CREATE INDEX spans_start ON spans(start_ns);
CREATE INDEX spans_runs ON spans(start_ns) WHERE role = 'run';
CREATE INDEX spans_benchmark ON spans(benchmark_run_id) WHERE role = 'run' AND benchmark_run_id IS NOT NULL;

CREATE TABLE scores (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  label TEXT,
  explanation TEXT,
  stage TEXT,
  component_id TEXT,
  component_type TEXT,
  model TEXT,
  benchmark_run_id TEXT
);
CREATE INDEX scores_name_time ON scores(name, time_ns);
CREATE INDEX scores_benchmark ON scores(benchmark_run_id) WHERE benchmark_run_id IS NOT NULL;

CREATE TABLE model_calls (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  provider TEXT,
  operation TEXT,
  request_model TEXT,
  response_model TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  -- where the cost came from: 'attribute' (sent with the span), 'prices' (computed), NULL (unknown model)
  cost_source TEXT,
  status_code INTEGER NOT NULL,
  stage TEXT,
  component_id TEXT,
  component_type TEXT,
  benchmark_run_id TEXT
);
CREATE INDEX model_calls_time ON model_calls(time_ns);
CREATE INDEX model_calls_benchmark ON model_calls(benchmark_run_id) WHERE benchmark_run_id IS NOT NULL;

CREATE TABLE metric_points (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  start_time_ns INTEGER,
  name TEXT NOT NULL,
  unit TEXT,
  -- 'sum', 'gauge', 'histogram', 'exp_histogram'
  type TEXT NOT NULL,
  monotonic INTEGER,
  -- 1 delta, 2 cumulative (OTLP AggregationTemporality)
  temporality INTEGER,
  resource_id INTEGER REFERENCES resources(id),
  scope_name TEXT,
  attributes TEXT NOT NULL,
  value REAL,
  count INTEGER,
  sum REAL,
  min REAL,
  max REAL,
  bounds TEXT,
  bucket_counts TEXT
);
CREATE INDEX metric_points_name_time ON metric_points(name, time_ns);

CREATE TABLE benchmark_runs (
  id TEXT PRIMARY KEY,
  trace_id TEXT,
  pipeline TEXT,
  pipeline_version TEXT,
  model TEXT,
  started_ns INTEGER NOT NULL,
  ended_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  components INTEGER,
  status_code INTEGER NOT NULL,
  simulated INTEGER NOT NULL DEFAULT 0,
  attributes TEXT NOT NULL
);
CREATE INDEX benchmark_runs_started ON benchmark_runs(started_ns);

-- Span rollups: per grain (60 s for recent data, 3600 s kept long) x stage x component type x
-- model. Empty string, not NULL, stands for "none" so the primary key works. latency_hist is a
-- sparse JSON object {bucketIndex: count} over fixed log-spaced buckets (schema/latency-buckets),
-- so percentiles over any range and filter are a sum of buckets.
CREATE TABLE rollup_spans (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  stage TEXT NOT NULL,
  component_type TEXT NOT NULL,
  model TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  duration_max_ns INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cache_hits INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  latency_hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, stage, component_type, model)
) WITHOUT ROWID;

-- Score rollups; label is kept in the key (for classification it is the predicted type, so the
-- confusion matrix is a rollup query). hist counts values in 20 equal bins over [0, 1].
CREATE TABLE rollup_scores (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  component_type TEXT NOT NULL,
  model TEXT NOT NULL,
  label TEXT NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  min REAL,
  max REAL,
  hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, name, component_type, model, label)
) WITHOUT ROWID;

-- Model-call rollups: cost and tokens by operation, provider, model and component type.
CREATE TABLE rollup_model_calls (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  operation TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  component_type TEXT NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, operation, provider, model, component_type)
) WITHOUT ROWID;

-- Per-component daily rollup, for cost and quality per component id.
CREATE TABLE rollup_components (
  bucket_ns INTEGER NOT NULL,
  component_id TEXT NOT NULL,
  component_type TEXT NOT NULL,
  model TEXT NOT NULL,
  runs INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  PRIMARY KEY (bucket_ns, component_id, component_type, model)
) WITHOUT ROWID;

-- Cache lookups (genscope.cache.lookup span events) by cache name.
CREATE TABLE rollup_cache (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  cache_name TEXT NOT NULL,
  stage TEXT NOT NULL,
  component_type TEXT NOT NULL,
  hits INTEGER NOT NULL,
  misses INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, cache_name, stage, component_type)
) WITHOUT ROWID;
