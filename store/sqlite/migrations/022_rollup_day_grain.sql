-- Day grain (86400 s) for rollup_scores, rollup_model_calls and rollup_cache, kept by triggers
-- from their hour rows exactly as 020 does for rollup_spans: long-range aggregates (30 days of
-- scores, cost, cache hits) read ~30 rows per key instead of ~720. Inserts add the hour row to
-- its day; updates add the difference. No DELETE trigger: day rows outlive pruned finer grains.

CREATE TRIGGER rollup_scores_day_insert AFTER INSERT ON rollup_scores WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_scores (grain_s, bucket_ns, name, component_type, model, label, count, sum, sum_sq, min, max, hist)
  VALUES (86400, (NEW.bucket_ns / 86400000000000) * 86400000000000, NEW.name, NEW.component_type, NEW.model, NEW.label,
    NEW.count, NEW.sum, NEW.sum_sq, NEW.min, NEW.max, NEW.hist)
  ON CONFLICT (grain_s, bucket_ns, name, component_type, model, label) DO UPDATE SET
    count = count + excluded.count,
    sum = sum + excluded.sum,
    sum_sq = sum_sq + excluded.sum_sq,
    min = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
    max = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END,
    hist = (
      SELECT json_group_array(d.value + COALESCE(json_extract(excluded.hist, '$[' || d.key || ']'), 0) ORDER BY d.key)
      FROM json_each(rollup_scores.hist) d
    );
END;

CREATE TRIGGER rollup_scores_day_update AFTER UPDATE ON rollup_scores WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_scores SET
    count = count + NEW.count - OLD.count,
    sum = sum + NEW.sum - OLD.sum,
    sum_sq = sum_sq + NEW.sum_sq - OLD.sum_sq,
    min = CASE WHEN min IS NULL OR NEW.min < min THEN NEW.min ELSE min END,
    max = CASE WHEN max IS NULL OR NEW.max > max THEN NEW.max ELSE max END,
    hist = (
      SELECT json_group_array(
          d.value + COALESCE(json_extract(NEW.hist, '$[' || d.key || ']'), 0) - COALESCE(json_extract(OLD.hist, '$[' || d.key || ']'), 0)
          ORDER BY d.key)
      FROM json_each(rollup_scores.hist) d
    )
  WHERE grain_s = 86400 AND bucket_ns = (NEW.bucket_ns / 86400000000000) * 86400000000000 AND name = NEW.name
    AND component_type = NEW.component_type AND model = NEW.model AND label = NEW.label;
END;

CREATE TRIGGER rollup_model_calls_day_insert AFTER INSERT ON rollup_model_calls WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_model_calls (grain_s, bucket_ns, operation, provider, model, component_type, calls, errors,
    input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns)
  VALUES (86400, (NEW.bucket_ns / 86400000000000) * 86400000000000, NEW.operation, NEW.provider, NEW.model,
    NEW.component_type, NEW.calls, NEW.errors, NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.cost_usd,
    NEW.duration_sum_ns)
  ON CONFLICT (grain_s, bucket_ns, operation, provider, model, component_type) DO UPDATE SET
    calls = calls + excluded.calls,
    errors = errors + excluded.errors,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cached_tokens = cached_tokens + excluded.cached_tokens,
    cost_usd = cost_usd + excluded.cost_usd,
    duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns;
END;

CREATE TRIGGER rollup_model_calls_day_update AFTER UPDATE ON rollup_model_calls WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_model_calls SET
    calls = calls + NEW.calls - OLD.calls,
    errors = errors + NEW.errors - OLD.errors,
    input_tokens = input_tokens + NEW.input_tokens - OLD.input_tokens,
    output_tokens = output_tokens + NEW.output_tokens - OLD.output_tokens,
    cached_tokens = cached_tokens + NEW.cached_tokens - OLD.cached_tokens,
    cost_usd = cost_usd + NEW.cost_usd - OLD.cost_usd,
    duration_sum_ns = duration_sum_ns + NEW.duration_sum_ns - OLD.duration_sum_ns
  WHERE grain_s = 86400 AND bucket_ns = (NEW.bucket_ns / 86400000000000) * 86400000000000
    AND operation = NEW.operation AND provider = NEW.provider AND model = NEW.model
    AND component_type = NEW.component_type;
