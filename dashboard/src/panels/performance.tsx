/**
 * Performance section: latency percentiles over time, per-stage breakdown, latency heatmap,
 * cache hit rates over time, benchmark run durations.
 */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { BenchmarkDurationsResponse, CacheResponse, HeatmapResponse, LatencyResponse, StagesResponse } from '../../../schema/api';
import { Panel } from '../components/panel';
import { Table } from '../components/table';
import type { Column } from '../components/table';
import { Chart } from '../charts/chart';
import type { ChartSpec } from '../charts/chart-options';
import { heatmapCellAt, heatmapColor, heatmapHasData, heatmapLatencyRange, latencyHeatmapPlugin } from '../charts/heatmap-plugin';
import type { HeatmapGrid } from '../charts/heatmap-plugin';
import { colorFor } from '../lib/colors';
import { benchmarkDurationsParams, heatmapParams, panelParams } from '../lib/api-params';
import { durationAxisUnit, formatCount, formatDateTime, formatDurationMs, formatRatioAsPercent } from '../lib/format';
import { useDashboard } from '../context';
import { CHART_HEIGHT, TimeChart, bucketRange, bucketWords, columns, hasPoints, useAlertMarkers, useDrill } from './shared';
import { panelState, panelStatus, usePanelData } from './use-panel-data';

const RUN_STAGE = '(run)';

export function LatencyPanel() {
  const { filters } = useDashboard();
  const id = 'performance-latency';
  const r = usePanelData<LatencyResponse>(id, '/performance/latency', panelParams(filters));
  const d = r.data;
  const data = d ? columns(d.t, ['p50', 'p95', 'p99'], { p50: d.p50, p95: d.p95, p99: d.p99 }) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'ms', label: 'latency' },
    series: [
      { label: 'p50', color: colorFor('series', 'p50'), fill: 0.06 },
      { label: 'p95', color: colorFor('series', 'p95') },
      { label: 'p99', color: colorFor('series', 'p99'), dash: [5, 3] },
    ],
    footer: (idx) => (d ? `${formatCount(d.count[idx] ?? 0)} spans` : null),
  };
  const what = filters.stages.length ? `stage ${filters.stages.join(', ')}` : 'end to end (genscope.run)';
  const overall = d?.overall;
  return (
    <Panel
      id={id}
      title="Latency percentiles over time"
      subtitle={
        overall && overall.count > 0
          ? `${what}, per bucket (${durationAxisUnit(Math.max(0, ...d.p99.map((v) => v ?? 0))).label}) · overall p50 ${formatDurationMs(overall.p50)}, p95 ${formatDurationMs(overall.p95)}, p99 ${formatDurationMs(overall.p99)}`
          : `${what}, per bucket (${durationAxisUnit(Math.max(0, ...(d?.p99 ?? []).map((v) => v ?? 0))).label})`
      }
      state={panelState(r, () => hasPoints(data))}
      error={r.error}
      onRetry={r.retry}
      meta={d ? { ...d.meta, exact: d.meta.exact } : null}
      fetching={r.fetching}
      stale={r.stale}
      span={6}
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['latency']} ariaLabel="Latency p50, p95 and p99 over time" /> : null}
    </Panel>
  );
}

interface StageRow {
  stage: string;
  count: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  share: number | null;
}

const STAGE_COLUMNS: Column<StageRow>[] = [
  {
    key: 'stage',
    label: 'Stage',
    sortValue: (r) => r.stage,
    render: (r) => (
      <>
        <span class="gs-swatch" style={{ background: colorFor('stage', r.stage) }} />
        {r.stage}
      </>
    ),
  },
  { key: 'count', label: 'Spans', align: 'right', sortValue: (r) => r.count, render: (r) => formatCount(r.count) },
  { key: 'p50', label: 'p50', align: 'right', sortValue: (r) => r.p50, render: (r) => formatDurationMs(r.p50), title: 'median duration' },
  { key: 'p95', label: 'p95', align: 'right', sortValue: (r) => r.p95, render: (r) => formatDurationMs(r.p95) },
  { key: 'p99', label: 'p99', align: 'right', sortValue: (r) => r.p99, render: (r) => formatDurationMs(r.p99) },
  { key: 'share', label: 'Share', align: 'right', sortValue: (r) => r.share, render: (r) => formatRatioAsPercent(r.share), title: 'share of the summed stage time' },
  { key: 'errors', label: 'Errors', align: 'right', sortValue: (r) => r.errorRate, render: (r) => formatRatioAsPercent(r.errorRate) },
];

