-- Rollup dimensions as ids into `strings` (about 50 bytes a span on the demo history: every rollup
-- row repeated its stage, component type, model, service, score name, label... as text). Each
-- rollup table's rows move to `<table>_rows`, whose dimension columns are `<dimension>_ref`
-- (store/layout.ts storedColumn), with the same primary key; `<table>` becomes a view giving back
-- exactly the columns and text of before, so every reader answers the same. The writer, the
-- rebuild and retention write and delete in the `_rows` tables (RollupApplier). Rollups outlive
-- the raw rows: the strings they use have last_ns 2^63-1 (strings.ts PERMANENT_NS), so retention
-- never deletes them.
INSERT INTO strings (value, last_ns)
  SELECT value, 9223372036854775807 FROM (
    SELECT stage AS value FROM rollup_spans
    UNION SELECT component_type AS value FROM rollup_spans
    UNION SELECT model AS value FROM rollup_spans
    UNION SELECT service AS value FROM rollup_spans
    UNION SELECT stage AS value FROM rollup_spans_total
    UNION SELECT name AS value FROM rollup_scores
    UNION SELECT component_type AS value FROM rollup_scores
    UNION SELECT model AS value FROM rollup_scores
    UNION SELECT label AS value FROM rollup_scores
    UNION SELECT service AS value FROM rollup_scores
    UNION SELECT name AS value FROM rollup_scores_total
    UNION SELECT operation AS value FROM rollup_model_calls
    UNION SELECT provider AS value FROM rollup_model_calls
    UNION SELECT model AS value FROM rollup_model_calls
    UNION SELECT component_type AS value FROM rollup_model_calls
    UNION SELECT service AS value FROM rollup_model_calls
    UNION SELECT component_id AS value FROM rollup_components
    UNION SELECT component_type AS value FROM rollup_components
    UNION SELECT model AS value FROM rollup_components
    UNION SELECT component_id AS value FROM rollup_component_stages
    UNION SELECT component_type AS value FROM rollup_component_stages
    UNION SELECT stage AS value FROM rollup_component_stages
    UNION SELECT operation AS value FROM rollup_component_stages
    UNION SELECT model AS value FROM rollup_component_stages
    UNION SELECT cache_name AS value FROM rollup_cache
    UNION SELECT stage AS value FROM rollup_cache
    UNION SELECT component_type AS value FROM rollup_cache
    UNION SELECT service AS value FROM rollup_cache
  ) WHERE true
  ON CONFLICT (value) DO UPDATE SET last_ns = 9223372036854775807;
CREATE TABLE rollup_spans_rows (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  stage_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  model_ref INTEGER NOT NULL,
  service_ref INTEGER NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  duration_max_ns INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cache_hits INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  latency_hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, stage_ref, component_type_ref, model_ref, service_ref)
) WITHOUT ROWID;
INSERT INTO rollup_spans_rows SELECT grain_s, bucket_ns, (SELECT id FROM strings WHERE value = stage), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = model), (SELECT id FROM strings WHERE value = service), count, errors, duration_sum_ns, duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist
  FROM rollup_spans;
DROP TABLE rollup_spans;
CREATE VIEW rollup_spans AS SELECT grain_s, bucket_ns, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.model_ref) AS model, (SELECT value FROM strings WHERE id = r.service_ref) AS service, count, errors, duration_sum_ns, duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist
  FROM rollup_spans_rows r;
CREATE TABLE rollup_spans_total_rows (
  grain_s INTEGER NOT NULL,
  stage_ref INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  duration_max_ns INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cache_hits INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  latency_hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, stage_ref, bucket_ns)
) WITHOUT ROWID;
INSERT INTO rollup_spans_total_rows SELECT grain_s, (SELECT id FROM strings WHERE value = stage), bucket_ns, count, errors, duration_sum_ns, duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist
  FROM rollup_spans_total;
DROP INDEX rollup_spans_total_time;
DROP TABLE rollup_spans_total;
CREATE INDEX rollup_spans_total_time ON rollup_spans_total_rows (grain_s, bucket_ns);
CREATE VIEW rollup_spans_total AS SELECT grain_s, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, bucket_ns, count, errors, duration_sum_ns, duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist
  FROM rollup_spans_total_rows r;
CREATE TABLE rollup_scores_rows (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  name_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  model_ref INTEGER NOT NULL,
  label_ref INTEGER NOT NULL,
  service_ref INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, name_ref, component_type_ref, model_ref, label_ref, service_ref)
) WITHOUT ROWID;
INSERT INTO rollup_scores_rows SELECT grain_s, bucket_ns, (SELECT id FROM strings WHERE value = name), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = model), (SELECT id FROM strings WHERE value = label), (SELECT id FROM strings WHERE value = service), count, sum, sum_sq, hist
  FROM rollup_scores;
