/**
 * The HTTP (and config-file) contract of alerts: zod schemas of alert rules, webhook targets,
 * the alerts config file and the /api/v1/alerts query parameters, with their inferred types, and
 * the response shapes. alerts/ validates with these; api/ and dashboard/ import the types.
 *
 * Conventions (as in schema/api.ts): times in responses are epoch milliseconds; latencies are
 * milliseconds, costs USD, rates and scores 0..1; unknown query parameters are a 400. Durations
 * in rules are milliseconds, or strings such as '90s', '15m', '1h', '7d' (config files).
 */
import { z } from 'zod';
import { ALERT_DIMENSIONS, ALERT_METRICS } from './alert-constants';

export { ALERT_DIMENSIONS, ALERT_METRICS };

/** What a rule measures (see alert-constants.ts). */
export const AlertMetric = z.enum(ALERT_METRICS);
export type AlertMetric = z.infer<typeof AlertMetric>;

/** Metrics where a higher value is better (the rest: lower is better). */
export const HIGHER_IS_BETTER: ReadonlySet<AlertMetric> = new Set(['quality_score', 'success_rate', 'cache_hit_rate']);

/** Metrics that read model-call cost, which has no stage dimension. */
export const COST_METRICS: ReadonlySet<AlertMetric> = new Set(['cost_per_hour', 'cost_per_day', 'cost_per_run']);

/** Dimensions a rule can be scoped to or split by (see alert-constants.ts). */
export const AlertDimension = z.enum(ALERT_DIMENSIONS);
export type AlertDimension = z.infer<typeof AlertDimension>;

export const AlertFilters = z
  .object({
    /** Quality score name (gen_ai.evaluation.name), e.g. 'mapping.confidence'. */
    score: z.string().min(1).max(200).optional(),
    componentType: z.string().min(1).max(200).optional(),
    model: z.string().min(1).max(200).optional(),
    /** Pipeline stage; '(run)' is the end-to-end pipeline.run span (the default for latency and success rate). */
    stage: z.string().min(1).max(200).optional(),
    /** Resource service.name: the rule watches one service's telemetry. */
    service: z.string().min(1).max(200).optional(),
  })
  .strict();
export type AlertFilters = z.infer<typeof AlertFilters>;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** The longest window a rule may use. */
export const MAX_ALERT_WINDOW_MS = 90 * 86_400_000;

/** Parses '250ms', '90s', '15m', '1h', '7d', '2w' (or a plain number of milliseconds). */
export function parseDurationMillis(input: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(input);
  if (!m) return null;
  const ms = Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] ?? 1);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