export function StagesPanel() {
  const { filters } = useDashboard();
  const id = 'performance-stages';
  const r = usePanelData<StagesResponse>(id, '/performance/stages', panelParams(filters));
  const d = r.data;
  const stages = (d?.stages ?? []).filter((s) => s !== RUN_STAGE);
  const data = d ? columns(d.t, stages, d.meanMsOverTime) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'ms', label: 'mean duration' },
    series: stages.map((s) => ({ label: s, color: colorFor('stage', s) })),
    stacked: true,
    legend: false,
    footer: (idx) => {
      if (!d) return null;
      let sum = 0;
      for (const s of stages) sum += d.meanMsOverTime[s]?.[idx] ?? 0;
      return `sum of stage means ${formatDurationMs(sum)}`;
    },
  };
  const rows: StageRow[] = (d?.stages ?? []).map((s, i) => ({
    stage: s,
    count: d?.count[i] ?? 0,
    errorRate: d?.errorRate[i] ?? null,
    p50: d?.p50Ms[i] ?? null,
    p95: d?.p95Ms[i] ?? null,
    p99: d?.p99Ms[i] ?? null,
    share: s === RUN_STAGE ? null : (d?.share[i] ?? null),
  }));
  return (
    <Panel
      id={id}
      title="Stage breakdown"
      subtitle="mean duration per stage over time, stacked (ms); percentiles, share and errors over the window"
      {...panelStatus(r, () => hasPoints(data))}
      span={12}
    >
      {d && data ? (
        <div class="gs-split">
          <div class="gs-split-main">
            <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['latency']} ariaLabel="Mean duration per stage over time, stacked" />
          </div>
          <div class="gs-split-side">
            <Table caption="Latency by stage" columns={STAGE_COLUMNS} rows={rows} rowKey={(x) => x.stage} />
          </div>
        </div>
      ) : null}
    </Panel>
  );
}

/** The heatmap's colour scale: a log ramp from 1 span to the busiest cell, with its end labels. */
export function HeatmapLegend({ maxCount, bucketSeconds }: { maxCount: number; bucketSeconds: number | null }) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => heatmapColor(Math.max(1, Math.round(Math.exp(f * Math.log(Math.max(1, maxCount))))), maxCount));
  const mid = Math.round(Math.sqrt(Math.max(1, maxCount)));
  return (
    <div class="gs-heat-legend" data-heat-legend={maxCount} aria-label={`Colour scale: 1 to ${formatCount(maxCount)} spans per cell, log scale`}>
      <span class="gs-muted">spans per cell{bucketSeconds ? ` (${bucketWords(bucketSeconds)})` : ''}</span>
      <span>1</span>
      <span class="gs-heat-ramp" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span>{maxCount > 3 ? `${formatCount(mid)} · ` : ''}{formatCount(maxCount)}</span>
    </div>
  );
}

let heatmapGrids = 0;

export function HeatmapPanel() {
  const { filters, zoomTo } = useDashboard();
  const drill = useDrill();
  const id = 'performance-heatmap';
  const r = usePanelData<HeatmapResponse>(id, '/performance/heatmap', heatmapParams(filters));
  const d = r.data;
  const grid: HeatmapGrid | null = d ? { t: d.t, bucketMs: (d.meta.bucketSeconds ?? 60) * 1000, edgesMs: d.edgesMs, counts: d.counts, maxCount: d.maxCount } : null;
  const gridRef = useRef(grid);
  gridRef.current = grid;
  const markers = useAlertMarkers(['latency']);
  const plugins = useMemo(
    () => [
      latencyHeatmapPlugin(() => gridRef.current, { time: formatDateTime, latency: formatDurationMs, count: formatCount }),
      ...markers.plugins,
    ],
    [],
  );
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'ms', label: 'latency', log: true, fixedRange: () => (gridRef.current ? heatmapLatencyRange(gridRef.current) : null) },
    // One invisible carrier series: uPlot needs a y series; the plugin draws the cells.
    series: [{ label: 'spans', color: 'rgba(0,0,0,0)', width: 0, noTooltip: true }],
    legend: false,
  };
  const data = useMemo<uPlot.AlignedData | null>(() => (d ? [d.t, d.t.map(() => null)] : null), [d]);
  // The cells are the plugin's, not in `data` (the same times and nulls on every answer): a new grid redraws.
  const gridSerial = useMemo(() => ++heatmapGrids, [d]);
  const what = filters.stages.length ? `stage ${filters.stages.join(', ')}` : 'end to end (genscope.run)';
  return (
    <Panel
      id={id}
      title="Latency heatmap"
      subtitle={`count per time bucket and latency bucket (log scale), ${what}; brighter = more`}
      {...panelStatus(r, () => heatmapHasData(grid))}
      span={6}
    >
      {d && data ? (
        <Chart
          readyId={id}
          spec={spec}
          data={data}
          hasData={heatmapHasData(grid)}
          xRange={[d.meta.fromMs, d.meta.toMs]}
          height={CHART_HEIGHT}
          plugins={plugins}
          redrawKey={`${markers.redrawKey}|${gridSerial}`}
          stale={r.stale}
          onSelectRange={zoomTo}
          onPointClick={(c) => {
            const g = gridRef.current;
            const cell = g ? heatmapCellAt(g, c.xVal, c.yVal) : null;
            if (!g || !cell || cell.count === 0) return;
            const t0 = g.t[cell.i] as number;
            // End to end, a cell is runs of that duration; under a stage filter, the runs of the bucket.
            const durations = filters.stages.length ? {} : { minDurationMs: g.edgesMs[cell.j] ?? 0, maxDurationMs: g.edgesMs[cell.j + 1] ?? null };
            drill({ ...bucketRange(t0, t0 + g.bucketMs), ...durations });
          }}
          ariaLabel="Latency heatmap: time on x, latency on a log scale on y, colour = number of spans"
        />
      ) : null}
      {d && d.maxCount > 0 ? <HeatmapLegend maxCount={d.maxCount} bucketSeconds={d.meta.bucketSeconds} /> : null}
    </Panel>
  );
}

