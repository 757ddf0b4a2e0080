/**
 * Trends section: rolling success rate and rolling quality by component type (with alert
 * markers), recent alerts (when the alerts API exists), and cost-saving opportunities.
 */
import { useState } from 'preact/hooks';
import type { OpportunitiesResponse, TrendsResponse } from '../../../schema/api';
import { Panel } from '../components/panel';
import { Table } from '../components/table';
import type { Column } from '../components/table';
import type { ChartSpec, SeriesSpec } from '../charts/chart-options';
import { colorFor } from '../lib/colors';
import { opportunitiesParams, trendsParams } from '../lib/api-params';
import { formatDateTime, formatRatioAsPercent, formatScore, formatUsd } from '../lib/format';
import { changeColor, firingSeries, severityColor } from '../lib/alerts';
import { ApiError } from '../lib/api-client';
import { useDashboard } from '../context';
import { TimeChart, columns, hasPoints } from './shared';
import { panelStatus, usePanelData } from './use-panel-data';

const ALL = '(all)';

function trendSpec(d: TrendsResponse | null, unit: 'ratio' | 'score', label: string): { spec: ChartSpec; keys: string[] } {
  const types = (d?.componentTypes ?? []).filter((t) => t !== ALL);
  const keys = [...types, ALL];
  const series: SeriesSpec[] = keys.map((k) => (k === ALL ? { label: 'all types', color: '#94a3b8', width: 2.5, dash: [6, 3] } : { label: k, color: colorFor('type', k) }));
  return { spec: { x: { kind: 'time' }, y: { unit, label, range: 'unit' }, series, legend: true }, keys };
}

/**
 * The overall trend: the fitted change over the data in the unit of the values (percentage points
 * for rates, score units for 0-1 scores), and the per-day slope only when the API gives one (long
 * enough windows); a per-day rate fitted to a few hours reads as nonsense.
 */
export function slopeText(d: Pick<TrendsResponse, 'slopePerDay' | 'fittedChange'>, unit: 'ratio' | 'score'): string {
  const ch = d.fittedChange[ALL];
  if (ch == null) return '';
  const fmt = (v: number): string => {
    const sign = v > 0 ? '+' : v < 0 ? '−' : '±';
    return unit === 'ratio' ? `${sign}${Math.abs(v * 100).toFixed(1)} pp` : `${sign}${Math.abs(v).toFixed(3)}`;
  };
  const s = d.slopePerDay[ALL];
  return ` · fitted trend ${fmt(ch)} over the range${s != null ? ` (${fmt(s)}/day)` : ''}`;
}

/** A click on a type's line opens that type's runs of the bucket; on "all types", every run of it. */
function typeDrill(keys: readonly string[]) {
  return (_idx: number, s: number | null) => {
    const k = s == null ? undefined : keys[s];
    return k && k !== ALL ? { componentTypes: [k] } : {};
  };
}

export function SuccessTrendPanel() {
  const { filters } = useDashboard();
  const id = 'trends-success';
  const r = usePanelData<TrendsResponse>(id, '/trends', trendsParams(filters, 'successRate'));
  const d = r.data;
  const { spec, keys } = trendSpec(d, 'ratio', 'success rate');
  const data = d ? columns(d.t, keys, d.rollingMean) : null;
  return (
    <Panel
      id={id}
      title="Success rate by component type (rolling)"
      subtitle={d ? `rolling mean over ${d.window} buckets (%)${slopeText(d, 'ratio')}` : 'rolling mean (%)'}
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['success', 'quality']} ariaLabel="Rolling success rate by component type" drill={typeDrill(keys)} /> : null}
    </Panel>
  );
}

const TREND_SCORES = [
  { name: 'visual.pixel_similarity', label: 'pixel similarity' },
  { name: 'visual.structural_similarity', label: 'structural similarity' },
  { name: 'code.quality', label: 'code quality' },
  { name: 'mapping.confidence', label: 'mapping confidence' },
] as const;

