-- Exact end-to-end percentiles read run durations straight from this index (an index-only scan,
-- no table row per run); it also carries the columns the latency panels filter on. Partial on
-- role = 'run' (one span in seven), appended in time order, so it costs little on writes.
CREATE INDEX spans_runs_latency ON spans(start_ns, duration_ns, status_code, component_type, model) WHERE role = 'run';
