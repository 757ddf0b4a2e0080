-- The score-name index of rollup_scores (grain_s, name, bucket_ns) cost about 67 bytes a span on
-- the demo history (a WITHOUT ROWID table's index repeats the whole primary key). Its one reader,
-- the filter options' loose scan of score names, reads rollup_scores_total instead, whose primary
-- key is (grain_s, name, bucket_ns) and whose hour rows carry the same names (both are written
-- from every score with a value; hour rows are never pruned).
DROP INDEX IF EXISTS rollup_scores_name;
