/**
 * A rule's condition at one instant, per alert series: reads the metric (metrics.ts) over the
 * rule's windows and applies the rule kind (threshold, relative change, statistical test, spike).
 * No state here: the state machine (evaluate.ts) decides what a held condition means.
 */
import { compareSamples, detectSpike } from '../analysis';
import type { Alternative } from '../analysis';
import { ALERT_DIMENSIONS, HIGHER_IS_BETTER } from '../schema/alerts';
import type { AlertDetails, AlertDirection, AlertLabels, AlertMetric, AlertRule, AlertRuleDefinition } from '../schema/alerts';
import type { Db } from '../store';
import { readAggregates, readBucketSeries, readSamples, seriesKey } from '../store/sqlite/alert-metrics';
import type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from '../store/sqlite/alert-metrics';
import type { TelemetryStore } from '../store';

/** The alert metric reads a rule's evaluation makes (synchronous: the state machine runs in one transaction). */
export interface MetricReader {
  aggregates(scope: MetricScope, range: TimeRange): GroupValue[];
  samples(scope: MetricScope, range: TimeRange, maxSamples: number): GroupSamples[];
  series(scope: MetricScope, range: TimeRange, bucketMillis: number): BucketValue[];
}

/** The reads straight from a SQLite file. */
export function sqliteMetricReader(db: Db): MetricReader {
  return {
    aggregates: (scope, range) => readAggregates(db, scope, range),
    samples: (scope, range, max) => readSamples(db, scope, range, max),
    series: (scope, range, bucket) => readBucketSeries(db, scope, range, bucket),
  };
}

/**
 * The reads of the given rules through any store (the ClickHouse store's are asynchronous): the
 * rules are evaluated once against a recording reader to learn which reads they make (they
 * depend only on the rule and nowMs, never on what an earlier read returned), those reads are
 * made through the store, and the returned reader answers them from memory.
 */
export async function prefetchMetricReader(store: TelemetryStore, rules: readonly AlertRule[], nowMs: number): Promise<MetricReader> {
  const wanted = new Map<string, () => Promise<unknown>>();
  const recorder: MetricReader = {
    aggregates: (scope, range) => (wanted.set(JSON.stringify(['a', scope, range]), () => store.metricAggregates(scope, range)), []),
    samples: (scope, range, max) => (wanted.set(JSON.stringify(['s', scope, range, max]), () => store.metricSamples(scope, range, max)), []),
    series: (scope, range, bucket) => (wanted.set(JSON.stringify(['b', scope, range, bucket]), () => store.metricSeries(scope, range, bucket)), []),
  };
  for (const rule of rules) {
    try {
      evaluateCondition(recorder, rule, nowMs);
    } catch {
      // A rule that cannot be evaluated fails again, with its message, in the real pass.
    }
  }
  const got = new Map<string, unknown>();
  for (const [key, read] of wanted) got.set(key, await read());
  const answer = <T>(key: string): T => {
    if (!got.has(key)) throw new Error('alert metric read that was not prefetched');
    return got.get(key) as T;
  };
  return {
    aggregates: (scope, range) => answer<GroupValue[]>(JSON.stringify(['a', scope, range])),
    samples: (scope, range, max) => answer<GroupSamples[]>(JSON.stringify(['s', scope, range, max])),
    series: (scope, range, bucket) => answer<BucketValue[]>(JSON.stringify(['b', scope, range, bucket])),
  };
}

export interface SeriesCondition {
  key: string;
  labels: AlertLabels;
  /** The condition holds for this series at this instant. */
  met: boolean;
  value: number | null;
  details: AlertDetails;
  message: string;
}

/** The direction that counts when a rule names none: the metric's worse direction. */
export function effectiveDirection(metric: AlertMetric, direction: AlertDirection | undefined): AlertDirection {
  return direction ?? (HIGHER_IS_BETTER.has(metric) ? 'decrease' : 'increase');
}

/** A metric value for humans: ms for latency, $ for cost, 3 decimals for rates and scores. */
export function formatMetricValue(metric: AlertMetric, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (metric.startsWith('latency_')) return `${value >= 100 ? value.toFixed(0) : value.toPrecision(3)} ms`;
  if (metric.startsWith('cost_')) return `$${value >= 1 ? value.toFixed(2) : value.toPrecision(3)}`;
  return value.toFixed(3);
}

