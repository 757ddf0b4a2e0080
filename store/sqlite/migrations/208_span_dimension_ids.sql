-- A span's stage, component type and model as ids into `strings` (about 18 bytes a span on the demo
-- history: every span repeated its three texts, and the runs' latency index two of them), as the
-- scores' of migration 182. The rows move to `spans_rows` with `stage_ref`, `component_type_ref` and
-- `model_ref`, the same ids (and AUTOINCREMENT sequence) and indexes; `spans` becomes a view giving
-- back exactly the columns and text of before, so every reader answers the same. The writer and
-- retention write and delete in `spans_rows`; readers filter on the ids. The strings live as long as
-- the newest span using them (last_ns a day past its start, as the writer sets it).
INSERT INTO strings (value, last_ns)
  SELECT v, t FROM (
    SELECT v, MAX(t) + 86400000000000 AS t FROM (
      SELECT stage AS v, start_ns AS t FROM spans WHERE stage IS NOT NULL
      UNION ALL SELECT component_type, start_ns FROM spans WHERE component_type IS NOT NULL
      UNION ALL SELECT model, start_ns FROM spans WHERE model IS NOT NULL
    ) GROUP BY v
  ) WHERE true
  ON CONFLICT (value) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns);
DROP VIEW span_view;
DROP VIEW score_view;
DROP VIEW model_call_view;

CREATE TEMP TABLE spans_seq_208 AS SELECT seq FROM sqlite_sequence WHERE name = 'spans';
CREATE TABLE spans_rows (
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
  stage_ref INTEGER,
  component_id_ref INTEGER,
  component_type_ref INTEGER,
  model_ref INTEGER,
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
INSERT INTO spans_rows (id, trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref, start_ns, end_lag_ns,
    duration_ns, status_code, status_message, stage_ref, component_id_ref, component_type_ref, model_ref, benchmark_run_ref, cost_usd,
    cache_hit, promoted, attributes, attributes_ref, events, links)
  SELECT id, trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref, start_ns, end_lag_ns, duration_ns,
    status_code, status_message, (SELECT s.id FROM strings s WHERE s.value = stage), component_id_ref,
    (SELECT s.id FROM strings s WHERE s.value = component_type), (SELECT s.id FROM strings s WHERE s.value = model), benchmark_run_ref,
    cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links
  FROM spans ORDER BY id;
DROP TABLE spans;
-- The ids handed out so far stay handed out (also those of deleted spans).
CREATE TEMP TABLE spans_seq_208_rows AS SELECT max(ifnull((SELECT seq FROM temp.spans_seq_208), 0), ifnull((SELECT max(id) FROM spans_rows), 0)) AS seq;
DELETE FROM sqlite_sequence WHERE name IN ('spans', 'spans_rows');
INSERT INTO sqlite_sequence (name, seq) SELECT 'spans_rows', seq FROM temp.spans_seq_208_rows WHERE seq > 0;
DROP TABLE temp.spans_seq_208_rows;
DROP TABLE temp.spans_seq_208;
CREATE UNIQUE INDEX spans_start ON spans_rows(start_ns, span_id);
CREATE INDEX spans_benchmark ON spans_rows(benchmark_run_ref) WHERE role = 'run' AND benchmark_run_ref IS NOT NULL;
CREATE INDEX spans_runs_latency ON spans_rows(start_ns, duration_ns, status_code, component_type_ref, model_ref, component_id_ref, cost_usd) WHERE role = 'run';

CREATE VIEW spans AS
SELECT r.id, r.trace_id, r.span_id, r.parent_span_id, r.name_ref, r.role, r.kind, r.resource_id, r.scope_ref, r.start_ns, r.end_lag_ns,
  r.end_ns, r.duration_ns, r.status_code, r.status_message, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, r.component_id_ref,
  (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.model_ref) AS model,
  r.benchmark_run_ref, r.cost_usd, r.cache_hit, r.promoted, r.attributes, r.attributes_ref, r.events, r.links,
  r.stage_ref, r.component_type_ref, r.model_ref
FROM spans_rows r;
CREATE VIEW span_view AS
SELECT s.id, lower(hex(s.trace_id)) AS trace_id, lower(hex(s.span_id)) AS span_id,
  CASE WHEN s.parent_span_id IS NULL THEN NULL ELSE lower(hex(s.parent_span_id)) END AS parent_span_id,
  (SELECT value FROM strings WHERE id = s.name_ref) AS name, s.role, s.kind, s.resource_id,
  (SELECT value FROM strings WHERE id = s.scope_ref) AS scope_name, s.start_ns, s.end_ns, s.duration_ns, s.status_code,
  s.status_message, s.stage, (SELECT value FROM strings WHERE id = s.component_id_ref) AS component_id, s.component_type,
  s.model, (SELECT value FROM strings WHERE id = s.benchmark_run_ref) AS benchmark_run_id, s.cost_usd, s.cache_hit
FROM spans s
;
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
  (SELECT value FROM strings WHERE id = m.benchmark_run_ref) AS benchmark_run_id,
  m.cache_write_tokens, m.reasoning_tokens, m.ttft_ns, m.sender_cost_usd, m.priced_cost_usd, m.sent_response_model
FROM model_calls m;
