-- Narrow rollups for the unfiltered dashboard (no component type or model filter): spans per
-- grain x stage x bucket and scores per grain x name x bucket, summed over component type, model
-- (and score label). A 30-day latency chart then reads 720 end-to-end rows instead of one per
-- type x model x hour. Hour grain only, kept by triggers from the hour rows of rollup_spans /
-- rollup_scores (minute rows would put a JSON merge on nearly every write, and short ranges read
-- few of them anyway; longer windows than a few weeks read the day grain of 020/022): inserts add
-- the row, updates add the difference. Keyed stage/name first, so one stage or score over a time
-- range is one contiguous primary-key range.

CREATE TABLE rollup_spans_total (
  grain_s INTEGER NOT NULL,
  stage TEXT NOT NULL,
  bucket_ns INTEGER NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  duration_sum_ns INTEGER NOT NULL,
  duration_max_ns INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cache_hits INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  latency_hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, stage, bucket_ns)
) WITHOUT ROWID;

CREATE TABLE rollup_scores_total (
  grain_s INTEGER NOT NULL,
  name TEXT NOT NULL,
  bucket_ns INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  min REAL,
  max REAL,
  hist TEXT NOT NULL,
  PRIMARY KEY (grain_s, name, bucket_ns)
) WITHOUT ROWID;

CREATE TRIGGER rollup_spans_total_insert AFTER INSERT ON rollup_spans WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_spans_total (grain_s, stage, bucket_ns, count, errors, duration_sum_ns, duration_max_ns, cost_usd,
    cache_hits, cache_misses, latency_hist)
  VALUES (NEW.grain_s, NEW.stage, NEW.bucket_ns, NEW.count, NEW.errors, NEW.duration_sum_ns, NEW.duration_max_ns,
    NEW.cost_usd, NEW.cache_hits, NEW.cache_misses, NEW.latency_hist)
  ON CONFLICT (grain_s, stage, bucket_ns) DO UPDATE SET
    count = count + excluded.count,
    errors = errors + excluded.errors,
    duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns,
    duration_max_ns = max(duration_max_ns, excluded.duration_max_ns),
    cost_usd = cost_usd + excluded.cost_usd,
    cache_hits = cache_hits + excluded.cache_hits,
    cache_misses = cache_misses + excluded.cache_misses,
    latency_hist = (
      SELECT json_group_object(k, v ORDER BY CAST(k AS INTEGER)) FROM (
        SELECT key AS k, SUM(value) AS v FROM (
          SELECT key, value FROM json_each(rollup_spans_total.latency_hist)
          UNION ALL SELECT key, value FROM json_each(excluded.latency_hist)
        ) GROUP BY key
      )
    );
END;

CREATE TRIGGER rollup_spans_total_update AFTER UPDATE ON rollup_spans WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_spans_total SET
    count = count + NEW.count - OLD.count,
    errors = errors + NEW.errors - OLD.errors,
    duration_sum_ns = duration_sum_ns + NEW.duration_sum_ns - OLD.duration_sum_ns,
    duration_max_ns = max(duration_max_ns, NEW.duration_max_ns),
    cost_usd = cost_usd + NEW.cost_usd - OLD.cost_usd,
    cache_hits = cache_hits + NEW.cache_hits - OLD.cache_hits,
    cache_misses = cache_misses + NEW.cache_misses - OLD.cache_misses,
    latency_hist = (
      SELECT json_group_object(k, v ORDER BY CAST(k AS INTEGER)) FROM (
        SELECT key AS k, SUM(value) AS v FROM (
          SELECT key, value FROM json_each(rollup_spans_total.latency_hist)
          UNION ALL SELECT key, value FROM json_each(NEW.latency_hist)
          UNION ALL SELECT key, -value FROM json_each(OLD.latency_hist)
        ) GROUP BY key HAVING SUM(value) <> 0
      )
    )
  WHERE grain_s = NEW.grain_s AND stage = NEW.stage AND bucket_ns = NEW.bucket_ns;
END;

