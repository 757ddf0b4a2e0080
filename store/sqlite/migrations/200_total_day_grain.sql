-- The narrow total rollups (rollup_spans_total, rollup_scores_total) gain the day grain: a month
-- without a type or model filter reads a row per stage or score name and day instead of one per
-- type, model and service. The rows are summed from the full tables' day rows by the migration's
-- code step (store/sqlite/db.ts CODE_STEPS[200]: histograms merge in code, not in stored SQL).
SELECT 1;
