-- Artefact contents stored once per distinct content: a reference render, a prompt or a generated
-- component repeats across runs and benchmark passes (the 35-day demo's artefacts took 69 MB
-- stored per row, most of it copies). `artefacts` rows now point at `artefact_blobs` by id; the
-- code step (store/sqlite/db.ts, 166) moves the rows of migration 165 over.
CREATE TABLE artefact_blobs (
  id INTEGER PRIMARY KEY,
  -- The first 16 bytes of the SHA-256 of the decoded content.
  hash BLOB NOT NULL UNIQUE,
  -- 'identity' or 'gzip' (text gzipped when that is smaller; images as they are)
  encoding TEXT NOT NULL,
  content BLOB NOT NULL,
  -- The latest span start of an artefact using it: retention deletes it once that is past the
  -- cutoff, after the artefacts themselves (like strings.last_ns).
  last_ns INTEGER NOT NULL
);
CREATE INDEX artefact_blobs_last ON artefact_blobs(last_ns);

DROP INDEX artefacts_span;
DROP INDEX artefacts_start;
ALTER TABLE artefacts RENAME TO artefacts_165;
CREATE TABLE artefacts (
  id INTEGER PRIMARY KEY,
  span_row INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  original_bytes INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  blob_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX artefacts_span ON artefacts(span_row, name);
CREATE INDEX artefacts_start ON artefacts(start_ns);
