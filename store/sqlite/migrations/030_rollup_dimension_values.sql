-- Cardinality bound of the rollups: the distinct values admitted per rollup dimension (model,
-- stage, component type, ...) per hour, and component ids per day. The store writer admits a new
-- value only while the bucket holds fewer than its limit and counts every other value under
-- '(other)', so a sender with a million distinct model names cannot create a million rollup rows.
-- Kept in the database (not only in memory) so that the bound holds across restarts and across
-- the processes writing into one file. Pruned by retention with the raw rows.
CREATE TABLE rollup_dimension_values (
  bucket_ns INTEGER NOT NULL,
  dimension TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (bucket_ns, dimension, value)
) WITHOUT ROWID;
