/**
 * The alert rule editor's form model: a rule (schema/alerts.ts) as flat text fields and back to
 * the body the alerts API validates. Pure. Editing keeps every field the form does not show
 * (e.g. maxSamples) unless the kind changes; the API's validation is the one that counts, and its
 * 400 names the field, so the form does not re-implement it.
 */
import type { AlertDimension, AlertMetric, AlertRule, AlertRuleInputBody, AlertRuleKind } from '../../../schema/alerts';
import { ALERT_DIMENSIONS, ALERT_METRICS } from '../../../schema/alert-constants';

export const RULE_KINDS: readonly { kind: AlertRuleKind; label: string }[] = [
  { kind: 'threshold', label: 'threshold (value crosses a limit)' },
  { kind: 'relative', label: 'relative change vs a baseline' },
  { kind: 'statistical', label: 'statistical test vs a baseline' },
  { kind: 'spike', label: 'spike vs baseline buckets' },
];

export const RULE_METRICS: readonly AlertMetric[] = ALERT_METRICS;

/** What a rule can be split by (a service is a filter only: one rule per service). */
export const RULE_DIMENSIONS: readonly AlertDimension[] = ALERT_DIMENSIONS.filter((d) => d !== 'service');

/** Text fields per kind, besides the common ones. */
export const KIND_FIELDS: Record<AlertRuleKind, readonly string[]> = {
  threshold: ['operator', 'value', 'minSamples'],
  relative: ['baselineWindowMillis', 'changePercent', 'direction', 'minSamples'],
  statistical: ['baselineWindowMillis', 'test', 'alpha', 'minEffect', 'direction', 'minSamples'],
  spike: ['baselineWindowMillis', 'bucketMillis', 'minRatio', 'zThreshold', 'minBaselineBuckets', 'direction'],
};

const DURATION_FIELDS = new Set(['windowMillis', 'baselineWindowMillis', 'bucketMillis', 'forDurationMillis', 'keepFiringForMillis']);
const NUMBER_FIELDS = new Set(['value', 'minSamples', 'changePercent', 'alpha', 'minEffect', 'minRatio', 'zThreshold', 'minBaselineBuckets']);

export interface RuleForm {
  kind: AlertRuleKind;
  metric: AlertMetric;
  name: string;
  description: string;
  severity: 'info' | 'warning' | 'critical';
  enabled: boolean;
  filterScore: string;
  filterComponentType: string;
  filterModel: string;
  filterStage: string;
  filterService: string;
  groupBy: AlertDimension[];
  windowMillis: string;
  forDurationMillis: string;
  keepFiringForMillis: string;
  /** Kind-specific fields (KIND_FIELDS) as text; '' = the API's default. */
  extra: Record<string, string>;
}

