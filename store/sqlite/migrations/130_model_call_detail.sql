-- Model calls recognised from any GenAI convention (api/ingest/conventions): the token kinds and
-- timings the conventions send, and both costs. Existing rows keep their values; the new columns
-- read 0 (tokens) or NULL (not sent).
--
-- response_model already holds the call's model identity (the model calls group by, so a failed and
-- a successful call to one model count together); sent_response_model keeps the exact response
-- model the sender reported, as a detail.
ALTER TABLE model_calls ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_calls ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_calls ADD COLUMN ttft_ns INTEGER;
-- the cost the sender computed itself (USD), and the price book's cost of the same tokens
ALTER TABLE model_calls ADD COLUMN sender_cost_usd REAL;
ALTER TABLE model_calls ADD COLUMN priced_cost_usd REAL;
ALTER TABLE model_calls ADD COLUMN sent_response_model TEXT;

DROP VIEW model_call_view;
CREATE VIEW model_call_view AS
SELECT m.id, m.time_ns, m.duration_ns, (SELECT lower(hex(p.trace_id)) FROM spans p WHERE p.id = m.id) AS trace_id,
  (SELECT lower(hex(p.span_id)) FROM spans p WHERE p.id = m.id) AS span_id, m.provider, m.operation, m.request_model,
  m.response_model, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.cost_source, m.status_code, m.stage,
  (SELECT value FROM strings WHERE id = m.component_id_ref) AS component_id, m.component_type,
  (SELECT value FROM strings WHERE id = m.benchmark_run_ref) AS benchmark_run_id,
  m.cache_write_tokens, m.reasoning_tokens, m.ttft_ns, m.sender_cost_usd, m.priced_cost_usd, m.sent_response_model
FROM model_calls m;
