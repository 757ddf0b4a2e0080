/**
 * Cost section: cost over time by operation (stacked), cost by component type, cost by model,
 * and the month: cumulative spend, linear projection to month end, the budget line, runway.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { BudgetResponse, BudgetSettingResponse, CostBreakdownResponse, CostComponentsResponse, CostOverTimeResponse } from '../../../schema/api';
import { Table } from '../components/table';
import type { Column } from '../components/table';
import { AdminKey, writeError } from '../components/admin-key';
import type { WriteError } from '../components/admin-key';
import { BarList } from '../components/bar-list';
import { Panel } from '../components/panel';
import { Chart } from '../charts/chart';
import type { ChartSpec } from '../charts/chart-options';
import { colorFor } from '../lib/colors';
import type { ColorKind } from '../lib/colors';
import { API_BASE, budgetParams, costBreakdownParams, costComponentsParams, costOverTimeParams } from '../lib/api-params';
import { formatCount, formatDateTime, formatRatioAsPercent, formatUsd, formatValue } from '../lib/format';
import { announceBudgetChange, budgetChartData, onBudgetChange, parseBudgetInput } from '../lib/budget';
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

/** One row of the cost-per-component table: the component and its spend per stage and operation. */
interface ComponentCostRow {
  id: string;
  type: string;
  runs: number;
  costUsd: number;
  costPerRunUsd: number | null;
  split: number[];
}

/** A split key's column label: the stage and what the calls did there (embedding, generation, validation). */
export function splitLabel(stage: string, operation: string): string {
  const op = OPERATION_LABELS[operation] ?? (operation || 'other');
  return stage ? `${stage} · ${op}` : `${op} (no stage)`;
}

export function CostByComponentPanel() {
  const { filters } = useDashboard();
  const drill = useDrill();
  const id = 'cost-components';
  const r = usePanelData<CostComponentsResponse>(id, '/cost/components', costComponentsParams(filters));
  const d = r.data;
  const rows: ComponentCostRow[] = d
    ? d.componentId.map((cid, i) => ({
        id: cid,
        type: d.componentType[i] ?? '',
        runs: d.runs[i] ?? 0,
        costUsd: d.costUsd[i] ?? 0,
        costPerRunUsd: d.costPerRunUsd[i] ?? null,
        split: d.split.costUsd.map((c) => c[i] ?? 0),
      }))
    : [];
  const columns: Column<ComponentCostRow>[] = [
    { key: 'id', label: 'Component', sortValue: (x) => x.id, render: (x) => x.id },
    { key: 'type', label: 'Type', sortValue: (x) => x.type, render: (x) => x.type },
    { key: 'runs', label: 'Runs', align: 'right', sortValue: (x) => x.runs, render: (x) => formatCount(x.runs) },
    { key: 'cost', label: 'Cost', align: 'right', sortValue: (x) => x.costUsd, render: (x) => formatUsd(x.costUsd) },
    { key: 'cpr', label: 'Cost / run', align: 'right', sortValue: (x) => x.costPerRunUsd, render: (x) => formatUsd(x.costPerRunUsd) },
    ...(d?.split.stage ?? []).map(
      (stage, k): Column<ComponentCostRow> => ({
        key: `split-${k}`,
        label: splitLabel(stage, d?.split.operation[k] ?? ''),
        title: 'model spend of this component in this stage and operation over the window',
        align: 'right',
        sortValue: (x) => x.split[k] ?? 0,
        render: (x) => formatUsd(x.split[k] ?? 0),
      }),
    ),
  ];
  return (
    <Panel
      id={id}
      title="Cost per component by stage"
      subtitle={d ? `the ${rows.length} costliest of ${formatCount(d.totalComponents)} components, model spend by stage and operation; click a row for its runs` : 'model spend per component id, by stage and operation'}
      {...panelStatus(r, () => true)}
      selfReady
      span={12}
    >
      {rows.length ? (
        <Table caption="Cost per component by stage" columns={columns} rows={rows} rowKey={(x) => x.id} onRowClick={(x) => drill({ search: x.id })} maxHeightPx={360} />
      ) : d ? (
        <p class="gs-state" role="status">
          No component has model spend in this range.
        </p>
      ) : null}
    </Panel>
  );
}

const SOURCE_WORDS: Record<NonNullable<BudgetResponse['budgetSource']>, string> = {
  api: 'set on the dashboard or the API',
  config: 'from --budget-usd / GENSCOPE_MONTHLY_BUDGET_USD',
  demo: 'the SIMULATED demo\'s budget',
};