const UNITS: readonly [string, number][] = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds as the shortest exact duration text the API reads back ('24h', '90s', '250ms'). */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  for (const [u, n] of UNITS) if (ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

export function newRuleForm(): RuleForm {
  return {
    kind: 'threshold',
    metric: 'latency_p95',
    name: '',
    description: '',
    severity: 'warning',
    enabled: true,
    filterScore: '',
    filterComponentType: '',
    filterModel: '',
    filterStage: '',
    filterService: '',
    groupBy: [],
    windowMillis: '1h',
    forDurationMillis: '0',
    keepFiringForMillis: '0',
    extra: { operator: '>', value: '', minSamples: '' },
  };
}

/** The form of a stored rule. */
export function ruleToForm(rule: AlertRule): RuleForm {
  const r = rule as unknown as Record<string, unknown>;
  const extra: Record<string, string> = {};
  for (const f of KIND_FIELDS[rule.kind]) {
    const v = r[f];
    if (v === undefined || v === null) extra[f] = '';
    else extra[f] = DURATION_FIELDS.has(f) && typeof v === 'number' ? durationText(v) : String(v);
  }
  return {
    kind: rule.kind,
    metric: rule.metric,
    name: rule.name,
    description: rule.description ?? '',
    severity: rule.severity,
    enabled: rule.enabled,
    filterScore: rule.filters.score ?? '',
    filterComponentType: rule.filters.componentType ?? '',
    filterModel: rule.filters.model ?? '',
    filterStage: rule.filters.stage ?? '',
    filterService: rule.filters.service ?? '',
    groupBy: [...rule.groupBy],
    windowMillis: durationText(rule.windowMillis),
    forDurationMillis: durationText(rule.forDurationMillis),
    keepFiringForMillis: durationText(rule.keepFiringForMillis),
    extra,
  };
}

/** A stored rule's definition: what PUT takes back (no id, source or times). */
export function ruleDefinitionOf(rule: AlertRule): Record<string, unknown> {
  const { id: _id, source: _source, createdMs: _c, updatedMs: _u, ...def } = rule;
  return def as Record<string, unknown>;
}

function typed(field: string, text: string): unknown {
  const t = text.trim();
  if (NUMBER_FIELDS.has(field)) {
    const n = Number(t);
    // Not a number: sent as typed, so the API's 400 names the field and what it expected.
    return t !== '' && Number.isFinite(n) ? n : t;
  }
  return t;
}

/**
 * The API body of a form. `base` is the stored rule being edited: fields the form does not show
 * are kept from it when the kind is unchanged. Empty optional fields are left to the API's defaults.
 */
export function formToBody(form: RuleForm, base?: AlertRule): AlertRuleInputBody {
  const kept: Record<string, unknown> = base && base.kind === form.kind ? ruleDefinitionOf(base) : {};
  const filters: Record<string, string> = {};
  if (form.filterScore.trim()) filters.score = form.filterScore.trim();
  if (form.filterComponentType.trim()) filters.componentType = form.filterComponentType.trim();
  if (form.filterModel.trim()) filters.model = form.filterModel.trim();
  if (form.filterStage.trim()) filters.stage = form.filterStage.trim();
  if (form.filterService.trim()) filters.service = form.filterService.trim();
  const body: Record<string, unknown> = {
    ...kept,
    kind: form.kind,
    name: form.name.trim(),
    severity: form.severity,
    enabled: form.enabled,
    metric: form.metric,
    filters,
    groupBy: form.groupBy,
    windowMillis: form.windowMillis.trim(),
    forDurationMillis: form.forDurationMillis.trim() || '0',
    keepFiringForMillis: form.keepFiringForMillis.trim() || '0',
  };
  if (form.description.trim()) body.description = form.description.trim();
  else delete body.description;
  for (const f of KIND_FIELDS[form.kind]) {
    const text = form.extra[f] ?? '';
    if (text.trim() === '') delete body[f];
    else body[f] = DURATION_FIELDS.has(f) ? text.trim() : typed(f, text);
  }
  return body as unknown as AlertRuleInputBody;
}

/** One line saying what a rule watches. */
export function ruleSummary(rule: AlertRule): string {
  const scope = Object.entries(rule.filters)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${String(v)}`);
  const per = rule.groupBy.length ? ` per ${rule.groupBy.join(', ')}` : '';
  const cond =
    rule.kind === 'threshold'
      ? `${rule.operator} ${rule.value}`
      : rule.kind === 'relative'
        ? `±${rule.changePercent} % vs ${durationText(rule.baselineWindowMillis)} before`
        : rule.kind === 'statistical'
          ? `${rule.test} test at alpha ${rule.alpha} vs ${durationText(rule.baselineWindowMillis)} before`
          : `${rule.minRatio}× spike vs ${durationText(rule.baselineWindowMillis)} of ${durationText(rule.bucketMillis)} buckets`;
  return `${rule.metric}${scope.length ? ` (${scope.join(', ')})` : ''}${per} over ${durationText(rule.windowMillis)}: ${cond}`;
}
