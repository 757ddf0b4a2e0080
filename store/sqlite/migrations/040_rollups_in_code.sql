-- Rollups are kept in code, in the store writer's transaction (store/aggregate.ts computes the
-- deltas, store/sqlite/rollup-apply.ts applies them), for every grain and the totals: no trigger
-- carries logic any more. The triggers of 020, 022 and 024 used aggregate ORDER BY (SQLite 3.44+),
-- which made the file unreadable for the SQLite most users have (Debian 12: 3.40, Ubuntu 22.04:
-- 3.37). Histogram columns (latency_hist, hist) now hold store/histogram.ts's codec as a BLOB;
-- the code step of this migration (store/sqlite/rebuild.ts) converts the rows and recomputes them
-- from the raw rows still stored.
DROP TRIGGER IF EXISTS rollup_spans_day_insert;
DROP TRIGGER IF EXISTS rollup_spans_day_update;
DROP TRIGGER IF EXISTS rollup_scores_day_insert;
DROP TRIGGER IF EXISTS rollup_scores_day_update;
DROP TRIGGER IF EXISTS rollup_model_calls_day_insert;
DROP TRIGGER IF EXISTS rollup_model_calls_day_update;
DROP TRIGGER IF EXISTS rollup_cache_day_insert;
DROP TRIGGER IF EXISTS rollup_cache_day_update;
DROP TRIGGER IF EXISTS rollup_spans_total_insert;
DROP TRIGGER IF EXISTS rollup_spans_total_update;
DROP TRIGGER IF EXISTS rollup_scores_total_insert;
DROP TRIGGER IF EXISTS rollup_scores_total_update;
