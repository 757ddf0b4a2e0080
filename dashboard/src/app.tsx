/**
 * The dashboard shell: header (live switch, export, theme), filter bar, KPI strip and the five
 * sections. Owns the view state and keeps it in the URL (push on a change, restore on back /
 * forward and reload), drives the live refresh tick, loads filter options and alert events.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { toChildArray } from 'preact';
import type { ComponentChildren } from 'preact';
import type { ExportDataset, FilterOptionsResponse } from '../../schema/api';
import type { AlertEventsResponse, ChangeReport } from '../../schema/alerts';
import { DashboardCtx } from './context';
import type { DashboardContext } from './context';
import { FilterBar } from './components/filter-bar';
import { Lazy } from './components/lazy';
import { KpiStrip } from './panels/kpis';
import { AccuracyPanel, CodeQualityPanel, ConfidencePanel, ConfusionPanel, CustomScoresPanel, SimilarityPanel } from './panels/quality';
import { BenchmarkDurationsPanel, CachePanel, HeatmapPanel, LatencyPanel, StagesPanel } from './panels/performance';
import { BudgetPanel, CostByComponentPanel, CostByModelPanel, CostByTypePanel, CostOverTimePanel } from './panels/cost';
import { AlertsPanel, OpportunitiesPanel, QualityTrendPanel, SuccessTrendPanel } from './panels/trends';
import { RecentRunsPanel, RunDetailPanel } from './panels/runs';
import { AlertRulesPanel } from './panels/alert-rules';
import { OtlpMetricsPanel } from './panels/otlp-metrics';
import { ModelCallsPanel } from './panels/models';
import { buildQuery } from './lib/api-client';
import type { ApiClient } from './lib/api-client';
import { API_BASE, alertChangesParams, alertEventsParams, exportParams, filterOptionsParams } from './lib/api-params';
import { resolveRange } from './lib/time-range';
import { matchesAlertFilters, normalizeAlertEvents, normalizeChanges } from './lib/alerts';
import { registerColorOrder } from './lib/colors';
import { newGeneration } from './lib/ready';
import { applyThemeMode, readThemeMode } from './lib/theme';
import type { ThemeMode } from './lib/theme';
import { parseViewState, sameFilters, serializeViewState } from './lib/url-state';
import type { Filters, ViewState } from './lib/url-state';
import { useApi } from './lib/use-api';
import { parseRoute, runsFilterFrom, sameRoute, serializeRoute } from './lib/route';
import type { Route } from './lib/route';
import { RunsPage } from './pages/runs-page';
import { TypePage } from './pages/type-page';
import { ComparePage } from './pages/compare-page';
import { formatDateTime, setDisplayTimeZone, timeZoneLabel } from './lib/format';

/** Live refresh period. Polling (not SSE) keeps the server stateless; a tick is skipped while the previous one loads. */
export const LIVE_REFRESH_MILLIS = 5000;

const SECTIONS = [
  { id: 'quality', label: 'Quality' },
  { id: 'performance', label: 'Performance' },
  { id: 'cost', label: 'Cost' },
  { id: 'trends', label: 'Trends' },
  { id: 'runs', label: 'Runs' },
] as const;

const EXPORT_DATASETS = [
  { key: 'runs', label: 'Runs' },
  { key: 'spans', label: 'Spans' },
  { key: 'scores', label: 'Scores' },
  { key: 'model-calls', label: 'Model calls' },
] as const;

const THEME_NEXT: Record<ThemeMode, ThemeMode> = { auto: 'light', light: 'dark', dark: 'auto' };
const THEME_LABEL: Record<ThemeMode, string> = { auto: 'Theme: auto', light: 'Theme: light', dark: 'Theme: dark' };

/** A dashboard section; each of its panels loads when scrolled near (components/lazy.tsx). */
function Section(props: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="gs-section" id={props.id} aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      <div class="gs-grid">
        {toChildArray(props.children).map((c, i) => (
          <Lazy key={i}>{c}</Lazy>
        ))}
      </div>
    </section>
  );
}

