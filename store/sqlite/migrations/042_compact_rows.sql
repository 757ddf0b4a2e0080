-- Compact rows: about 1.6 KB per span on disk all in before, most of it repeated text. The new
-- layout of spans, scores and model calls (the code step, store/sqlite/compact-migration.ts,
-- converts every row; reads rebuild every attribute and event exactly as received):
--  - trace and span ids as 16- and 8-byte BLOBs instead of hex text (the API still says hex);
--  - repeated strings (span and score names, scope, component id, benchmark run id, label) are
--    ids into `strings`; attribute remainders, event bodies and explanations too once they repeat;
--  - a span's attributes leave out the keys its columns (and its model call's) already hold,
--    `promoted` says which (store/compact.ts), `attributes` / `attributes_ref` hold the rest;
--  - gen_ai.evaluation.result events live only in scores (with their position, `seq`), not a
--    second time in spans.events; the other events are stored with times relative to the span;
--  - scores and model calls point at their span row instead of repeating its ids: a model call's
--    id is its span's id; scores.span_row is indexed for the events of a span (a score whose span
--    is not stored keeps its own ids);
--  - spans_runs is gone: spans_runs_latency starts with start_ns under the same condition.
-- Column names that changed meaning changed name (`*_ref`), so an old query fails loudly.

CREATE TABLE strings (
  id INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE,
  -- Upper bound of the time of the rows referencing it: retention deletes it with them.
  last_ns INTEGER NOT NULL
);

CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO store_meta (key, value) VALUES ('strings_epoch', 0);

DROP INDEX spans_start;
DROP INDEX spans_runs;
DROP INDEX spans_benchmark;
DROP INDEX spans_runs_latency;
DROP INDEX scores_name_time;
DROP INDEX scores_benchmark;
DROP INDEX scores_time;
DROP INDEX model_calls_time;
DROP INDEX model_calls_benchmark;
ALTER TABLE spans RENAME TO spans_041;
ALTER TABLE scores RENAME TO scores_041;
ALTER TABLE model_calls RENAME TO model_calls_041;

-- AUTOINCREMENT: scores and model calls point at span ids, so an id is never handed out twice.
CREATE TABLE spans (
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
  end_ns INTEGER NOT NULL,
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
CREATE UNIQUE INDEX spans_start ON spans(start_ns, span_id);
CREATE INDEX spans_runs_latency ON spans(start_ns, duration_ns, status_code, component_type, model) WHERE role = 'run';
CREATE INDEX spans_benchmark ON spans(benchmark_run_ref) WHERE role = 'run' AND benchmark_run_ref IS NOT NULL;

CREATE TABLE scores (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  -- The span whose gen_ai.evaluation.result event this is, and the event's position in its list
  -- (NULL: not a copy of an event, e.g. an evaluation sent as a log record).
  span_row INTEGER,
  seq INTEGER,
  -- Only when no span row is known (an evaluation of a span not stored): its ids.
  trace_id BLOB,
  span_id BLOB,
  name_ref INTEGER NOT NULL,
  value REAL,
  label_ref INTEGER,
  explanation TEXT,
  explanation_ref INTEGER,
  -- Event attributes rebuilt from the columns (store/compact.ts SCORE_PROMOTED), and the rest.
  promoted INTEGER NOT NULL,
  attributes TEXT,
  stage TEXT,
  component_id_ref INTEGER,
  component_type TEXT,
  model TEXT,
  benchmark_run_ref INTEGER
);
CREATE INDEX scores_name_time ON scores(name_ref, time_ns);
CREATE INDEX scores_time ON scores(time_ns);
CREATE INDEX scores_span ON scores(span_row);
CREATE INDEX scores_benchmark ON scores(benchmark_run_ref) WHERE benchmark_run_ref IS NOT NULL;

-- id is the id of the model call's span.
CREATE TABLE model_calls (
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
  -- where the cost came from: 'attribute' (sent with the span), 'prices' (computed), NULL (unknown model)
  cost_source TEXT,
  status_code INTEGER NOT NULL,
  stage TEXT,
  component_id_ref INTEGER,
  component_type TEXT,
  benchmark_run_ref INTEGER
);
CREATE INDEX model_calls_time ON model_calls(time_ns);
CREATE INDEX model_calls_benchmark ON model_calls(benchmark_run_ref) WHERE benchmark_run_ref IS NOT NULL;

-- The same rows with hex ids and shared strings resolved, for people and tools reading the file
-- with plain sqlite3 (no logic: attributes and events are rebuilt by genscope, see the README).
CREATE VIEW span_view AS
SELECT s.id, lower(hex(s.trace_id)) AS trace_id, lower(hex(s.span_id)) AS span_id,
  CASE WHEN s.parent_span_id IS NULL THEN NULL ELSE lower(hex(s.parent_span_id)) END AS parent_span_id,
  (SELECT value FROM strings WHERE id = s.name_ref) AS name, s.role, s.kind, s.resource_id,
  (SELECT value FROM strings WHERE id = s.scope_ref) AS scope_name, s.start_ns, s.end_ns, s.duration_ns, s.status_code,
  s.status_message, s.stage, (SELECT value FROM strings WHERE id = s.component_id_ref) AS component_id, s.component_type,
  s.model, (SELECT value FROM strings WHERE id = s.benchmark_run_ref) AS benchmark_run_id, s.cost_usd, s.cache_hit
FROM spans s;

CREATE VIEW score_view AS
SELECT c.id, c.time_ns, lower(hex(COALESCE((SELECT p.trace_id FROM spans p WHERE p.id = c.span_row), c.trace_id))) AS trace_id,
  lower(hex(COALESCE((SELECT p.span_id FROM spans p WHERE p.id = c.span_row), c.span_id))) AS span_id, c.span_row,
  (SELECT value FROM strings WHERE id = c.name_ref) AS name, c.value, (SELECT value FROM strings WHERE id = c.label_ref) AS label,
  COALESCE(c.explanation, (SELECT value FROM strings WHERE id = c.explanation_ref)) AS explanation, c.stage,
  (SELECT value FROM strings WHERE id = c.component_id_ref) AS component_id, c.component_type, c.model,
  (SELECT value FROM strings WHERE id = c.benchmark_run_ref) AS benchmark_run_id
FROM scores c;

CREATE VIEW model_call_view AS
SELECT m.id, m.time_ns, m.duration_ns, (SELECT lower(hex(p.trace_id)) FROM spans p WHERE p.id = m.id) AS trace_id,
  (SELECT lower(hex(p.span_id)) FROM spans p WHERE p.id = m.id) AS span_id, m.provider, m.operation, m.request_model,
  m.response_model, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.cost_source, m.status_code, m.stage,
  (SELECT value FROM strings WHERE id = m.component_id_ref) AS component_id, m.component_type,
  (SELECT value FROM strings WHERE id = m.benchmark_run_ref) AS benchmark_run_id
FROM model_calls m;
