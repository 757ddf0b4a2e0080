-- An artefact's size is its content's (the decoded content a blob holds, by hash: the same for every
-- artefact pointing at it), so it is kept once on the blob instead of on each artefact row (about 3
-- bytes a span on the demo history). original_bytes stays NULL when it equals that size. The code
-- step (db.ts, 207) refuses a file where two artefacts of one blob disagree on the size, and sizes
-- a blob no artefact points at from its content.
ALTER TABLE artefact_blobs ADD COLUMN bytes INTEGER;
CREATE TEMP TABLE artefact_bytes_207 (blob_id INTEGER PRIMARY KEY, bytes INTEGER NOT NULL, most INTEGER NOT NULL);
INSERT INTO temp.artefact_bytes_207 (blob_id, bytes, most) SELECT blob_id, min(bytes), max(bytes) FROM artefacts GROUP BY blob_id;
UPDATE artefact_blobs SET bytes = (SELECT t.bytes FROM temp.artefact_bytes_207 t WHERE t.blob_id = artefact_blobs.id);
ALTER TABLE artefacts DROP COLUMN bytes;
