/**
 * The built-in rules every genscope database starts with: quality degradation (a statistical
 * test per quality score, component type and model), latency degradation (end-to-end p95 per
 * model against the week before) and cost spikes (hourly and daily cost per model against their
 * robust baseline). Each is seeded once per database, including rules added in later versions;
 * a user may edit or delete them and they stay that way.
 */
import { AlertRuleInput } from '../schema/alerts';
import type { AlertRuleDefinition, AlertRuleInputBody } from '../schema/alerts';
import type { Db } from '../store';
import { getMeta, seedRules, setMeta } from './store';
import type { SeedResult } from './store';

const DEFAULT_RULE_BODIES: AlertRuleInputBody[] = [
  {
    kind: 'statistical',
    name: 'Quality degradation',
    description:
      'A quality score of the last 24 h is significantly lower (one-sided Welch t-test, or two-proportion test for 0/1 scores; alpha 0.001 across all series) than over the 7 days before, by at least 0.05, per score and model. (Per component type there are too few samples a day for a test at this level; add a rule grouped by component_type for high-volume pipelines.)',
    severity: 'warning',
    metric: 'quality_score',
    groupBy: ['score', 'model'],
    windowMillis: '24h',
    baselineWindowMillis: '7d',
    test: 'welch',
    // Family-wise over the rule's series (Bonferroni), plus a minimum effect: noise stays quiet.
    alpha: 0.001,
    minEffect: 0.05,
    minSamples: 10,
    forDurationMillis: '30m',
    keepFiringForMillis: '2h',
  },
  {
    kind: 'relative',
    name: 'Latency degradation',
    description:
      'The end-to-end p95 latency of the last 24 h is at least 50 % above the p95 of the 7 days before, per model, with at least 30 runs on each side. (Per model: a switch to a slower model is a change, not a degradation of either.)',
    severity: 'warning',
    metric: 'latency_p95',
    filters: { stage: '(run)' },
    groupBy: ['model'],
    windowMillis: '24h',
    baselineWindowMillis: '7d',
    changePercent: 50,
    direction: 'increase',
    minSamples: 30,
    forDurationMillis: '30m',
    keepFiringForMillis: '1h',
  },
  {
    kind: 'spike',
    name: 'Cost spike (hourly)',
    description: "The last hour's model cost per model is at least twice the median hour of the previous 7 days, with robust z >= 3.5.",
    severity: 'warning',
    metric: 'cost_per_hour',
    groupBy: ['model'],
    windowMillis: '1h',
    baselineWindowMillis: '7d',
    bucketMillis: '1h',
    minRatio: 2,
    zThreshold: 3.5,
    minBaselineBuckets: 12,
    forDurationMillis: '10m',
    keepFiringForMillis: '30m',
  },
  {
    kind: 'spike',
    name: 'Cost spike (daily)',
    description:
      "The last 24 h's total model cost is at least 1.5 times the median day of the previous 14 days, with robust z >= 3.5. (Total, not per model: moving traffic between models is not a spike.)",
    severity: 'warning',
    metric: 'cost_per_day',
    groupBy: [],
    windowMillis: '24h',
    baselineWindowMillis: '14d',
    bucketMillis: '1d',
    minRatio: 1.5,
    zThreshold: 3.5,
    minBaselineBuckets: 5,
    forDurationMillis: '30m',
  },
];

/** The default rules, validated. */
export function defaultAlertRules(): AlertRuleDefinition[] {
  return DEFAULT_RULE_BODIES.map((b) => AlertRuleInput.parse(b));
}

/** Set once the first default rules were seeded (by every version). */
const SEEDED_KEY = 'default_rules_seeded';
/** Set per default rule once seeded; databases seeded before it existed hold only SEEDED_KEY. */
const RULE_SEEDED_PREFIX = 'default_rule_seeded:';
/** The default rules of the first version, which SEEDED_KEY alone vouches for. */
const FIRST_DEFAULTS: ReadonlySet<string> = new Set(['Quality degradation', 'Cost spike (hourly)', 'Cost spike (daily)']);

/**
 * Creates each default rule the first time it runs on a database and never again, so a default
 * rule the user deleted or edited stays that way, while a default added in a later version
 * (latency degradation) reaches databases seeded before it. Returns null when nothing was due.
 */
export function ensureDefaultAlertRules(db: Db, nowMs: number): SeedResult | null {
  return db.transaction((): SeedResult | null => {
    const seededBefore = getMeta(db, SEEDED_KEY) !== null;
    const due = defaultAlertRules().filter(
      (r) => getMeta(db, RULE_SEEDED_PREFIX + r.name) === null && !(seededBefore && FIRST_DEFAULTS.has(r.name)),
    );
    if (seededBefore && due.length === 0) return null;
    const result = seedRules(
      db,
      due.filter((r) => db.prepare('SELECT 1 FROM alert_rules WHERE name = ?').get(r.name) === undefined),
      nowMs,
      'default',
    );
    for (const r of due) setMeta(db, RULE_SEEDED_PREFIX + r.name, String(nowMs));
    setMeta(db, SEEDED_KEY, String(nowMs));
    return result;
  })();
}
