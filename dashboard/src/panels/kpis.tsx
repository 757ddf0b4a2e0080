/**
 * The KPI strip: runs, success rate, classification accuracy, mean visual similarity, p95 latency
 * (from /summary, each with its change against the previous window of equal length), and cost
 * month to date, projected month end, budget runway (from /cost/budget).
 */
import { useEffect, useRef } from 'preact/hooks';
import type { JSX } from 'preact';
import type { BudgetResponse, SummaryResponse } from '../../../schema/api';
import { KpiCard } from '../components/kpi-card';
import { useLazy } from '../components/lazy';
import { EmptyText } from '../components/panel';
import { budgetParams, summaryParams } from '../lib/api-params';
import { onBudgetChange } from '../lib/budget';
import { formatDateTime, formatUsd, formatScore } from '../lib/format';
import { setViewStatus, unregisterView } from '../lib/ready';
import { rangeLabel } from '../lib/time-range';
import { useDashboard } from '../context';
import { usePanelData, useSimulatedFlag } from './use-panel-data';

/** (value - previous) / |previous|, or null when either is missing or previous is 0. */
function relativeChange(value: number | null | undefined, previous: number | null | undefined): number | null {
  if (value == null || previous == null || previous === 0) return null;
  return (value - previous) / Math.abs(previous);
}

function comparedTo(label: string): string {
  return label.startsWith('Last ') ? `vs previous ${label.slice(5)}` : 'vs previous period';
}