CREATE TRIGGER rollup_scores_total_insert AFTER INSERT ON rollup_scores WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_scores_total (grain_s, name, bucket_ns, count, sum, sum_sq, min, max, hist)
  VALUES (NEW.grain_s, NEW.name, NEW.bucket_ns, NEW.count, NEW.sum, NEW.sum_sq, NEW.min, NEW.max, NEW.hist)
  ON CONFLICT (grain_s, name, bucket_ns) DO UPDATE SET
    count = count + excluded.count,
    sum = sum + excluded.sum,
    sum_sq = sum_sq + excluded.sum_sq,
    min = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
    max = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END,
    hist = (
      SELECT json_group_array(d.value + COALESCE(json_extract(excluded.hist, '$[' || d.key || ']'), 0) ORDER BY d.key)
      FROM json_each(rollup_scores_total.hist) d
    );
END;

CREATE TRIGGER rollup_scores_total_update AFTER UPDATE ON rollup_scores WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_scores_total SET
    count = count + NEW.count - OLD.count,
    sum = sum + NEW.sum - OLD.sum,
    sum_sq = sum_sq + NEW.sum_sq - OLD.sum_sq,
    min = CASE WHEN min IS NULL OR NEW.min < min THEN NEW.min ELSE min END,
    max = CASE WHEN max IS NULL OR NEW.max > max THEN NEW.max ELSE max END,
    hist = (
      SELECT json_group_array(
          d.value + COALESCE(json_extract(NEW.hist, '$[' || d.key || ']'), 0) - COALESCE(json_extract(OLD.hist, '$[' || d.key || ']'), 0)
          ORDER BY d.key)
      FROM json_each(rollup_scores_total.hist) d
    )
  WHERE grain_s = NEW.grain_s AND name = NEW.name AND bucket_ns = NEW.bucket_ns;
END;

-- Backfill from the hour rollup rows already stored.
INSERT INTO rollup_spans_total (grain_s, stage, bucket_ns, count, errors, duration_sum_ns, duration_max_ns, cost_usd,
  cache_hits, cache_misses, latency_hist)
SELECT g.grain_s, g.stage, g.bucket_ns, g.count, g.errors, g.duration_sum_ns, g.duration_max_ns, g.cost_usd, g.cache_hits,
  g.cache_misses,
  (SELECT json_group_object(k, v ORDER BY CAST(k AS INTEGER)) FROM (
     SELECT j.key AS k, SUM(j.value) AS v FROM rollup_spans h, json_each(h.latency_hist) j
     WHERE h.grain_s = g.grain_s AND h.bucket_ns = g.bucket_ns AND h.stage = g.stage
     GROUP BY j.key))
FROM (
  SELECT grain_s, stage, bucket_ns, SUM(count) AS count, SUM(errors) AS errors, SUM(duration_sum_ns) AS duration_sum_ns,
    MAX(duration_max_ns) AS duration_max_ns, SUM(cost_usd) AS cost_usd, SUM(cache_hits) AS cache_hits,
    SUM(cache_misses) AS cache_misses
  FROM rollup_spans WHERE grain_s = 3600 GROUP BY grain_s, stage, bucket_ns
) g
WHERE true
ON CONFLICT (grain_s, stage, bucket_ns) DO NOTHING;

INSERT INTO rollup_scores_total (grain_s, name, bucket_ns, count, sum, sum_sq, min, max, hist)
SELECT g.grain_s, g.name, g.bucket_ns, g.count, g.sum, g.sum_sq, g.min, g.max,
  (SELECT json_group_array(v ORDER BY k) FROM (
     SELECT j.key AS k, SUM(j.value) AS v FROM rollup_scores h, json_each(h.hist) j
     WHERE h.grain_s = g.grain_s AND h.bucket_ns = g.bucket_ns AND h.name = g.name
     GROUP BY j.key))
FROM (
  SELECT grain_s, name, bucket_ns, SUM(count) AS count, SUM(sum) AS sum, SUM(sum_sq) AS sum_sq, MIN(min) AS min,
    MAX(max) AS max
  FROM rollup_scores WHERE grain_s = 3600 GROUP BY grain_s, name, bucket_ns
) g
WHERE true
ON CONFLICT (grain_s, name, bucket_ns) DO NOTHING;
