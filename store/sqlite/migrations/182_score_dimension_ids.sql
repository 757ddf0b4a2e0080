-- A score's stage, component type and model as ids into `strings` (about 18 bytes a span on the
-- demo history: every score repeated its span's three texts). The rows move to `scores_rows`, with
-- `stage_ref`, `component_type_ref` and `model_ref` and the same ids and indexes; `scores` becomes a
-- view giving back exactly the columns and text of before, so every reader answers the same. The
-- writer and retention write and delete in `scores_rows`. The strings live as long as the newest
-- score using them (last_ns a day past its time, as the writer sets it).
INSERT INTO strings (value, last_ns)
  SELECT v, t FROM (
    SELECT v, MAX(t) + 86400000000000 AS t FROM (
      SELECT stage AS v, time_ns AS t FROM scores WHERE stage IS NOT NULL
      UNION ALL SELECT component_type, time_ns FROM scores WHERE component_type IS NOT NULL
      UNION ALL SELECT model, time_ns FROM scores WHERE model IS NOT NULL
    ) GROUP BY v
  ) WHERE true
  ON CONFLICT (value) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns);
DROP VIEW score_view;
DROP INDEX scores_name_time;
DROP INDEX scores_time;
DROP INDEX scores_span;
DROP INDEX scores_benchmark;
CREATE TABLE scores_rows (
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
  stage_ref INTEGER,
  component_id_ref INTEGER,
  component_type_ref INTEGER,
  model_ref INTEGER,
  benchmark_run_ref INTEGER,
  -- What the score judges: the judged span's id and its response id (migration 170).
  evaluated_span_id BLOB,
  response_id_ref INTEGER
);
INSERT INTO scores_rows (id, time_ns, span_row, seq, trace_id, span_id, name_ref, value, label_ref, explanation, explanation_ref,
    promoted, attributes, stage_ref, component_id_ref, component_type_ref, model_ref, benchmark_run_ref, evaluated_span_id, response_id_ref)
  SELECT id, time_ns, span_row, seq, trace_id, span_id, name_ref, value, label_ref, explanation, explanation_ref, promoted, attributes,
    (SELECT s.id FROM strings s WHERE s.value = stage), component_id_ref, (SELECT s.id FROM strings s WHERE s.value = component_type),
    (SELECT s.id FROM strings s WHERE s.value = model), benchmark_run_ref, evaluated_span_id, response_id_ref
  FROM scores ORDER BY id;
DROP TABLE scores;
CREATE INDEX scores_name_time ON scores_rows(name_ref, time_ns);
CREATE INDEX scores_time ON scores_rows(time_ns);
CREATE INDEX scores_span ON scores_rows(span_row);
CREATE INDEX scores_benchmark ON scores_rows(benchmark_run_ref) WHERE benchmark_run_ref IS NOT NULL;
CREATE VIEW scores AS
SELECT r.id, r.time_ns, r.span_row, r.seq, r.trace_id, r.span_id, r.name_ref, r.value, r.label_ref, r.explanation, r.explanation_ref,
  r.promoted, r.attributes, (SELECT value FROM strings WHERE id = r.stage_ref) AS stage, r.component_id_ref,
  (SELECT value FROM strings WHERE id = r.component_type_ref) AS component_type, (SELECT value FROM strings WHERE id = r.model_ref) AS model,
  r.benchmark_run_ref, r.evaluated_span_id, r.response_id_ref
FROM scores_rows r;
CREATE VIEW score_view AS
SELECT c.id, c.time_ns, lower(hex(COALESCE((SELECT p.trace_id FROM spans p WHERE p.id = c.span_row), c.trace_id))) AS trace_id,
  lower(hex(COALESCE((SELECT p.span_id FROM spans p WHERE p.id = c.span_row), c.span_id))) AS span_id, c.span_row,
  (SELECT value FROM strings WHERE id = c.name_ref) AS name, c.value, (SELECT value FROM strings WHERE id = c.label_ref) AS label,
  COALESCE(c.explanation, (SELECT value FROM strings WHERE id = c.explanation_ref)) AS explanation, c.stage,
  (SELECT value FROM strings WHERE id = c.component_id_ref) AS component_id, c.component_type, c.model,
  (SELECT value FROM strings WHERE id = c.benchmark_run_ref) AS benchmark_run_id
FROM scores c;
