-- Idempotent writes: a span (trace id, span id) or a metric point stored once however often it
-- arrives (OTLP exporters retry after a timeout; a batch may be replayed after a crash between
-- commit and response). The identity indexes below make the writer's inserts no-ops for a copy,
-- and the writer then counts nothing of it in the rollups, scores or model calls.
--
-- Spans: (start_ns, span_id) is unique. It replaces the time index (start_ns first, so every time
-- range scan reads it as before) and is appended in time order, so it costs about one span id
-- per row instead of a second index on random ids. A copy of a span carries the same start time;
-- two different spans with the same 64-bit random span id starting in the same nanosecond are
-- not a case worth a trace id in the index.
--
-- Copies stored before this migration are deleted (the lowest id is kept, with the scores and
-- model call of that copy); the code step then recomputes the rollups from the raw rows.
CREATE TEMP TABLE dup_spans AS
  SELECT start_ns, span_id, min(id) AS keep FROM spans GROUP BY start_ns, span_id HAVING count(*) > 1;
DELETE FROM scores WHERE id IN (
  SELECT s.id FROM scores s JOIN spans p ON p.span_id = s.span_id AND p.trace_id = s.trace_id
    JOIN temp.dup_spans d ON d.start_ns = p.start_ns AND d.span_id = p.span_id AND p.id = d.keep
  WHERE EXISTS (SELECT 1 FROM scores s2 WHERE s2.trace_id = s.trace_id AND s2.span_id = s.span_id AND s2.name = s.name
    AND s2.time_ns = s.time_ns AND s2.value IS s.value AND s2.label IS s.label AND s2.id < s.id));
DELETE FROM model_calls WHERE id IN (
  SELECT m.id FROM model_calls m JOIN spans p ON p.span_id = m.span_id AND p.trace_id = m.trace_id
    JOIN temp.dup_spans d ON d.start_ns = p.start_ns AND d.span_id = p.span_id AND p.id = d.keep
  WHERE EXISTS (SELECT 1 FROM model_calls m2 WHERE m2.trace_id = m.trace_id AND m2.span_id = m.span_id AND m2.id < m.id));
DELETE FROM spans WHERE id IN (
  SELECT s.id FROM spans s JOIN temp.dup_spans d ON d.start_ns = s.start_ns AND d.span_id = s.span_id WHERE s.id <> d.keep);
DROP INDEX spans_start;
CREATE UNIQUE INDEX spans_start ON spans(start_ns, span_id);

-- Metric points: the same metric, time, series (resource, scope, attributes) is one point.
-- Replaces the (name, time_ns) index, which is its prefix (retention walks it by name and time).
DELETE FROM metric_points WHERE id NOT IN (
  SELECT min(id) FROM metric_points GROUP BY name, time_ns, resource_id, ifnull(scope_name, ''), attributes);
DROP INDEX metric_points_name_time;
CREATE UNIQUE INDEX metric_points_name_time ON metric_points(name, time_ns, resource_id, ifnull(scope_name, ''), attributes);
