-- Score names per grain, in order: filter options list the score names present in a window with
-- one index seek per name (a loose index scan) instead of reading every score rollup row.
CREATE INDEX rollup_scores_name ON rollup_scores(grain_s, name, bucket_ns);