END;

CREATE TRIGGER rollup_cache_day_insert AFTER INSERT ON rollup_cache WHEN NEW.grain_s = 3600
BEGIN
  INSERT INTO rollup_cache (grain_s, bucket_ns, cache_name, stage, component_type, hits, misses)
  VALUES (86400, (NEW.bucket_ns / 86400000000000) * 86400000000000, NEW.cache_name, NEW.stage, NEW.component_type,
    NEW.hits, NEW.misses)
  ON CONFLICT (grain_s, bucket_ns, cache_name, stage, component_type) DO UPDATE SET
    hits = hits + excluded.hits,
    misses = misses + excluded.misses;
END;

CREATE TRIGGER rollup_cache_day_update AFTER UPDATE ON rollup_cache WHEN NEW.grain_s = 3600
BEGIN
  UPDATE rollup_cache SET hits = hits + NEW.hits - OLD.hits, misses = misses + NEW.misses - OLD.misses
  WHERE grain_s = 86400 AND bucket_ns = (NEW.bucket_ns / 86400000000000) * 86400000000000
    AND cache_name = NEW.cache_name AND stage = NEW.stage AND component_type = NEW.component_type;
END;

-- Backfill from the hour rows already stored.
INSERT INTO rollup_scores (grain_s, bucket_ns, name, component_type, model, label, count, sum, sum_sq, min, max, hist)
SELECT 86400, g.day, g.name, g.component_type, g.model, g.label, g.count, g.sum, g.sum_sq, g.min, g.max,
  (SELECT json_group_array(v ORDER BY k) FROM (
     SELECT j.key AS k, SUM(j.value) AS v FROM rollup_scores h, json_each(h.hist) j
     WHERE h.grain_s = 3600 AND h.bucket_ns >= g.day AND h.bucket_ns < g.day + 86400000000000 AND h.name = g.name
       AND h.component_type = g.component_type AND h.model = g.model AND h.label = g.label
     GROUP BY j.key))
FROM (
  SELECT (bucket_ns / 86400000000000) * 86400000000000 AS day, name, component_type, model, label, SUM(count) AS count,
    SUM(sum) AS sum, SUM(sum_sq) AS sum_sq, MIN(min) AS min, MAX(max) AS max
  FROM rollup_scores WHERE grain_s = 3600 GROUP BY 1, 2, 3, 4, 5
) g
WHERE true
ON CONFLICT (grain_s, bucket_ns, name, component_type, model, label) DO NOTHING;

INSERT INTO rollup_model_calls (grain_s, bucket_ns, operation, provider, model, component_type, calls, errors,
  input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns)
SELECT 86400, (bucket_ns / 86400000000000) * 86400000000000, operation, provider, model, component_type, SUM(calls),
  SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(cost_usd), SUM(duration_sum_ns)
FROM rollup_model_calls WHERE grain_s = 3600 GROUP BY 2, 3, 4, 5, 6
ON CONFLICT (grain_s, bucket_ns, operation, provider, model, component_type) DO NOTHING;

INSERT INTO rollup_cache (grain_s, bucket_ns, cache_name, stage, component_type, hits, misses)
SELECT 86400, (bucket_ns / 86400000000000) * 86400000000000, cache_name, stage, component_type, SUM(hits), SUM(misses)
FROM rollup_cache WHERE grain_s = 3600 GROUP BY 2, 3, 4, 5
ON CONFLICT (grain_s, bucket_ns, cache_name, stage, component_type) DO NOTHING;
