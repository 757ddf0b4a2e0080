-- Columns that are functions of other columns are computed on read (VIRTUAL generated columns,
-- SQLite 3.31+: no bytes on disk; about 10 bytes a span on the demo history; every reader keeps its
-- column names and values):
--
-- * spans.end_ns is start_ns + duration_ns (the writer clamps the duration of a span that ends
--   before it starts to 0: end_lag_ns keeps how far before, NULL otherwise).
-- * model_calls.cost_source is a code (1 'attribute', 2 'prices', any other as its text).
--
-- (role and cost_usd stay stored: a generated column in a partial index's WHERE or in its columns
-- makes SQLite read the table row, so spans_runs_latency and model_calls_time would no longer cover
-- the cost-per-component reads of migration 195. The scores keep both time indexes: one on
-- (time_ns, name_ref) instead read 1.2-1.4x slower with a stage filter at 1M spans. spans_start stays
-- unique on (start_ns, span_id): finding a copy by a NOT EXISTS seek on start_ns alone made the span
-- insert 3-4x slower.)
DROP VIEW span_view;
DROP VIEW model_call_view;
DROP VIEW score_view;

CREATE TEMP TABLE spans_seq_205 AS SELECT seq FROM sqlite_sequence WHERE name = 'spans';
CREATE TABLE spans_205 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id BLOB NOT NULL,
  span_id BLOB NOT NULL,
  parent_span_id BLOB,
  name_ref INTEGER NOT NULL,
  -- 'run' (pipeline.run), 'stage', 'model' (a GenAI call), 'benchmark', 'other'
  role TEXT NOT NULL,
  kind INTEGER NOT NULL,
  resource_id INTEGER REFERENCES resources(id),
  scope_ref INTEGER,
  start_ns INTEGER NOT NULL,
  -- NULL, or how far before its start the span ended (its duration is then 0).
  end_lag_ns INTEGER,
  end_ns INTEGER GENERATED ALWAYS AS (start_ns + duration_ns - ifnull(end_lag_ns, 0)) VIRTUAL,
  duration_ns INTEGER NOT NULL,
  -- 0 unset, 1 ok, 2 error (OTel StatusCode)
  status_code INTEGER NOT NULL,
  status_message TEXT,
  stage TEXT,
  component_id_ref INTEGER,
  component_type TEXT,
  model TEXT,
  benchmark_run_ref INTEGER,
  cost_usd REAL,
  cache_hit INTEGER,
  -- Bit mask of the attribute keys rebuilt from columns (store/compact.ts SPAN_PROMOTED).
  promoted INTEGER NOT NULL,
  -- The other attributes as JSON (inline, or the id of a shared string); both NULL when none.
  attributes TEXT,
  attributes_ref INTEGER,
  -- The events other than score events: JSON [{dt, name, attributes} | {dt, ref}].
  events TEXT,
  links TEXT
);
INSERT INTO spans_205 (id, trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref, start_ns, end_lag_ns,
    duration_ns, status_code, status_message, stage, component_id_ref, component_type, model, benchmark_run_ref, cost_usd, cache_hit,
    promoted, attributes, attributes_ref, events, links)
  SELECT id, trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref, start_ns, NULLIF(start_ns + duration_ns - end_ns, 0),
    duration_ns, status_code, status_message, stage, component_id_ref, component_type, model, benchmark_run_ref, cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links
  FROM spans ORDER BY id;
DROP TABLE spans;
ALTER TABLE spans_205 RENAME TO spans;
UPDATE sqlite_sequence SET seq = max(seq, ifnull((SELECT seq FROM spans_seq_205), 0)) WHERE name = 'spans';
DROP TABLE spans_seq_205;
CREATE UNIQUE INDEX spans_start ON spans(start_ns, span_id);
CREATE INDEX spans_benchmark ON spans(benchmark_run_ref) WHERE role = 'run' AND benchmark_run_ref IS NOT NULL;
CREATE INDEX spans_runs_latency ON spans(start_ns, duration_ns, status_code, component_type, model, component_id_ref, cost_usd) WHERE role = 'run';

