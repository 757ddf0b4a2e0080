/**
 * Runs: a table of pipeline runs for a runs filter (newest first with "load older" through the
 * API's cursor, or one page of the slowest / costliest / worst-scored runs) and, for the selected
 * run, its span waterfall with attributes, scores and cost. The dashboard's Runs section, the runs
 * explorer and the component-type page all use RunsPanel.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunDetailResponse, RunRow, RunsResponse } from '../../../schema/api';
import { Panel } from '../components/panel';
import { Table } from '../components/table';
import type { Column } from '../components/table';
import { Waterfall } from '../components/waterfall';
import { RunArtefacts } from '../components/artefacts';
import { colorFor } from '../lib/colors';
import { API_BASE, runsParams } from '../lib/api-params';
import { formatCount, formatDateTime, formatDurationMs, formatScore, formatUsd } from '../lib/format';
import { runsFilterFrom } from '../lib/route';
import type { RunsFilter } from '../lib/route';
import type { ComponentChildren } from 'preact';
import { useApi } from '../lib/use-api';
import { useDashboard } from '../context';
import { panelStatus, usePanelData } from './use-panel-data';

/** The run's calls' tokens in full: input (of which cache read and cache write) and output. */
function tokensTitle(r: RunRow): string {
  return `${r.modelCalls} model calls: ${r.inputTokens} input (${r.cacheReadTokens} cache read, ${r.cacheWriteTokens} cache write), ${r.outputTokens} output tokens`;
}

const RUN_COLUMNS: Column<RunRow>[] = [
  { key: 'start', label: 'Started', sortValue: (r) => r.startMs, render: (r) => <time dateTime={new Date(r.startMs).toISOString()}>{formatDateTime(r.startMs)}</time> },
  { key: 'component', label: 'Component', sortValue: (r) => r.componentId, render: (r) => r.componentId ?? r.name },
  {
    key: 'type',
    label: 'Type',
    sortValue: (r) => r.componentType,
    render: (r) =>
      r.componentType ? (
        <>
          <span class="gs-swatch" style={{ background: colorFor('type', r.componentType) }} />
          {r.componentType}
        </>
      ) : (
        '–'
      ),
  },
  {
    key: 'model',
    label: 'Model',
    sortValue: (r) => r.model,
    render: (r) =>
      r.model ? (
        <>
          <span class="gs-swatch" style={{ background: colorFor('model', r.model) }} />
          {r.model}
        </>
      ) : (
        '–'
      ),
  },
  {
    key: 'service',
    label: 'Service',
    sortValue: (r) => r.service,
    render: (r) => r.service ?? '–',
  },
  { key: 'duration', label: 'Duration', align: 'right', sortValue: (r) => r.durationMs, render: (r) => formatDurationMs(r.durationMs) },
  {
    key: 'tokens',
    label: 'Tokens',
    align: 'right',
    sortValue: (r) => r.inputTokens + r.outputTokens,
    render: (r) =>
      r.modelCalls === 0 ? (
        '–'
      ) : (
        <span title={tokensTitle(r)}>
          {formatCount(r.inputTokens)} / {formatCount(r.outputTokens)}
        </span>
      ),
  },
  { key: 'cost', label: 'Cost', align: 'right', sortValue: (r) => r.costUsd, render: (r) => formatUsd(r.costUsd) },
  {
    key: 'status',
    label: 'Status',
    sortValue: (r) => r.status,
    render: (r) => (
      <span
        class={`gs-status gs-status-${r.status}`}
        title={r.statusMessage ?? (r.failedCalls > 0 ? `${r.failedCalls} of ${r.modelCalls} model calls failed` : undefined)}
      >
        {r.status === 'error' ? 'error' : 'ok'}
      </span>
    ),
  },
];

const SCORE_COLUMN = (score: string): Column<RunRow> => ({
  key: 'score',
  label: score,
  align: 'right',
  title: `the run's lowest ${score}`,
  sortValue: (r) => r.score ?? null,
  render: (r) => formatScore(r.score ?? null),
});

export interface RunsPanelProps {
  filter: RunsFilter;
  id?: string;
  title?: string;
  subtitle?: string;
  /** Page size (the API's limit). */
  limit?: number;
  actions?: ComponentChildren;
  emptyText?: ComponentChildren;
  maxHeightPx?: number;
}

