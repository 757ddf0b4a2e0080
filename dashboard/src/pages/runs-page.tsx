/**
 * The runs explorer (#/runs?...): every filter of /api/v1/runs as a control or a removable chip,
 * the runs table and the selected run's waterfall. Drill-downs from the charts land here with
 * their filters in the URL; every change is a new history entry, so the back button undoes it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { RunSort } from '../../../schema/api';
import { MultiSelect } from '../components/multi-select';
import { RunDetailPanel, RunsPanel } from '../panels/runs';
import { RANGE_PRESETS, isPresetKey, rangeLabel } from '../lib/time-range';
import { formatDateTime, formatDurationMs, formatScore } from '../lib/format';
import type { RunsFilter, RunStatus } from '../lib/route';
import { useDashboard } from '../context';
import { PageHead } from '../components/page-head';

const SORT_LABELS: Record<RunSort, string> = {
  newest: 'Newest first',
  slowest: 'Slowest first',
  costliest: 'Costliest first',
  worst: 'Worst score first',
};

/** What the filter's time range covers, in words. */
export function rangeWords(f: RunsFilter): string {
  if (f.range.kind === 'preset') return rangeLabel(f.range);
  return `${formatDateTime(f.range.fromMs)} – ${formatDateTime(f.range.toMs)}`;
}

interface Chip {
  key: string;
  text: string;
  clear: Partial<RunsFilter>;
}

/** The filters that have no control of their own, as chips (drill-downs set them). */
function chips(f: RunsFilter): Chip[] {
  const out: Chip[] = [];
  if (f.range.kind === 'custom') out.push({ key: 'range', text: `time ${rangeWords(f)}`, clear: { range: { kind: 'preset', preset: '30d' } } });
  if (f.minDurationMs != null || f.maxDurationMs != null) {
    const lo = f.minDurationMs != null ? formatDurationMs(f.minDurationMs) : '0';
    const hi = f.maxDurationMs != null ? formatDurationMs(f.maxDurationMs) : '∞';
    out.push({ key: 'duration', text: `duration ${lo} – ${hi}`, clear: { minDurationMs: null, maxDurationMs: null } });
  }
  if (f.score && (f.scoreMin != null || f.scoreMax != null)) {
    out.push({
      key: 'score',
      text: `${f.score} ${f.scoreMin != null ? formatScore(f.scoreMin) : '0'} – ${f.scoreMax != null ? formatScore(f.scoreMax) : '1'}`,
      clear: { scoreMin: null, scoreMax: null, score: f.sort === 'worst' ? f.score : null },
    });
  }
  if (f.benchmarkRun) out.push({ key: 'benchmark', text: `benchmark run ${f.benchmarkRun}`, clear: { benchmarkRun: null } });
  return out;
}