export function QualityTrendPanel() {
  const { filters } = useDashboard();
  const id = 'trends-quality';
  const [score, setScore] = useState<string>(TREND_SCORES[0].name);
  const r = usePanelData<TrendsResponse>(id, '/trends', trendsParams(filters, 'score', score));
  const d = r.data;
  const label = TREND_SCORES.find((s) => s.name === score)?.label ?? score;
  const { spec, keys } = trendSpec(d, 'score', label);
  const data = d ? columns(d.t, keys, d.rollingMean) : null;
  return (
    <Panel
      id={id}
      title="Quality by component type (rolling)"
      subtitle={d ? `rolling mean of ${label} over ${d.window} buckets (0–1)${slopeText(d, 'score')}` : 'rolling mean (0–1)'}
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
      actions={
        <select class="gs-inline-select" value={score} onChange={(e) => setScore((e.currentTarget as HTMLSelectElement).value)} aria-label="Quality score shown">
          {TREND_SCORES.map((s) => (
            <option key={s.name} value={s.name}>
              {s.label}
            </option>
          ))}
        </select>
      }
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['quality']} alertScores={[score]} ariaLabel={`Rolling ${label} by component type`} drill={typeDrill(keys)} /> : null}
    </Panel>
  );
}

/** Alerts and detected changes in the window (newest first); not rendered when the alerts API is absent. */
export function AlertsPanel(p: { status: 'absent' | 'loading' | 'ok' | 'error'; errorMessage?: string; changesLoading: boolean; changesError: string | null }) {
  const { alerts, changes, filters } = useDashboard();
  const id = 'trends-alerts';
  const filtered = filters.componentTypes.length + filters.models.length + filters.stages.length > 0;
  const state = p.status === 'absent' ? 'hidden' : p.status === 'loading' ? 'loading' : p.status === 'error' ? 'error' : 'ok';
  const firing = firingSeries(alerts);
  return (
    <Panel
      id={id}
      title="Alerts and detected changes"
      subtitle={
        p.status === 'ok'
          ? `${firing.length} firing · ${alerts.length} alert events · ${p.changesLoading ? '…' : changes.length} changes detected in the window; marked on matching charts${filtered ? ' · only those about the filtered types, models and stages (or about all of them)' : ''}`
          : 'alert rules and change detection over history'
      }
      state={state}
      error={p.errorMessage ? new ApiError(0, 'alerts', p.errorMessage) : null}
      selfReady
      span={12}
    >
      <div class="gs-alerts-grid">
        <div>
          <h4 class="gs-subhead">Alert events</h4>
          {alerts.length === 0 ? (
            <p class="gs-muted gs-small" role="status">
              No alert fired in this range. Rules are evaluated every minute; firing alerts show here and as markers.
            </p>
          ) : (
            <ul class="gs-alerts">
              {alerts.slice(0, 100).map((a) => (
                <li key={a.id} class={`gs-alert gs-alert-${a.state}`}>
                  <span class="gs-swatch" style={{ background: severityColor(a.severity) }} />
                  <span class="gs-alert-state">{a.state}</span>
                  <span class="gs-alert-rule" title={a.seriesKey || undefined}>
                    {a.rule}
                    {a.componentType ? <span class="gs-muted"> · {a.componentType}</span> : null}
                    {a.model ? <span class="gs-muted"> · {a.model}</span> : null}
                  </span>
                  <span class="gs-alert-msg" title={a.message}>
                    {a.message}
                  </span>
                  <time class="gs-muted" dateTime={new Date(a.timeMs).toISOString()}>
                    {formatDateTime(a.timeMs)}
                  </time>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h4 class="gs-subhead">Detected changes</h4>
          {p.changesError ? (
            <p class="gs-error-text">Change detection failed: {p.changesError}</p>
          ) : p.changesLoading ? (
            // Scanning history can take seconds on millions of spans; the rest of the panel does not wait.
            <p class="gs-muted gs-small" role="status" data-changes-loading="">
              Scanning the history for quality regressions, cost spikes and model switches…
            </p>
          ) : changes.length === 0 ? (
            <p class="gs-muted gs-small" role="status">
              No quality regression, cost spike or model switch detected in this range.
            </p>
          ) : (
            <ul class="gs-alerts">
              {changes.map((c) => (
                <li key={c.id} class="gs-alert gs-change">
                  <span class="gs-swatch" style={{ background: changeColor(c.kind) }} />
                  <span class="gs-alert-state">{c.kind === 'quality_regression' ? 'quality' : c.kind === 'cost_spike' ? 'cost' : 'switch'}</span>
                  <span class="gs-alert-msg" title={c.message}>
                    {c.title}
                  </span>
                  <time class="gs-muted" dateTime={new Date(c.timeMs).toISOString()}>
                    {formatDateTime(c.timeMs).slice(0, 10)}
                  </time>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Panel>
  );
}

/** One opportunity of the API's columnar answer. */
interface Opportunity {
  componentType: string;
  currentModel: string;
  candidateModel: string;
  worstDelta: number;
  currentCostPerRunUsd: number;
  candidateCostPerRunUsd: number;
  savingsUsd: number;
  savingsShare: number;
}

function opportunityRows(d: OpportunitiesResponse): Opportunity[] {
  return d.componentType.map((componentType, i) => ({
    componentType,
    currentModel: d.currentModel[i] ?? '',
    candidateModel: d.candidateModel[i] ?? '',
    worstDelta: d.worstDelta[i] ?? 0,
    currentCostPerRunUsd: d.currentCostPerRunUsd[i] ?? 0,
    candidateCostPerRunUsd: d.candidateCostPerRunUsd[i] ?? 0,
    savingsUsd: d.savingsUsd[i] ?? 0,
    savingsShare: d.savingsShare[i] ?? 0,
  }));
}

const OPP_COLUMNS: Column<Opportunity>[] = [
  { key: 'type', label: 'Component type', sortValue: (o) => o.componentType, render: (o) => o.componentType },
  { key: 'current', label: 'Current model', sortValue: (o) => o.currentModel, render: (o) => o.currentModel },
  {
    key: 'candidate',
    label: 'Cheaper model',
    sortValue: (o) => o.candidateModel,
    render: (o) => (
      <>
        <span class="gs-swatch" style={{ background: colorFor('model', o.candidateModel) }} />
        {o.candidateModel}
      </>
    ),
  },
  {
    key: 'quality',
    label: 'Quality Δ (worst score)',
    align: 'right',
    sortValue: (o) => o.worstDelta,
    title: 'candidate minus current on the score where the candidate does worst (0–1 scale)',
    render: (o) => `${o.worstDelta >= 0 ? '+' : ''}${formatScore(o.worstDelta)}`,
  },
  {
    key: 'cpr',
    label: 'Cost / run',
    align: 'right',
    sortValue: (o) => o.candidateCostPerRunUsd,
    render: (o) => `${formatUsd(o.candidateCostPerRunUsd)} vs ${formatUsd(o.currentCostPerRunUsd)}`,
  },
  {
    key: 'savings',
    label: 'Savings in window',
    align: 'right',
    sortValue: (o) => o.savingsUsd,
    render: (o) => `${formatUsd(o.savingsUsd)} (${formatRatioAsPercent(o.savingsShare, 0)})`,
  },
];

export function OpportunitiesPanel() {
  const { filters } = useDashboard();
  const id = 'trends-opportunities';
  const r = usePanelData<OpportunitiesResponse>(id, '/cost/opportunities', opportunitiesParams(filters));
  const d = r.data;
  const rows = d ? opportunityRows(d) : [];
  const tol = d?.tolerance ?? 0.02;
  return (
    <Panel
      id={id}
      title="Cost-saving opportunities"
      subtitle={`cheaper models (per run) whose mean pixel, structural and code quality on a component type are within ${tol} of the current model's`}
      {...panelStatus(r, () => true)}
      selfReady
      span={12}
    >
      {rows.length ? (
        <Table caption="Cost-saving opportunities" columns={OPP_COLUMNS} rows={rows} rowKey={(o) => `${o.componentType}|${o.candidateModel}`} initialSort={{ key: 'savings', dir: 'desc' }} />
      ) : d ? (
        <p class="gs-state gs-ok" role="status">
          No cheaper model matches the current one within {tol} on every score for any component type in this range (at least {d.minSamples} scored runs per model and type are needed).
        </p>
      ) : null}
    </Panel>
  );
}