DROP TABLE rollup_scores;
CREATE VIEW rollup_scores AS SELECT grain_s, bucket_ns, (SELECT value FROM strings WHERE id = r.name_ref) AS name, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.model_ref) AS model, (SELECT value FROM strings WHERE id = r.label_ref) AS label, (SELECT value FROM strings WHERE id = r.service_ref) AS service, count, sum, sum_sq, hist
  FROM rollup_scores_rows r;
CREATE TABLE rollup_scores_total_rows (
  grain_s INTEGER NOT NULL,
  name_ref INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, name_ref, bucket_ns)
) WITHOUT ROWID;
INSERT INTO rollup_scores_total_rows SELECT grain_s, (SELECT id FROM strings WHERE value = name), bucket_ns, count, sum, sum_sq, hist
  FROM rollup_scores_total;
DROP TABLE rollup_scores_total;
CREATE VIEW rollup_scores_total AS SELECT grain_s, (SELECT value FROM strings WHERE id = r.name_ref) AS name, bucket_ns, count, sum, sum_sq, hist
  FROM rollup_scores_total_rows r;
CREATE TABLE rollup_model_calls_rows (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  operation_ref INTEGER NOT NULL,
  provider_ref INTEGER NOT NULL,
  model_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  service_ref INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, operation_ref, provider_ref, model_ref, component_type_ref, service_ref)
) WITHOUT ROWID;
INSERT INTO rollup_model_calls_rows SELECT grain_s, bucket_ns, (SELECT id FROM strings WHERE value = operation), (SELECT id FROM strings WHERE value = provider), (SELECT id FROM strings WHERE value = model), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = service), calls, errors, input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns
  FROM rollup_model_calls;
DROP TABLE rollup_model_calls;
CREATE VIEW rollup_model_calls AS SELECT grain_s, bucket_ns, (SELECT value FROM strings WHERE id = r.operation_ref) AS operation, (SELECT value FROM strings WHERE id = r.provider_ref) AS provider, (SELECT value FROM strings WHERE id = r.model_ref) AS model, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.service_ref) AS service, calls, errors, input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns
  FROM rollup_model_calls_rows r;
CREATE TABLE rollup_components_rows (
  bucket_ns INTEGER NOT NULL,
  component_id_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  model_ref INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  PRIMARY KEY (bucket_ns, component_id_ref, component_type_ref, model_ref)
) WITHOUT ROWID;
INSERT INTO rollup_components_rows SELECT bucket_ns, (SELECT id FROM strings WHERE value = component_id), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = model), runs, errors, cost_usd, duration_sum_ns
  FROM rollup_components;
DROP TABLE rollup_components;
CREATE VIEW rollup_components AS SELECT bucket_ns, (SELECT value FROM strings WHERE id = r.component_id_ref) AS component_id, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.model_ref) AS model, runs, errors, cost_usd, duration_sum_ns
  FROM rollup_components_rows r;
CREATE TABLE rollup_component_stages_rows (
  bucket_ns INTEGER NOT NULL,
  component_id_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  stage_ref INTEGER NOT NULL,
  operation_ref INTEGER NOT NULL,
  model_ref INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (bucket_ns, component_id_ref, component_type_ref, stage_ref, operation_ref, model_ref)
) WITHOUT ROWID;
INSERT INTO rollup_component_stages_rows SELECT bucket_ns, (SELECT id FROM strings WHERE value = component_id), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = stage), (SELECT id FROM strings WHERE value = operation), (SELECT id FROM strings WHERE value = model), calls, errors, input_tokens, output_tokens, cost_usd
  FROM rollup_component_stages;
DROP TABLE rollup_component_stages;
CREATE VIEW rollup_component_stages AS SELECT bucket_ns, (SELECT value FROM strings WHERE id = r.component_id_ref) AS component_id, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, (SELECT value FROM strings WHERE id = r.operation_ref) AS operation, (SELECT value FROM strings WHERE id = r.model_ref) AS model, calls, errors, input_tokens, output_tokens, cost_usd
  FROM rollup_component_stages_rows r;
CREATE TABLE rollup_cache_rows (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  cache_name_ref INTEGER NOT NULL,
  stage_ref INTEGER NOT NULL,
  component_type_ref INTEGER NOT NULL,
  service_ref INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  misses INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, cache_name_ref, stage_ref, component_type_ref, service_ref)
) WITHOUT ROWID;
INSERT INTO rollup_cache_rows SELECT grain_s, bucket_ns, (SELECT id FROM strings WHERE value = cache_name), (SELECT id FROM strings WHERE value = stage), (SELECT id FROM strings WHERE value = component_type), (SELECT id FROM strings WHERE value = service), hits, misses
  FROM rollup_cache;
DROP TABLE rollup_cache;
CREATE VIEW rollup_cache AS SELECT grain_s, bucket_ns, (SELECT value FROM strings WHERE id = r.cache_name_ref) AS cache_name, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.service_ref) AS service, hits, misses
  FROM rollup_cache_rows r;
