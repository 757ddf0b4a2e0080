-- Score rollups keep the label only of the scores whose label a panel reads from them (the
-- confusion matrix: classification.accuracy, store/layout.ts LABELLED_SCORES); the other labels
-- (mapping.confidence has one per catalogue entry) multiplied rows no one reads: about 25% of
-- rollup_scores on the demo history. The code step (db.ts, 178) merges those rows into label ''.
SELECT 1;
