/**
 * Cost section: cost over time by operation (stacked), cost by component type, cost by model,
 * and the month: cumulative spend, linear projection to month end, the budget line, runway.
 */
import { useMemo, useState } from 'preact/hooks';
import type { BudgetResponse, CostBreakdownResponse, CostOverTimeResponse } from '../../../schema/api';
import { BarList } from '../components/bar-list';
import { Panel } from '../components/panel';
import { Chart } from '../charts/chart';
import type { ChartSpec } from '../charts/chart-options';
import { colorFor } from '../lib/colors';
import type { ColorKind } from '../lib/colors';
import { budgetParams, costBreakdownParams, costOverTimeParams } from '../lib/api-params';
import { formatCount, formatDateTime, formatRatioAsPercent, formatUsd, formatValue } from '../lib/format';
import { budgetChartData } from '../lib/budget';
import { useDashboard } from '../context';
import { CHART_HEIGHT, TimeChart, bucketRange, bucketWords, columns, hasPoints, useAlertMarkers, useDrill } from './shared';
import { panelState, panelStatus, usePanelData } from './use-panel-data';

/** Display names of gen_ai.operation.name values in the cost charts. */
const OPERATION_LABELS: Record<string, string> = {
  embeddings: 'embedding',
  chat: 'generation (chat)',
  text_completion: 'generation (completion)',
  generate_content: 'generation',
};

const COST_GROUPINGS = [
  { key: 'operation', label: 'by operation', kind: 'operation' },
  { key: 'stage', label: 'by stage', kind: 'stage' },
  { key: 'model', label: 'by model', kind: 'model' },
] as const;
type CostGrouping = (typeof COST_GROUPINGS)[number]['key'];

export function CostOverTimePanel() {
  const { filters } = useDashboard();
  const id = 'cost-over-time';
  const [groupBy, setGroupBy] = useState<CostGrouping>('operation');
  const r = usePanelData<CostOverTimeResponse>(id, '/cost/over-time', costOverTimeParams(filters, groupBy));
  const d = r.data;
  const groups = d?.groups ?? [];
  const kind = COST_GROUPINGS.find((g) => g.key === (d?.groupBy ?? groupBy))?.kind ?? 'operation';
  const data = d ? columns(d.t, groups, d.series) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'usd', label: 'cost per bucket' },
    series: groups.map((g) => ({ label: kind === 'operation' ? (OPERATION_LABELS[g] ?? g) : g, color: colorFor(kind, g), paths: 'bars' as const })),
    stacked: true,
    legend: true,
    footer: (idx) => (d ? `total ${formatUsd(d.total[idx] ?? 0)}` : null),
  };
  const total = d ? d.total.reduce((a, b) => a + b, 0) : 0;
  return (
    <Panel
      id={id}
      title="Cost over time"
      subtitle={d ? `${formatUsd(total)} in the window · USD per ${bucketWords(d.meta.bucketSeconds)}, stacked ${COST_GROUPINGS.find((g) => g.key === groupBy)?.label ?? ''}` : 'USD per bucket, stacked'}
      {...panelStatus(r, (x) => x.total.some((v) => v > 0))}
      span={6}
      actions={
        <select class="gs-inline-select" value={groupBy} aria-label="Split cost" onChange={(e) => setGroupBy((e.currentTarget as HTMLSelectElement).value as CostGrouping)}>
          {COST_GROUPINGS.map((g) => (
            <option key={g.key} value={g.key}>
              {g.label}
            </option>
          ))}
        </select>
      }
    >
      {d && data ? (
        <TimeChart
          readyId={id}
          spec={spec}
          data={data}
          meta={d.meta}
          stale={r.stale}
          alertTopics={['cost']}
          ariaLabel="Model cost over time, stacked"
          // Runs have a model, not an operation or a stage: only the model split narrows the runs.
          drill={(_i, s) => (kind === 'model' && s != null && groups[s] ? { models: [groups[s] as string] } : {})}
        />
      ) : null}
    </Panel>
  );
}

