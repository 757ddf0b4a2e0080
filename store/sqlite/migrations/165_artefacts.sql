-- Artefacts of spans (prompt, response, generated code, renders): the content of the
-- genscope.artefact events, moved here by the writer (store/artefacts.ts) so spans.events keeps
-- only their description. Compact: text is gzipped when that makes it smaller (`encoding`),
-- images are kept as the PNG bytes they are. One per name per span (the first stored wins).
-- `start_ns` is the span's start: retention deletes artefacts with the raw rows of their time.
CREATE TABLE artefacts (
  id INTEGER PRIMARY KEY,
  span_row INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  -- 'text', 'image' or 'binary' (from the media type)
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  -- Bytes of the content as served (after a producer's truncation), and before it.
  bytes INTEGER NOT NULL,
  original_bytes INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  -- 'identity' or 'gzip'
  encoding TEXT NOT NULL,
  content BLOB NOT NULL
);
CREATE UNIQUE INDEX artefacts_span ON artefacts(span_row, name);
CREATE INDEX artefacts_start ON artefacts(start_ns);
