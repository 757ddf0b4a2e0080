-- Scores by time alone: exports page through scores in time order, and a run's scores are found
-- through its time window (like its spans) without knowing the score names first.
CREATE INDEX scores_time ON scores(time_ns);