export function KpiStrip() {
  const { filters } = useDashboard();
  // Inside `<Lazy eager>` (app.tsx): loads at once, refreshes on live ticks only while on screen.
  const { observe } = useLazy();
  const summary = usePanelData<SummaryResponse>('kpi-summary', '/summary', summaryParams(filters));
  const budget = usePanelData<BudgetResponse>('kpi-budget', '/cost/budget', budgetParams(filters));
  const budgetRetry = useRef(budget.retry);
  budgetRetry.current = budget.retry;
  useEffect(() => onBudgetChange(() => budgetRetry.current()), []);
  useSimulatedFlag(summary.data?.meta);
  const vs = comparedTo(rangeLabel(filters.range));

  const s = summary.data?.kpis;
  const b = budget.data;
  const noRuns = s != null && (s.runs.value ?? 0) === 0;
  const stageIgnored = summary.data?.meta.ignoredFilters.includes('stage') ?? false;

  useEffect(() => {
    if (summary.stale && summary.status !== 'loading') return;
    if (summary.status === 'ok') setViewStatus('kpi-summary', noRuns ? 'empty' : 'drawn', 'html');
    else if (summary.status === 'error') setViewStatus('kpi-summary', 'error', 'html');
  });
  useEffect(() => {
    if (budget.stale && budget.status !== 'loading') return;
    if (budget.status === 'ok') setViewStatus('kpi-budget', 'drawn', 'html');
    else if (budget.status === 'error') setViewStatus('kpi-budget', 'error', 'html');
  });
  useEffect(
    () => () => {
      unregisterView('kpi-summary');
      unregisterView('kpi-budget');
    },
    [],
  );

  const loading = (id: string, label: string) => (
    <div class="gs-kpi gs-kpi-loading" data-kpi={id} aria-busy="true">
      <div class="gs-kpi-label">{label}</div>
      <div class="gs-skeleton-line" />
    </div>
  );
  const failed = (id: string, label: string, msg: string | undefined) => (
    <div class="gs-kpi gs-kpi-error" data-kpi={id} role="alert">
      <div class="gs-kpi-label">{label}</div>
      <div class="gs-kpi-hint">Could not load: {msg ?? 'unknown error'}</div>
    </div>
  );
  const summaryCard = (id: string, label: string, node: () => JSX.Element) =>
    s ? node() : summary.status === 'error' ? failed(id, label, summary.error?.message) : loading(id, label);
  const budgetCard = (id: string, label: string, node: () => JSX.Element) =>
    b ? node() : budget.status === 'error' ? failed(id, label, budget.error?.message) : loading(id, label);

  // The budget is for all spend: under a type or model filter the card shows the slice and its share.
  const budgetHint = (bb: BudgetResponse): string =>
    bb.filtered
      ? `${bb.shareOfSpend != null ? `${Math.round(bb.shareOfSpend * 1000) / 10}% of ` : 'of '}${formatUsd(bb.totalMonthToDateUsd)} all spend${bb.monthlyBudgetUsd != null ? ` · budget ${formatUsd(bb.monthlyBudgetUsd)}` : ''}`
      : bb.monthlyBudgetUsd != null
        ? `of ${formatUsd(bb.monthlyBudgetUsd)} monthly budget`
        : 'no monthly budget set';

  return (
    <section ref={observe} class="gs-kpis" aria-label="Key figures" data-panel="kpis">
      {noRuns ? (
        <p class="gs-state gs-empty gs-kpi-empty" role="status">
          <EmptyText />
        </p>
      ) : null}
      {stageIgnored ? (
        <p class="gs-note gs-kpi-note" role="note" data-kpi-note="stage">
          Key figures are per whole run (end to end): the stage filter ({filters.stages.join(', ')}) applies to the charts below, not here.
        </p>
      ) : null}
      <div class="gs-kpi-grid">
        {summaryCard('runs', 'Runs', () => (
          <KpiCard id="runs" label="Runs" unit="count" value={s?.runs.value ?? null} previous={s?.runs.previous} change={s?.runs.change} better="neutral" comparedTo={vs} />
        ))}
        {summaryCard('successRate', 'Success rate', () => (
          <KpiCard id="successRate" label="Success rate" unit="ratio" value={s?.successRate.value ?? null} previous={s?.successRate.previous} change={s?.successRate.change} better="up" comparedTo={vs} />
        ))}
        {summaryCard('classificationAccuracy', 'Classification accuracy', () => (
          <KpiCard
            id="classificationAccuracy"
            label="Classification accuracy"
            unit="ratio"
            value={s?.classificationAccuracy.value ?? null}
            previous={s?.classificationAccuracy.previous}
            change={s?.classificationAccuracy.change}
            better="up"
            comparedTo={vs}
          />
        ))}
        {summaryCard('visualSimilarity', 'Mean visual similarity', () => (
          <KpiCard
            id="visualSimilarity"
            label="Mean visual similarity"
            unit="score"
            value={s?.pixelSimilarity.value ?? null}
            previous={s?.pixelSimilarity.previous}
            change={s?.pixelSimilarity.change}
            better="up"
            comparedTo={vs}
            hint={`pixel (0–1); structural ${formatScore(s?.structuralSimilarity.value)}`}
          />
        ))}
        {summaryCard('latencyP95', 'p95 latency', () => (
          <KpiCard
            id="latencyP95"
            label="p95 latency"
            unit="ms"
            value={s?.latencyP95Ms.value ?? null}
            previous={s?.latencyP95Ms.previous}
            change={s?.latencyP95Ms.change}
            better="down"
            comparedTo={vs}
            hint="end to end, per run"
          />
        ))}
        {budgetCard('costMtd', 'Cost month to date', () => (
          <KpiCard
            id="costMtd"
            label="Cost month to date"
            unit="usd"
            value={b?.monthToDateUsd ?? null}
            previous={b?.previousMonthToDateUsd}
            change={relativeChange(b?.monthToDateUsd, b?.previousMonthToDateUsd)}
            comparedTo="vs same point last month"
            better="down"
            hint={b ? budgetHint(b) : undefined}
          />
        ))}
        {budgetCard('projected', 'Projected month end', () => (
          <KpiCard
            id="projected"
            label="Projected month end"
            unit="usd"
            value={b?.projectedMonthEndUsd ?? null}
            previous={b?.previousMonthUsd}
            change={relativeChange(b?.projectedMonthEndUsd, b?.previousMonthUsd)}
            comparedTo="vs last month"
            better="down"
            hint={b?.projectedOverBudget ? 'over budget at the current pace' : b?.projectedOverBudget === false ? 'within budget at the current pace' : 'linear projection of this month'}
          />
        ))}
        {budgetCard('runway', 'Budget runway', () => (
          <KpiCard
            id="runway"
            label="Budget runway"
            unit="days"
            value={b?.runwayDays ?? null}
            better="up"
            hint={
              b
                ? b.monthlyBudgetUsd == null
                  ? 'set a monthly budget to see the runway'
                  : `${formatUsd(b.dailyBurnUsd)}/day burn${b.filtered ? ' (all spend)' : ''}${b.exhaustionMs != null ? ` · runs out ${formatDateTime(b.exhaustionMs).slice(0, 10)}` : ''}`
                : undefined
            }
          />
        ))}
      </div>
    </section>
  );
}
