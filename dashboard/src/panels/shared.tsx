/**
 * Pieces the panels share: columnar series -> uPlot data, the time-series chart panel, and alert
 * markers for time charts.
 */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart } from '../charts/chart';
import type { ChartSpec, SeriesSpec } from '../charts/chart-options';
import { hasPoints } from '../charts/chart-options';
import { markersPlugin } from '../charts/markers-plugin';
import type { ChartMarker } from '../charts/markers-plugin';
import { changeColor, severityColor } from '../lib/alerts';
import type { AlertTopic } from '../lib/alerts';
import { useDashboard } from '../context';
import type { PointClick } from '../charts/chart';
import { bucketBounds } from '../charts/point-pick';
import { runsFilterFrom } from '../lib/route';
import type { RunsFilter } from '../lib/route';

export const CHART_HEIGHT = 220;

/** [t, ...series[k] for k of keys] with missing series as all-null columns. */
export function columns(t: readonly number[], keys: readonly string[], series: Readonly<Record<string, readonly (number | null)[]>>): uPlot.AlignedData {
  const empty = (): (number | null)[] => new Array<number | null>(t.length).fill(null);
  return [t as number[], ...keys.map((k) => (series[k] as (number | null)[] | undefined) ?? empty())] as uPlot.AlignedData;
}

/** Alert markers of the given topics, as a plugin fixed for the chart's life plus a redraw key. */
/**
 * Markers for a time chart: alert events and detected changes of the given topics (model
 * switches go on every chart that asks for 'quality' or 'cost', as context), as a plugin fixed
 * for the chart's life plus a redraw key.
 */
export function useAlertMarkers(topics: readonly AlertTopic[], scores?: readonly string[]): { plugins: uPlot.Plugin[]; redrawKey: string } {
  const { alerts, changes } = useDashboard();
  // Quality alerts and regressions about one score only mark the charts of that score.
  const scoreOk = (score: string | null): boolean => !scores || score == null || scores.includes(score);
  const wantsSwitches = topics.includes('quality') || topics.includes('cost');
  const markers: ChartMarker[] = [
    ...alerts
      .filter((a) => topics.includes(a.topic) && (a.topic !== 'quality' || scoreOk(a.score)))
      .map((a) => ({ timeMs: a.timeMs, color: severityColor(a.severity), label: `alert ${a.state} (${a.severity}): ${a.rule} — ${a.message}` })),
    ...changes
      .filter((c) => (c.topic === 'switch' ? wantsSwitches : topics.includes(c.topic) && (c.topic !== 'quality' || c.scores.length === 0 || c.scores.some(scoreOk))))
      .map((c) => ({ timeMs: c.timeMs, color: changeColor(c.kind), label: `${c.title}: ${c.message}` })),
  ];
  const ref = useRef(markers);
  ref.current = markers;
  const plugins = useMemo(() => [markersPlugin(() => ref.current)], []);
  return { plugins, redrawKey: markers.map((m) => `${m.timeMs}${m.color}`).join(',') };
}

/** A drill-down: the runs the current filters select, narrowed by `extra` (see lib/route.ts). */
export function useDrill(): (extra: Partial<RunsFilter>) => void {
  const { filters, navigate } = useDashboard();
  return (extra) => navigate({ page: 'runs', runs: runsFilterFrom(filters, extra) });
}

/** The runs filter of a time bucket: a custom range over it. */
export function bucketRange(fromMs: number, toMs: number): Partial<RunsFilter> {
  return { range: { kind: 'custom', fromMs: Math.floor(fromMs), toMs: Math.ceil(toMs) } };
}

export interface TimeChartProps {
  readyId: string;
  spec: ChartSpec;
  data: uPlot.AlignedData;
  meta: { fromMs: number; toMs: number; bucketSeconds?: number | null };
  /**
   * Extra runs filters of a clicked point (series index as in spec.series, or null), or null for
   * no drill-down there. Default: the runs of the clicked time bucket.
   */
  drill?: (idx: number, seriesIdx: number | null) => Partial<RunsFilter> | null;
  stale: boolean;
  ariaLabel: string;
  alertTopics?: readonly AlertTopic[];
  /** Score names the chart shows: quality alerts about other scores are not marked on it. */
  alertScores?: readonly string[];
  height?: number;
}

/** A time chart spanning the panel's window, with drag-to-zoom, click-to-drill-down and alert markers. */
export function TimeChart(p: TimeChartProps) {
  const { zoomTo, colorsReady } = useDashboard();
  const markers = useAlertMarkers(p.alertTopics ?? [], p.alertScores);
  const drill = useDrill();
  const onPointClick = (c: PointClick): void => {
    const bounds = bucketBounds(p.data[0] as number[], c.idx, p.meta.bucketSeconds ? p.meta.bucketSeconds * 1000 : null);
    if (!bounds) return;
    const extra = p.drill ? p.drill(c.idx, c.seriesIdx) : {};
    if (extra === null) return;
    drill({ ...bucketRange(bounds[0], bounds[1]), ...extra });
  };
  if (!colorsReady) return <div class="gs-skeleton" style={{ height: `${p.height ?? CHART_HEIGHT}px` }} aria-label="Loading" />;
  return (
    <Chart
      readyId={p.readyId}
      spec={p.spec}
      data={p.data}
      xRange={[p.meta.fromMs, p.meta.toMs]}
      height={p.height ?? CHART_HEIGHT}
      plugins={markers.plugins}
      redrawKey={markers.redrawKey}
      stale={p.stale}
      ariaLabel={p.ariaLabel}
      onSelectRange={zoomTo}
      onPointClick={onPointClick}
    />
  );
}

export function seriesSpecs(keys: readonly string[], color: (k: string) => string, extra: Partial<SeriesSpec> = {}): SeriesSpec[] {
  return keys.map((k) => ({ label: k, color: color(k), ...extra }));
}

export function bucketWords(seconds: number | null): string {
  if (!seconds) return 'bucket';
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} h`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} min`;
  return `${seconds} s`;
}

export { hasPoints };
