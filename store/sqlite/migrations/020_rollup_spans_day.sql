-- Day grain (86400 s) of rollup_spans, kept by triggers from the hour grain, so that stage and
-- latency aggregates over weeks read ~30 rows per key instead of ~720 (the API's window planner
-- reads whole UTC days from here, whole hours and minutes at the edges). The store writer is
-- untouched: it upserts hour rows; each insert adds the row to its day, each update adds the
-- difference. Histograms are merged in SQL over the sparse JSON {bucketIndex: count}.
-- Rows of grain 86400 are never pruned with the finer grains (no DELETE trigger).

CREATE TRIGGER rollup_spans_day_insert AFTER INSERT ON rollup_spans WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_spans (grain_s, bucket_ns, stage, component_type, model, count, errors, duration_sum_ns,
    duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist)
  VALUES (86400, (NEW.bucket_ns / 86400000000000) * 86400000000000, NEW.stage, NEW.component_type, NEW.model,
    NEW.count, NEW.errors, NEW.duration_sum_ns, NEW.duration_max_ns, NEW.cost_usd, NEW.cache_hits, NEW.cache_misses,
    NEW.latency_hist)
  ON CONFLICT (grain_s, bucket_ns, stage, component_type, model) DO UPDATE SET
    count = count + excluded.count,
    errors = errors + excluded.errors,
    duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns,
    duration_max_ns = max(duration_max_ns, excluded.duration_max_ns),
    cost_usd = cost_usd + excluded.cost_usd,
    cache_hits = cache_hits + excluded.cache_hits,
    cache_misses = cache_misses + excluded.cache_misses,
    latency_hist = (
      SELECT json_group_object(k, v) FROM (
        SELECT key AS k, SUM(value) AS v FROM (
          SELECT key, value FROM json_each(rollup_spans.latency_hist)
          UNION ALL SELECT key, value FROM json_each(excluded.latency_hist)
        ) GROUP BY key ORDER BY CAST(key AS INTEGER)
      )
    );
END;

CREATE TRIGGER rollup_spans_day_update AFTER UPDATE ON rollup_spans WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_spans SET
    count = count + NEW.count - OLD.count,
    errors = errors + NEW.errors - OLD.errors,
    duration_sum_ns = duration_sum_ns + NEW.duration_sum_ns - OLD.duration_sum_ns,
    duration_max_ns = max(duration_max_ns, NEW.duration_max_ns),
    cost_usd = cost_usd + NEW.cost_usd - OLD.cost_usd,
    cache_hits = cache_hits + NEW.cache_hits - OLD.cache_hits,
    cache_misses = cache_misses + NEW.cache_misses - OLD.cache_misses,
    latency_hist = (
      SELECT json_group_object(k, v) FROM (
        SELECT key AS k, SUM(value) AS v FROM (
          SELECT key, value FROM json_each(rollup_spans.latency_hist)
          UNION ALL SELECT key, value FROM json_each(NEW.latency_hist)
          UNION ALL SELECT key, -value FROM json_each(OLD.latency_hist)
        ) GROUP BY key HAVING SUM(value) <> 0 ORDER BY CAST(key AS INTEGER)
      )
    )
  WHERE grain_s = 86400 AND bucket_ns = (NEW.bucket_ns / 86400000000000) * 86400000000000 AND stage = NEW.stage
    AND component_type = NEW.component_type AND model = NEW.model;
END;

-- Backfill from the hour rows already stored.
INSERT INTO rollup_spans (grain_s, bucket_ns, stage, component_type, model, count, errors, duration_sum_ns,
  duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist)
SELECT 86400, g.day, g.stage, g.component_type, g.model, g.count, g.errors, g.duration_sum_ns, g.duration_max_ns,
  g.cost_usd, g.cache_hits, g.cache_misses,
  (SELECT json_group_object(k, v) FROM (
     SELECT j.key AS k, SUM(j.value) AS v FROM rollup_spans h, json_each(h.latency_hist) j
     WHERE h.grain_s = 3600 AND h.bucket_ns >= g.day AND h.bucket_ns < g.day + 86400000000000 AND h.stage = g.stage
       AND h.component_type = g.component_type AND h.model = g.model
     GROUP BY j.key ORDER BY CAST(j.key AS INTEGER)))
FROM (
  SELECT (bucket_ns / 86400000000000) * 86400000000000 AS day, stage, component_type, model, SUM(count) AS count,
    SUM(errors) AS errors, SUM(duration_sum_ns) AS duration_sum_ns, MAX(duration_max_ns) AS duration_max_ns,
    SUM(cost_usd) AS cost_usd, SUM(cache_hits) AS cache_hits, SUM(cache_misses) AS cache_misses
  FROM rollup_spans WHERE grain_s = 3600 GROUP BY 1, 2, 3, 4
) g
WHERE true
ON CONFLICT (grain_s, bucket_ns, stage, component_type, model) DO NOTHING;
