/**
 * Builds uPlot options from a small declarative chart spec: time or numeric x, y axes with units
 * in their labels and tick values, lines / bars / stacked series with the dashboard's colours,
 * the exact-value tooltip, and theme-aware axis colours (read at draw time, so a theme switch is
 * a redraw, not a rebuild). Stacking happens on the data (stackData), the tooltip shows the
 * unstacked values.
 */
import uPlot from 'uplot';
import { DURATION_INCRS_MS, displayTimeZone, durationAxisUnit, formatDateTime, formatDurationMs, formatTick, formatValue, logSplits, unitSuffix } from '../lib/format';
import type { Unit } from '../lib/format';
import { withAlpha } from '../lib/colors';
import { chartTheme } from '../lib/theme';
import { tooltipPlugin } from './tooltip-plugin';

export type SeriesPaths = 'line' | 'bars' | 'step' | 'points';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Unit of this series' values in the tooltip; default: its axis unit. */
  unit?: Unit;
  /** Fill under the line: alpha of the fill (stacked series are filled solid). */
  fill?: number;
  dash?: number[];
  width?: number;
  scale?: 'y' | 'y2';
  paths?: SeriesPaths;
  /** Hidden from the tooltip (helper series such as a budget line still show in the legend). */
  noTooltip?: boolean;
  /**
   * Draw lines across empty buckets (default true for lines: batch pipelines report in bursts,
   * and a sampled measurement between bursts is unknown, not zero). Isolated points are always
   * drawn as dots, so a lone value never leaves an empty-looking chart.
   */
  spanGaps?: boolean;
}

export interface AxisSpec {
  unit: Unit;
  label: string;
  /** 'zero': from 0 to the data max (costs, counts, latency); 'unit': inside [0, 1] (rates, scores); 'auto'. */
  range?: 'zero' | 'unit' | 'auto';
  log?: boolean;
  /** A range decided by the caller (e.g. the heatmap's populated latency buckets); wins over `range`. */
  fixedRange?: () => [number, number] | null;
}

export type XSpec =
  | { kind: 'time' }
  | { kind: 'number'; unit: Unit; label: string; tick?: (v: number) => string; title?: (v: number, idx: number) => string };

export interface ChartSpec {
  x: XSpec;
  y: AxisSpec;
  y2?: AxisSpec;
  series: SeriesSpec[];
  /** Series are stacked (data must go through stackData). */
  stacked?: boolean;
  legend?: boolean;
  /** Extra line under the tooltip values. */
  footer?: (idx: number) => string | null;
}

/**
 * Axis labels are drawn on the canvas: the y label (its unit follows the data) is also written to
 * the chart root as data-y-label, so the page (and its tests) can read which unit the axis shows.
 */
function axisLabelPlugin(): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const a = u.axes[1] as { label?: string | ((self: uPlot, axisIdx: number) => string) } | undefined;
        const l = typeof a?.label === 'function' ? a.label(u, 1) : a?.label;
        if (l) u.root.dataset.yLabel = l;
      },
    },
  };
}

export interface BuildContext {
  width: number;
  height: number;
  /** Current x range to show (the selected window), or null for the data extent. */
  getXRange: () => [number, number] | null;
  /** The values the tooltip reports (unstacked); index 0 is x. */
  getRawData: () => uPlot.AlignedData | null;
  plugins?: uPlot.Plugin[];
}

/** A stable identity of everything that needs a rebuild (series count, labels, colours, axes). */
export function specShapeKey(spec: ChartSpec): string {
  return JSON.stringify([spec.x.kind, spec.y, spec.y2, spec.stacked, spec.legend, spec.series.map((s) => [s.label, s.color, s.paths, s.scale, s.fill, s.dash])]);
}

/**
 * Stacks series for drawing: plotted series i = sum of raw series i..n-1, so drawing 1..n in
 * order paints the tallest first and each segment shows through on top. Nulls count as 0 unless
 * every series is null at that x (a gap stays a gap).
 */
export function stackData(data: uPlot.AlignedData): uPlot.AlignedData {
  const xs = data[0];
  const n = xs.length;
  const k = data.length - 1;
  const out: (number | null)[][] = [];
  for (let s = 0; s < k; s++) out.push(new Array<number | null>(n).fill(null));
  for (let i = 0; i < n; i++) {
    let acc = 0;
    let any = false;
    for (let s = k - 1; s >= 0; s--) {
      const v = (data[s + 1] as (number | null | undefined)[])[i];
      if (v != null) {
        acc += v;
        any = true;
      }
      (out[s] as (number | null)[])[i] = any ? acc : null;
    }
    if (!any) for (let s = 0; s < k; s++) (out[s] as (number | null)[])[i] = null;
  }
  return [xs, ...out] as uPlot.AlignedData;
}

/**
 * Indexes of values with no neighbour on either side: a line cannot show them, so they are drawn
 * as dots. Null when there are none (uPlot then draws no points).
 */
export function isolatedIndexes(ys: ArrayLike<number | null | undefined>): number[] | null {
  let out: number[] | null = null;
  let prev: number | null | undefined = null;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    const next = i + 1 < ys.length ? ys[i + 1] : null;
    if (v != null && prev == null && next == null) (out ??= []).push(i);
    prev = v;
  }
  return out;
}