CREATE TABLE model_calls_205 (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  provider TEXT,
  operation TEXT,
  request_model TEXT,
  response_model TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  -- 1 'attribute' (sent with the span), 2 'prices' (computed), NULL (unknown model); any other as its text
  cost_source_code,
  cost_source TEXT GENERATED ALWAYS AS (CASE cost_source_code WHEN 1 THEN 'attribute' WHEN 2 THEN 'prices' ELSE cost_source_code END) VIRTUAL,
  status_code INTEGER NOT NULL,
  stage TEXT,
  component_id_ref INTEGER,
  component_type TEXT,
  benchmark_run_ref INTEGER,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  ttft_ns INTEGER,
  sender_cost_usd REAL,
  priced_cost_usd REAL,
  sent_response_model TEXT
);
INSERT INTO model_calls_205 (id, time_ns, duration_ns, provider, operation, request_model, response_model, input_tokens, output_tokens,
    cached_tokens, cost_usd, cost_source_code, status_code, stage, component_id_ref, component_type, benchmark_run_ref,
    cache_write_tokens, reasoning_tokens, ttft_ns, sender_cost_usd, priced_cost_usd, sent_response_model)
  SELECT id, time_ns, duration_ns, provider, operation, request_model, response_model, input_tokens, output_tokens, cached_tokens,
    cost_usd,
    CASE cost_source WHEN 'attribute' THEN 1 WHEN 'prices' THEN 2 ELSE cost_source END,
    status_code, stage, component_id_ref, component_type, benchmark_run_ref, cache_write_tokens, reasoning_tokens, ttft_ns,
    sender_cost_usd, priced_cost_usd, sent_response_model
  FROM model_calls ORDER BY id;
DROP TABLE model_calls;
ALTER TABLE model_calls_205 RENAME TO model_calls;
CREATE INDEX model_calls_benchmark ON model_calls(benchmark_run_ref) WHERE benchmark_run_ref IS NOT NULL;
CREATE INDEX model_calls_time ON model_calls(time_ns, component_id_ref, stage, operation, cost_usd);

CREATE VIEW span_view AS
SELECT s.id, lower(hex(s.trace_id)) AS trace_id, lower(hex(s.span_id)) AS span_id,
  CASE WHEN s.parent_span_id IS NULL THEN NULL ELSE lower(hex(s.parent_span_id)) END AS parent_span_id,
  (SELECT value FROM strings WHERE id = s.name_ref) AS name, s.role, s.kind, s.resource_id,
  (SELECT value FROM strings WHERE id = s.scope_ref) AS scope_name, s.start_ns, s.end_ns, s.duration_ns, s.status_code,
  s.status_message, s.stage, (SELECT value FROM strings WHERE id = s.component_id_ref) AS component_id, s.component_type,
  s.model, (SELECT value FROM strings WHERE id = s.benchmark_run_ref) AS benchmark_run_id, s.cost_usd, s.cache_hit
FROM spans s;
CREATE VIEW model_call_view AS
SELECT m.id, m.time_ns, m.duration_ns, (SELECT lower(hex(p.trace_id)) FROM spans p WHERE p.id = m.id) AS trace_id,
  (SELECT lower(hex(p.span_id)) FROM spans p WHERE p.id = m.id) AS span_id, m.provider, m.operation, m.request_model,
  m.response_model, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.cost_source, m.status_code, m.stage,
  (SELECT value FROM strings WHERE id = m.component_id_ref) AS component_id, m.component_type,
  (SELECT value FROM strings WHERE id = m.benchmark_run_ref) AS benchmark_run_id,
  m.cache_write_tokens, m.reasoning_tokens, m.ttft_ns, m.sender_cost_usd, m.priced_cost_usd, m.sent_response_model
FROM model_calls m;
CREATE VIEW score_view AS
SELECT c.id, c.time_ns, lower(hex(COALESCE((SELECT p.trace_id FROM spans p WHERE p.id = c.span_row), c.trace_id))) AS trace_id,
  lower(hex(COALESCE((SELECT p.span_id FROM spans p WHERE p.id = c.span_row), c.span_id))) AS span_id, c.span_row,
  (SELECT value FROM strings WHERE id = c.name_ref) AS name, c.value, (SELECT value FROM strings WHERE id = c.label_ref) AS label,
  COALESCE(c.explanation, (SELECT value FROM strings WHERE id = c.explanation_ref)) AS explanation, c.stage,
  (SELECT value FROM strings WHERE id = c.component_id_ref) AS component_id, c.component_type, c.model,
  (SELECT value FROM strings WHERE id = c.benchmark_run_ref) AS benchmark_run_id
FROM scores c;
