-- Scoped API keys (genscope keys create|list|revoke). Only the SHA-256 of a key is stored, so a
-- copy of the file gives no usable key. A revoked key stays (revoked_at_ms set): the server keeps
-- requiring keys once any key was ever created, so revoking the last one never opens it.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL CHECK (scope IN ('read', 'ingest', 'admin')),
  key_hash TEXT NOT NULL UNIQUE,
  -- The first characters of the key, shown by `keys list` so a person can tell keys apart.
  key_prefix TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