function formatLabels(labels: AlertLabels): string {
  const parts = ALERT_DIMENSIONS.filter((d) => labels[d] !== undefined).map((d) => `${d}=${labels[d] === '' ? '(none)' : labels[d]}`);
  return parts.length > 0 ? ` {${parts.join(', ')}}` : '';
}

function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function changePercent(value: number | null, baseline: number | null): number | null {
  if (value === null || baseline === null || baseline === 0) return null;
  return ((value - baseline) / Math.abs(baseline)) * 100;
}

function alternativeOf(direction: AlertDirection): Alternative {
  return direction === 'increase' ? 'greater' : direction === 'decrease' ? 'less' : 'two-sided';
}

function scopeOf(rule: AlertRuleDefinition): MetricScope {
  return { metric: rule.metric, filters: rule.filters, groupBy: rule.groupBy };
}

function byKey<T extends { key: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.key, i]));
}

/**
 * Evaluates one rule at nowMs; one entry per series with data in the recent window. A series'
 * labels hold its groupBy values and the rule's filters, so an event says fully what it is about
 * (the dashboard matches events to charts by these).
 */
export function evaluateCondition(source: Db | MetricReader, rule: AlertRule, nowMs: number): SeriesCondition[] {
  const reader = 'aggregates' in source ? source : sqliteMetricReader(source);
  const filterLabels: AlertLabels = {};
  if (rule.filters.score !== undefined) filterLabels.score = rule.filters.score;
  if (rule.filters.componentType !== undefined) filterLabels.component_type = rule.filters.componentType;
  if (rule.filters.model !== undefined) filterLabels.model = rule.filters.model;
  if (rule.filters.stage !== undefined) filterLabels.stage = rule.filters.stage;
  if (rule.filters.service !== undefined) filterLabels.service = rule.filters.service;
  return evaluateGroups(reader, rule, nowMs, filterLabels).map((c) => {
    const labels = { ...filterLabels, ...c.labels };
    return { ...c, labels, key: seriesKey(labels) };
  });
}