function durationMillis(min: number) {
  return z
    .union([z.number(), z.string()], { error: 'must be milliseconds or a duration such as 90s, 15m, 1h, 7d' })
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? v : parseDurationMillis(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (use milliseconds or e.g. 90s, 15m, 1h, 7d)` });
        return z.NEVER;
      }
      return ms;
    })
    .pipe(
      z
        .number()
        .int('must be whole milliseconds')
        .min(min, min === 0 ? 'must not be negative' : min === 1 ? 'must be positive' : `must be at least ${min} ms`)
        .max(MAX_ALERT_WINDOW_MS, 'must be at most 90 days'),
    );
}

/** Which way a change must go to count; default: the metric's worse direction. */
export const AlertDirection = z.enum(['increase', 'decrease', 'either']);
export type AlertDirection = z.infer<typeof AlertDirection>;

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

const ruleCommon = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  severity: AlertSeverity.default('warning'),
  metric: AlertMetric,
  filters: AlertFilters.default({}),
  /**
   * One alert per distinct value set of these dimensions (empty: one alert for the whole scope).
   * A service is chosen with filters.service (one rule per service), not split by.
   */
  groupBy: z
    .array(AlertDimension.exclude(['service'], { error: 'service can only filter a rule (filters.service), not split it: one rule per service' }))
    .max(ALERT_DIMENSIONS.length - 1)
    .default([]),
  /** The recent window the metric is computed over, ending at evaluation time. */
  windowMillis: durationMillis(1),
  /** How long the condition must hold (pending) before the alert fires; 0 fires at once. */
  forDurationMillis: durationMillis(0).default(0),
  /** How long a firing alert's condition must stay false before it resolves (against flapping); 0 resolves at once. */
  keepFiringForMillis: durationMillis(0).default(0),
};

/** The metric's aggregate over the window compared with a fixed value. */
export const ThresholdRule = z
  .object({
    kind: z.literal('threshold'),
    ...ruleCommon,
    operator: z.enum(['>', '>=', '<', '<=']),
    value: z.number().finite(),
    /** Fewest data points (scores, runs, spans, calls) in the window before the rule judges. */
    minSamples: z.number().int().min(1).default(1),
  })
  .strict();

/** Relative change of the window's aggregate against the baseline window just before it. */
export const RelativeRule = z
  .object({
    kind: z.literal('relative'),
    ...ruleCommon,
    baselineWindowMillis: durationMillis(1),
    /** |change| in percent of the baseline that fires, e.g. 20 for ±20 %. */
    changePercent: z.number().positive().finite(),
    direction: AlertDirection.optional(),
    minSamples: z.number().int().min(1).default(1),
  })
  .strict();

/** A two-sample test of the window's samples against the baseline window's, significant at alpha. */
export const StatisticalRule = z
  .object({
    kind: z.literal('statistical'),
    ...ruleCommon,
    baselineWindowMillis: durationMillis(1),
    test: z.enum(['welch', 'mann_whitney']).default('welch'),
    /**
     * Significance level for the whole rule: with groupBy, each series is tested at alpha divided
     * by the number of series (Bonferroni), so more series do not mean more false alarms.
     */
    alpha: z.number().gt(0).max(0.5).default(0.01),
    direction: AlertDirection.optional(),
    /** Fewest samples on each side; below it the rule never fires ('insufficient samples'). */
    minSamples: z.number().int().min(2).default(10),
    /** Smallest |recent - baseline| (metric units) that counts, so huge samples do not page on trivia. */
    minEffect: z.number().min(0).finite().default(0),
    /** The newest samples read per window (raw rows are read for tests). */
    maxSamples: z.number().int().min(10).max(100_000).default(5000),
  })
  .strict();

/** The window's value against per-bucket values of the baseline: ratio and robust z must both pass. */
export const SpikeRule = z
  .object({
    kind: z.literal('spike'),
    ...ruleCommon,
    baselineWindowMillis: durationMillis(1),
    /** Bucket size of the baseline series (e.g. 1h for cost_per_hour). */
    bucketMillis: durationMillis(60_000),
    minRatio: z.number().gt(1).finite().default(2),
    zThreshold: z.number().positive().finite().default(3.5),
    minBaselineBuckets: z.number().int().min(2).default(5),
    direction: AlertDirection.optional(),
  })
  .strict();

const RULE_KINDS = z.discriminatedUnion('kind', [ThresholdRule, RelativeRule, StatisticalRule, SpikeRule]);

/** A rule as created or replaced through the API or a config file. */
export const AlertRuleInput = RULE_KINDS.superRefine((rule, ctx) => {
  const f = rule.filters;
  const grouped = new Set(rule.groupBy);
  if (grouped.size !== rule.groupBy.length) ctx.addIssue({ code: 'custom', path: ['groupBy'], message: 'lists a dimension twice' });
  if (rule.metric === 'quality_score') {
    if (!f.score && !grouped.has('score')) {
      ctx.addIssue({ code: 'custom', path: ['filters', 'score'], message: 'quality_score needs a score name in filters.score, or "score" in groupBy' });
    }
    if (f.stage || grouped.has('stage')) ctx.addIssue({ code: 'custom', path: ['filters', 'stage'], message: 'quality_score has no stage dimension' });
  } else if (f.score || grouped.has('score')) {
    ctx.addIssue({ code: 'custom', path: ['filters', 'score'], message: `only quality_score has a score dimension, not ${rule.metric}` });
  }
  if (COST_METRICS.has(rule.metric) && (f.stage || grouped.has('stage'))) {
    ctx.addIssue({ code: 'custom', path: ['filters', 'stage'], message: `${rule.metric} has no stage dimension` });
  }
  if (rule.metric === 'cache_hit_rate' && (f.model || grouped.has('model'))) {
    // Cache lookups are counted per cache, stage and component type (the KPI tile's source too).
    ctx.addIssue({ code: 'custom', path: ['filters', 'model'], message: 'cache_hit_rate has no model dimension' });
  }
  if (rule.kind === 'spike') {
    if (rule.bucketMillis > rule.baselineWindowMillis) {
      ctx.addIssue({ code: 'custom', path: ['bucketMillis'], message: 'must not exceed baselineWindowMillis' });
    } else if (Math.floor(rule.baselineWindowMillis / rule.bucketMillis) < rule.minBaselineBuckets) {
      ctx.addIssue({ code: 'custom', path: ['baselineWindowMillis'], message: `must hold at least minBaselineBuckets (${rule.minBaselineBuckets}) buckets` });
    }
  }
});
/** What a client sends (defaults optional, durations may be strings). */
export type AlertRuleInputBody = z.input<typeof AlertRuleInput>;
/** A validated rule definition (defaults applied, durations in ms). */
export type AlertRuleDefinition = z.output<typeof AlertRuleInput>;
export type ThresholdRule = z.output<typeof ThresholdRule>;
export type RelativeRule = z.output<typeof RelativeRule>;
export type StatisticalRule = z.output<typeof StatisticalRule>;
export type SpikeRule = z.output<typeof SpikeRule>;
export type AlertRuleKind = AlertRuleDefinition['kind'];

/** PATCH body: any subset of a rule's fields (the merged rule is validated as a whole). */
export const AlertRulePatch = z.record(z.string(), z.unknown());
export type AlertRulePatch = z.infer<typeof AlertRulePatch>;

export const AlertRuleSource = z.enum(['api', 'config', 'default']);
export type AlertRuleSource = z.infer<typeof AlertRuleSource>;

/** A stored rule as the API returns it. */
export type AlertRule = AlertRuleDefinition & {
  id: number;
  source: AlertRuleSource;
  createdMs: number;
  updatedMs: number;
};

export const AlertRuleIdParams = z.object({ id: z.coerce.number().int().positive() }).strict();

/** A webhook target (config file). */
export const WebhookTarget = z
  .object({
    /** Unique name; deliveries are tracked per target name. */
    name: z.string().trim().min(1).max(100),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** 'json': genscope's own payload; 'slack': { text, blocks } for Slack incoming webhooks. */
    format: z.enum(['json', 'slack']).default('json'),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMillis: durationMillis(1).default(5000),
    /** Only alerts at least this severe are sent. */
    minSeverity: AlertSeverity.default('info'),
  })
  .strict();
export type WebhookTarget = z.output<typeof WebhookTarget>;

/** The alerts config file: rules to seed and webhook targets. */
export const AlertsConfigFile = z
  .object({
    rules: z.array(AlertRuleInput).default([]),
    webhooks: z.array(WebhookTarget).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
      seen.add(r.name);
    });
    const hooks = new Set<string>();
    cfg.webhooks.forEach((w, i) => {
      if (hooks.has(w.name)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `duplicate webhook name "${w.name}"` });
      hooks.add(w.name);
    });
  });
export type AlertsConfigFile = z.output<typeof AlertsConfigFile>;

/** Epoch milliseconds, or an ISO 8601 time. */
const timeParam = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO 8601 time' });
      return z.NEVER;
    }
    return ms;
  });

export const AlertEventsQuery = z
  .object({
    state: z.enum(['firing', 'resolved']).optional(),
    from: timeParam.optional(),
    to: timeParam.optional(),
    rule: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ['from'], message: 'must not be after to' });
export type AlertEventsQuery = z.output<typeof AlertEventsQuery>;

/** GET /api/v1/alerts/changes: change detection over history (default: all data). */
export const AlertChangesQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    directions: z.enum(['worse', 'both']).default('worse'),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ['from'], message: 'must be before to' });
export type AlertChangesQuery = z.output<typeof AlertChangesQuery>;

export const AlertStatesQuery = z
  .object({ include: z.enum(['firing', 'all']).default('firing') })
  .strict();
export type AlertStatesQuery = z.output<typeof AlertStatesQuery>;

/** Labels of one alert series: the groupBy dimensions and their values ('' = none recorded). */
export type AlertLabels = Partial<Record<AlertDimension, string>>;

/** Values behind an evaluation (which keys appear depends on the rule kind). */
export interface AlertDetails {
  /** The metric's value over the recent window (the center for statistical rules). */
  value: number | null;
  baseline?: number | null;
  /** (value - baseline) / |baseline| * 100. */
  changePercent?: number | null;
  threshold?: number;
  operator?: string;
  pValue?: number | null;
  alpha?: number;
  test?: string;
  statistic?: number | null;
  nRecent?: number;
  nBaseline?: number;
  ratio?: number | null;
  z?: number | null;
  count?: number;
  /** Why the condition is false when the rule could not judge ('insufficient samples', 'no data'). */
  reason?: string;
  windowStartMs: number;
  windowEndMs: number;
  baselineStartMs?: number;
}

export type AlertEventState = 'firing' | 'resolved';

/** One state transition of one alert series, stored with the values that caused it. */
export interface AlertEvent {
  id: number;
  ruleId: number | null;
  ruleName: string;
  severity: AlertSeverity;
  metric: AlertMetric;
  seriesKey: string;
  labels: AlertLabels;
  state: AlertEventState;
  timeMs: number;
  /** Start of the episode (when the condition first held); with state, the de-duplication key. */
  episodeStartMs: number;
  value: number | null;
  details: AlertDetails;
  message: string;
}

/** A series currently pending (condition holds, for-duration not yet reached) or firing. */
export interface AlertStateRow {
  ruleId: number;
  ruleName: string;
  severity: AlertSeverity;
  metric: AlertMetric;
  seriesKey: string;
  labels: AlertLabels;
  state: 'pending' | 'firing';
  sinceMs: number;
  firingSinceMs: number | null;
  lastEvaluatedMs: number;
  value: number | null;
  details: AlertDetails;
  message: string;
}

/** Change detection over history (GET /api/v1/alerts/changes, alerts' detectChanges). */
export type ChangeKind = 'quality_regression' | 'quality_improvement' | 'cost_spike' | 'cost_drop';

export interface ChangeFinding {
  kind: ChangeKind;
  /** UTC day ('YYYY-MM-DD') the change starts. */
  day: string;
  /** Last day of a multi-day spike (= day otherwise). */
  endDay: string;
  /** Start of the change, epoch ms: the bucket start, or a finer estimate inside it for quality. */
  startMs: number;
  metric: 'quality_score' | 'cost_per_day' | 'cost_per_run';
  /** The series: score (quality), component type ('' = all types) and model. */
  scope: { score?: string; componentType?: string; model: string };
  baseline: number;
  current: number;
  changePercent: number | null;
  pValue?: number | null;
  ratio?: number;
  z?: number;
  nBaseline?: number;
  nRecent?: number;
  message: string;
  /** The same change found in other series (other scores, component types) or a little later. */
  related: Omit<ChangeFinding, 'related'>[];
}

export interface ModelSwitch {
  day: string;
  startMs: number;
  /** The model running most pipeline runs before, and from this day on. */
  from: string;
  to: string;
}

export interface ChangeReport {
  fromMs: number;
  toMs: number;
  bucketMillis: number;
  /** Number of buckets scanned. */
  buckets: number;
  /** Series scanned. */
  series: { quality: number; cost: number };
  /** Sorted by day, then kind. */
  findings: ChangeFinding[];
  modelSwitches: ModelSwitch[];
}

export interface AlertRulesResponse {
  rules: AlertRule[];
}
export interface AlertRuleResponse {
  rule: AlertRule;
}
export interface AlertEventsResponse {
  events: AlertEvent[];
}
export interface AlertStatesResponse {
  alerts: AlertStateRow[];
}
