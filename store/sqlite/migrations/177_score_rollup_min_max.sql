-- The min and max of the score rollups were written and never read (the panels and alerts read
-- count, sum, sum_sq and the histogram): 18 bytes a row, about 15 bytes a span on the demo history.
ALTER TABLE rollup_scores DROP COLUMN min;
ALTER TABLE rollup_scores DROP COLUMN max;
ALTER TABLE rollup_scores_total DROP COLUMN min;
ALTER TABLE rollup_scores_total DROP COLUMN max;
