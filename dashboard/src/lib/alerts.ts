/**
 * Alert events (/api/v1/alerts/events) and detected changes over history (/api/v1/alerts/changes:
 * quality regressions, cost spikes, model switches), shapes in schema/alerts.ts, turned into
 * what the dashboard shows: lists, and markers on the charts whose topic matches. The alerts API
 * is optional: a 404 hides the panel and the markers.
 */
import type { AlertEvent as ApiAlertEvent, AlertEventsResponse, AlertMetric, ChangeReport } from '../../../schema/alerts';

export type AlertTopic = 'quality' | 'latency' | 'cost' | 'success' | 'cache' | 'switch';

/** A dated change found in history: a marker and a line in the alerts panel. */
export interface DetectedChange {
  id: string;
  timeMs: number;
  kind: 'quality_regression' | 'cost_spike' | 'model_switch' | 'other';
  topic: AlertTopic;
  title: string;
  message: string;
  /** Scores the change was found in (the finding's and its related series'); empty for cost and switches. */
  scores: string[];
  componentType: string | null;
  model: string | null;
  /** A model switch's previous model (the switch concerns both). */
  fromModel?: string;
}

export interface AlertEvent {
  id: string;
  timeMs: number;
  state: 'firing' | 'resolved';
  severity: string;
  rule: string;
  message: string;
  topic: AlertTopic;
  metric: AlertMetric;
  seriesKey: string;
  /** Score name for quality_score alerts, when the rule is about one score. */
  score: string | null;
  componentType: string | null;
  model: string | null;
  /** The stage the rule is about, when it is scoped or split by stage. */
  stage: string | null;
}

export function alertTopic(metric: AlertMetric): AlertTopic {
  switch (metric) {
    case 'quality_score':
      return 'quality';
    case 'success_rate':
      return 'success';
    case 'cache_hit_rate':
      return 'cache';
    case 'cost_per_day':
    case 'cost_per_hour':
    case 'cost_per_run':
      return 'cost';
    default:
      return 'latency';
  }
}

export function normalizeAlertEvents(body: AlertEventsResponse | null | undefined): AlertEvent[] {
  const events: readonly ApiAlertEvent[] = body?.events ?? [];
  return events
    .map((e) => ({
      id: String(e.id),
      timeMs: e.timeMs,
      state: e.state,
      severity: e.severity,
      rule: e.ruleName,
      message: e.message,
      topic: alertTopic(e.metric),
      metric: e.metric,
      seriesKey: e.seriesKey,
      score: e.labels.score || null,
      componentType: e.labels.component_type || null,
      model: e.labels.model || null,
      stage: e.labels.stage || null,
    }))
    .sort((a, b) => b.timeMs - a.timeMs);
}

/** Series whose newest event is 'firing' (events are newest first). */
export function firingSeries(events: readonly AlertEvent[]): AlertEvent[] {
  const seen = new Set<string>();
  const out: AlertEvent[] = [];
  for (const e of events) {
    const key = `${e.rule}|${e.seriesKey}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (e.state === 'firing') out.push(e);
  }
  return out;
}

/** Findings (their related series folded in) and model switches, newest first. */
export function normalizeChanges(report: ChangeReport | null | undefined): DetectedChange[] {
  if (!report) return [];
  const out: DetectedChange[] = [];
  for (const f of report.findings) {
    const kind = f.kind === 'quality_regression' || f.kind === 'cost_spike' ? f.kind : 'other';
    const where = [f.scope.componentType ? `type ${f.scope.componentType}` : null, `model ${f.scope.model}`].filter(Boolean).join(', ');
    out.push({
      id: `${f.kind}|${f.startMs}|${f.scope.score ?? ''}|${f.scope.componentType ?? ''}|${f.scope.model}`,
      timeMs: f.startMs,
      kind,
      topic: f.metric === 'cost_per_day' ? 'cost' : 'quality',
      title:
        kind === 'cost_spike'
          ? `Cost spike (${where})`
          : `Quality regression in ${f.scope.score ?? 'quality'} (${where})${f.related.length ? ` +${f.related.length} related` : ''}`,
      message: f.message,
      scores: [...new Set([f.scope.score, ...f.related.map((r) => r.scope.score)].filter((x): x is string => !!x))],
      componentType: f.scope.componentType || null,
      model: f.scope.model,
    });
  }
  for (const m of report.modelSwitches) {
    out.push({
      id: `switch|${m.startMs}|${m.from}|${m.to}`,
      timeMs: m.startMs,
      kind: 'model_switch',
      topic: 'switch',
      title: `Model switch ${m.from} → ${m.to}`,
      message: `From ${m.day} most runs use ${m.to} instead of ${m.from}.`,
      scores: [],
      componentType: null,
      model: m.to,
      fromModel: m.from,
    });
  }
  return out.sort((a, b) => b.timeMs - a.timeMs);
}

export function changeColor(kind: DetectedChange['kind']): string {
  if (kind === 'quality_regression') return '#ef4444';
  if (kind === 'cost_spike') return '#f59e0b';
  return '#64748b';
}

export function severityColor(severity: string): string {
  if (severity === 'critical') return '#ef4444';
  if (severity === 'info') return '#3b82f6';
  return '#f59e0b';
}

/** The dashboard's dimension filters, as far as alerts and changes carry them. */
export interface AlertFilterScope {
  componentTypes: readonly string[];
  models: readonly string[];
  stages: readonly string[];
}

/**
 * Whether an alert event or a detected change concerns the filtered slice: each filtered dimension
 * it names must be among the filter's values; one it does not name (a rule over every component
 * type, a cost spike over all models) concerns every slice and is kept. A stage filter keeps
 * events without a stage too: end-to-end latency and quality include every stage.
 */
export function matchesAlertFilters(
  item: { componentType: string | null; model: string | null; stage?: string | null; fromModel?: string },
  f: AlertFilterScope,
): boolean {
  const ok = (values: readonly string[], v: string | null | undefined): boolean => values.length === 0 || v == null || values.includes(v);
  const modelOk = ok(f.models, item.model) || (item.fromModel !== undefined && f.models.includes(item.fromModel));
  return ok(f.componentTypes, item.componentType) && modelOk && ok(f.stages, item.stage === '(run)' ? null : item.stage);
}
