-- The totals' primary key leads with stage, so a read of every stage over a window (the stage
-- breakdown, the stage-less panels) could only use grain_s and scanned all hours ever kept
-- (EXPLAIN QUERY PLAN: SEARCH rollup_spans_total USING PRIMARY KEY (grain_s=?)). Hour grain only:
-- one row per stage per hour, so the index costs little.
CREATE INDEX IF NOT EXISTS rollup_spans_total_time ON rollup_spans_total (grain_s, bucket_ns);
