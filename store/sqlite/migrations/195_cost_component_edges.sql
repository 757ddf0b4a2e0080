-- Cost per component reads the ragged edges of its window (up to two days of runs and model
-- calls) from raw rows; at 10M spans those reads looked up every run's and call's table row. The
-- run and model-call time indexes gain the columns those reads use, so they read the index alone:
-- spans_runs_latency the component id and cost (after its existing columns, so the latency reads
-- are unchanged), model_calls_time the component id, stage, operation and cost.
DROP INDEX spans_runs_latency;
CREATE INDEX spans_runs_latency ON spans(start_ns, duration_ns, status_code, component_type, model, component_id_ref, cost_usd) WHERE role = 'run';
DROP INDEX model_calls_time;
CREATE INDEX model_calls_time ON model_calls(time_ns, component_id_ref, stage, operation, cost_usd);
