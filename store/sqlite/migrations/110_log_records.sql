-- OTLP log records (POST /v1/logs): events such as gen_ai.evaluation.result, message content and
-- plain log lines, kept with their trace context so run detail can show them. Evaluation results
-- among them are also written to scores by the writer.
--
-- identity is a 16-byte digest of everything the record carries: an exporter's retry of the same
-- batch is stored once (log records have no id of their own in OTLP).
CREATE TABLE log_records (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  observed_ns INTEGER,
  trace_id TEXT,
  span_id TEXT,
  severity_number INTEGER NOT NULL,
  severity_text TEXT,
  event_name TEXT,
  body TEXT,
  attributes TEXT NOT NULL,
  resource_id INTEGER REFERENCES resources(id),
  scope_name TEXT,
  identity BLOB NOT NULL
);
CREATE UNIQUE INDEX log_records_identity ON log_records(identity);
CREATE INDEX log_records_time ON log_records(time_ns);
-- Run detail reads a trace's records; most records of a GenAI pipeline carry trace context.
CREATE INDEX log_records_trace ON log_records(trace_id) WHERE trace_id IS NOT NULL;
