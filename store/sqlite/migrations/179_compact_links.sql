-- A span's links as 24 bytes each (trace id, span id) when they carry nothing else, instead of
-- their JSON (about 96 bytes a link; every demo run links to its benchmark): store/compact.ts
-- compactLinks, read back with linksJson. The code step (db.ts, 179) converts the stored rows.
SELECT 1;