export function CachePanel() {
  const { filters } = useDashboard();
  const id = 'performance-cache';
  const r = usePanelData<CacheResponse>(id, '/performance/cache', panelParams(filters));
  const d = r.data;
  const caches = d?.caches ?? [];
  const data = d ? columns(d.t, caches, d.hitRate) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'ratio', label: 'hit rate', range: 'unit' },
    series: caches.map((c, i) => ({ label: c, color: ['#06b6d4', '#8b5cf6', '#84cc16', '#f97316', '#ec4899'][i % 5] as string })),
    legend: true,
  };
  const overall = d?.overall;
  const summary = overall
    ? overall.caches.map((c, i) => `${c} ${formatRatioAsPercent(overall.hitRate[i] ?? null, 0)}`).join(' · ')
    : '';
  return (
    <Panel
      id={id}
      title="Cache hit rate over time"
      subtitle={summary ? `overall: ${summary}` : 'hits / (hits + misses) per cache (%)'}
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} ariaLabel="Cache hit rate over time by cache" /> : null}
    </Panel>
  );
}

export function BenchmarkDurationsPanel() {
  const { filters } = useDashboard();
  const id = 'performance-benchmarks';
  const r = usePanelData<BenchmarkDurationsResponse>(id, '/performance/benchmarks', benchmarkDurationsParams(filters));
  const d = r.data;
  // Runs sorted by start; one series per model so colours match the other panels.
  const prepared = useMemo(() => {
    if (!d) return null;
    const order = d.t.map((_, i) => i).sort((a, b) => (d.t[a] as number) - (d.t[b] as number));
    const models = [...new Set(order.map((i) => d.model[i] ?? '(unknown model)'))].sort();
    const xs = order.map((i) => d.t[i] as number);
    const cols = models.map((m) => order.map((i) => ((d.model[i] ?? '(unknown model)') === m ? (d.durationMs[i] ?? null) : null)));
    return { order, models, data: [xs, ...cols] as uPlot.AlignedData };
  }, [d]);
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'ms', label: 'duration' },
    series: (prepared?.models ?? []).map((m) => ({ label: m, color: colorFor('model', m), paths: 'points' as const })),
    legend: true,
    footer: (idx) => {
      const i = prepared?.order[idx];
      if (i == null || !d) return null;
      const comps = d.components[i];
      return `${d.id[i]}${comps != null ? ` · ${comps} components · ${formatDurationMs(d.msPerComponent[i] ?? null)}/component` : ''}${d.simulated[i] ? ' · simulated' : ''}`;
    },
  };
  return (
    <Panel
      id={id}
      title="Benchmark run durations"
      subtitle={`wall time of each benchmark pass over the corpus, by model (${durationAxisUnit(Math.max(0, ...(d?.durationMs ?? [0]))).label})`}
      {...panelStatus(r, (x) => x.id.length > 0)}
      span={6}
      emptyText={
        <>
          No benchmark runs in this range — widen the time range, run <code>genscope pipeline</code> for a benchmark pass, or run <code>genscope demo</code>.
        </>
      }
    >
      {d && prepared ? (
        <TimeChart
          readyId={id}
          spec={spec}
          data={prepared.data}
          meta={d.meta}
          stale={r.stale}
          ariaLabel="Benchmark run durations over time (click a point for its runs)"
          drill={(idx) => {
            const i = prepared.order[idx];
            const bench = i == null ? undefined : d.id[i];
            // The benchmark's runs over the whole window (a pass outlasts its plotted instant).
            return bench ? { benchmarkRun: bench, range: filters.range } : null;
          }}
        />
      ) : null}
    </Panel>
  );
}
