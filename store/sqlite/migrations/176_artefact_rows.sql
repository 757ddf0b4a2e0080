-- Compact artefact rows (about 125 bytes a span on the demo history before, with their two indexes
-- and the events' descriptions kept in spans.events): one WITHOUT ROWID table keyed by (span_row,
-- name), the one-per-name rule of 165, so no rowid and no second index; the media type a shared
-- string; `kind` follows from the media type (store/artefacts.ts artefactKind); original_bytes NULL
-- when it equals bytes. Retention deletes a span's artefacts with the span (same transaction), so
-- no start_ns. The event of an artefact whose description the row holds exactly (flags, store/
-- artefacts.ts ARTEFACT_FLAG) is no longer kept in spans.events: it is rebuilt from the row at its
-- position `seq` and time `dt` (ns after the span's start), and the span's `promoted` mask has bit
-- 30 set (store/compact.ts EVENTS_IN_ARTEFACTS) so readers look. The code step (db.ts, 176) moves
-- the rows of 166 over and takes those events out of spans.events.
DROP INDEX artefacts_span;
DROP INDEX artefacts_start;
ALTER TABLE artefacts RENAME TO artefacts_166;
CREATE TABLE artefacts (
  span_row INTEGER NOT NULL,
  name TEXT NOT NULL,
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
  PRIMARY KEY (span_row, name)
) WITHOUT ROWID;