function BreakdownPanel(p: { id: string; title: string; groupBy: 'componentType' | 'model'; colorKind: ColorKind }) {
  const { filters, runsHref, options } = useDashboard();
  const r = usePanelData<CostBreakdownResponse>(p.id, '/cost/breakdown', costBreakdownParams(filters, p.groupBy));
  const d = r.data;
  return (
    <Panel
      id={p.id}
      title={p.title}
      subtitle={d ? `${formatUsd(d.totalUsd)} total in the window (USD)` : 'USD in the window'}
      {...panelStatus(r, (x) => x.totalUsd > 0 || x.calls.some((c) => (c ?? 0) > 0))}
      selfReady
      span={6}
    >
      {d ? (
        <BarList
          caption={p.title}
          unit="usd"
          items={d.groups
            .map((g, i) => ({
              label: g,
              value: d.costUsd[i] ?? 0,
              color: colorFor(p.colorKind, g),
              detail: `${formatRatioAsPercent(d.share[i] ?? null, 0)} · ${formatCount(d.calls[i] ?? 0)} calls · ${formatUsd(d.costPerCallUsd[i] ?? null)}/call`,
              // A model that runs no pipeline runs (an embedding model) has no runs to open.
              href: p.groupBy === 'componentType' ? runsHref({ componentTypes: [g] }) : options?.models.includes(g) ? runsHref({ models: [g] }) : undefined,
            }))
            .sort((a, b) => b.value - a.value)}
        />
      ) : null}
    </Panel>
  );
}

export function CostByTypePanel() {
  return <BreakdownPanel id="cost-by-type" title="Cost by component type" groupBy="componentType" colorKind="type" />;
}

export function CostByModelPanel() {
  return <BreakdownPanel id="cost-by-model" title="Cost by model" groupBy="model" colorKind="model" />;
}

export function BudgetPanel() {
  const { filters } = useDashboard();
  const drill = useDrill();
  const id = 'cost-budget';
  const r = usePanelData<BudgetResponse>(id, '/cost/budget', budgetParams(filters));
  const b = r.data;
  const data = useMemo(() => (b ? budgetChartData(b) : null), [b]);
  const markers = useAlertMarkers(['cost']);
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'usd', label: 'cumulative cost' },
    series: [
      { label: 'month to date', color: colorFor('series', 'actual'), fill: 0.12, width: 2 },
      { label: 'projection', color: colorFor('series', 'projection'), dash: [6, 4], width: 2 },
      { label: 'budget', color: colorFor('series', 'budget'), dash: [2, 3], width: 1.5 },
    ],
    legend: true,
  };
  // The budget is the whole pipeline's; under a type or model filter the spend is the slice's.
  const slice = [...filters.componentTypes, ...filters.models];
  const sub = b
    ? [
        slice.length ? `spend of ${slice.join(', ')} only, against the whole monthly budget` : null,
        `month to date ${formatUsd(b.monthToDateUsd)}`,
        `projected ${formatUsd(b.projectedMonthEndUsd)}`,
        b.monthlyBudgetUsd != null ? `budget ${formatUsd(b.monthlyBudgetUsd)}` : 'no budget set',
        b.runwayDays != null ? `runway ${formatValue(b.runwayDays, 'days')}` : null,
      ]
        .filter(Boolean)
        .join(' · ')
    : 'this calendar month (UTC), USD';
  return (
    <Panel
      id={id}
      title="Month to date, projection and budget"
      subtitle={sub}
      state={panelState(r, () => hasPoints(data))}
      error={r.error}
      onRetry={r.retry}
      meta={b?.meta}
      fetching={r.fetching}
      stale={r.stale}
      span={6}
      emptyText={
        <>
          No model cost this month yet — run <code>genscope demo</code> or send pipeline telemetry.
        </>
      }
    >
      {b && data ? (
        <>
          <Chart
            readyId={id}
            spec={spec}
            data={data}
            xRange={[b.monthStartMs, b.monthEndMs]}
            height={CHART_HEIGHT - 24}
            plugins={markers.plugins}
            redrawKey={markers.redrawKey}
            stale={r.stale}
            ariaLabel="Cumulative cost this month with projection to month end and the budget line (click a day for its runs)"
            onPointClick={(c) => {
              // Actual points are day starts; the projection's points (now, month end) have no runs of their own.
              const day = Math.floor(c.xVal / 86_400_000) * 86_400_000;
              if (day >= b.monthStartMs && day <= b.nowMs) drill({ ...bucketRange(day, Math.min(day + 86_400_000, b.monthEndMs)) });
            }}
          />
          <p class="gs-note">
            {b.monthlyBudgetUsd == null
              ? 'Set monthlyBudgetUsd (or GENSCOPE_MONTHLY_BUDGET_USD) to see the budget line and runway.'
              : b.exhaustionMs != null
                ? `At ${formatUsd(b.dailyBurnUsd)}/day the budget runs out on ${formatDateTime(b.exhaustionMs).slice(0, 10)}.`
                : `At ${formatUsd(b.dailyBurnUsd)}/day the budget lasts past the end of the month.`}
          </p>
        </>
      ) : null}
    </Panel>
  );
}

export { CHART_HEIGHT };
