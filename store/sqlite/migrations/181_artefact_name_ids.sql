-- An artefact's name as an id into `strings` (about 11 bytes a span on the demo history: every
-- run repeats the same few names, prompt, response, code, render.*). The key stays (span_row, name),
-- as ids; a name's string lives as long as the newest span using it (last_ns a day past its start,
-- as the writer sets it), and retention deletes a span's artefacts with the span.
INSERT INTO strings (value, last_ns)
  SELECT name, t FROM (
    SELECT a.name AS name, COALESCE(MAX(s.start_ns), 0) + 86400000000000 AS t
    FROM artefacts a LEFT JOIN spans s ON s.id = a.span_row GROUP BY a.name
  ) WHERE true
  ON CONFLICT (value) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns);
ALTER TABLE artefacts RENAME TO artefacts_176;
CREATE TABLE artefacts (
  span_row INTEGER NOT NULL,
  name_ref INTEGER NOT NULL,
  -- The position of the artefact's event among the span's events.
  seq INTEGER NOT NULL,
  -- The event's time in ns after the span's start (when the event is rebuilt from the row).
  dt INTEGER,
  media_type_ref INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  -- NULL: the same as bytes.
  original_bytes INTEGER,
  flags INTEGER NOT NULL,
  blob_id INTEGER NOT NULL,
  PRIMARY KEY (span_row, name_ref)
) WITHOUT ROWID;
INSERT INTO artefacts (span_row, name_ref, seq, dt, media_type_ref, bytes, original_bytes, flags, blob_id)
  SELECT span_row, (SELECT id FROM strings WHERE value = name), seq, dt, media_type_ref, bytes, original_bytes, flags, blob_id
  FROM artefacts_176;
DROP TABLE artefacts_176;
