-- A service dimension (resource service.name, '' when unknown) on the rollups the panels filter:
-- spans, scores, model calls and cache lookups, so a service filter reads rollups, not raw rows.
-- SQLite cannot change a primary key: each table is rebuilt with `service` as its last key column.
-- Existing rows are copied with service '' (not known per row); the code step (db.ts CODE_STEPS)
-- then recomputes every bucket the raw rows still cover from them, with their service.
CREATE TABLE rollup_spans_150 (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  stage TEXT NOT NULL,
  component_type TEXT NOT NULL,
  model TEXT NOT NULL,
  service TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  duration_max_ns INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cache_hits INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  latency_hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, stage, component_type, model, service)
) WITHOUT ROWID;
INSERT INTO rollup_spans_150 SELECT grain_s, bucket_ns, stage, component_type, model, '', count, errors, duration_sum_ns,
  duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist FROM rollup_spans;
DROP TABLE rollup_spans;
ALTER TABLE rollup_spans_150 RENAME TO rollup_spans;

CREATE TABLE rollup_scores_150 (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  component_type TEXT NOT NULL,
  model TEXT NOT NULL,
  label TEXT NOT NULL,
  service TEXT NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  min REAL,
  max REAL,
  hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, name, component_type, model, label, service)
) WITHOUT ROWID;
INSERT INTO rollup_scores_150 SELECT grain_s, bucket_ns, name, component_type, model, label, '', count, sum, sum_sq, min, max, hist
  FROM rollup_scores;
DROP INDEX IF EXISTS rollup_scores_name;
DROP TABLE rollup_scores;
ALTER TABLE rollup_scores_150 RENAME TO rollup_scores;
CREATE INDEX rollup_scores_name ON rollup_scores(grain_s, name, bucket_ns);

CREATE TABLE rollup_model_calls_150 (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  operation TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  component_type TEXT NOT NULL,
  service TEXT NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, operation, provider, model, component_type, service)
) WITHOUT ROWID;
INSERT INTO rollup_model_calls_150 SELECT grain_s, bucket_ns, operation, provider, model, component_type, '', calls, errors,
  input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns FROM rollup_model_calls;
DROP TABLE rollup_model_calls;
ALTER TABLE rollup_model_calls_150 RENAME TO rollup_model_calls;

CREATE TABLE rollup_cache_150 (
  grain_s INTEGER NOT NULL,
  bucket_ns INTEGER NOT NULL,
  cache_name TEXT NOT NULL,
  stage TEXT NOT NULL,
  component_type TEXT NOT NULL,
  service TEXT NOT NULL,
  hits INTEGER NOT NULL,
  misses INTEGER NOT NULL,
  PRIMARY KEY (grain_s, bucket_ns, cache_name, stage, component_type, service)
) WITHOUT ROWID;
INSERT INTO rollup_cache_150 SELECT grain_s, bucket_ns, cache_name, stage, component_type, '', hits, misses FROM rollup_cache;
DROP TABLE rollup_cache;
ALTER TABLE rollup_cache_150 RENAME TO rollup_cache;