/** True when at least one series has a finite value: a chart with only gaps is empty. */
/**
 * Same columns, value for value. Panels rebuild their columns on every render (the app re-renders
 * them when filter options, alerts or the live clock change); the chart is fed and redrawn only
 * when the numbers changed.
 */
export function sameData(a: uPlot.AlignedData | null, b: uPlot.AlignedData | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let s = 0; s < a.length; s++) {
    const x = a[s] as ArrayLike<number | null | undefined>;
    const y = b[s] as ArrayLike<number | null | undefined>;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  return true;
}

export function hasPoints(data: uPlot.AlignedData | null): boolean {
  if (!data || data.length < 2 || data[0].length === 0) return false;
  for (let s = 1; s < data.length; s++) {
    const ys = data[s] as ArrayLike<number | null | undefined>;
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i];
      if (v != null && Number.isFinite(v)) return true;
    }
  }
  return false;
}

function mixWithSurface(hex: string, amount: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  const bg = /^#([0-9a-f]{6})$/i.exec(chartTheme().surface);
  if (!m || !bg) return withAlpha(hex, amount);
  const a = parseInt(m[1] as string, 16);
  const b = parseInt(bg[1] as string, 16);
  const ch = (sh: number): number => Math.round(((a >> sh) & 255) * amount + ((b >> sh) & 255) * (1 - amount));
  return `rgb(${ch(16)}, ${ch(8)}, ${ch(0)})`;
}

function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx];
  if (!axis) return 40;
  // Once values are known, size the axis to the widest label (uPlot calls this until stable).
  if (cycleNum > 1) return (axis as { _size?: number })._size ?? 40;
  let size = (axis.ticks?.size ?? 0) + (axis.gap ?? 5);
  if (values && values.length) {
    u.ctx.font = (axis.font as string) ?? chartTheme().font;
    let longest = 0;
    for (const v of values) longest = Math.max(longest, u.ctx.measureText(v ?? '').width);
    size += longest / devicePixelRatio;
  }
  return Math.ceil(size) + 4;
}

function yRange(spec: AxisSpec): uPlot.Scale.Range | undefined {
  const fixed = spec.fixedRange;
  if (fixed) return (_u, min, max) => fixed() ?? [min, max];
  if (spec.log) return undefined;
  const mode = spec.range ?? 'zero';
  if (mode === 'auto') return undefined;
  if (mode === 'unit') {
    return (_u, min, max) => {
      if (min == null || max == null || !Number.isFinite(min)) return [0, 1];
      const pad = Math.max(0.02, (max - min) * 0.1);
      return [Math.max(0, Math.floor((min - pad) * 20) / 20), Math.min(1, Math.ceil((max + pad) * 20) / 20)];
    };
  }
  return (_u, _min, max) => {
    if (max == null || !Number.isFinite(max) || max <= 0) return [0, 1];
    return uPlot.rangeNum(0, max, 0.1, true) as [number, number];
  };
}

function makeAxis(spec: AxisSpec, scale: string, side: 1 | 3, grid: boolean): uPlot.Axis {
  const th = chartTheme;
  const common = {
    scale,
    side,
    labelSize: 18,
    labelFont: th().labelFont,
    font: th().font,
    stroke: () => th().axis,
    grid: { show: grid, stroke: () => th().grid, width: 1 },
    ticks: { show: false },
    gap: 4,
    size: axisSize,
  };
  if (spec.unit === 'ms' && spec.log) {
    // Log latency: ticks at 1-2-5 x 10^k, each with its own unit (0.5 ms ... 2 s).
    return {
      ...common,
      label: `${spec.label} (log scale)`,
      splits: (u) => logSplits(u.scales[scale]?.min ?? 1, u.scales[scale]?.max ?? 10),
      values: (_u, splits) => splits.map((v) => (v == null ? '' : formatDurationMs(v))),
    };
  }
  if (spec.unit === 'ms') {
    // Linear durations: one display unit per axis (ms, s, min or h) chosen from the scale's max,
    // named in the axis label; ticks are plain numbers on round steps of that unit.
    const unitOf = (u: uPlot): { label: string; divisor: number } => durationAxisUnit(u.scales[scale]?.max ?? 0);
    return {
      ...common,
      label: (u) => `${spec.label} (${unitOf(u).label})`,
      incrs: DURATION_INCRS_MS,
      values: (u, splits) => {
        const { divisor } = unitOf(u);
        return splits.map((v) => (v == null ? '' : formatAxisNumber(v / divisor)));
      },
    };
  }
  return {
    ...common,
    values: (_u, splits) => splits.map((v) => (v == null ? '' : formatTick(v, spec.unit))),
  };
}

function formatAxisNumber(v: number): string {
  const a = Math.abs(v);
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3 }).format(v);
}