/** Sets the stored monthly budget (PUT /api/v1/budget; an admin key on a server with keys). */
function BudgetEditor(p: { current: number | null; onSaved: () => void; onClose: () => void }) {
  const { client } = useDashboard();
  const [text, setText] = useState(p.current != null ? String(p.current) : '');
  const [error, setError] = useState<WriteError | null>(null);
  const [saving, setSaving] = useState(false);
  const value = parseBudgetInput(text);
  const save = (): void => {
    if (value === undefined) return;
    setSaving(true);
    setError(null);
    client.send<BudgetSettingResponse>('PUT', `${API_BASE}/budget`, { monthlyBudgetUsd: value }).then(
      () => {
        setSaving(false);
        announceBudgetChange();
        p.onSaved();
      },
      (err: unknown) => {
        setSaving(false);
        setError(writeError(err, 'setting the budget'));
      },
    );
  };
  return (
    <form
      class="gs-budget-editor"
      data-budget-editor
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <label>
        Monthly budget (USD, all model spend){' '}
        <input
          inputMode="decimal"
          autocomplete="off"
          value={text}
          placeholder="e.g. 250 (empty: no budget)"
          aria-invalid={value === undefined}
          data-budget-input
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        />
      </label>{' '}
      <button type="submit" class="gs-btn" disabled={saving || value === undefined} data-budget-save>
        {value === null ? 'Remove budget' : 'Save'}
      </button>{' '}
      <button type="button" class="gs-btn" onClick={p.onClose}>
        Cancel
      </button>
      {value === undefined ? <span class="gs-error"> a number of USD such as 250 or 99.5</span> : null}
      {error ? (
        <p class="gs-error" role="alert">
          {error.message} {error.needsKey ? <AdminKey onSaved={save} /> : null}
        </p>
      ) : null}
    </form>
  );
}

export function BudgetPanel() {
  const { filters } = useDashboard();
  const drill = useDrill();
  const id = 'cost-budget';
  const r = usePanelData<BudgetResponse>(id, '/cost/budget', budgetParams(filters));
  const [editing, setEditing] = useState(false);
  const retry = useRef(r.retry);
  retry.current = r.retry;
  useEffect(() => onBudgetChange(() => retry.current()), []);
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
  // The budget is for all spend: under a type or model filter the chart is the slice's spend and
  // the runway stays that of all spend.
  const slice = [...filters.componentTypes, ...filters.models];
  const sub = b
    ? [
        b.filtered
          ? `${slice.join(', ')}: ${formatUsd(b.monthToDateUsd)} month to date${b.shareOfSpend != null ? ` (${formatRatioAsPercent(b.shareOfSpend)} of all spend)` : ''}`
          : `month to date ${formatUsd(b.monthToDateUsd)}`,
        `projected ${formatUsd(b.projectedMonthEndUsd)}`,
        b.monthlyBudgetUsd != null ? `budget ${formatUsd(b.monthlyBudgetUsd)}${b.filtered ? ' for all spend' : ''}` : 'no budget set',
        b.runwayDays != null ? `runway ${formatValue(b.runwayDays, 'days')}` : null,
      ]
        .filter(Boolean)
        .join(' · ')
    : 'this calendar month (UTC), USD';
  const runwayNote = (bb: BudgetResponse): string => {
    if (bb.monthlyBudgetUsd == null) return 'No monthly budget set: set one to see the budget line and runway.';
    const all = bb.filtered ? ` (all spend: ${formatUsd(bb.totalMonthToDateUsd)} so far)` : '';
    return bb.exhaustionMs != null
      ? `At ${formatUsd(bb.dailyBurnUsd)}/day${all} the budget runs out on ${formatDateTime(bb.exhaustionMs).slice(0, 10)}.`
      : `At ${formatUsd(bb.dailyBurnUsd)}/day${all} the budget lasts past the end of the month.`;
  };
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
          <p class="gs-note" data-budget-note>
            {runwayNote(b)}
            {b.budgetSource ? <span class="gs-muted"> Budget {SOURCE_WORDS[b.budgetSource]}.</span> : null}{' '}
            {editing ? null : (
              <button type="button" class="gs-link-btn" data-budget-edit onClick={() => setEditing(true)}>
                {b.monthlyBudgetUsd == null ? 'Set a budget' : 'Change budget'}
              </button>
            )}
          </p>
          {editing ? (
            <BudgetEditor
              current={b.monthlyBudgetUsd}
              onClose={() => setEditing(false)}
              onSaved={() => setEditing(false)}
            />
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}

export { CHART_HEIGHT };
