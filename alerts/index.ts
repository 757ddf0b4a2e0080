/**
 * alerts/: alert rules (stored in SQLite, managed through the API, seeded from a config file and
 * built-in defaults), the evaluation loop and its state machine, webhook notifications, change
 * detection over history, and benchmark run comparison for the CI gate.
 */
export { createAlertsRouter } from './router';
export type { AlertsRouterOptions } from './router';
export { AlertEvaluator } from './evaluator';
export type { AlertEvaluatorOptions, DeliveryRetryOptions, DeliveryStats, TickResult } from './evaluator';
export { evaluateRules, evaluateRulesThrough, replayRules } from './evaluate';
export type { EvaluateRulesOptions, EvaluateRulesResult, RuleError, ReplayRulesOptions, ReplayResult } from './evaluate';
export { evaluateCondition, effectiveDirection, formatMetricValue } from './conditions';
export type { SeriesCondition } from './conditions';
export { readAggregates, readBucketSeries, readSamples, seriesKey } from '../store/sqlite/alert-metrics';
export type { MetricScope, TimeRange, GroupValue, BucketValue, GroupSamples } from '../store/sqlite/alert-metrics';
export {
  DuplicateRuleNameError,
  listRules,
  getRule,
  getRuleByName,
  createRule,
  replaceRule,
  deleteRule,
  seedRules,
  listEvents,
  getEvent,
  listStates,
  ruleDefinition,
} from './store';
export type { SeedResult } from './store';
export { WebhookNotifier, WebhookError, webhookNotifiers, retryAfterMillis, jsonPayload, slackPayload, dedupKeyOf } from './notifier';
export type { Notifier, AlertNotification, AlertWebhookPayload, SlackPayload, WebhookNotifierOptions } from './notifier';
export { defaultAlertRules, ensureDefaultAlertRules } from './defaults';
export { AlertsConfigError, loadAlertRulesFile, seedAlertRulesFromFile, formatZodIssues } from './config';
export { detectChanges, findingDays } from './detect-changes';
export type { DetectChangesOptions } from './detect-changes';
export type { ChangeReport, ChangeFinding, ChangeKind, ModelSwitch } from '../schema/alerts';
export { compareBenchmarkRuns, compareRunSamples, compareSampleSets, compareStoreRuns, judgeMetrics, metricDrafts, listBenchmarkRuns, pickRuns, selectRuns, RunSelectionError } from './run-comparison';
export type {
  CompareRunsOptions,
  RunComparison,
  MetricComparison,
  MetricVerdict,
  ComparisonUnit,
  BenchmarkRunInfo,
  MetricDraft,
  SampleComparison,
} from './run-comparison';