function evaluateGroups(reader: MetricReader, rule: AlertRule, nowMs: number, filterLabels: AlertLabels): SeriesCondition[] {
  const windowStartMs = nowMs - rule.windowMillis;
  const recentRange = { fromMs: windowStartMs, toMs: nowMs };
  const scope = scopeOf(rule);
  const head = (labels: AlertLabels) => `${rule.name}${formatLabels({ ...filterLabels, ...labels })}: ${rule.metric}`;
  const windowDetails = { windowStartMs, windowEndMs: nowMs };

  if (rule.kind === 'threshold') {
    return reader.aggregates(scope, recentRange).map((g) => {
      const enough = g.value !== null && g.count >= rule.minSamples;
      const v = g.value ?? Number.NaN;
      const met =
        enough &&
        (rule.operator === '>' ? v > rule.value : rule.operator === '>=' ? v >= rule.value : rule.operator === '<' ? v < rule.value : v <= rule.value);
      const details: AlertDetails = {
        ...windowDetails,
        value: g.value,
        threshold: rule.value,
        operator: rule.operator,
        count: g.count,
        ...(enough ? {} : { reason: g.value === null ? 'no data' : 'insufficient samples' }),
      };
      const message = `${head(g.labels)} ${formatMetricValue(rule.metric, g.value)} ${met ? '' : 'not '}${rule.operator} ${formatMetricValue(rule.metric, rule.value)} over ${g.count} points`;
      return { key: g.key, labels: g.labels, met, value: g.value, details, message };
    });
  }

  const baselineStartMs = windowStartMs - rule.baselineWindowMillis;
  const baselineRange = { fromMs: baselineStartMs, toMs: windowStartMs };
  const direction = effectiveDirection(rule.metric, rule.direction);
  const directionOk = (diff: number) => (direction === 'increase' ? diff > 0 : direction === 'decrease' ? diff < 0 : diff !== 0);

  if (rule.kind === 'relative') {
    const recent = reader.aggregates(scope, recentRange);
    const baseline = byKey(reader.aggregates(scope, baselineRange));
    return recent.map((g) => {
      const b: GroupValue | undefined = baseline.get(g.key);
      const baseValue = b?.value ?? null;
      const change = changePercent(g.value, baseValue);
      const enough = g.value !== null && baseValue !== null && g.count >= rule.minSamples && (b?.count ?? 0) >= rule.minSamples;
      const met = enough && change !== null && directionOk(change) && Math.abs(change) >= rule.changePercent;
      const details: AlertDetails = {
        ...windowDetails,
        baselineStartMs,
        value: g.value,
        baseline: baseValue,
        changePercent: change,
        threshold: rule.changePercent,
        count: g.count,
        nRecent: g.count,
        nBaseline: b?.count ?? 0,
        ...(enough ? {} : { reason: baseValue === null ? 'no baseline data' : 'insufficient samples' }),
        ...(enough && change === null ? { reason: 'baseline is zero' } : {}),
      };
      const message = `${head(g.labels)} ${formatMetricValue(rule.metric, g.value)} vs baseline ${formatMetricValue(rule.metric, baseValue)} (${formatPercent(change)}, limit ${rule.changePercent}%)`;
      return { key: g.key, labels: g.labels, met, value: g.value, details, message };
    });
  }

  if (rule.kind === 'statistical') {
    const recent = reader.samples(scope, recentRange, rule.maxSamples);
    const baseline = byKey(reader.samples(scope, baselineRange, rule.maxSamples));
    // Bonferroni across the rule's series: rule.alpha is the rule's false-alarm level.
    const seriesAlpha = rule.alpha / Math.max(1, recent.length);
    return recent.map((g) => {
      const b = baseline.get(g.key)?.values ?? [];
      const r = compareSamples(b, g.values, {
        test: rule.test,
        alpha: seriesAlpha,
        alternative: alternativeOf(direction),
        minSamples: rule.minSamples,
        minEffect: rule.minEffect,
      });
      const value = r.nRecent > 0 ? r.recentCenter : null;
      const baseValue = r.nBaseline > 0 ? r.baselineCenter : null;
      const change = changePercent(value, baseValue);
      const details: AlertDetails = {
        ...windowDetails,
        baselineStartMs,
        value,
        baseline: baseValue,
        changePercent: change,
        pValue: r.pValue,
        alpha: seriesAlpha,
        test: r.test,
        statistic: r.statistic !== null && Number.isFinite(r.statistic) ? r.statistic : null,
        nRecent: r.nRecent,
        nBaseline: r.nBaseline,
        ...(r.significant ? {} : { reason: r.reason ?? 'not significant' }),
      };
      const p = r.pValue === null ? 'no test' : `p=${r.pValue === 0 ? '<1e-16' : r.pValue < 1e-4 ? r.pValue.toExponential(1) : r.pValue.toFixed(4)}`;
      const message = `${head(g.labels)} ${formatMetricValue(rule.metric, value)} vs baseline ${formatMetricValue(rule.metric, baseValue)} (${formatPercent(change)}, ${p}, n=${r.nRecent}/${r.nBaseline})`;
      return { key: g.key, labels: g.labels, met: r.significant, value, details, message };
    });
  }

  // spike
  const recent = reader.aggregates(scope, recentRange);
  const series = reader.series(scope, baselineRange, rule.bucketMillis);
  const baselineValues = new Map<string, number[]>();
  for (const p of series) {
    if (p.value === null) continue;
    const list = baselineValues.get(p.key) ?? [];
    list.push(p.value);
    baselineValues.set(p.key, list);
  }
  return recent.map((g) => {
    const base = baselineValues.get(g.key) ?? [];
    const value = g.value;
    const r =
      value === null
        ? null
        : detectSpike(value, base, {
            minRatio: rule.minRatio,
            zThreshold: rule.zThreshold,
            minBaseline: rule.minBaselineBuckets,
            direction: direction === 'increase' ? 'up' : direction === 'decrease' ? 'down' : 'either',
          });
    const met = r?.isSpike ?? false;
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    const details: AlertDetails = {
      ...windowDetails,
      baselineStartMs,
      value,
      baseline: r ? finite(r.median) : null,
      changePercent: changePercent(value, r ? finite(r.median) : null),
      ratio: r ? finite(r.ratio) : null,
      z: r ? finite(r.z) : null,
      count: g.count,
      nBaseline: base.length,
      ...(met ? {} : { reason: r?.reason ?? 'no data' }),
    };
    const ratio = r && Number.isFinite(r.ratio) ? `${r.ratio.toFixed(1)}x` : 'n/a';
    const z = r && Number.isFinite(r.z) ? r.z.toFixed(1) : 'n/a';
    const message = `${head(g.labels)} ${formatMetricValue(rule.metric, value)} vs baseline median ${formatMetricValue(rule.metric, r?.median)} (${ratio}, robust z ${z}, ${base.length} buckets)`;
    return { key: g.key, labels: g.labels, met, value, details, message };
  });
}