export function App({ client }: { client: ApiClient }) {
  const [view, setView] = useState<ViewState>(() => parseViewState(location.search));
  const [tick, setTick] = useState(0);
  const [updatedAt, setUpdatedAt] = useState(Date.now());
  const [simulated, setSimulated] = useState(false);
  const [themeMode, setThemeMode] = useState<ThemeMode>(readThemeMode);
  const [exportDataset, setExportDataset] = useState<string>('runs');
  const viewRef = useRef(view);
  viewRef.current = view;
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash, view.filters.range));

  const commit = (next: ViewState): void => {
    const prev = viewRef.current;
    if (!sameFilters(prev.filters, next.filters)) newGeneration();
    viewRef.current = next;
    setView(next);
    const url = `${location.pathname}${serializeViewState(next)}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.pushState(null, '', url);
  };

  // Back / forward: the URL is the source of truth.
  useEffect(() => {
    const onPop = (): void => {
      const next = parseViewState(location.search);
      if (!sameFilters(viewRef.current.filters, next.filters)) newGeneration();
      viewRef.current = next;
      setView(next);
    };
    // The page is the hash: drill-down links and the back button change it.
    const onHash = (): void => {
      const next = parseRoute(location.hash, viewRef.current.filters.range);
      setRoute((prev) => {
        if (sameRoute(prev, next)) return prev;
        newGeneration();
        if (next.page !== 'dashboard') window.scrollTo(0, 0);
        return next;
      });
    };
    window.addEventListener('popstate', onPop);
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  // Back on the dashboard from another page: scroll to the section the hash names, if any.
  useEffect(() => {
    if (route.page !== 'dashboard' || !/^#[a-z]+$/.test(location.hash)) return;
    document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, [route.page]);

  // Live: advance the tick every few seconds while visible and not busy.
  useEffect(() => {
    if (!view.live) return undefined;
    const timer = setInterval(() => {
      if (document.hidden || client.inflight() > 0) return;
      setTick((t) => t + 1);
      setUpdatedAt(Date.now());
    }, LIVE_REFRESH_MILLIS);
    return () => clearInterval(timer);
  }, [view.live, client]);

  // Module state read by every formatter and time axis: set before any child renders.
  setDisplayTimeZone(view.tz);
  const filters = view.filters;
  const optionsState = useApi<FilterOptionsResponse>(client, `${API_BASE}/filters`, filterOptionsParams(filters), { tick: Math.floor(tick / 6) });
  const options = optionsState.data;
  useMemo(() => {
    if (!options) return;
    registerColorOrder('model', options.models);
    registerColorOrder('type', options.componentTypes);
    registerColorOrder('stage', options.stages);
    registerColorOrder('operation', options.operations);
  }, [options]);

  // Alerts are optional: a 404 means the alerts API is not mounted; hide panel and markers.
  const alertWindow = resolveRange(filters.range, Date.now());
  const alertsState = useApi<AlertEventsResponse>(client, `${API_BASE}/alerts/events`, alertEventsParams(filters), { tick, priority: 'low' });
  const alertsStatus = alertsState.error?.status === 404 ? 'absent' : alertsState.status === 'error' && !alertsState.data ? 'error' : alertsState.data != null ? 'ok' : 'loading';
  // Detected changes move slowly (daily buckets) and scanning history is costly at millions of
  // spans: fetched when the filters change, not on live ticks.
  const changesState = useApi<ChangeReport>(client, `${API_BASE}/alerts/changes`, alertChangesParams(filters), {
    priority: 'low',
    enabled: alertsStatus === 'ok',
  });
  const changes = useMemo(
    () =>
      normalizeChanges(changesState.data).filter(
        (c) => c.timeMs >= alertWindow.fromMs - 86_400_000 && c.timeMs <= alertWindow.toMs && matchesAlertFilters(c, filters),
      ),
    [changesState.data, alertWindow.fromMs, alertWindow.toMs, filters],
  );
  const alerts = useMemo(
    // The filters apply to the panel and the chart markers alike: an alert about another slice is not shown.
    () =>
      normalizeAlertEvents(alertsState.data).filter(
        (a) => a.timeMs >= alertWindow.fromMs - 60_000 && a.timeMs <= alertWindow.toMs + 60_000 && matchesAlertFilters(a, filters),
      ),
    [alertsState.data, alertWindow.fromMs, alertWindow.toMs, filters],
  );

  const ctx: DashboardContext = {
    client,
    filters,
    tick,
    alerts,
    changes,
    options,
    colorsReady: options != null || optionsState.status === 'error',
    runId: view.runId,
    openRun: (id) => commit({ ...viewRef.current, runId: id }),
    zoomTo: (fromMs, toMs) => {
      if (toMs - fromMs < 60_000) return; // a click, not a drag
      commit({ ...viewRef.current, filters: { ...viewRef.current.filters, range: { kind: 'custom', fromMs, toMs } } });
    },
    reportSimulated: () => setSimulated(true),
    route,
    runsHref: (extra) => serializeRoute({ page: 'runs', runs: runsFilterFrom(viewRef.current.filters, extra) }),
    navigate: (next) => {
      // Setting the hash adds the history entry; the hashchange listener shows the page.
      const hash = serializeRoute(next);
      if (hash) {
        location.hash = hash;
        return;
      }
      // pushState fires no hashchange: tell the listener.
      history.pushState(null, '', `${location.pathname}${location.search}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
  };

  const setFilters = (f: Filters): void => commit({ ...viewRef.current, filters: f, runId: null });
  const exportQuery = buildQuery(exportParams(filters, exportDataset as ExportDataset));
  // Demo data is labelled: from any answer's meta.simulated, or from simulated benchmark runs.
  const showDemoBanner = simulated || (options?.benchmarkRuns.some((b) => b.simulated) ?? false);

  return (
    <DashboardCtx.Provider value={ctx}>
      <a class="gs-skip" href="#main">
        Skip to panels
      </a>
      <header class="gs-topbar">
        <div class="gs-brand">
          <span class="gs-logo" aria-hidden="true" />
          <h1>genscope</h1>
          <span class="gs-muted gs-tagline">design → component code pipeline</span>
        </div>
        <nav class="gs-nav" aria-label="Sections">
          {SECTIONS.map((s) => (
            <a key={s.id} href={`#${s.id}`}>
              {s.label}
            </a>
          ))}
          <a href="#/compare" data-nav="compare" aria-current={route.page === 'compare' ? 'page' : undefined}>
            Compare
          </a>
        </nav>
        <div class="gs-actions">
          <label class="gs-switch" title={`Refresh every ${LIVE_REFRESH_MILLIS / 1000} s`}>
            <input type="checkbox" role="switch" checked={view.live} onChange={(e) => commit({ ...viewRef.current, live: (e.currentTarget as HTMLInputElement).checked })} />
            <span class="gs-switch-track" aria-hidden="true" />
            <span>{view.live ? 'Live' : 'Paused'}</span>
          </label>
          <span class="gs-muted gs-updated" aria-live="polite">
            {view.live ? `updated ${formatDateTime(updatedAt).slice(11)}` : 'live updates paused'}
          </span>
          <div class="gs-export" role="group" aria-label="Export data for the current filters">
            <label class="gs-export-label" for="gs-export-dataset">
              Export
            </label>
            <select id="gs-export-dataset" value={exportDataset} onChange={(e) => setExportDataset((e.currentTarget as HTMLSelectElement).value)}>
              {EXPORT_DATASETS.map((d) => (
                <option key={d.key} value={d.key}>
                  {d.label}
                </option>
              ))}
            </select>
            <a class="gs-btn" href={`${API_BASE}/export/${exportDataset}.csv${exportQuery}`} download={`genscope-${exportDataset}.csv`} data-export="csv">
              CSV
            </a>
            <a class="gs-btn" href={`${API_BASE}/export/${exportDataset}.json${exportQuery}`} download={`genscope-${exportDataset}.json`} data-export="json">
              JSON
            </a>
          </div>
          <button
            type="button"
            class="gs-btn gs-tz"
            data-tz={view.tz}
            title="Time zone of every time on the page (click to switch)"
            aria-label={`Times in ${timeZoneLabel(view.tz)} (click for ${view.tz === 'utc' ? 'local time' : 'UTC'})`}
            onClick={() => commit({ ...viewRef.current, tz: viewRef.current.tz === 'utc' ? 'local' : 'utc' })}
          >
            {view.tz === 'utc' ? 'UTC' : 'Local'}
          </button>
          <button
            type="button"
            class="gs-btn gs-theme"
            aria-label={`${THEME_LABEL[themeMode]} (click to change)`}
            onClick={() => {
              const next = THEME_NEXT[themeMode];
              applyThemeMode(next);
              setThemeMode(next);
            }}
          >
            {themeMode === 'dark' ? '☾' : themeMode === 'light' ? '☀' : '◐'} {themeMode}
          </button>
        </div>
      </header>
      {/* Phones: the header scrolls away and this one-line bar stays (see app.css). */}
      <div class="gs-minibar">
        <span class="gs-minibar-brand">genscope</span>
        <nav class="gs-nav" aria-label="Sections (compact)">
          {SECTIONS.map((s) => (
            <a key={s.id} href={`#${s.id}`}>
              {s.label}
            </a>
          ))}
          <a href="#/compare" data-nav="compare" aria-current={route.page === 'compare' ? 'page' : undefined}>
            Compare
          </a>
        </nav>
      </div>
      {/* The runs explorer has its own filters (the runs API's); the other pages share these. */}
      {route.page === 'runs' || route.page === 'compare' ? null : (
        <div class="gs-filter-wrap">
          <FilterBar filters={filters} options={options} optionsError={optionsState.error?.message ?? null} onChange={setFilters} />
        </div>
      )}
      {showDemoBanner ? (
        <div class="gs-banner" role="note">
          Demo data: some of what is shown was produced by the demo generator or a simulated model, not by a real pipeline.
        </div>
      ) : null}
      <main id="main" class="gs-main" key={view.tz}>
        {route.page === 'runs' ? (
          <RunsPage filter={route.runs} />
        ) : route.page === 'compare' ? (
          <ComparePage params={route.params} />
        ) : route.page === 'type' ? (
          <TypePage type={route.type} />
        ) : (
          <>
        <Lazy eager>
          <KpiStrip />
        </Lazy>
        <Section id="quality" title="Quality">
          <AccuracyPanel />
          <ConfusionPanel />
          <ConfidencePanel />
          <SimilarityPanel />
          <CodeQualityPanel />
          <CustomScoresPanel />
        </Section>
        <Section id="performance" title="Performance">
          <LatencyPanel />
          <ModelCallsPanel />
          <HeatmapPanel />
          <StagesPanel />
          <CachePanel />
          <BenchmarkDurationsPanel />
          <OtlpMetricsPanel />
        </Section>
        <Section id="cost" title="Cost">
          <CostOverTimePanel />
          <BudgetPanel />
          <CostByTypePanel />
          <CostByModelPanel />
          <CostByComponentPanel />
        </Section>
        <Section id="trends" title="Trends">
          <SuccessTrendPanel />
          <QualityTrendPanel />
          <AlertsPanel
            status={alertsStatus}
            errorMessage={alertsState.error?.message}
            changesLoading={changesState.data == null && changesState.status !== 'error'}
            changesError={changesState.status === 'error' ? (changesState.error?.message ?? 'unknown error') : null}
          />
          <AlertRulesPanel />
          <OpportunitiesPanel />
        </Section>
        <Section id="runs" title="Runs">
          <RecentRunsPanel />
          <RunDetailPanel />
        </Section>
          </>
        )}
      </main>
      <footer class="gs-footer gs-muted">
        Times in {timeZoneLabel(view.tz)} · genscope · OpenTelemetry data in SQLite · <a href="/api/docs">API reference</a>
      </footer>
    </DashboardCtx.Provider>
  );
}