function pathsFor(kind: SeriesPaths | undefined, barCount: number): uPlot.Series.PathBuilder | undefined {
  const p = uPlot.paths;
  switch (kind) {
    case 'bars':
      // Bars fill most of their slot; a 1 px gap keeps neighbours apart even when thin.
      return p.bars?.({ size: [barCount > 1 ? 0.9 : 0.75, 48], gap: 1 });
    case 'step':
      return p.stepped?.({ align: 1 });
    case 'points':
      return () => null;
    default:
      return undefined;
  }
}

export function buildOptions(spec: ChartSpec, ctx: BuildContext): uPlot.Options {
  const th = chartTheme;
  const isTime = spec.x.kind === 'time';
  const xSpec = spec.x;
  const yUnit = spec.y.unit;
  const series: uPlot.Series[] = [{}];
  for (const s of spec.series) {
    const solid = spec.stacked;
    const fillAlpha = s.fill;
    const isBars = s.paths === 'bars';
    series.push({
      label: s.label,
      scale: s.scale ?? 'y',
      stroke: s.color,
      width: s.width ?? (isBars ? 0 : 1.5),
      dash: s.dash,
      fill: isBars || solid ? () => (isBars && !solid ? withAlpha(s.color, 0.85) : mixWithSurface(s.color, 0.8)) : fillAlpha ? withAlpha(s.color, fillAlpha) : undefined,
      paths: pathsFor(s.paths, spec.series.length),
      points:
        s.paths === 'points'
          ? { show: true, size: 6, fill: s.color, stroke: s.color }
          : isBars
            ? { show: false }
            : { show: false, size: 5, fill: s.color, stroke: s.color, filter: (u: uPlot, si: number) => isolatedIndexes(u.data[si] as ArrayLike<number | null | undefined>) },
      spanGaps: isBars ? false : (s.spanGaps ?? true),
    });
  }

  const scales: uPlot.Scales = {
    x: isTime
      ? {
          time: true,
          range: (_u, min, max) => {
            const r = ctx.getXRange();
            return r ?? [min, max];
          },
        }
      : { time: false },
    y: { distr: spec.y.log ? 3 : 1, log: 10, range: yRange(spec.y) },
  };
  if (spec.y2) scales.y2 = { distr: 1, range: yRange(spec.y2) };

  const axes: uPlot.Axis[] = [
    {
      scale: 'x',
      font: th().font,
      stroke: () => th().axis,
      grid: { show: true, stroke: () => th().grid, width: 1 },
      ticks: { show: false },
      gap: 4,
      // Two lines on time axes: the date, and the year or day under the first tick.
      size: isTime ? 34 : 24,
      space: isTime ? 70 : 40,
      ...(isTime
        ? {}
        : {
            label: `${xSpec.kind === 'number' ? xSpec.label : ''} (${unitSuffix(xSpec.kind === 'number' ? xSpec.unit : 'count')})`,
            labelSize: 16,
            labelFont: th().labelFont,
            size: 20,
            values: (_u: uPlot, splits: number[]) => splits.map((v) => (xSpec.kind === 'number' ? (xSpec.tick?.(v) ?? formatTick(v, xSpec.unit)) : String(v))),
          }),
    },
    makeAxis(spec.y, 'y', 3, true),
  ];
  if (spec.y2) axes.push(makeAxis(spec.y2, 'y2', 1, false));

  const raw = (): uPlot.AlignedData | null => ctx.getRawData();
  const unitOf = (u: uPlot, s: number): Unit => {
    const ss = spec.series[s - 1];
    if (ss?.unit) return ss.unit;
    return u.series[s]?.scale === 'y2' && spec.y2 ? spec.y2.unit : yUnit;
  };

  const tooltip = tooltipPlugin({
    title: (u, idx) => {
      const xv = (raw() ?? u.data)[0][idx];
      if (xv == null) return '';
      if (isTime) return formatDateTime(xv);
      return xSpec.kind === 'number' && xSpec.title ? xSpec.title(xv, idx) : formatValue(xv, xSpec.kind === 'number' ? xSpec.unit : 'count');
    },
    value: (u, s, idx) => {
      if (spec.series[s - 1]?.noTooltip) return null;
      const col = (raw() ?? u.data)[s] as ArrayLike<number | null | undefined> | undefined;
      const v = col?.[idx];
      if (v == null) return null;
      return formatValue(v, unitOf(u, s));
    },
    footer: spec.footer ? (_u, idx) => spec.footer?.(idx) ?? null : undefined,
  });

  return {
    width: ctx.width,
    height: ctx.height,
    ms: 1,
    // Time axes in the page's one time zone (charts are rebuilt when it changes).
    tzDate: (ts: number) => (displayTimeZone() === 'utc' ? uPlot.tzDate(new Date(ts), 'Etc/UTC') : new Date(ts)),
    series,
    scales,
    axes,
    padding: [8, spec.y2 ? 4 : 12, 0, 4],
    legend: { show: spec.legend ?? spec.series.length > 1, live: false },
    cursor: {
      points: { size: 7, width: 2 },
      drag: { x: false, y: false, setScale: false },
      focus: { prox: 24 },
    },
    focus: { alpha: 0.35 },
    plugins: [tooltip, axisLabelPlugin(), ...(ctx.plugins ?? [])],
  };
}