export function RunsPanel(p: RunsPanelProps) {
  const { runId, openRun, client } = useDashboard();
  const id = p.id ?? 'runs-table';
  const filter = p.filter;
  const limit = p.limit ?? 50;
  // Below the fold: fetched after the charts' requests.
  const r = usePanelData<RunsResponse>(id, '/runs', runsParams(filter, null, limit), { priority: 'low' });
  const d = r.data;
  const [older, setOlder] = useState<{ forKey: unknown; runs: RunRow[]; cursor: string | null; loading: boolean; error: string | null }>({
    forKey: null,
    runs: [],
    cursor: null,
    loading: false,
    error: null,
  });
  // Older pages belong to the first page they continue; a new first page drops them.
  const pageKey = d;
  const extra = older.forKey === pageKey ? older : { forKey: pageKey, runs: [], cursor: d?.nextCursor ?? null, loading: false, error: null };
  const rows = d ? [...d.runs, ...extra.runs] : [];
  const scoreShown = filter.sort === 'worst' ? (filter.score ?? 'visual.pixel_similarity') : null;
  const columns = scoreShown ? [...RUN_COLUMNS.slice(0, -1), SCORE_COLUMN(scoreShown), ...RUN_COLUMNS.slice(-1)] : RUN_COLUMNS;

  const loadOlder = (): void => {
    const cursor = extra.cursor;
    if (!cursor) return;
    setOlder({ ...extra, loading: true, error: null });
    client.get<RunsResponse>(`${API_BASE}/runs`, runsParams(filter, cursor, limit)).then(
      (page) => setOlder({ forKey: pageKey, runs: [...extra.runs, ...page.runs], cursor: page.nextCursor, loading: false, error: null }),
      (err: unknown) => setOlder({ ...extra, loading: false, error: err instanceof Error ? err.message : String(err) }),
    );
  };

  return (
    <Panel
      id={id}
      title={p.title ?? 'Recent runs'}
      subtitle={p.subtitle ?? 'newest first; select a run to see its span waterfall'}
      {...panelStatus(r, (x) => x.runs.length > 0)}
      selfReady
      span={12}
      actions={p.actions}
      emptyText={p.emptyText ?? 'No run matches these filters in this range — widen the range or remove a filter.'}
    >
      <Table caption="Pipeline runs" columns={columns} rows={rows} rowKey={(x) => String(x.id)} onRowClick={(x) => openRun(String(x.id))} selectedKey={runId} maxHeightPx={p.maxHeightPx ?? 420} />
      <div class="gs-table-foot">
        <span class="gs-muted" data-runs-count={rows.length}>
          {rows.length} {rows.length === 1 ? 'run' : 'runs'} shown{extra.cursor ? '' : filter.sort === 'newest' ? ' (all)' : ''}
        </span>
        {extra.cursor ? (
          <button type="button" class="gs-btn" onClick={loadOlder} disabled={extra.loading}>
            {extra.loading ? 'Loading…' : 'Load older runs'}
          </button>
        ) : null}
        {extra.error ? <span class="gs-error-text">{extra.error}</span> : null}
      </div>
    </Panel>
  );
}

/** The dashboard's Runs section: the runs its filters select, with a link to the explorer. */
export function RecentRunsPanel() {
  const { filters, runsHref } = useDashboard();
  return (
    <RunsPanel
      filter={runsFilterFrom(filters)}
      actions={
        <a class="gs-btn" href={runsHref()} data-open-explorer>
          Filter and search runs →
        </a>
      }
    />
  );
}

export function RunDetailPanel() {
  const { runId, openRun, client } = useDashboard();
  const r = useApi<RunDetailResponse>(client, `${API_BASE}/runs/${encodeURIComponent(runId ?? '0')}`, {}, { enabled: runId != null });
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (runId) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [runId, r.data != null]);
  if (!runId) return null;
  const d = r.stale ? null : r.data;
  return (
    <div ref={ref} class="span-12 gs-run-detail-wrap" data-run-detail={runId}>
      <Panel
        id="run-detail"
        title={d ? `Run ${d.run.componentId ?? d.run.name}` : `Run ${runId}`}
        subtitle="span waterfall; select a span for its attributes, events, scores and model calls; the run's artefacts below"
        state={r.status === 'error' && !r.data ? 'error' : d ? 'ok' : 'loading'}
        error={r.error}
        onRetry={r.retry}
        selfReady
        span={12}
        actions={
          <button type="button" class="gs-btn" onClick={() => openRun(null)} aria-label="Close run details">
            Close
          </button>
        }
      >
        {d ? (
          <>
            <Waterfall detail={d} />
            <RunArtefacts client={client} runId={runId} />
          </>
        ) : null}
      </Panel>
    </div>
  );
}
