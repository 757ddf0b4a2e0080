/**
 * The alert metrics and dimensions as plain constants, without zod, so the dashboard bundle can
 * list them (the rule editor); schema/alerts.ts builds its schemas from these.
 */

/** What a rule measures. Latency in ms, cost in USD (per hour, per day, per run), the rest 0..1. */
export const ALERT_METRICS = [
  'quality_score',
  'success_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'latency_mean',
  'cost_per_hour',
  'cost_per_day',
  'cost_per_run',
  'cache_hit_rate',
] as const;

/**
 * Dimensions a rule can be scoped to (filters) or split by (groupBy: one alert per value set).
 * `service` is the resource's service.name; it comes last so the series keys of rules stored
 * before it existed stay the same.
 */
export const ALERT_DIMENSIONS = ['score', 'component_type', 'model', 'stage', 'service'] as const;