export function RunsFilterBar({ filter, onChange }: { filter: RunsFilter; onChange: (f: RunsFilter) => void }) {
  const { options } = useDashboard();
  const [search, setSearch] = useState(filter.search);
  useEffect(() => setSearch(filter.search), [filter.search]);
  const set = (patch: Partial<RunsFilter>): void => onChange({ ...filter, ...patch });
  const noOptions = 'No data in the last 90 days';
  return (
    <form
      class="gs-filterbar gs-runs-filters"
      aria-label="Run filters"
      onSubmit={(e) => {
        e.preventDefault();
        set({ search: search.trim() });
      }}
    >
      <div class="gs-field">
        <label class="gs-field-label" for="gs-runs-range">
          Started
        </label>
        <select
          id="gs-runs-range"
          value={filter.range.kind === 'preset' ? filter.range.preset : 'custom'}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            if (isPresetKey(v)) set({ range: { kind: 'preset', preset: v } });
          }}
        >
          {RANGE_PRESETS.map((p) => (
            <option key={p.key} value={p.key}>
              {p.label}
            </option>
          ))}
          {filter.range.kind === 'custom' ? <option value="custom">{rangeWords(filter)}</option> : null}
        </select>
      </div>
      <div class="gs-field">
        <label class="gs-field-label" for="gs-runs-status">
          Status
        </label>
        <select id="gs-runs-status" value={filter.status} onChange={(e) => set({ status: (e.currentTarget as HTMLSelectElement).value as RunStatus })}>
          <option value="all">All</option>
          <option value="ok">Succeeded</option>
          <option value="error">Failed</option>
        </select>
      </div>
      <MultiSelect id="gs-runs-type" label="Component type" options={options?.componentTypes ?? []} selected={filter.componentTypes} colorKind="type" disabledReason={noOptions} onChange={(v) => set({ componentTypes: v })} />
      <MultiSelect id="gs-runs-predicted" label="Classified as" options={options?.componentTypes ?? []} selected={filter.predicted} colorKind="type" disabledReason={noOptions} onChange={(v) => set({ predicted: v })} />
      <MultiSelect id="gs-runs-model" label="Model" options={options?.models ?? []} selected={filter.models} colorKind="model" disabledReason={noOptions} onChange={(v) => set({ models: v })} />
      <MultiSelect id="gs-runs-service" label="Service" options={options?.services ?? []} selected={filter.services} disabledReason={noOptions} onChange={(v) => set({ services: v })} />
      <div class="gs-field">
        <label class="gs-field-label" for="gs-runs-search">
          Component id contains
        </label>
        <input id="gs-runs-search" type="search" value={search} maxLength={200} placeholder="e.g. card-0" onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} onBlur={() => search.trim() !== filter.search && set({ search: search.trim() })} />
      </div>
      <div class="gs-field">
        <label class="gs-field-label" for="gs-runs-sort">
          Order
        </label>
        <select id="gs-runs-sort" value={filter.sort} onChange={(e) => set({ sort: (e.currentTarget as HTMLSelectElement).value as RunSort })}>
          {(Object.keys(SORT_LABELS) as RunSort[]).map((k) => (
            <option key={k} value={k}>
              {SORT_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      {filter.sort === 'worst' ? (
        <div class="gs-field">
          <label class="gs-field-label" for="gs-runs-score">
            Score
          </label>
          <select id="gs-runs-score" value={filter.score ?? 'visual.pixel_similarity'} onChange={(e) => set({ score: (e.currentTarget as HTMLSelectElement).value })}>
            {[...new Set([...(options?.scores ?? []), filter.score ?? 'visual.pixel_similarity'])].sort().map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <button type="submit" class="gs-sr-only" tabIndex={-1}>
        Search
      </button>
      <div class="gs-chips" aria-label="Other filters">
        {chips(filter).map((c) => (
          <span key={c.key} class="gs-chip" data-chip={c.key}>
            {c.text}
            <button type="button" class="gs-chip-x" aria-label={`Remove filter ${c.text}`} onClick={() => set(c.clear)}>
              ×
            </button>
          </span>
        ))}
      </div>
    </form>
  );
}

/** One sentence saying what the table holds (what a drill-down selected). */
export function describeRuns(f: RunsFilter): string {
  const parts = [
    f.status === 'error' ? 'failed runs' : f.status === 'ok' ? 'succeeded runs' : 'runs',
    f.componentTypes.length ? `of type ${f.componentTypes.join(', ')}` : null,
    f.predicted.length ? `classified as ${f.predicted.join(', ')}` : null,
    f.models.length ? `with ${f.models.join(', ')}` : null,
    f.services.length ? `from ${f.services.join(', ')}` : null,
    f.search ? `whose id contains "${f.search}"` : null,
    `started ${f.range.kind === 'preset' ? rangeLabel(f.range).toLowerCase() : rangeWords(f)}`,
  ];
  return parts.filter((p): p is string => p !== null).join(' ');
}

export function RunsPage({ filter }: { filter: RunsFilter }) {
  const { navigate } = useDashboard();
  return (
    <section class="gs-section gs-page" aria-labelledby="runs-page-h" data-page="runs">
      <PageHead id="runs-page-h" title="Runs">
        {filter.componentTypes.length === 1 ? (
          <a class="gs-btn" href={`#/type/${encodeURIComponent(filter.componentTypes[0] ?? '')}`}>
            {filter.componentTypes[0]} overview →
          </a>
        ) : null}
      </PageHead>
      <RunsFilterBar filter={filter} onChange={(f) => navigate({ page: 'runs', runs: f })} />
      <div class="gs-grid">
        <RunsPanel id="runs-explorer" filter={filter} title="Runs" subtitle={describeRuns(filter)} maxHeightPx={560} />
        <RunDetailPanel />
      </div>
    </section>
  );
}
