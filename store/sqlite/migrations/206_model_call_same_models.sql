-- A model call's request model and the response model the sender reported are, nearly always, its
-- response model (the call's model identity): stored as 0 then, and given back by VIRTUAL generated
-- columns (about 3 bytes a span on the demo history; every reader keeps the columns and values).
-- Another value is kept as its text, NULL stays NULL. Neither column is in an index (a generated
-- column would make a covering index read the row: migration 205).
DROP VIEW model_call_view;
CREATE TABLE model_calls_206 (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  provider TEXT,
  operation TEXT,
  -- 0: the same as response_model; else the text (or NULL)
  request_model_code,
  request_model TEXT GENERATED ALWAYS AS (CASE WHEN request_model_code = 0 THEN response_model ELSE request_model_code END) VIRTUAL,
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
  -- 0: the same as response_model; else the text (or NULL)
  sent_response_model_code,
  sent_response_model TEXT GENERATED ALWAYS AS (CASE WHEN sent_response_model_code = 0 THEN response_model ELSE sent_response_model_code END) VIRTUAL
);
INSERT INTO model_calls_206 (id, time_ns, duration_ns, provider, operation, request_model_code, response_model, input_tokens, output_tokens,
    cached_tokens, cost_usd, cost_source_code, status_code, stage, component_id_ref, component_type, benchmark_run_ref,
    cache_write_tokens, reasoning_tokens, ttft_ns, sender_cost_usd, priced_cost_usd, sent_response_model_code)
  SELECT id, time_ns, duration_ns, provider, operation, CASE WHEN request_model = response_model THEN 0 ELSE request_model END,
    response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source_code, status_code, stage, component_id_ref,
    component_type, benchmark_run_ref, cache_write_tokens, reasoning_tokens, ttft_ns, sender_cost_usd, priced_cost_usd,
    CASE WHEN sent_response_model = response_model THEN 0 ELSE sent_response_model END
  FROM model_calls ORDER BY id;
DROP TABLE model_calls;
ALTER TABLE model_calls_206 RENAME TO model_calls;
CREATE INDEX model_calls_benchmark ON model_calls(benchmark_run_ref) WHERE benchmark_run_ref IS NOT NULL;
CREATE INDEX model_calls_time ON model_calls(time_ns, component_id_ref, stage, operation, cost_usd);
CREATE VIEW model_call_view AS
SELECT m.id, m.time_ns, m.duration_ns, (SELECT lower(hex(p.trace_id)) FROM spans p WHERE p.id = m.id) AS trace_id,
  (SELECT lower(hex(p.span_id)) FROM spans p WHERE p.id = m.id) AS span_id, m.provider, m.operation, m.request_model,
  m.response_model, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.cost_source, m.status_code, m.stage,
  (SELECT value FROM strings WHERE id = m.component_id_ref) AS component_id, m.component_type,
  (SELECT value FROM strings WHERE id = m.benchmark_run_ref) AS benchmark_run_id,
  m.cache_write_tokens, m.reasoning_tokens, m.ttft_ns, m.sender_cost_usd, m.priced_cost_usd, m.sent_response_model
FROM model_calls m;
